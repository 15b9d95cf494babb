"""Normalize stage: fold text for comparison while keeping a map back to the raw offsets.

Every normalized character records the half-open raw interval it came from, so a span of the
normalized text maps back to `raw[starts[s]:ends[e - 1]]`. Markup that is not prose is skipped
(never deleted from the coordinates); whitespace between CJK characters is dropped; NFKC folds
full-width forms; quotes and dashes are unified; Latin is case-folded; traditional Chinese
characters fold to their simplified forms (`variants`).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING

from .variants import code_map, simplified

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

PARA = "\n"  # the normalized text's only paragraph separator

_QUOTES = dict.fromkeys("“”„‟«»「」『』〝〞＂", '"') | dict.fromkeys("‘’‚‛‹›＇`´", "'")
_DASHES = dict.fromkeys("—–―‒−﹘﹣－─", "-")
_FOLD = _QUOTES | _DASHES

# Regions that are markup, not prose. Order matters only for readability; overlaps are unioned.
_FRONT_MATTER = re.compile(
    r"\A(?:---|\+\+\+)[ \t]*\n(.*?)\n(?:---|\+\+\+|\.\.\.)[ \t]*(?:\n|\Z)", re.S
)
# A YAML front matter line that opens a key (ASCII, as front matter keys are) or a comment.
_META_KEY = re.compile(r"[A-Za-z_][\w.-]{0,60}[ \t]*:(?:[ \t]|$)|#")
# A fence or comment left open is its opening marker only: running it to the end (as a
# Markdown renderer would) hid the rest of any draft, plain text and pastes too, from every
# check; one stray ``` line was enough to pass a restated draft (a security review).
_FENCE = re.compile(r"^[ \t]*(```|~~~)[^\n]*\n(?:.*?^[ \t]*\1[^\n]*$)?", re.S | re.M)
_COMMENT = re.compile(r"<!--(?:.*?-->)?", re.S)
_OPENER = re.compile("<!--")


def comment_spans(text: str) -> Iterator[tuple[int, int]]:
    """HTML comments: a closed one whole, one left open its `<!--` only. `_COMMENT` alone
    searched to the end of the text for each unclosed opener (40,000 of them: 24 s); past the
    last `-->` none can close, so the rest are found as plain markers."""
    last = text.rfind("-->")
    end = last + 3 if last >= 0 else 0
    for m in _COMMENT.finditer(text, 0, end):
        yield m.span()
    for m in _OPENER.finditer(text, end):
        yield m.span()


_PAGE = re.compile(r"<\s*/?\s*PAGE[_A-Z]*\s*/?>|\f", re.I)
_BLOCK_TAG = re.compile(
    r"</?\s*(?:p|div|br|hr|h[1-6]|li|ul|ol|table|tr|section|article)\b[^>\n]*>", re.I
)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:_-]*(?:\s[^<>\n]*)?/?>|<(?:https?|mailto):[^>\s]+>")
_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")
# Patterns start with a literal or a set where they can: re then scans for it instead of
# trying every position (the emphasis pattern alone was a tenth of normalize).
_LINK_TAIL = re.compile(r"\((?<=\]\()(?:[^()\n]|\([^)\n]*\))*\)")
# `[text](url)`, and reference links `[text][ref]` / `[text][]`: `[1]` was prose, a change.
_LINK_HEAD = re.compile(r"\[(?=[^\]\n]*\](?:\(|\[[^\]\n^]*\]))")
_LINK_CLOSE = re.compile(r"\](?:(?=\()|\[[^\]\n^]*\])")
_REF_DEF = re.compile(r"^[ \t]{0,3}\[(?!\^)[^\]\n]+\]:[ \t]*\S+[^\n]*$", re.M)
# A footnote's marker (`[^1]`) and its definition's label (`[^1]:`): the note itself is prose
# (it was dropped whole as a link definition, and each marker was a changed word).
_FOOTNOTE = re.compile(r"\[\^[^\]\s]+\]:?")
_HEADING = re.compile(r"^[ \t]{0,3}(#{1,6})(?:[ \t]+|$)", re.M)
_LIST_ITEM = re.compile(r"^[ \t]*(?:>[ \t]?)*(?:[-*+]|\d{1,3}[.)])[ \t]+", re.M)
_LINE_MARK = re.compile(
    r"^(?=[ \t>*+\-0-9])[ \t]*(?:>[ \t]?)*(?:[-*+][ \t]+|\d{1,3}[.)][ \t]+)?", re.M
)
_RULE = re.compile(r"^[ \t]*(?:[-*_][ \t]*){3,}$|^[ \t]*\|?[ \t:|-]*-{3,}[ \t:|-]*$", re.M)
# *{1,3}, _{2,3}, ~~ or `+, written to start with a set
_EMPHASIS = re.compile(r"[*_~`](?:(?<=\*)\*{0,2}|(?<=_)_{1,2}|(?<=~)~|(?<=`)`*)")
_TABLE_PIPE = re.compile(r"\|")
_PIPE_ROW = re.compile(r"^[ \t]*\|[^\n]*", re.M)
_DELIMITER_ROW = re.compile(
    r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+\|?[ \t]*$", re.M
)
# HTML character references, as CMS exports write them (`&nbsp;&nbsp;` indenting every
# paragraph, `&ldquo;`, `&#38229;` for 镕): decoded (`_entities`). As text, their `;` ended a
# 12-character "sentence" that every paragraph restated.
_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
# A line that ends a sentence (`..` too: a web snippet's truncation), closing quotes kept.
_SENTENCE_END = re.compile(r"(?:[。！？!?；;…]|\.\.)[\"'”’」』）)]*[ \t]*$")
# A setext heading: one line of text under a blank line (or the start), underlined with
# `===` or `---` (the underline alone was a rule and the title counted as prose). The blank
# line is checked by the caller: it may hold spaces (a CRLF file's view has one).
_SETEXT = re.compile(r"^([ \t]{0,3})(\S[^\n]*)\n[ \t]{0,3}([=-])[=-]*[ \t]*$", re.M)
# Every non-empty match of the patterns above needs one of these: a character or pair, or a
# line that starts with markup. Text without any (most news) has no markup and skips the
# seventeen passes of `_markup_mask`. `in` tests are 2.5x faster than one regex for all.
_MARKUP_NEEDLES = ("<", "*", "`", "|", "\f", "~~", "__", "](", "][", "[^")
_MARKUP_LINE = re.compile(r"\n(?:[ \t:+\-#>\[_=]|\d{1,3}[.)][ \t])")


def _maybe_markup(raw: str) -> bool:
    if any(x in raw for x in _MARKUP_NEEDLES):
        return True
    if "&" in raw and _ENTITY.search(raw):
        return True
    return _MARKUP_LINE.search("\n" + raw) is not None  # the text's start starts a line


_WS_RUN = re.compile(r"\s+")  # re's \s is exactly str.isspace


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
    simple = simplified()  # traditional characters: their simplified forms
    # Format characters (zero-width space and joiners, soft hyphen, word joiner, a stray BOM)
    # and the other default-ignorable ones are invisible: kept, they hid a verbatim copy (one
    # per character took it to 0 %).
    out = "".join(_FOLD.get(c) or simple.get(c, c) for c in out if not _invisible(c))
    return out.casefold()


# Unicode's Default_Ignorable_Code_Point beyond the format characters (Cf): variation
# selectors (VS16 after an ideograph, the ideographic ones of CJK CMS text), the combining
# grapheme joiner, Hangul fillers (U+3164, a known filter dodge), Mongolian free variation
# selectors, Khmer inherent vowels.
_IGNORABLE = re.compile(
    "[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0\U000e0100-\U000e01ef]"
)


def _invisible(c: str) -> bool:
    return unicodedata.category(c) == "Cf" or _IGNORABLE.match(c) is not None


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
        spans((m.span(group) for m in pattern.finditer(raw)), brk)

    def spans(found: Iterable[tuple[int, int]], brk: bool = False) -> None:
        for s, e in found:
            if e > s:
                skip[s:e] = b"\x01" * (e - s)
                if brk:
                    breaks.append(s)

    fm = _FRONT_MATTER.match(raw)
    if fm and (raw.startswith("+++") or _yaml_block(fm.group(1))):
        skip[: fm.end()] = b"\x01" * fm.end()
        breaks.append(0)
    mark(_FENCE, brk=True)
    spans(comment_spans(raw), brk=True)
    for pat in (_PAGE, _BLOCK_TAG, _RULE, _REF_DEF):
        mark(pat, brk=True)
    for m in _SETEXT.finditer(raw):
        s, at = m.start(2), m.start()
        if skip[at] or _LIST_ITEM.match(raw, at) or raw[s] in "#>|":
            continue
        if at and raw[raw.rfind("\n", 0, at - 1) + 1 : at - 1].strip(" \t"):
            continue  # the second line of a paragraph
        if m.group(3) == "-" and _SENTENCE_END.search(m.group(2)):
            continue  # a sentence over a line of dashes: a separator in plain text
        # The title line is a heading paragraph; the underline is markup (a break after it).
        breaks.append(at)
        headings.append(s)
        nl = m.end(2)
        breaks.append(nl)
        skip[nl : m.end()] = b"\x01" * (m.end() - nl)
    mark(_IMAGE)
    mark(_TAG)
    mark(_FOOTNOTE)
    for m in _HEADING.finditer(raw):
        s, e = m.span()
        if not skip[s]:
            skip[s:e] = b"\x01" * (e - s)
            breaks.append(s)
            headings.append(e)
            nl = raw.find("\n", e)
            breaks.append(nl if nl >= 0 else len(raw))
    for m in _LIST_ITEM.finditer(raw):
        if not skip[m.start()]:
            breaks.append(m.start())  # each list item is its own paragraph
    for pat in (_LINE_MARK, _LINK_TAIL, _LINK_HEAD, _LINK_CLOSE, _EMPHASIS):
        mark(pat)
    mark(_TABLE_PIPE)
    # Each table cell is its own paragraph: the rows ran together into one sentence up to the
    # next 。, so a cell restating the body came with the other cells as changes. Only in
    # table rows: a stray `|` inside a sentence (288 corpus articles have one) cut it in two.
    for lo, hi in _table_rows(raw):
        breaks += [m.start() for m in _TABLE_PIPE.finditer(raw, lo, hi)]
    return skip, breaks, headings


def _yaml_block(body: str) -> bool:
    """Whether a `---` block holds YAML: `key: value` lines with ASCII keys, and the indented
    lines and list items that continue a key (a `.txt` draft opening with a `---` separator,
    or transcript lines like `记者: …`, lost everything up to the next `---`). TOML blocks
    (`+++`) are taken as they are: their tables and arrays are no prose either."""
    keyed = False
    for line in body.split("\n"):
        if not line.strip():
            continue
        if _META_KEY.match(line):
            keyed = True
        elif not (keyed and (line[0] in " \t" or line.startswith("- "))):
            return False
    return keyed


def _table_rows(raw: str) -> Iterator[tuple[int, int]]:
    """Spans of table rows: lines that start with `|`, and the lines with a `|` next to a
    delimiter row (`---|---`) of a table written without the outer pipes."""
    for m in _PIPE_ROW.finditer(raw):
        yield m.span()
    for m in _DELIMITER_ROW.finditer(raw):
        if raw[m.start() : m.end()].lstrip().startswith("|"):
            continue  # the rows start with `|` too: found above
        at = m.start() - 1  # the header line above
        if at > 0:
            lo = raw.rfind("\n", 0, at) + 1
            if "|" in raw[lo:at]:
                yield lo, at
        at = m.end()
        while at < len(raw):
            hi = raw.find("\n", at + 1)
            hi = len(raw) if hi < 0 else hi
            if "|" not in raw[at:hi]:
                break
            yield at, hi
            at = hi


def _lf_view(raw: str) -> str:
    """`raw` with CRLF and lone CR line breaks as LF, keeping every offset.

    CRLF becomes " \n" (trailing blanks never matter to the rules) and a classic-Mac CR "\n",
    so the markup patterns and paragraph rules, written for LF, see the same lines.
    """
    if "\r" not in raw:
        return raw
    return raw.replace("\r\n", " \n").replace("\r", "\n")


def _unwrap(view: str) -> str:
    """`view` with the line breaks of hard-wrapped lines as spaces (same offsets).

    Plain text without blank lines puts one paragraph on each line, unless it is wrapped at a
    fixed width: then a line of that width that does not end a sentence goes on in the next
    one (cut into a paragraph per line, a restatement fell apart into pieces cut mid-word).
    The width is the most common line length (20-120 characters), shared exactly by three
    lines or more and by more than half of them; lines of that width ±1 that end mid-sentence
    are joined (`..`, a web snippet's truncation, ends one too), when most of them do."""
    lines = view.split("\n")
    if len(lines) < 4:
        return view
    lens = [len(line.rstrip()) for line in lines]
    counts = Counter(n for n in lens if n)
    if not counts:
        return view
    # Fixed-width wrapping puts most lines at exactly one length (a half-width character or
    # a punctuation mark moves a few by one): lines of merely similar length are paragraphs.
    width = max(counts, key=lambda w: (counts[w], w))
    if not 20 <= width <= 120 or counts[width] < 3 or 2 * counts[width] <= sum(counts.values()):
        return view
    # Cut where a sentence goes on: most of the full lines (a list of items of one length ends
    # each with 。).
    full = [i for i, n in enumerate(lens[:-1]) if abs(n - width) <= 1]
    open_ = [i for i in full if not _SENTENCE_END.search(lines[i])]
    if 2 * len(open_) < len(full):
        return view
    out = list(view)
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    for i in open_:
        out[starts[i + 1] - 1] = " "  # the line break after line i
    return "".join(out)


# A line that goes on in the next one: it ends in a comma, opening bracket or dash (not a
# colon: sohu's `责任编辑：` ends a line before the next article's text).
_GOES_ON = frozenset("，,、（(［[“‘「『《〈—-－/")


def _title_lines(view: str) -> list[int]:
    """The line breaks after title-like lines inside blank-line paragraphs, as breaks.

    A subheading (民警提醒) or byline (来源：新华社) on the line above prose, with no blank
    line between, ran into the prose's first sentence: the allow-list then dropped that
    sentence whole (a copy of the lead went unseen), or a subheading made an exact copy
    "near". Such a line does not end a sentence, does not go on (`_GOES_ON`), and is at most
    0.6 times as long as the next line: the lines of wrapped text are about one length."""
    out: list[int] = []
    at = 0
    prev = ""
    for line in view.split("\n"):
        cur = line.strip()
        if (
            prev
            and cur
            and 5 * len(prev) <= 3 * len(cur)
            and prev[-1] not in _GOES_ON
            and not _SENTENCE_END.search(prev)
        ):
            out.append(at - 1)  # the line break before this line
        prev = cur
        at += len(line) + 1
    return out


def normalize(raw: str) -> Normalized:
    """Normalize `raw` for comparison; see the module docstring for the rules."""
    # Plain text without blank lines usually puts one paragraph on each line.
    lf = raw.replace("\r\n", "\n").replace("\r", "\n") if "\r" in raw else raw
    line_paragraphs = "\n\n" not in lf and "\n" in lf.strip()
    view = _lf_view(raw)
    if line_paragraphs:
        view = _unwrap(view)
    titles = [] if line_paragraphs or "\n" not in view else _title_lines(view)
    norm = _normalize_lf(view, line_paragraphs, titles)
    # Only whitespace differs, and whitespace is never copied into the text: the spans hold.
    return norm if view is raw else replace(norm, raw=raw)


def _normalize_lf(raw: str, line_paragraphs: bool, titles: list[int]) -> Normalized:
    # The plain path decides each whitespace run in Python (≈ 1.4 µs each): for Latin-heavy
    # text, with a run every few characters, the vectorized path is faster.
    runs = raw.count(" ") + raw.count("\n")
    if runs <= 32 + len(raw) // 25 and not _maybe_markup(raw):
        plain = _normalize_plain(raw, line_paragraphs, titles)
        if plain is not None:
            return plain
    skip, breaks, heading_lines = _markup_mask(raw)
    breaks += titles
    entities = _entities(raw, skip) if "&" in raw else {}
    if not entities:  # rare in news: the reference loop decodes them
        fast = _normalize_fast(raw, skip, breaks, heading_lines, line_paragraphs)
        if fast is not None:
            return fast
    return _normalize_slow(raw, skip, breaks, heading_lines, line_paragraphs, entities)


def _entities(raw: str, skip: bytearray) -> dict[int, tuple[int, str]]:
    """HTML character references outside markup: raw start -> (raw end, the text they stand
    for). Each is one character of the text, spanning the whole reference, or whitespace
    (`&nbsp;`, `&#12288;`). An unknown name (`&foo;`) is left as text; an invalid number
    (`&#0;`, a surrogate), which would decode to U+FFFD, is markup."""
    import html

    found: dict[int, tuple[int, str]] = {}
    for m in _ENTITY.finditer(raw):
        if skip[m.start()]:
            continue
        text = html.unescape(m.group())
        if text == "\ufffd" and m.group()[2:-1].lower() not in ("65533", "xfffd"):
            skip[m.start() : m.end()] = b"\x01" * (m.end() - m.start())  # `&#0;`: nothing
        elif text != m.group():
            found[m.start()] = (m.end(), text)
    return found


def _normalize_slow(
    raw: str,
    skip: bytearray,
    breaks: list[int],
    heading_lines: list[int],
    line_paragraphs: bool,
    entities: dict[int, tuple[int, str]] | None = None,
) -> Normalized:
    """The reference loop, one character at a time; the fast and plain paths must agree with it.
    `entities` (`_entities`) are decoded, each spanning its whole reference."""
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
        ent = entities.get(i) if entities else None
        if ent is not None and ent[1].isspace():  # `&nbsp;`: whitespace, never a line break
            if pending_ws < 0:
                pending_ws = i
            i = ent[0]
            continue
        if ent is None and ch.isspace():
            if pending_ws < 0:
                pending_ws = i
            if ch == "\n":
                newlines += 1
                if newlines >= 2 or line_paragraphs:
                    para_pending = True
            i += 1
            continue
        if ent is not None:
            j, chunk = ent
        else:
            j = i + 1
            while j < n and unicodedata.combining(raw[j]) and not skip[j]:
                j += 1
            chunk = raw[i:j]
        folded = fold(chunk)
        if folded:
            if para_pending and out:
                if last != PARA:
                    emit(PARA, pending_ws if pending_ws >= 0 else i, i)
                    last = PARA
            elif (
                pending_ws >= 0
                and last
                and not (is_cjk(last) or is_cjk(folded[0]))
                and (_wordy(last) or _wordy(folded[0]))
            ):
                # Keep the space between Latin words, and after "." so "fine. Next" still
                # ends a sentence (a space next to CJK is PDF debris and is dropped).
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


def _array(values: npt.NDArray[np.int64]) -> array:  # type: ignore[type-arg]
    import numpy as np

    out = array("i")
    out.frombytes(values.astype(np.int32).tobytes())
    return out


class _CharTable:
    """Per-code-point properties, computed once per process for each character seen."""

    WIDTH = 4  # longest fold handled by the fast path
    ONE, MANY, DROP = 1, 2, 3

    def __init__(self) -> None:
        import numpy as np

        size = 0x110000
        self.known = np.zeros(size, dtype=bool)
        self.flags = np.zeros(size, dtype=np.uint8)
        self.length = np.zeros(size, dtype=np.int8)
        self.codes = np.zeros((size, self.WIDTH), dtype="<u4")
        # For `_normalize_plain`: 0 unsupported or unknown, else folds to ONE or MANY chars,
        # or to none (DROP: a format character, skipped as if it were not there)
        self.kind = np.zeros(size, dtype=np.uint8)
        self.space = np.zeros(size, dtype=bool)

    # flag bits
    WS, COMBINING, UNSUPPORTED, FIRST_CJK, LAST_CJK, FIRST_WORDY, LAST_WORDY, DROP = (
        1,
        2,
        4,
        8,
        16,
        32,
        64,
        128,
    )

    # CJK Unified Ideographs fold to themselves or their simplified form (no compatibility
    # decomposition, no case, not combining): learned in one assignment, since most
    # characters of Chinese text are new to a fresh worker and the per-character loop cost
    # 0.3 s a process on the corpus.
    IDEOGRAPHS = (0x4E00, 0x9FFF)

    def learn(self, cps: npt.NDArray[np.uint32]) -> bool:
        """Learn the characters among `cps` this process has not seen; False if none."""
        from .lsh import sorted_unique

        new = cps[~self.known[cps]]
        if not len(new):
            return False
        cps = sorted_unique(new)
        lo, hi = self.IDEOGRAPHS
        ideo = (cps >= lo) & (cps <= hi)
        if ideo.any():
            c = cps[ideo]
            self.flags[c] = self.FIRST_CJK | self.LAST_CJK
            self.length[c] = 1
            self.codes[c, 0] = code_map(lo, hi)[c - lo]
            self.kind[c] = self.ONE
            self.known[c] = True
            cps = cps[~ideo]
        self.learn_each(cps)
        return True

    def learn_each(self, cps: npt.NDArray[np.uint32]) -> None:
        for cp in cps[~self.known[cps]].tolist():
            c = chr(cp)
            flags = 0
            if not c.isspace() and not fold(c) and not unicodedata.combining(c):
                # A format character folds to nothing: length 0, no other property.
                self.flags[cp] = self.DROP
                self.kind[cp] = self.DROP
                self.known[cp] = True
                continue
            if c.isspace():
                f = " "
                flags |= self.WS
            else:
                f = fold(c)
                if not f or len(f) > self.WIDTH or any(x.isspace() for x in f):
                    flags |= self.UNSUPPORTED
                    f = f[: self.WIDTH] or " "
            if unicodedata.combining(c):
                flags |= self.COMBINING
            flags |= self.FIRST_CJK * is_cjk(f[0]) | self.LAST_CJK * is_cjk(f[-1])
            flags |= self.FIRST_WORDY * _wordy(f[0]) | self.LAST_WORDY * _wordy(f[-1])
            self.flags[cp] = flags
            self.length[cp] = len(f)
            self.codes[cp, : len(f)] = [ord(x) for x in f]
            if not flags & (self.COMBINING | self.UNSUPPORTED):
                self.kind[cp] = self.ONE if len(f) == 1 else self.MANY
            self.space[cp] = bool(flags & self.WS)
            self.known[cp] = True


_TABLE: list[_CharTable] = []


def _table() -> _CharTable:
    if not _TABLE:
        _TABLE.append(_CharTable())
    return _TABLE[0]


def _normalize_plain(raw: str, line_paragraphs: bool, titles: list[int]) -> Normalized | None:
    """`_normalize_slow` for text without markup (`_maybe_markup` is false).

    Then every non-space character is emitted with its fold and only the few whitespace runs
    (a news article has about five paragraphs) need a decision, made here in Python; the
    per-character work is a few numpy passes. Format characters (folded to nothing) are left
    out of `folded` and its offsets. Returns None for combining marks and folds the fast path
    does not handle either.
    """
    import numpy as np

    tab = _table()
    cps = np.frombuffer(raw.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    kind = tab.kind[cps]
    if not kind.all():
        if tab.learn(cps):
            kind = tab.kind[cps]
        if not kind.all():
            return None
    n = len(cps)
    src: npt.NDArray[np.int64]  # raw offset behind each character of `folded`
    out_at: npt.NDArray[np.int64] | None  # offset in `folded` of each raw offset
    if kind.max(initial=tab.ONE) == tab.ONE:
        folded = tab.codes[:, 0][cps].tobytes().decode("utf-32-le", "surrogatepass")
        src = np.arange(n, dtype=np.int64)
        out_at = None  # the same offsets
    else:  # "…" -> "...", "℃" -> "°c": a character becomes several, a format character none
        lens = tab.length[cps].astype(np.int64)
        width = int(lens.max())
        mask = np.arange(width)[None, :] < lens[:, None]
        folded = tab.codes[cps, :width][mask].tobytes().decode("utf-32-le", "surrogatepass")
        src = np.repeat(np.arange(n, dtype=np.int64), lens)
        out_at = np.concatenate(([0], np.cumsum(lens)))
    # [edges[k], edges[k + 1]) for even k: the runs of non-space characters between the
    # whitespace runs. Only their ends are looked up in `out_at` (listing all of it took
    # 60 ms for 2 MB).
    edges = [0, *itertools.chain.from_iterable(m.span() for m in _WS_RUN.finditer(raw)), n]
    out_edges = edges if out_at is None else out_at[np.array(edges)].tolist()
    pieces: list[str] = []
    seps: list[tuple[int, int, int]] = []  # (text characters before it, raw start, raw end)
    n_text = 0
    gap = -1  # raw offset of the whitespace before the next run; -1 before the first
    need = 1 if line_paragraphs else 2
    for k in range(0, len(edges), 2):
        at, end = edges[k], edges[k + 1]
        lo, hi = out_edges[k], out_edges[k + 1]
        if hi > lo:  # not empty, nor only format characters (whitespace runs either side merge)
            if gap >= 0 and n_text:
                if raw.count("\n", gap, at) >= need or (
                    titles and bisect_left(titles, gap) < bisect_left(titles, at)
                ):
                    pieces.append(PARA)  # spans the whitespace it replaces
                    seps.append((n_text, gap, int(src[lo])))  # up to the first emitted one
                elif _joins(pieces[-1][-1], folded[lo]):
                    pieces.append(" ")
                    seps.append((n_text, gap, gap + 1))
            pieces.append(folded[lo:hi])
            n_text += hi - lo
            gap = -1
        if gap < 0 and k + 2 < len(edges):  # a whitespace run follows
            gap = end
    if not n_text:
        return Normalized(raw, "", array("i"), array("i"), frozenset())
    text_src = src[tab.space[cps][src] == 0] if n_text < len(src) else src
    if seps:  # text characters and separators interleaved, in one scatter each
        where, s_start, s_end = (np.asarray(x, dtype=np.int64) for x in zip(*seps, strict=True))
        where += np.arange(len(where))
        starts = np.empty(n_text + len(where), dtype=np.int64)
        is_text = np.ones(len(starts), dtype=bool)
        is_text[where] = False
        starts[is_text] = text_src
        starts[where] = s_start
        ends = starts + 1
        ends[where] = s_end
    else:
        starts, ends = text_src, text_src + 1
    return Normalized(raw, "".join(pieces), _array(starts), _array(ends), frozenset())


def _joins(last: str, first: str) -> bool:
    """Whether whitespace between two emitted characters is kept as one space."""
    return not (is_cjk(last) or is_cjk(first)) and (_wordy(last) or _wordy(first))


def _normalize_fast(
    raw: str, skip: bytearray, breaks: list[int], heading_lines: list[int], line_paragraphs: bool
) -> Normalized | None:
    """Vectorized normalize with exactly the rules of the loop in `_normalize_slow`.

    Work per character is done on numpy arrays; Python only sees each distinct character once
    per process. Format characters are passed over like skipped markup. Returns None for the
    rare inputs it does not handle (combining marks, long expansions), which then take the
    reference loop.
    """
    import numpy as np

    from .lsh import run_starts

    tab = _table()
    cps = np.frombuffer(raw.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    tab.learn(cps)  # only characters this process has not seen need sorting out
    flags_all = tab.flags[cps]
    if (flags_all & (tab.COMBINING | tab.UNSUPPORTED)).any():
        return None
    ws = (flags_all & tab.WS) != 0
    kept = np.frombuffer(bytes(skip), dtype=np.uint8) == 0
    # raw offsets of emitted characters: not whitespace, not a format character
    pos = np.flatnonzero(kept & ((flags_all & (tab.WS | tab.DROP)) == 0))
    empty = array("i")
    if len(pos) == 0:
        return Normalized(raw, "", empty, array("i"), frozenset())
    k_n = len(pos)
    at_cp = cps[pos]
    fl = flags_all[pos]
    wpos = np.flatnonzero(kept & ws)
    kw = np.searchsorted(pos, wpos)
    inside = kw < k_n
    kw, wpos = kw[inside], wpos[inside]
    first_ws = np.full(k_n, -1, dtype=np.int64)
    # kw is non-decreasing (both sides sorted): the first whitespace before each character
    # starts each run of equal kw (np.unique would sort again).
    if len(kw):
        first_idx = run_starts(kw)
        first_ws[kw[first_idx]] = wpos[first_idx]
    newlines = np.bincount(kw[cps[wpos] == 10], minlength=k_n)
    para = newlines >= (1 if line_paragraphs else 2)
    marks = np.array(sorted(set(breaks) | set(heading_lines)), dtype=np.int64)
    kb = np.searchsorted(pos, marks)
    para[kb[kb < k_n]] = True
    para[0] = False  # nothing emitted yet: no separator before the first character
    first_cjk = (fl & tab.FIRST_CJK) != 0
    last_cjk = (fl & tab.LAST_CJK) != 0
    first_wordy = (fl & tab.FIRST_WORDY) != 0
    last_wordy = (fl & tab.LAST_WORDY) != 0
    space = np.zeros(k_n, dtype=bool)
    space[1:] = (
        (first_ws[1:] >= 0)
        & ~para[1:]
        & ~last_cjk[:-1]
        & ~first_cjk[1:]
        & (last_wordy[:-1] | first_wordy[1:])
    )
    prefix = (para | space).astype(np.int64)
    lens = tab.length[at_cp].astype(np.int64)
    width = int(lens.max())
    total = prefix + lens
    off = np.zeros(k_n + 1, dtype=np.int64)
    np.cumsum(total, out=off[1:])
    n_out = int(off[-1])
    codes = np.empty(n_out, dtype="<u4")
    starts = np.empty(n_out, dtype=np.int64)
    ends = np.empty(n_out, dtype=np.int64)
    # Separators: a paragraph break spans the whitespace it replaces, a space one character.
    pk = np.flatnonzero(para)
    at = off[pk]
    codes[at] = 10
    starts[at] = np.where(first_ws[pk] >= 0, first_ws[pk], pos[pk])
    ends[at] = pos[pk]
    sk = np.flatnonzero(space)
    at = off[sk]
    codes[at] = 32
    starts[at] = first_ws[sk]
    ends[at] = first_ws[sk] + 1
    base = off[:-1] + prefix
    if width == 1:
        codes[base] = tab.codes[at_cp, 0]
        starts[base] = pos
        ends[base] = pos + 1
    else:
        step = 1 << 20  # bound the (chars x width) temporaries
        for lo in range(0, k_n, step):
            sl = slice(lo, lo + step)
            mask = np.arange(width)[None, :] < lens[sl, None]
            where = (base[sl, None] + np.arange(width)[None, :])[mask]
            codes[where] = tab.codes[at_cp[sl], :width][mask]
            starts[where] = np.repeat(pos[sl], lens[sl])
            ends[where] = np.repeat(pos[sl] + 1, lens[sl])
    kh = np.searchsorted(pos, np.array(heading_lines, dtype=np.int64))
    headings = frozenset(int(base[k]) for k in kh[kh < k_n])
    text = codes.tobytes().decode("utf-32-le", "surrogatepass")
    return Normalized(raw, text, _array(starts), _array(ends), headings)
