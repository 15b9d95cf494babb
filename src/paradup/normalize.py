"""Normalize stage: fold text for comparison while keeping a map back to the raw offsets.

Every normalized character records the half-open raw interval it came from, so a span of the
normalized text maps back to `raw[starts[s]:ends[e - 1]]`. Markup that is not prose is skipped
(never deleted from the coordinates); whitespace between CJK characters is dropped; NFKC folds
full-width forms; quotes and dashes are unified; Latin is case-folded.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from dataclasses import dataclass
from functools import lru_cache

PARA = "\n"  # the normalized text's only paragraph separator

_QUOTES = dict.fromkeys("“”„‟«»「」『』〝〞＂", '"') | dict.fromkeys("‘’‚‛‹›＇`´", "'")
_DASHES = dict.fromkeys("—–―‒−﹘﹣－─", "-")
_FOLD = _QUOTES | _DASHES

# Regions that are markup, not prose. Order matters only for readability; overlaps are unioned.
_FRONT_MATTER = re.compile(
    r"\A(?:---|\+\+\+)[ \t]*\n.*?\n(?:---|\+\+\+|\.\.\.)[ \t]*(?:\n|\Z)", re.S
)
_FENCE = re.compile(r"^[ \t]*(```|~~~)[^\n]*\n.*?(?:^[ \t]*\1[^\n]*$|\Z)", re.S | re.M)
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_PAGE = re.compile(r"<\s*/?\s*PAGE[_A-Z]*\s*/?>|\f", re.I)
_BLOCK_TAG = re.compile(
    r"</?\s*(?:p|div|br|hr|h[1-6]|li|ul|ol|table|tr|section|article)\b[^>\n]*>", re.I
)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:_-]*(?:\s[^<>\n]*)?/?>|<(?:https?|mailto):[^>\s]+>")
_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")
_LINK_TAIL = re.compile(r"(?<=\])\((?:[^()\n]|\([^)\n]*\))*\)")
_LINK_HEAD = re.compile(r"\[(?=[^\]\n]*\]\()")
_LINK_CLOSE = re.compile(r"\](?=\()")
_REF_DEF = re.compile(r"^[ \t]{0,3}\[[^\]\n]+\]:[ \t]*\S+[^\n]*$", re.M)
_HEADING = re.compile(r"^[ \t]{0,3}(#{1,6})(?:[ \t]+|$)", re.M)
_LINE_MARK = re.compile(r"^[ \t]*(?:>[ \t]?)*(?:[-*+][ \t]+|\d{1,3}[.)][ \t]+)?", re.M)
_RULE = re.compile(r"^[ \t]*(?:[-*_][ \t]*){3,}$|^[ \t]*\|?[ \t:|-]*-{3,}[ \t:|-]*$", re.M)
_EMPHASIS = re.compile(r"\*{1,3}|_{2,3}|~~|`+")
_TABLE_PIPE = re.compile(r"\|")


def is_cjk(ch: str) -> bool:
    """CJK ideographs, kana, hangul and CJK/full-width punctuation: no spaces between them."""
    o = ord(ch)
    return (
        0x2E80 <= o <= 0x9FFF
        or 0xAC00 <= o <= 0xD7AF
        or 0xF900 <= o <= 0xFAFF
        or 0xFE30 <= o <= 0xFE4F
        or 0xFF00 <= o <= 0xFFEF
        or 0x20000 <= o <= 0x3FFFF
    )


def _wordy(ch: str) -> bool:
    return not is_cjk(ch) and (ch.isalnum() or ch in "'\"%$#@&+-")


@lru_cache(maxsize=65536)
def fold(chunk: str) -> str:
    """Fold one grapheme-ish chunk (a character and its combining marks)."""
    if chunk.isascii():
        return chunk.lower()
    out = unicodedata.normalize("NFKC", chunk)
    out = "".join(_FOLD.get(c, c) for c in out)
    return out.casefold()


@dataclass(frozen=True)
class Normalized:
    """Normalized text plus, per character, the raw half-open interval it came from."""

    raw: str
    text: str
    starts: array  # type: ignore[type-arg]
    ends: array  # type: ignore[type-arg]
    headings: frozenset[int]  # normalized offsets where a heading paragraph starts

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a non-empty normalized span [start, end) to its raw span."""
        return self.starts[start], self.ends[end - 1]


