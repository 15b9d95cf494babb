"""Speed review: `read._matches` compiles each pattern list once, `expand_paths` skips excluded
directories, and `suppress.off_regions` scans with re.M on an LF copy after a cheap check.
Behaviour only: each new version against the slower one it replaced, kept here as the reference
(timings are benchmarks/glob_bench.py's job)."""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paradup.read import _matches, _variants, expand_paths
from paradup.suppress import MARKDOWN_SUFFIXES, off_regions, regions_of

# -- references: the implementations before the speed fix -----------------------------------


def _matches_reference(rel: str, patterns: Sequence[str]) -> bool:
    parts = rel.split("/")
    dirs = ["/".join(parts[:i]) for i in range(1, len(parts))]
    for raw in patterns:
        dir_only = raw.endswith("/")
        pattern = raw.rstrip("/")
        if not pattern:
            continue
        names = [] if dir_only else [rel, parts[-1]]
        names += dirs + parts[:-1]
        if any(fnmatch.fnmatch(n, v) for v in _variants(pattern) for n in names):
            return True
    return False


_BOL = r"(?:^|(?<=[\r\n]))"
_EOL = r"(?=\r\n|\r|\n|\Z)"
_HTML_REF = re.compile(r"<!--\s*paradup:\s*(off|on)\s*-->", re.I)  # anywhere in a line
# A Markdown code span: a whole backtick run, then the nearest whole run of the same length.
_SPAN_REF = re.compile(r"(?<!`)(`+)(?!`)(.*?)(?<!`)\1(?!`)", re.S)
_LINE_REF = re.compile(_BOL + r"[ \t]*(?:#|//)[ \t]*paradup:[ \t]*(off|on)[ \t]*" + _EOL, re.I)


def _shown(text: str, at: int) -> bool:
    lines = text.replace("\r", "\n")
    lo, hi = lines.rfind("\n", 0, at) + 1, lines.find("\n", at)
    line = lines[lo : len(lines) if hi < 0 else hi]
    return any(m.start(2) <= at - lo < m.end(2) for m in _SPAN_REF.finditer(line))


def _fenced(text: str, at: int, path: str) -> bool:
    """In Markdown, a marker shown in a code fence or inside another comment (normalize's
    own patterns: this reference checks the scan, not how fences are found)."""
    from paradup.normalize import _COMMENT, _FENCE

    if not path.lower().endswith(MARKDOWN_SUFFIXES):
        return False
    lf = text.replace("\r", "\n")
    own = lf.index("<!--", at)
    return any(m.start() <= at < m.end() for m in _FENCE.finditer(lf)) or any(
        m.start() < own < m.end() for m in _COMMENT.finditer(lf)
    )


def _off_regions_reference(text: str, path: str = "") -> list[tuple[int, int]]:
    marks = [
        (m.start(), m.end(), m.group(1).lower())
        for m in _HTML_REF.finditer(text)
        if not _shown(text, m.start()) and not _fenced(text, m.start(), path)
    ]
    if not path.lower().endswith(MARKDOWN_SUFFIXES):
        marks += [(m.start(), m.end(), m.group(1).lower()) for m in _LINE_REF.finditer(text)]
    return regions_of(marks, len(text))


# -- 1. _matches: the same answers as the per-pattern fnmatch loop ---------------------------

_NAMES = ["a", "b", "ab", "a.md", "b.txt", "x.MD", ".md", "a.b", "", "[a]", "*"]
_GLOB_PIECES = ["a", "b", "*", "?", "**/", "/", ".md", "[ab]", "[!a]", "x", "."]

paths = st.lists(st.sampled_from(_NAMES), min_size=1, max_size=5).map("/".join)
globs = st.builds(
    lambda prefix, body, slash: prefix + body + slash,
    st.sampled_from(["", "./", "/", "**/"]),
    st.lists(st.sampled_from(_GLOB_PIECES), max_size=5).map("".join),
    st.sampled_from(["", "/", "//"]),
)


@settings(max_examples=1500, deadline=None)
@given(paths, st.lists(globs, max_size=4))
def test_matches_agrees_with_the_fnmatch_loop(rel: str, patterns: list[str]) -> None:
    assert _matches(rel, patterns) == _matches_reference(rel, patterns)
    assert _matches(rel, tuple(patterns)) == _matches_reference(rel, patterns)


