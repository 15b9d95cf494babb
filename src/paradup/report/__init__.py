"""Reporters: pure functions from a CheckResult to text. Writing is the caller's job."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from urllib.parse import quote

from ..model import CheckResult, Span
from ..shown import one_line, printable

__all__ = ["one_line", "printable"]

FORMATS = ("text", "json", "html")


def relative_to(path: str, root: str) -> str:
    """An absolute path under `root` as a relative posix path (code scanning and GitHub place
    results by repository path); any other path as it is, with posix separators when
    relative (a Windows `articles\\a.md` became `articles%5Ca.md` in SARIF)."""
    if os.path.isabs(path):
        rel = os.path.relpath(path, root)
        if rel != os.pardir and not rel.startswith(os.pardir + os.sep):
            return rel.replace(os.sep, "/")
        return path
    return path.replace(os.sep, "/")


def checkout_root(folder: str | None = None) -> str:
    """The top of the git work tree holding `folder` (the nearest folder up with a `.git`),
    else `folder` itself: code scanning and GitHub annotations place a result by its path
    from the repository's top, so `check --format sarif` run in `articles/` must not give
    `sub/a.md` for `articles/sub/a.md`."""
    start = here = os.path.abspath(folder or os.getcwd())
    while not os.path.exists(os.path.join(here, ".git")):
        up = os.path.dirname(here)
        if up == here:
            return start
        here = up
    return here


def path_uri(path: str) -> str:
    """A relative URI reference for a path: its raw bytes percent-encoded, so an undecodable
    name is still the exact file (RFC 3986; SARIF artifact locations)."""
    try:
        return quote(os.fsencode(path))
    except UnicodeEncodeError:
        return quote(path.encode("utf-8", "surrogatepass"))


def map_paths(result: CheckResult, fn: Callable[[str], str]) -> CheckResult:
    """The result with `fn` of every path; the same object when `fn` changes none."""
    paths = {f.path for f in result.files}
    paths.update(s.path for f in result.findings for s in (f.a, f.b))
    if all(fn(p) == p for p in paths):
        return result

    def span(s: Span) -> Span:
        return replace(s, path=fn(s.path))

    return CheckResult(
        tuple(replace(f, path=fn(f.path)) for f in result.files),
        tuple(replace(f, a=span(f.a), b=span(f.b)) for f in result.findings),
    )


def printable_result(result: CheckResult) -> CheckResult:
    """The result with every path printable (the rule)."""
    return map_paths(result, printable)


def absolute_result(result: CheckResult) -> CheckResult:
    """The result with every file path absolute (standard input's name stays as it is), for a
    report that places paths from another folder than the current one."""
    from ..read import STDIN_DOC

    return map_paths(result, lambda p: p if p == STDIN_DOC else os.path.abspath(p))