def _markup_mask(raw: str) -> tuple[bytearray, list[int], list[int]]:
    """Return (skip mask, positions that force a paragraph break, heading line starts)."""
    skip = bytearray(len(raw))
    breaks: list[int] = []
    headings: list[int] = []

    def mark(pattern: re.Pattern[str], group: int = 0, brk: bool = False) -> None:
        for m in pattern.finditer(raw):
            s, e = m.span(group)
            if e > s:
                skip[s:e] = b"\x01" * (e - s)
                if brk:
                    breaks.append(s)

    for pat in (_FRONT_MATTER, _FENCE, _COMMENT, _PAGE, _BLOCK_TAG, _RULE, _REF_DEF):
        mark(pat, brk=True)
    mark(_IMAGE)
    mark(_TAG)
    for m in _HEADING.finditer(raw):
        s, e = m.span()
        if not skip[s]:
            skip[s:e] = b"\x01" * (e - s)
            breaks.append(s)
            headings.append(e)
            nl = raw.find("\n", e)
            breaks.append(nl if nl >= 0 else len(raw))
    for pat in (_LINE_MARK, _LINK_TAIL, _LINK_HEAD, _LINK_CLOSE, _EMPHASIS, _TABLE_PIPE):
        mark(pat)
    return skip, breaks, headings


def normalize(raw: str) -> Normalized:
    """Normalize `raw` for comparison; see the module docstring for the rules."""
    skip, breaks, heading_lines = _markup_mask(raw)
    # Plain text without blank lines usually puts one paragraph on each line.
    line_paragraphs = "\n\n" not in raw.replace("\r\n", "\n") and "\n" in raw.strip()
    break_at = set(breaks)
    heading_at = set(heading_lines)
    out: list[str] = []
    starts = array("i")
    ends = array("i")
    headings: set[int] = set()
    n = len(raw)
    i = 0
    pending_ws = -1  # raw offset of pending inter-word whitespace
    newlines = 0  # newlines in the pending whitespace run
    para_pending = False
    last = ""  # last emitted char

    def emit(s: str, rs: int, re_: int) -> None:
        for c in s:
            out.append(c)
            starts.append(rs)
            ends.append(re_)

    while i < n:
        if i in break_at:
            para_pending = True
        if i in heading_at:
            para_pending = True
            headings.add(-1)  # resolved below at the next emitted char
        ch = raw[i]
        if skip[i]:
            i += 1
            continue
        if ch.isspace():
            if pending_ws < 0:
                pending_ws = i
            if ch == "\n":
                newlines += 1
                if newlines >= 2 or line_paragraphs:
                    para_pending = True
            i += 1
            continue
        j = i + 1
        while j < n and unicodedata.combining(raw[j]) and not skip[j]:
            j += 1
        folded = fold(raw[i:j])
        if folded:
            if para_pending and out:
                if last != PARA:
                    emit(PARA, pending_ws if pending_ws >= 0 else i, i)
                    last = PARA
            elif pending_ws >= 0 and last and _wordy(last) and _wordy(folded[0]):
                emit(" ", pending_ws, pending_ws + 1)
            if -1 in headings:
                headings.discard(-1)
                headings.add(len(out))
            if folded.isspace():
                folded = " "
            emit(folded, i, j)
            last = folded[-1]
            pending_ws = -1
            newlines = 0
            para_pending = False
        i = j
    headings.discard(-1)
    return Normalized(raw, "".join(out), starts, ends, frozenset(headings))
