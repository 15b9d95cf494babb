"""GitHub Actions workflow commands: one `::error` annotation per finding, on the later passage."""

from __future__ import annotations

from collections.abc import Collection

from ..model import CheckResult, Finding
from . import printable_result
from .sarif import end_position

EXCERPT = 60


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding, level: str = "error") -> str:
    end_line, end_col = end_position(f.b)
    excerpt = f.a.text if len(f.a.text) <= EXCERPT else f.a.text[: EXCERPT - 1] + "…"
    props = ",".join(
        [
            f"file={_escape_property(f.b.path)}",
            f"line={f.b.line}",
            f"col={f.b.column}",
            f"endLine={end_line}",
            f"endColumn={end_col}",
            f"title={_escape_property('paradup: restated passage')}",
        ]
    )
    msg = (
        f"restates {f.a.path}:{f.a.line}:{f.a.column} "
        f"(similarity {f.similarity:.2f}, {f.kind}): {excerpt}"
    )
    return f"::{level} {props}::{_escape_data(msg)}"


def render(result: CheckResult, new: Collection[int] | None = None) -> str:
    """Annotations for new findings (errors) and baselined ones (notices)."""
    result = printable_result(result)
    lines = [
        annotation(f, "error" if new is None or i in new else "notice")
        for i, f in enumerate(result.findings)
    ]
    return "".join(line + "\n" for line in lines)
