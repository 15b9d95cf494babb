"""Standard streams set up before anything else runs (kept tiny: every command imports it)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator


def is_utf8(stream: object) -> bool:
    """Whether a text stream encodes as UTF-8 (any spelling of the name)."""
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
    return encoding in ("utf8", "utf8sig")


def safe_stdio() -> None:
    """A stdout or stderr that cannot encode every character (a GBK console, a cp936 pipe on
    Chinese Windows, PYTHONIOENCODING=ascii) prints what it cannot as escapes (`∅` → `\u2205`)
    instead of ending the run with a UnicodeEncodeError traceback and exit 1, which reads as
    "findings"."""
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and not is_utf8(stream):
            with contextlib.suppress(AttributeError, ValueError, OSError):
                stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]


def terminate_as_interrupt() -> None:
    """SIGTERM (CI timeouts, `timeout`, a killed job) is handled as Ctrl-C: the same clean-up
    runs (a half-written `-o` report's temporary file is removed, an index batch is rolled
    back) and the same "interrupted" line and exit 130. Python's default left hidden
    `.report.html.XXXX.tmp` files behind. Worker processes keep dying at once."""
    import os
    import signal

    main = os.getpid()

    def interrupt(signum: int, frame: object) -> None:
        if os.getpid() != main:  # a forked worker inherited this handler
            os._exit(128 + signum)
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError, OSError):  # not the main thread, or no such signal
        signal.signal(signal.SIGTERM, interrupt)


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the block ends (they act then): for steps that must
    finish once begun, such as moving a rebuilt index into place and unlocking it. Python's
    handlers are swapped, not the signal mask: a mask is per thread, and rich's progress
    thread took the signal while the main thread held it. Only in the main thread."""
    import os
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    got: list[signal.Signals] = []

    def hold(signum: int, frame: object) -> None:
        got.append(signal.Signals(signum))

    held = (signal.SIGINT, signal.SIGTERM)
    old = {s: signal.signal(s, hold) for s in held}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
        if got:
            handler = old[got[0]]
            if callable(handler):
                handler(got[0], None)  # raises KeyboardInterrupt, as it would have
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), got[0])


def folder_output(argv: list[str]) -> str | None:
    """An `-o`/`--output` value that ends in a path separator (`-o out/`): the path type drops
    the slash, so the report was written to a file named `out`."""
    import os

    seps = tuple({"/", os.sep})
    for k, arg in enumerate(argv):
        if arg == "--":
            break
        value = None
        if arg in ("-o", "--output") and k + 1 < len(argv):
            value = argv[k + 1]
        elif arg.startswith("--output="):
            value = arg.split("=", 1)[1]
        elif arg.startswith("-o") and len(arg) > 2 and not arg.startswith("--"):
            value = arg[2:]
        if value and value.endswith(seps):
            return value
    return None
