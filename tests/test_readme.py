"""The README's quick start: its first command works on a fresh machine, its second is CI's."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

README = ROOT / "README.md"
CI_RUN = ROOT / ".ci" / "run"


def quick_start() -> list[str]:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"## Quick start\s+```bash\n(.*?)```", text, re.S)
    assert block, "README has no '## Quick start' bash block"
    return [ln for ln in block.group(1).strip().splitlines() if ln.strip()]


def test_quick_start_has_exactly_two_commands() -> None:
    commands = quick_start()
    assert len(commands) == 2, commands
    assert all(not c.lstrip().startswith("#") for c in commands)


def test_second_command_is_what_ci_runs() -> None:
    script = CI_RUN.read_text(encoding="utf-8")
    snippet = re.search(r"<<'PY'\n(.*?)\nPY\n", script, re.S)
    assert snippet, ".ci/run no longer extracts the test command from the README"
    proc = subprocess.run(
        [sys.executable, "-c", snippet.group(1)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stdout.strip() == quick_start()[1]
    assert 'eval "$TEST_CMD"' in script
    assert "pytest" in quick_start()[1]


def _project_files() -> list[str]:
    """Tracked files plus new, not ignored ones: what a fresh clone of this work would hold."""
    proc = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    names = [n for n in proc.stdout.decode("utf-8").split("\0") if n]
    return [n for n in names if (ROOT / n).is_file()]


@pytest.mark.slow
def test_first_command_on_a_fresh_machine(tmp_path: Path) -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs the project's git checkout to know its files")
    repo = tmp_path / "paradup"
    for name in _project_files():
        dest = repo / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, dest)
    venv = tmp_path / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", str(venv)], check=True, timeout=300)
    bindir = venv / "bin"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")
    }
    env.update(
        PATH=f"{bindir}{os.pathsep}{env.get('PATH', '')}",
        VIRTUAL_ENV=str(venv),
        COLUMNS="200",
        NO_COLOR="1",
    )
    command = quick_start()[0]
    proc = subprocess.run(
        ["bash", "-c", command],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out[-4000:]  # 1: the sample restates itself
    assert "复制比" in proc.stdout
    assert "restates" in proc.stdout
    # It ran the freshly installed command, not this environment's.
    assert (bindir / "paradup").exists()
