"""SARIF 2.1.0: one result per finding, the later passage as the location, the earlier one in
relatedLocations; baselined findings carry `baselineState: unchanged`, new ones `new`."""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Sequence
from typing import Any
from urllib.parse import quote

from ..archive import record_place
from ..model import CheckResult, Finding, Span
from ..read import LINE_BREAK, STDIN_DOC
from . import one_line, path_uri, printable, printable_result, relative_to

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
RULE_ID = "PD001"


def end_position(span: Span) -> tuple[int, int]:
    """1-based line and exclusive end column of a span (columns count code points; CRLF, CR
    and LF each end a line, as for the start line and column)."""
    breaks = list(LINE_BREAK.finditer(span.text))
    if not breaks:
        return span.line, span.column + len(span.text)
    return span.line + len(breaks), len(span.text) - breaks[-1].end() + 1


def _region(span: Span, snippet: bool = True) -> dict[str, Any]:
    end_line, end_col = end_position(span)
    region: dict[str, Any] = {
        "startLine": span.line,
        "startColumn": span.column,
        "endLine": end_line,
        "endColumn": end_col,
        "charOffset": span.start,
        "charLength": span.end - span.start,
    }
    if snippet:
        region["snippet"] = {"text": span.text}
    return region


def _artifact(path: str, root: str) -> dict[str, str]:
    """A path under the root as a URI relative to `%SRCROOT%`; an absolute one outside it as
    a `file:` URI of its own (`check /abs/draft.md` gave `/abs/…` against %SRCROOT%, which
    code scanning cannot place in the repository)."""
    if path == STDIN_DOC:  # no file under the root (`check --stdin-name` names one)
        return {"uri": path_uri(path)}
    path = relative_to(path, root)
    if os.path.isabs(path):
        return {"uri": root_uri(os.path.dirname(path)) + path_uri(os.path.basename(path))}
    return {"uri": path_uri(path), "uriBaseId": "%SRCROOT%"}


def _location(span: Span, root: str, **extra: Any) -> dict[str, Any]:
    # An archived JSON Lines record (`check --against`): its offsets index its own text.
    if span.doc is not None and (record := record_place(span.path)) is not None:
        # The export's own line: `cms.jsonl:1` named no file, and a region inside the
        # record's text no place in it. The record's offsets go in the properties.
        where = {
            "artifactLocation": _artifact(record[0], root),
            "region": {"startLine": record[1]},
        }
        inside = {"start": span.start, "end": span.end, "line": span.line, "column": span.column}
        return {**extra, "physicalLocation": where, "properties": {"record": inside}}
    artifact = _artifact(span.path, root)
    return {
        **extra,
        "physicalLocation": {"artifactLocation": artifact, "region": _region(span)},
    }


def _hash(text: str) -> str:
    import hashlib

    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def message(f: Finding, root: str | None = None) -> str:
    """The result's text; with `root`, the earlier file named as the artifact URIs name it
    (`check -f sarif` gave the runner's absolute path in every alert)."""
    where = relative_to(f.a.path, root) if root else f.a.path
    return (
        f"Restates the passage at {where}:{f.a.line}:{f.a.column} "
        f"(similarity {f.similarity:.2f}, {f.kind}, {len(f.b.text)} characters)."
    )


def root_uri(root: str | os.PathLike[str] | None = None) -> str:
    """`%SRCROOT%` as SARIF 2.1.0 §3.14.14 wants a base without a uriBaseId of its own: an
    absolute `file:` URI ending in `/` (the folder the relative artifact URIs start from)."""
    folder = os.path.abspath(os.fspath(root) if root is not None else os.getcwd())
    try:
        raw = os.fsencode(folder)
    except UnicodeEncodeError:
        raw = folder.encode("utf-8", "surrogatepass")
    if os.sep == "\\":  # C:\\x -> /C:/x
        raw = b"/" + raw.replace(b"\\", b"/")
    uri = "file://" + quote(raw, safe="/:")
    return uri if uri.endswith("/") else uri + "/"


