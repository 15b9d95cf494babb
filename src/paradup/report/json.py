"""The JSON contract (version 1), stable for tools and the hook."""

from __future__ import annotations

import json
from typing import Any

from ..model import CheckResult, Span
from . import printable_result

CONTRACT_VERSION = 1


def _span(s: Span) -> dict[str, Any]:
    out: dict[str, Any] = {
        "path": s.path,
        "start": s.start,
        "end": s.end,
        "line": s.line,
        "column": s.column,
        "text": s.text,
    }
    # Archive matches (check --against) also name their source document.
    for key in ("doc", "title", "date"):
        if getattr(s, key) is not None:
            out[key] = getattr(s, key)
    return out


def to_dict(result: CheckResult) -> dict[str, Any]:
    """The JSON contract (version 1) of a result, as `paradup check --format json` prints it."""
    if not isinstance(result, CheckResult):
        from ..errors import UsageError

        raise UsageError(f"result: expected a CheckResult, got {type(result).__name__}")
    result = printable_result(result)  # undecodable file names as `\xff`: valid JSON text
    return {
        "version": CONTRACT_VERSION,
        "files": [
            {
                "path": f.path,
                "chars": f.chars,
                "restated_chars": f.restated_chars,
                "ratio": round(f.ratio, 4),
            }
            for f in result.files
        ],
        "findings": [
            {
                "similarity": f.similarity,
                "kind": f.kind,
                "a": _span(f.a),
                "b": _span(f.b),
                "changes": [
                    {
                        "op": c.op,
                        "a": c.a,
                        "b": c.b,
                        "a_start": c.a_start,
                        "a_end": c.a_end,
                        "b_start": c.b_start,
                        "b_end": c.b_end,
                    }
                    for c in f.changes
                ],
            }
            for f in result.findings
        ],
    }


def render(result: CheckResult, hook: dict[str, Any] | None = None) -> str:
    """The contract as text; the hook adds its verdict (`hook`): which files fail and how many
    findings the baseline and the earlier commit explain, which `findings` leaves out."""
    data = to_dict(result)
    if hook is not None:
        data["hook"] = hook
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
