"""Word-level differences between two passages, located in the raw text for highlighting."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Literal

from .model import Change
from .normalize import Normalized
from .tokens import tokenizer

# ASCII inside a word: runs of letters, runs of digits, each other character. The engines cut
# ASCII differently (jieba `2017.10 . 17`, jieba-rs `2017.10.17`), so the changes shown for one
# draft depended on which engine a process had reached; in these pieces they agree.
_ASCII_PIECES = re.compile(r"[A-Za-z]+|[0-9]+|[\x00-\x7f]")


def _tokens(
    norm: Normalized, start: int, end: int, user_dict: str | None
) -> list[tuple[str, int, int]]:
    """(word, start, end) in normalized offsets; whitespace dropped, punctuation kept, ASCII
    words in letter runs, digit runs and single characters."""
    text = norm.text[start:end]
    out: list[tuple[str, int, int]] = []
    for w, s, e in tokenizer(user_dict)(text):
        if not w.strip():
            continue
        if len(w) > 1 and w.isascii() and not w.isalpha() and not w.isdigit():
            out += [
                (m.group(), start + s + m.start(), start + s + m.end())
                for m in _ASCII_PIECES.finditer(w)
            ]
        else:
            out.append((w, start + s, start + e))
    return out


def _raw(
    norm: Normalized, toks: list[tuple[str, int, int]], i1: int, i2: int, end: int
) -> tuple[int, int]:
    if i1 < i2:
        return norm.raw_span(toks[i1][1], toks[i2 - 1][2])
    # An empty side: the insertion point before token i1 (or at the passage end).
    pos = norm.starts[toks[i1][1]] if i1 < len(toks) else norm.ends[end - 1]
    return pos, pos


Tokens = list[tuple[str, int, int]]


def _digits(norm: Normalized, toks: Tokens, k: int, toward: int) -> bool:
    """Whether token k is a digit run or a point touching token `toward` (one of its
    neighbours): part of the number the edit next to it is in."""
    if not (0 <= k < len(toks) and 0 <= toward < len(toks)):
        return False
    left, right = sorted((k, toward))
    word = toks[k][0]
    number = word.isdigit() or word == "." or _grouping(norm, toks, k)
    return number and toks[left][2] == toks[right][1]


def _grouping(norm: Normalized, toks: Tokens, k: int) -> bool:
    """Whether token k is the comma of a thousands group (`1,250`): an ASCII comma in the file
    (`5，250` is a clause break: NFKC folds `，` to `,`), digits touching it on the left,
    exactly three on the right (`5,6` or a clause's comma after a number is not)."""
    if not (0 < k < len(toks) - 1 and toks[k][0] == ","):
        return False
    (before, _, end), (after, start, _) = toks[k - 1], toks[k + 1]
    return (
        before.isdigit()
        and len(after) == 3
        and after.isdigit()
        and (end, start) == (toks[k][1], toks[k][2])
        and norm.raw[norm.raw_span(end, start)[0]] == ","
    )


def _whole_numbers(
    na: Normalized,
    ta: Tokens,
    nb: Normalized,
    tb: Tokens,
    opcodes: Sequence[tuple[str, int, int, int, int]],
) -> list[tuple[Literal["replace", "delete", "insert"], int, int, int, int]]:
    """The edits widened to whole decimal numbers on both sides, then merged: 1.25 -> 1.32
    showed as `25 -> 32`, and 5.6 -> 6.1 as `5 -> 6; 6 -> 1` (ASCII is cut into digit runs)."""
    spans: list[list[int]] = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            continue
        if any(w[:1].isdigit() or w == "." for w, _, _ in (*ta[i1:i2], *tb[j1:j2])):
            while _digits(na, ta, i1 - 1, i1) and _digits(nb, tb, j1 - 1, j1):
                i1, j1 = i1 - 1, j1 - 1
            while _digits(na, ta, i2, i2 - 1) and _digits(nb, tb, j2, j2 - 1):
                i2, j2 = i2 + 1, j2 + 1
        if spans and (i1 <= spans[-1][1] or j1 <= spans[-1][3]):
            spans[-1][1], spans[-1][3] = max(spans[-1][1], i2), max(spans[-1][3], j2)
        else:
            spans.append([i1, i2, j1, j2])
    return [(_op(i1, i2, j1, j2), i1, i2, j1, j2) for i1, i2, j1, j2 in spans]


def _op(i1: int, i2: int, j1: int, j2: int) -> Literal["replace", "delete", "insert"]:
    return "replace" if i2 > i1 and j2 > j1 else "delete" if i2 > i1 else "insert"


EXACT_DIFF_WORDS = 20_000


def word_changes(
    na: Normalized,
    a: tuple[int, int],
    nb: Normalized,
    b: tuple[int, int],
    user_dict: str | None = None,
) -> tuple[Change, ...]:
    """Edits turning passage a into passage b (normalized spans), at jieba-word granularity."""
    ta, tb = _tokens(na, *a, user_dict), _tokens(nb, *b, user_dict)
    out: list[Change] = []
    # Exact matching blocks cost time quadratic in the words of a long repetitive passage (a
    # 500K-character paragraph of repeated text: 48 s, half of it here); beyond EXACT_DIFF_WORDS
    # a side difflib's popular-word heuristic keeps it bounded, the changes coarser. (Listing
    # none hid a figure changed in a 9,600-character re-run of an archived story.)
    big = max(len(ta), len(tb)) > EXACT_DIFF_WORDS
    matcher = difflib.SequenceMatcher(None, [t[0] for t in ta], [t[0] for t in tb], autojunk=big)
    punct: list[Change] = []
    for op, i1, i2, j1, j2 in _whole_numbers(na, ta, nb, tb, matcher.get_opcodes()):
        a_words = "".join(t[0] for t in ta[i1:i2])
        b_words = "".join(t[0] for t in tb[j1:j2])
        as_, ae = _raw(na, ta, i1, i2, a[1])
        bs, be = _raw(nb, tb, j1, j2, b[1])
        change = Change(op, na.raw[as_:ae], nb.raw[bs:be], as_, ae, bs, be)
        # Punctuation-only edits (", " for "、") are noise beside word edits; alone they are
        # the edit ("similarity 1.00 (near)" with nothing shown puzzled editors).
        (out if any(c.isalnum() for c in a_words + b_words) else punct).append(change)
    return tuple(out or punct)
