"""Suppression: inline off/on markers and an allow-list of boilerplate sentences.

Markers:

- Markdown, HTML (and any file): `<!-- paradup: off -->` … `<!-- paradup: on -->`, anywhere
  in a line (a CMS stores an HTML body on one line), not inside a `code span` or fence
- plain text: `# paradup: off` … `# paradup: on` (also `// paradup: off`), alone on its line

A sentence that overlaps a switched-off stretch is taken out whole.

An `off` without a matching `on` runs to the end of the file. Suppressed sentences, and sentences
matching an allow-list pattern (bylines such as `发布时间：…`, `责任编辑：…`), are taken out of the
comparison before fingerprinting: they are neither reported nor counted in the 复制比.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from .prepare import PreparedDoc

# A `#`/`//` marker is alone on its line; lines end in LF, CRLF or a lone CR (as
# read.LINE_BREAK). re.M's `^`/`$` know only `\n`, so the scan runs on a copy with every `\r`
# turned into `\n`: the same length (offsets unchanged), a line start after each `\r` or `\n` and
# a line end before each, as for the spelled-out anchors `(?:^|(?<=[\r\n]))` and
# `(?=\r\n|\r|\n|\Z)`, and `\s` and `[ \t]` treat `\r` and `\n` alike (the first matches both,
# the second neither). A lookbehind alternation at every position was ~8x slower than re.M's `^`.
# `：` too: a Chinese input method types the full-width colon (`<!-- paradup： off -->` was
# passed over in silence).
_HTML_MARK = re.compile(r"<!--\s*paradup[:：]\s*(off|on)\s*-->", re.I)
_LINE_MARK = re.compile(r"^[ \t]*(?:#|//)[ \t]*paradup[:：][ \t]*(off|on)[ \t]*$", re.M | re.I)
# Every marker holds `paradup:` (any case): sought from its `:`, which re finds as fast as
# str.find; a lookbehind then checks the word. Far cheaper than the scan, or than text.lower().
# One pattern per colon: a class `[:：]` is no literal, and the search ran 8x slower.
_HINTS = (re.compile(r":(?<=(?i:paradup):)"), re.compile(r"：(?<=(?i:paradup)：)"))
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")


def off_regions(text: str, path: str = "") -> list[tuple[int, int]]:
    """Raw half-open intervals switched off by markers (marker lines included)."""
    if not any(hint.search(text) for hint in _HINTS):
        return []
    if "\r" in text:
        text = text.replace("\r", "\n")
    marks = [
        (m.start(), m.end(), m.group(1).lower())
        for m in _HTML_MARK.finditer(text)
        if not _in_code_span(text, m.start())
    ]
    if not path.lower().endswith(MARKDOWN_SUFFIXES):
        marks += [(m.start(), m.end(), m.group(1).lower()) for m in _LINE_MARK.finditer(text)]
    elif marks:
        marks = _outside_code(text, marks)
    return regions_of(marks, len(text))


_TICKS = re.compile("`+")


def _in_code_span(text: str, start: int) -> bool:
    """A marker shown in a code span of its line: a run of backticks up to the next run of
    the same length (an unmatched run is literal), as Markdown reads ``` ``<!-- x -->`` ```."""
    lo = text.rfind("\n", 0, start) + 1
    hi = text.find("\n", start)
    runs = [m.span() for m in _TICKS.finditer(text, lo, len(text) if hi < 0 else hi)]
    after: dict[int, int] = {}  # run length -> index of its next run, filled right to left
    nxt = [0] * len(runs)
    for k in range(len(runs) - 1, -1, -1):
        n = runs[k][1] - runs[k][0]
        nxt[k] = after.get(n, -1)
        after[n] = k
    k = 0
    while k < len(runs):
        close = nxt[k]
        if close < 0:
            k += 1  # literal backticks
            continue
        if runs[k][1] <= start < runs[close][0]:
            return True
        k = close + 1
    return False


def _outside_code(text: str, marks: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Markdown marks that are markers, not text about them: one shown in a code fence, or
    inside another (multi-line) comment, is text."""
    from .normalize import _FENCE, comment_spans

    fences = [m.span() for m in _FENCE.finditer(text)]
    comments = list(comment_spans(text))

    def shown(start: int) -> bool:
        own = text.index("<!--", start)  # the marker's own comment
        return any(a <= start < b for a, b in fences) or any(a < own < b for a, b in comments)

    return [m for m in marks if not shown(m[0])]


def regions_of(marks: list[tuple[int, int, str]], length: int) -> list[tuple[int, int]]:
    """Off/on marks (start, end, state) as switched-off intervals; an unclosed `off` runs to
    `length`, a stray `on` is ignored."""
    marks = sorted(marks)
    regions: list[tuple[int, int]] = []
    open_at: int | None = None
    for start, end, state in marks:
        if state == "off" and open_at is None:
            open_at = start
        elif state == "on" and open_at is not None:
            regions.append((open_at, end))
            open_at = None
    if open_at is not None:
        regions.append((open_at, length))
    return regions


def _overlaps(start: int, end: int, regions: Sequence[tuple[int, int]]) -> bool:
    return any(start < r_end and r_start < end for r_start, r_end in regions)


def apply(doc: PreparedDoc, allow: Sequence[re.Pattern[str]]) -> PreparedDoc:
    """The document with suppressed and boilerplate sentences taken out of the comparison."""
    regions = off_regions(doc.document.text, doc.document.path)
    changed = False
    out = []
    for s in doc.sentences:
        if s.prose and s.hashes:
            text = doc.norm.text[s.start : s.end].strip()
            if _overlaps(s.raw_start, s.raw_end, regions) or any(p.search(text) for p in allow):
                s = replace(s, hashes=(), prose=False)
                changed = True
        out.append(s)
    return replace(doc, sentences=tuple(out)) if changed else doc
