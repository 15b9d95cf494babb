"""Commands that print to stdout: a reader that stops early (`| head -1`) ends the run quietly
with its usual exit code, and a stdout that cannot be written (a full disk) is one line, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import RESTATED, bounded_project, one_line_error, paradup_exe


def _commands(project: Path) -> dict[str, tuple[list[str], int]]:
    """argv and the exit code it has when stdout is fine (the hook runs in a git work tree)."""
    (project / ".git").rmdir()
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    (project / "a.txt").write_text(RESTATED, encoding="utf-8")
    exe = paradup_exe()
    return {
        "config": ([exe, "config"], 0),
        "hook": ([exe, "hook", "a.txt"], 1),
    }


def _run(argv: list[str], cwd: Path, stdout: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        cwd=cwd,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=300,
    )


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes")
@pytest.mark.parametrize("name", ["config", "hook"])
def test_closed_pipe_keeps_the_exit_code(tmp_path: Path, name: str) -> None:
    """click's EPIPE handler answered exit 1 for `paradup config | head -1`."""
    project = bounded_project(tmp_path)
    argv, code = _commands(project)[name]
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written
    try:
        proc = _run(argv, project, write_end)
    finally:
        os.close(write_end)
    assert proc.stderr == ""
    assert proc.returncode == code


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_full_stdout_is_one_line(tmp_path: Path) -> None:
    """`paradup hook a.txt > /dev/full` printed a traceback (config: tests/test_cli_review.py)."""
    project = bounded_project(tmp_path)
    argv, _code = _commands(project)["hook"]
    with open("/dev/full", "wb") as full:
        proc = _run(argv, project, full.fileno())
    one_line_error(proc, "stdout", "No space left on device")
