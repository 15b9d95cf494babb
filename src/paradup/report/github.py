"""GitHub Actions workflow commands: one `::error` annotation per finding, on the later passage."""

from __future__ import annotations

import os
from collections.abc import Collection

from ..model import CheckResult, Finding
from . import one_line, printable_result, relative_to
from .sarif import end_position

EXCERPT = 60


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding, level: str = "error", root: str | None = None) -> str:
    end_line, end_col = end_position(f.b)
    flat = " ".join(f.a.text.split())
    excerpt = flat if len(flat) <= EXCERPT else flat[: EXCERPT - 1] + "…"
    # Columns only on a one-line span: GitHub drops col/endColumn when the lines differ.
    one = end_line == f.b.line
    props = ",".join(
        [
            # Relative to the root (the checkout) when under it.
            f"file={_escape_property(relative_to(f.b.path, root or os.getcwd()))}",
            f"line={f.b.line}",
            *([f"col={f.b.column}"] if one else []),
            f"endLine={end_line}",
            *([f"endColumn={end_col}"] if one else []),
            f"title={_escape_property('paradup: restated passage')}",
        ]
    )
    where = relative_to(f.a.path, root or os.getcwd())
    msg = (
        f"restates {where}:{f.a.line}:{f.a.column} "
        f"(similarity {f.similarity:.2f}, {f.kind}): {excerpt}"
    )
    return f"::{level} {props}::{_escape_data(one_line(msg))}"


def render(
    result: CheckResult,
    new: Collection[int] | None = None,
    failing: Collection[str] | None = None,
    root: str | None = None,
) -> str:
    """An annotation per finding; with `new` (the hook), per new finding only, as the text
    report leaves the baselined and earlier ones out (a baseline of 94 pairs printed 94
    notices on every run), and with `failing`, an error only in a file that fails the gate,
    a warning elsewhere (under a passing `--max-ratio`, errors on a green job). Paths are
    placed from `root` (the working directory by default)."""
    shown = printable_result(result)
    lines = []
    for i, (f, s) in enumerate(zip(result.findings, shown.findings, strict=True)):
        if new is not None and i not in new:
            continue
        level = "error" if failing is None or f.b.path in failing else "warning"
        lines.append(annotation(s, level, root))
    return "".join(line + "\n" for line in lines)