OLD = "in the baseline, or already in the earlier commit: not this change's (paradup hook)"


def to_dict(
    result: CheckResult,
    new: Collection[int] | None = None,
    root: str | os.PathLike[str] | None = None,
    skipped: Sequence[str] = (),
) -> dict[str, Any]:
    """`new`: ids (indexes) of findings that are not in the baseline; None means all are new.
    `root`: the folder the paths are relative to (the repository root for the hook), the
    current directory by default. `skipped`: why files were not checked (the run then exits
    2): the invocation says it did not succeed, with a notification each."""
    from .. import __version__
    from ..baseline import fingerprint

    # Messages and file lists show undecodable names as `\xff`; URIs keep the exact bytes.
    shown = printable_result(result)
    base = os.path.abspath(os.fspath(root) if root is not None else os.getcwd())
    results = []
    # One identity per result (SARIF §3.27.17): two copies of one passage pasted into a file
    # shared the texts' hash, and code scanning folded them into one alert. The texts, the
    # later file and the how-manieth such finding there: stable across unrelated edits.
    seen: dict[str, int] = {}
    identities = []
    for f in result.findings:
        # Scheme 3 whatever the baseline's: an upgrade must not reopen every alert.
        key = f"{fingerprint(f, 3)}\0{printable(f.b.path)}"
        seen[key] = seen.get(key, -1) + 1
        identities.append(_hash(f"{key}\0{seen[key]}"))
    for i, (f, s) in enumerate(zip(result.findings, shown.findings, strict=True)):
        is_new = new is None or i in new
        # An old finding (baselined, or already in the earlier commit) is suppressed outside
        # the source: viewers that read `suppressions` hide it; the level alone left it open.
        old = {} if is_new else {"suppressions": [{"kind": "external", "justification": OLD}]}
        results.append(
            {
                **old,
                "ruleId": RULE_ID,
                "ruleIndex": 0,
                "level": "error" if is_new else "note",
                "baselineState": "new" if is_new else "unchanged",
                "message": {"text": message(s, base)},
                "locations": [_location(f.b, base)],
                "relatedLocations": [
                    _location(f.a, base, id=1, message={"text": "earlier occurrence"})
                ],
                "partialFingerprints": {"paradupPassage/v2": identities[i]},
                "properties": {"similarity": f.similarity, "kind": f.kind},
            }
        )
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "paradup",
                        "version": __version__,
                        "rules": [
                            {
                                "id": RULE_ID,
                                "name": "RestatedPassage",
                                "shortDescription": {
                                    "text": "A passage restates an earlier one (段落重复)."
                                },
                                "fullDescription": {
                                    "text": "The later passage repeats an earlier passage of the "
                                    "same or another article verbatim or with light edits."
                                },
                                "defaultConfiguration": {"level": "error"},
                            }
                        ],
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": not skipped,
                        "toolExecutionNotifications": [
                            {"level": "error", "message": {"text": one_line(why)}}
                            for why in skipped
                        ],
                    }
                ],
                "originalUriBaseIds": {"%SRCROOT%": {"uri": root_uri(root)}},
                "columnKind": "unicodeCodePoints",
                "results": results,
                "properties": {
                    "files": [
                        {
                            "path": relative_to(printable(s.path), base),
                            "chars": s.chars,
                            "restatedChars": s.restated_chars,
                            "ratio": round(s.ratio, 4),
                        }
                        for s in result.files
                    ]
                },
            }
        ],
    }


def render(
    result: CheckResult,
    new: Collection[int] | None = None,
    root: str | os.PathLike[str] | None = None,
    skipped: Sequence[str] = (),
) -> str:
    log = to_dict(result, new, root, skipped)
    return json.dumps(log, ensure_ascii=False, indent=2) + "\n"
