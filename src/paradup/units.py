"""Units stage: paragraphs and sentences of the normalized text, each with its raw span."""

from __future__ import annotations

import heapq
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from .normalize import PARA, Normalized

_TERMINATORS = frozenset("。!?;…")
_CANDIDATES = re.compile("[。!?;….]")
_CLOSERS = frozenset("\"')]}」』】》〉")
# Raw opening quotes that normalize to the same '"' or "'" as closing ones: never closers.
_RAW_OPENERS = frozenset("“‘「『〝„‚«‹")


@dataclass(frozen=True)
class Sentence:
    """A sentence: `start`/`end` index the normalized text; `raw_start`/`raw_end` the raw text."""

    index: int
    paragraph: int
    start: int
    end: int
    raw_start: int
    raw_end: int
    heading: bool


def _sentence_ends(
    text: str, start: int, end: int, opener: Callable[[int], bool] | None = None
) -> Iterator[int]:
    """Yield the end offset of each sentence in text[start:end] (one paragraph).

    A closing quote or bracket after the terminator stays with the sentence; `opener(j)` says
    whether the quote at j opens the next sentence instead (quotes are unified by normalize).
    A regex jumps between candidate terminators: a per-character loop was a fifth of the
    index build.
    """
    i = start
    for m in _CANDIDATES.finditer(text, start, end):
        k = m.start()
        if k < i:  # inside a run already consumed
            continue
        if text[k] == ".":
            run = k
            while run + 1 < end and text[run + 1] == ".":
                run += 1
            nxt = text[run + 1] if run + 1 < end else " "
            # An ellipsis, or a full stop before a space/CJK/end; never "2.2" or "a.b".
            if not (run > k or nxt == " " or not (nxt.isascii() and nxt.isalnum())):
                i = run + 1
                continue
            k = run
        j = k + 1
        while j < end and (
            text[j] in _TERMINATORS
            or unicodedata.combining(text[j])  # a mark on the terminator, kept apart by NFKC
            or (text[j] in _CLOSERS and not (opener is not None and opener(j)))
        ):
            j += 1
        yield j
        i = j
    yield end


# A byline opening a paragraph on the lead's own line (`来源：人民网 记者从…获悉，…`): the
# allow-list took the whole sentence out, lead included, so a verbatim copy of the lead scored
# 0 % (normalize drops the space between CJK characters, so it is sought in the raw text).
# The labels of the default allow-list (`settings.DEFAULT_ALLOW`) too: `摄影：王五 今年以来，…`
# and `(编辑：王五)今年以来，…` hid their leads the same way.
_BYLINE_HEADS = (
    "来源", "稿源", "本文来源", "原标题", "发布时间", "发布日期", "发稿时间", "责任编辑", "责编",
    "通讯员", "摄影", "校对", "审核", "审校", "监制", "出品", "编辑", "作者", "记者",
)  # fmt: skip
_BYLINE = re.compile(f"\\(?(?:{'|'.join(_BYLINE_HEADS)}):")
_BYLINE_REACH = 40
_LEAD_CHARS = 24


def _byline_end(norm: Normalized, ps: int, pe: int) -> int | None:
    """Where a paragraph-opening run of bylines ends at raw whitespace before more text, if
    it does (`记者：王五 摄影：赵六 今年以来，…`: cut after the last, or the allow-list takes
    the second byline out with the lead)."""
    end = None
    while (cut := _one_byline_end(norm, end if end is not None else ps, pe)) is not None:
        end = cut
    return end


def _one_byline_end(norm: Normalized, ps: int, pe: int) -> int | None:
    """`_byline_end` of the one byline at `ps`."""
    m = _BYLINE.match(norm.text, ps, pe)
    if m is None:
        return None
    raw, starts, ends, text = norm.raw, norm.starts, norm.ends, norm.text
    paren = text[ps] == "("  # `(编辑:王五)今年以来,…`: the byline ends at its `)`, not a space
    for j in range(m.end() + 1, min(pe, m.end() + _BYLINE_REACH)):
        if text[j] in _TERMINATORS or text[j] == ",":
            return None  # the byline ends as a sentence, or is prose
        gap = raw[ends[j - 1] : starts[j]]
        if (text[j - 1] == ")") if paren else (gap and gap.isspace() and text[j] != " "):
            # A lead after it (a clause, and a lead's length: a comma and _LEAD_CHARS before
            # the sentence ends), not more byline (`来源：人民法院报 2018年12月13日 第七版`) or a
            # footer (`返回搜狐，查看更多`, 14 characters).
            stop = next((k for k in range(j, pe) if text[k] in _TERMINATORS), pe)
            return j if "," in text[j:stop] and stop - j >= _LEAD_CHARS else None
    return None


def paragraphs(norm: Normalized) -> list[tuple[int, int]]:
    """Normalized [start, end) of each non-empty paragraph."""
    out: list[tuple[int, int]] = []
    text = norm.text
    pos = 0
    while pos <= len(text):
        nxt = text.find(PARA, pos)
        if nxt < 0:
            nxt = len(text)
        if text[pos:nxt].strip():
            out.append((pos, nxt))
        pos = nxt + 1
    return out


def sentences(norm: Normalized) -> list[Sentence]:
    """All sentences, in order, never crossing a paragraph, stripped of edge spaces."""
    rs, re_ = norm.starts, norm.ends
    return [
        Sentence(i, p, a, b, rs[a], re_[b - 1], h)
        for i, (p, a, b, h) in enumerate(zip(*sentence_columns(norm), strict=True))
    ]


def sentence_columns(norm: Normalized) -> tuple[list[int], list[int], list[int], list[bool]]:
    """`sentences` as columns (paragraph, start, end, heading) without an object each, for
    the batch indexer. A sentence's raw span is `norm.raw_span(start, end)`."""
    text = norm.text
    starts = norm.starts
    par: list[int] = []
    start: list[int] = []
    end: list[int] = []
    heading: list[bool] = []
    for p, (ps, pe) in enumerate(paragraphs(norm)):
        head = ps in norm.headings
        s = ps

        def opener(j: int, ps: int = ps) -> bool:
            raw_ch = norm.raw[norm.starts[j]]
            if raw_ch in _RAW_OPENERS:
                return True
            # A straight double quote opens when the quotes before it are balanced.
            return raw_ch in '"＂' and text.count('"', ps, j) % 2 == 0

        cuts: Iterable[int] = _sentence_ends(text, ps, pe, opener)
        if (lead := _byline_end(norm, ps, pe)) is not None:
            cuts = heapq.merge([lead], cuts)
        for e in cuts:
            # Never cut inside one raw character's fold (a character and its combining marks,
            # "…" -> "..."): both sentences would claim the same raw characters.
            while e < pe and starts[e] == starts[e - 1]:
                e += 1
            if e <= s:
                continue
            a, b = s, e
            while a < b and text[a] == " ":
                a += 1
            while b > a and text[b - 1] == " ":
                b -= 1
            if b > a:
                par.append(p)
                start.append(a)
                end.append(b)
                heading.append(head)
            s = e
    return par, start, end, heading
