from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "unicom_warning_meeting.txt"


def paradup_exe() -> str:
    """The installed console script next to this interpreter (falls back to PATH)."""
    here = Path(sys.executable).parent / "paradup"
    return str(here) if here.exists() else (shutil.which("paradup") or "paradup")


def run_paradup(
    *args: str, stdin: bytes | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [paradup_exe(), *args],
        input=stdin.decode("utf-8", "surrogateescape") if stdin is not None else None,
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},
        timeout=300,
    )


@pytest.fixture
def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")
