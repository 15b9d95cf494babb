"""Reporters: pure functions from a CheckResult to text. Writing is the caller's job."""

from __future__ import annotations

import os
from dataclasses import replace
from urllib.parse import quote

from ..model import CheckResult, Span

FORMATS = ("text", "json", "html")


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


def relative_to(path: str, root: str) -> str:
    """An absolute path under `root` as a relative posix path (code scanning and GitHub place
    results by repository path); any other path as it is."""
    if os.path.isabs(path):
        rel = os.path.relpath(path, root)
        if rel != os.pardir and not rel.startswith(os.pardir + os.sep):
            return rel.replace(os.sep, "/")
    return path


def path_uri(path: str) -> str:
    """A relative URI reference for a path: its raw bytes percent-encoded, so an undecodable
    name is still the exact file (RFC 3986; SARIF artifact locations)."""
    try:
        return quote(os.fsencode(path))
    except UnicodeEncodeError:
        return quote(path.encode("utf-8", "surrogatepass"))


def printable_result(result: CheckResult) -> CheckResult:
    """The result with every path printable; the same object when all already are (the rule)."""
    paths = {f.path for f in result.files}
    paths.update(s.path for f in result.findings for s in (f.a, f.b))
    if all(printable(p) == p for p in paths):
        return result

    def span(s: Span) -> Span:
        return replace(s, path=printable(s.path))

    return CheckResult(
        tuple(replace(f, path=printable(f.path)) for f in result.files),
        tuple(replace(f, a=span(f.a), b=span(f.b)) for f in result.findings),
    )
