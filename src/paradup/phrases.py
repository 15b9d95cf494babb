"""Phrases a document repeats inside differently framed sentences (`phrase-chars`, opt-in).

Sentence units compare whole sentences: a long clause reused in a sentence that frames it
differently (`…表示，为缓解早晚高峰拥堵，我市将于下月起…开通8条定制公交线路。`, restated inside
a longer sentence) has a Jaccard below the threshold, and machine-written copy does this
often. Within one document, sentence pairs that share shingles and are not already part of a
reported passage are compared character by character; a common run of at least `phrase_chars`
characters (one or two inserted or dropped characters allowed, never a substituted one, so a
list of parallel facts is no phrase) is reported as kind `phrase`, spans on the run itself.
Only within a document: across an archive, long shared phrases are the house style.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

from .prepare import PreparedDoc

_GAP = 2  # characters inserted or dropped on one side inside a phrase
_MIN_BLOCK = 4  # a piece of the run after a gap: no single characters matched by chance
_MIN_SHARED = 5  # shingles a sentence pair must share to be compared
_COMMON = 50  # a shingle in more sentences than this says nothing of a pair
_EDGE = " ,.;:!?、\"'()[]<>-·—"  # trimmed from a phrase's ends (normalized punctuation)


def _run(a: str, b: str) -> tuple[int, int, int, int, int] | None:
    """The longest common run of a and b (start/end in each, matched characters), joining
    blocks across a gap on one side only."""
    chains: list[list[int]] = []  # [a start, a end, b start, b end, matched, matched words]
    for m in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks():
        if not m.size:
            continue
        words = sum(ch not in _EDGE for ch in a[m.a : m.a + m.size])
        cur = chains[-1] if chains else None
        if cur is not None:
            ga, gb = m.a - cur[1], m.b - cur[3]
            # Both sides of a join at least _MIN_BLOCK characters besides punctuation: a
            # comma matched before a word inserted at a phrase's head (`，同时今年将…`), trimmed
            # off later, made the insertion the phrase's edge.
            joins = min(cur[5], words) >= _MIN_BLOCK
            if joins and min(ga, gb) == 0 and max(ga, gb) <= _GAP:
                cur[1], cur[3], cur[4] = m.a + m.size, m.b + m.size, cur[4] + m.size
                cur[5] += words
                continue
        chains.append([m.a, m.a + m.size, m.b, m.b + m.size, m.size, words])
    if not chains:
        return None
    best = max(chains, key=lambda c: c[4])  # the first of the longest
    return best[0], best[1], best[2], best[3], best[4]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _EDGE:
        start += 1
    while end > start and text[end - 1] in _EDGE:
        end -= 1
    return start, end


def _on_words(
    text: str, a: tuple[int, int], b: tuple[int, int], bounds: Callable[[int, int], set[int]]
) -> tuple[tuple[int, int], tuple[int, int]]:
    """Both runs shrunk alike until each starts and ends between words of its sentence (a run
    cut `…适用法律若` out of 若干), as far as the characters dropped and the new edge
    characters are the same on both sides; where no such cut exists the edge stays."""
    ba, bb = bounds(*a), bounds(*b)
    n = min(a[1] - a[0], b[1] - b[0])

    def head_ok(k: int) -> bool:
        return (
            a[0] + k in ba
            and b[0] + k in bb
            and text[a[0] : a[0] + k + 1] == text[b[0] : b[0] + k + 1]
        )

    def tail_ok(k: int) -> bool:
        return (
            a[1] - k in ba
            and b[1] - k in bb
            and text[a[1] - k - 1 : a[1]] == text[b[1] - k - 1 : b[1]]
        )

    head = next((k for k in range(n) if head_ok(k)), 0)
    tail = next((k for k in range(n - head) if tail_ok(k)), 0)
    return _trim(text, a[0] + head, a[1] - tail), _trim(text, b[0] + head, b[1] - tail)


def phrase_pairs(
    doc: PreparedDoc,
    min_chars: int,
    skip: Callable[[int, int], bool],
    bounds: Callable[[int, int], set[int]] | None = None,
) -> list[tuple[tuple[int, int], tuple[int, int], float]]:
    """(earlier run, later run, similarity), normalized offsets, for each phrase the document
    repeats; `skip(i, j)` (sentence indexes in the document, i earlier) leaves a pair out, and
    `bounds(start, end)`, when given, are the word boundaries around a run (its sentence's,
    in normalized offsets). A later run is reported once, from its earliest source."""
    sents = [s for s in doc.sentences if s.prose and s.hashes]
    where: dict[int, list[int]] = {}
    for k, s in enumerate(sents):
        for h in set(s.hashes):
            where.setdefault(h, []).append(k)
    shared: dict[tuple[int, int], int] = {}
    for ks in where.values():
        if len(ks) > _COMMON:
            continue
        for x in range(len(ks)):
            for y in range(x + 1, len(ks)):
                shared[ks[x], ks[y]] = shared.get((ks[x], ks[y]), 0) + 1
    text = doc.norm.text
    out = []
    taken: dict[int, list[tuple[int, int]]] = {}  # later sentence -> runs reported in it
    for x, y in sorted((p for p, n in shared.items() if n >= _MIN_SHARED), key=lambda p: p[::-1]):
        sa, sb = sents[x], sents[y]
        if skip(sa.local, sb.local):
            continue
        run = _run(text[sa.start : sa.end], text[sb.start : sb.end])
        if run is None:
            continue
        (a0, a1), (b0, b1) = (
            _trim(text, sa.start + run[0], sa.start + run[1]),
            _trim(text, sb.start + run[2], sb.start + run[3]),
        )
        if bounds is not None and a1 > a0:
            (a0, a1), (b0, b1) = _on_words(text, (a0, a1), (b0, b1), bounds)
        matched = run[4] - (run[1] - run[0] - (a1 - a0))
        if matched < min_chars or any(b0 < e and s < b1 for s, e in taken.get(y, [])):
            continue
        taken.setdefault(y, []).append((b0, b1))
        out.append(((a0, a1), (b0, b1), round(matched / max(a1 - a0, b1 - b0), 4)))
    return out
