from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "unicom_warning_meeting.txt"


def paradup_exe() -> str:
    """The installed console script next to this interpreter (falls back to PATH)."""
    here = Path(sys.executable).parent / "paradup"
    return str(here) if here.exists() else (shutil.which("paradup") or "paradup")


def run_paradup(
    *args: str,
    stdin: bytes | None = None,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the installed command; `stdin` is passed as raw bytes (any encoding)."""
    proc = subprocess.run(
        [paradup_exe(), *args],
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        cwd=cwd or ROOT,
        env={
            **(os.environ if env is None else env),
            "COLUMNS": "200",
            "NO_COLOR": "1",
            "PYTHONIOENCODING": "utf-8",
        },
        timeout=300,
    )
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    )


@pytest.fixture
def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: takes a minute or more (fresh virtualenv); still runs in CI by default"
    )


def check_json(
    *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> tuple[int, dict[str, Any], str]:
    """Run `paradup check ... --format json`; return (exit code, parsed report, stderr)."""
    proc = run_paradup("check", *args, "--format", "json", stdin=stdin, env=env)
    data: dict[str, Any] = json.loads(proc.stdout) if proc.stdout.strip() else {}
    return proc.returncode, data, proc.stderr


# A short article whose second paragraph restates the first with light edits.
RESTATED = (
    "市交通局今天宣布，地铁五号线南延段将于下月底开通试运营，沿线新增六座车站。\n\n"
    "据介绍，新线路开通后，南部新城到市中心的通勤时间将缩短约二十分钟。\n\n"
    "市交通局今日宣布，地铁五号线南延段将在下月底开通试运营，沿线将新增六座车站。\n"
)


def one_line_error(proc: subprocess.CompletedProcess[str], *words: str) -> str:
    """Assert exit 2 with one stderr line (no traceback) holding each of `words`; return it."""
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip("\n").splitlines()
    assert len(lines) == 1, proc.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])
    return lines[0]


def bounded_project(tmp_path: Path) -> Path:
    """A directory that bounds config discovery (the walk stops at `.git`)."""
    (tmp_path / ".git").mkdir()
    return tmp_path


def _java() -> bool:
    """Whether pyspark can start a JVM: `java` on PATH, or JAVA_HOME."""
    home = os.environ.get("JAVA_HOME")
    return bool(
        shutil.which("java") or (home and os.path.exists(os.path.join(home, "bin", "java")))
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The Spark tests start a real JVM: without Java they are skipped with the fix (and fail
    run under CI, whose .ci/run installs one), instead of failing on a machine that lacks it."""
    if _java() or os.environ.get("CI"):
        return
    reason = "the Spark tests need Java 17+ (apt-get install default-jre-headless)"
    for item in items:
        if item.path.name.startswith("test_spark"):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    """A real local[2] Spark session per test module (tests/test_spark*.py)."""
    from paradup.spark_engine import spark_session

    session = spark_session(
        "local[2]", {"spark.sql.shuffle.partitions": "4", "spark.ui.enabled": "false"}
    )
    yield session
    session.stop()
