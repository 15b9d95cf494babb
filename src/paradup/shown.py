"""How text from outside (file names, article text) is shown on one line of a report or log."""

from __future__ import annotations

import os


def printable(path: str) -> str:
    """A path that encodes as UTF-8. A file name with undecodable bytes reaches us
    surrogate-escaped (PEP 383), which no UTF-8 stream can write: show those bytes as `\\xff`."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        pass
    try:
        raw = os.fsencode(path)
    except UnicodeEncodeError:  # a lone surrogate that is not an escaped byte
        return path.encode("utf-8", "backslashreplace").decode("ascii")
    return raw.decode("utf-8", "backslashreplace")


# What a log or terminal would act on: C0 controls (line breaks too), DEL, C1 controls and the
# Unicode line and paragraph separators. Shown as pictures (␊, ␛) they can neither start a line
# of a CI log (GitHub runs a line beginning `::` as a workflow command: a file name could
# forge an annotation) nor drive a terminal (escape sequences in an article).
_CONTROLS = {c: 0x2400 + c for c in range(0x20)}
_CONTROLS.update({0x7F: 0x2421, 0x2028: 0x2424, 0x2029: 0x2424})
_CONTROLS.update({c: 0xFFFD for c in range(0x80, 0xA0)})


def one_line(text: str) -> str:
    """`text` (a path, an excerpt) for one line of a report: printable, controls as pictures."""
    return printable(text).translate(_CONTROLS)
