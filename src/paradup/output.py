"""Writing a report file: never over an input, never half-written. Shared by check and hook."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import UsageError
from .read import STDIN_NAME


def refuse_input_as_output(output: Path, inputs: Iterable[str | os.PathLike[str]]) -> None:
    """The report must never replace a file the run reads (an article, the index, the config):
    compare real paths (symlinks, `./a.md`, other spellings) and, for an existing output,
    device and inode (hard links)."""
    target = os.path.realpath(output)
    exists = os.path.exists(output)
    for f in inputs:
        if str(f) == STDIN_NAME:
            continue
        same = os.path.realpath(f) == target
        if not same and exists:
            try:
                same = os.path.samefile(f, output)
            except OSError:
                same = False
        if same:
            raise UsageError(
                f"{output}: --output is the input file {f}; write the report to another path"
            )


def write_report(output: Path, text: str) -> None:
    """Write the report atomically: a temporary file beside it, then a rename, so a failure
    (disk full, interrupt) never leaves a truncated report or destroys the previous one."""
    data = text.encode("utf-8")
    try:
        if os.path.exists(output) and not os.path.isfile(output):
            # A device or pipe (/dev/stdout, a FIFO) cannot be replaced by a rename.
            with open(output, "wb") as fh:
                fh.write(data)
            return
        target = os.path.realpath(output)  # a symlinked report path keeps its link
        fd, tmp = tempfile.mkstemp(
            dir=os.path.dirname(target), prefix=f".{os.path.basename(target)}.", suffix=".tmp"
        )
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            # mkstemp makes 0600: keep a replaced report's mode, else what open() would give.
            try:
                mode = os.stat(target).st_mode & 0o7777
            except FileNotFoundError:
                umask = os.umask(0)
                os.umask(umask)
                mode = 0o666 & ~umask
            os.chmod(tmp, mode)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        why = exc.strerror or str(exc)
        raise UsageError(f"{output}: cannot write the report ({why}); check --output") from None


@contextlib.contextmanager
def stdout_report(fix: str = "free space where it goes or pass --output") -> Iterator[None]:
    """Write a report to stdout. A reader that stops early (`| head -1`) has what it wanted:
    the run ends quietly with its usual exit code, as `audit` does. Any other failure (a full
    disk under `> file`) is one line. Either way stdout is pointed at the null device, so that
    Python's flush at exit does not print a traceback about the same broken stream."""
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        _discard_stdout()
    except OSError as exc:
        _discard_stdout()
        why = exc.strerror or str(exc)
        raise UsageError(f"stdout: cannot write the report ({why}); {fix}") from None


def _discard_stdout() -> None:
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
