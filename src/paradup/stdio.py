"""Standard streams set up before anything else runs (kept tiny: every command imports it)."""

from __future__ import annotations

import contextlib
import sys


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
