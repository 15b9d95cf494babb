"""Writing a report file: never over an input, never half-written. Shared by check and hook."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO, TypeVar

from .errors import UsageError
from .read import STDIN_NAME

E = TypeVar("E")


def refuse_input_as_output(
    output: Path, inputs: Iterable[str | os.PathLike[str]], label: str = "the input file {}"
) -> None:
    """The report must never replace a file the run reads (an article, the index, the config):
    compare real paths (symlinks, `./a.md`, other spellings) and, for an existing output,
    device and inode (hard links). `label` names the input in the error (`{}` is its path)."""
    target = os.path.realpath(output)
    exists = os.path.exists(output)
    for f in inputs:
        if str(f) == STDIN_NAME:
            # `paradup check - -o a.md < a.md`: stdin is that file (device and inode).
            if exists and _stdin_is(output):
                raise UsageError(
                    f"{output}: --output is the file read from stdin; write the report to "
                    "another path"
                )
            continue
        same = os.path.realpath(f) == target
        if not same and exists:
            try:
                same = os.path.samefile(f, output)
            except OSError:
                same = False
        if same:
            what = label.replace("{}", str(f))
            raise UsageError(f"{output}: --output is {what}; write the report to another path")


def _stdin_is(path: Path) -> bool:
    import stat

    try:
        st_in, st_out = os.fstat(0), os.stat(path)
    except OSError:  # stdin closed, or the output unreadable: nothing to compare
        return False
    return stat.S_ISREG(st_in.st_mode) and (st_in.st_dev, st_in.st_ino) == (
        st_out.st_dev,
        st_out.st_ino,
    )


def writable(output: Path, what: str = "the report") -> None:
    """Refuse at once a report path that cannot be written (a folder, a missing or read-only
    folder): an audit found out after minutes of clustering. `report_file` still reports
    what happens later (a full disk)."""
    if os.path.isdir(output):
        raise UsageError(f"{output}: cannot write {what} (Is a directory); name a file in it")
    if os.path.exists(output) and not os.path.isfile(output):
        ok = os.access(output, os.W_OK)  # a device or FIFO, written as it is
    else:  # written beside it, then renamed over it: the folder must take a new file
        folder = os.path.dirname(os.path.realpath(output))
        if not os.path.isdir(folder):
            raise UsageError(
                f"{output}: cannot write {what} (no folder {folder}); create it or name another"
            )
        ok = os.access(folder, os.W_OK | os.X_OK)
    if not ok:
        raise UsageError(f"{output}: cannot write {what} (Permission denied); name another file")


@contextlib.contextmanager
def report_file(
    output: Path, what: str = "the report", fix: str = "check --output"
) -> Iterator[TextIO]:
    """A text stream into a temporary file beside `output`, renamed over it only when the
    report is complete: a failure half-way (a full disk, an interrupt, an audit error) never
    leaves a truncated report nor destroys the previous one. A device or FIFO (/dev/stdout) is
    written as it is (a rename cannot replace it). An OSError is one line: "cannot write
    `what`", then `fix`."""

    def fail(exc: OSError) -> UsageError:
        why = exc.strerror or str(exc)
        return UsageError(f"{output}: cannot write {what} ({why}); {fix}")

    if os.path.isdir(output):
        raise UsageError(f"{output}: cannot write {what} (Is a directory); {fix}")
    if os.path.exists(output) and not os.path.isfile(output):
        try:
            fh = open(output, "w", encoding="utf-8", newline="")  # noqa: SIM115
        except OSError as exc:
            raise fail(exc) from None
        with fh:
            yield fh
        return
    target = os.path.realpath(output)  # a symlinked report path keeps its link
    try:
        fd, tmp = tempfile.mkstemp(
            dir=os.path.dirname(target), prefix=f".{os.path.basename(target)}.", suffix=".tmp"
        )
    except OSError as exc:
        raise fail(exc) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
        try:  # mkstemp makes 0600: keep a replaced report's mode, else what open() gives
            mode = os.stat(target).st_mode & 0o7777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except OSError as exc:  # the last flush on close, or the rename
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise fail(exc) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_report(
    output: Path, text: str, what: str = "the report", fix: str = "check --output"
) -> None:
    """Write a whole report atomically (`report_file`)."""
    with report_file(output, what, fix) as fh:
        fh.write(text)


@contextlib.contextmanager
def stdout_report(fix: str = "free space where it goes or pass --output") -> Iterator[None]:
    """Write a report to stdout. A reader that stops early (`| head -1`) has what it wanted:
    the run ends quietly with its usual exit code, as `audit` does. Any other failure (a full
    disk under `> file`) is one line. Either way stdout is pointed at the null device, so that
    Python's flush at exit does not print a traceback about the same broken stream."""
    if sys.stdout is None:  # `>&-`: nowhere to write (sys.stdout.write raised AttributeError)
        raise UsageError("stdout: is closed; redirect it to a file or pass --output")
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        discard_stdout()
    except OSError as exc:
        discard_stdout()
        why = exc.strerror or str(exc)
        raise UsageError(f"stdout: cannot write the report ({why}); {fix}") from None


def discard_stdout() -> None:
    """Point stdout at the null device: a reader that closed the pipe has what it wanted, and
    the interpreter's final flush must not fail on it."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def write_data(text: str) -> None:
    """A machine-readable report (JSON, SARIF, HTML) to stdout, always as UTF-8: what JSON
    and SARIF readers expect; a GBK or ASCII stdout would take escapes that are not JSON."""
    from .stdio import is_utf8

    buffer = getattr(sys.stdout, "buffer", None)
    if is_utf8(sys.stdout) or buffer is None:
        sys.stdout.write(text)
        return
    sys.stdout.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()


def by_suffix(output: object, table: dict[str, E], default: E) -> E:
    """The report format an `-o` file's suffix names, when `--format` is not given: `-o
    clusters.csv` wrote the terminal summary into the CSV file."""
    if output is None:
        return default
    return table.get(os.path.splitext(str(output))[1].lower(), default)