@pytest.mark.parametrize(
    ("rel", "patterns", "expected"),
    [
        ("a.md", [], False),
        ("a.md", (), False),
        ("a.md", [""], False),
        ("a.md", ["/"], False),
        ("drafts/a.md", ["drafts/"], True),
        ("drafts", ["drafts/"], False),  # a file called `drafts` is no directory
        ("x/drafts/y/a.md", ["**/drafts"], True),
        ("x/a/c/f.md", ["a/c"], False),  # not a name, nor a path from the top
        ("x/a/c/f.md", ["x/a/c"], True),
        ("x/a/c/f.md", ["*/c/"], True),
        ("archive/2020/a.md", ["archive/*"], True),
        ("a.md", ["./a.md"], True),
        ("sub/a.md", ["**/a.md"], True),
        ("sub/a.md", ["a.md/"], False),
        ("a*b/c.md", ["a[*]b"], True),
    ],
)
def test_matches_examples(rel: str, patterns: list[str], expected: bool) -> None:
    assert _matches(rel, patterns) is expected
    assert _matches_reference(rel, patterns) is expected


@pytest.mark.parametrize(
    "exclude",
    [
        ["archive/*"],
        ["archive/"],
        ["**/old"],
        ["old", "*.txt"],
        ["a/old/"],
        ["./archive"],
        ["arch*/2020"],
        ["*"],
    ],
)
def test_expand_paths_skipping_excluded_directories_finds_the_same_files(
    tmp_path: Path, exclude: list[str]
) -> None:
    files = [
        "top.md",
        "top.txt",
        "archive/2020/a.md",
        "archive/2021/old/b.md",
        "archive/c.txt",
        "a/old/d.md",
        "b/new/old",  # a file named like an excluded directory
        "a/e.md",
        "b/old/f.TXT",
        "b/new/g.markdown",
        ".hidden/h.md",
    ]
    for rel in files:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("text", encoding="utf-8")
    (tmp_path / "a" / "old.md").mkdir()  # a directory that looks like an article
    (tmp_path / "a" / "old.md" / "i.md").write_text("text", encoding="utf-8")
    expected = []
    for dirpath, dirnames, filenames in os.walk(tmp_path):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            full = Path(dirpath) / name
            rel = full.relative_to(tmp_path).as_posix()
            if name.lower().endswith((".txt", ".md", ".markdown", ".text")) and (
                not _matches_reference(rel, exclude)
            ):
                expected.append(str(full))
    if not expected:
        with pytest.raises(Exception, match="contains no"):
            list(expand_paths([str(tmp_path)], exclude=exclude))
        return
    assert list(expand_paths([str(tmp_path)], exclude=exclude)) == sorted(expected)
    assert list(expand_paths([str(tmp_path) + "/"], exclude=exclude)) == sorted(expected)


# -- 2. off_regions: the same regions as the lookbehind scan ---------------------------------

_MARKERS = [
    "<!-- paradup: off -->",
    "<!-- paradup: on -->",
    "<!--paradup:OFF-->",
    " \t<!-- PARADUP: On --> ",
    "<!--\r\nparadup: off\n-->",
    "<!--\rparadup:\r\non\t-->",
    "# paradup: off",
    "# paradup: on",
    "// Paradup: OFF",
    "\t//paradup:on\t",
    "#paradup: off x",  # not a marker: more on the line
    "paradup: off",  # not a marker: no comment
    "x <!-- paradup: on -->",
]
_TEXT = [
    *["\n", "\r\n", "\r", " ", "\t", "prose", "中文。", "up:", "p:", ":", "paradup", "# ", "-->"],
    *["`", "``", "```"],
]

texts = st.lists(st.sampled_from(_MARKERS + _TEXT), max_size=25).map("".join)


@settings(max_examples=1500, deadline=None)
@given(texts, st.sampled_from(["", "a.txt", "a.md", "A.MARKDOWN", "notes.text"]))
def test_off_regions_agree_with_the_lookbehind_scan(text: str, path: str) -> None:
    assert off_regions(text, path) == _off_regions_reference(text, path)


@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"])
def test_off_regions_offsets_on_every_line_ending(eol: str) -> None:
    text = eol.join(["one", "<!-- paradup: off -->", "two", "<!-- paradup: on -->", "three"])
    start = text.index("<!--")
    end = text.rindex("-->") + 3
    assert off_regions(text, "a.md") == [(start, end)] == _off_regions_reference(text, "a.md")
    open_only = eol.join(["one", "# paradup: off", "two"])
    assert off_regions(open_only, "a.txt") == [(open_only.index("#"), len(open_only))]


def test_off_regions_cheap_check_never_hides_a_marker() -> None:
    # Many colons before the marker, and a word split by one.
    assert off_regions("# x: y\n" * 5000 + "# paradu:p off\n# paradup :off", "a.txt") == []
    text = ":" * 10_000 + "\n# paradup: off\nrest"
    assert off_regions(text, "a.txt") == [(10_001, len(text))]
    assert off_regions("no markers: here\r\n" * 100, "a.txt") == []
    assert off_regions("", "a.txt") == []
    assert off_regions("PaRaDuP: off", "a.txt") == []  # not a comment line
    assert off_regions("# PaRaDuP: off", "a.txt") == [(0, 14)]
