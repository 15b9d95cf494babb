"""Terminal report with rich: both spans, similarity, changed words highlighted, 复制比."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..archive import record_id
from ..model import CheckResult, Finding, Span
from . import one_line, printable_result

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

MAX_SHOWN = 400  # characters of a passage shown before eliding the middle
# Control characters from the file would reach the terminal (ESC [2J clears it): each is shown
# as its one-character picture (␛), so the highlighted offsets stay where they were. Tab and
# the line breaks stay; C1 controls become U+FFFD.
_VISIBLE = {c: 0x2400 + c for c in range(0x20) if chr(c) not in "\t\n\r"}
_VISIBLE.update({0x7F: 0x2421, **{c: 0xFFFD for c in range(0x80, 0xA0)}})
_LONE_CR = re.compile(r"\r(?!\n)")
_CR = "\u200b"  # stands in for a CRLF's CR until the gutter crops it


def _highlight(text: str, base: int, spans: list[tuple[int, int]], style: str) -> Text:
    from rich.text import Text

    # rich drops `\r`, which ran a lone-CR file's lines together and shifted the highlights
    # after every CRLF by one: a lone CR is a line break, a CRLF's CR a placeholder of the
    # same length that the gutter removes.
    shown = _LONE_CR.sub("\n", text.translate(_VISIBLE)).replace("\r", _CR)
    out = Text(shown)
    for s, e in spans:
        if e > s:
            out.stylize(style, s - base, e - base)
    if len(text) > MAX_SHOWN:
        half = MAX_SHOWN // 2
        out = out[:half] + Text(" … ", style="dim") + out[-half:]
    return out


def _gutter(console: Console, label: str, body: Text) -> None:
    """A passage of several lines keeps the gutter on each (a raw line break fell back to the
    left margin, under no label)."""
    from rich.text import Text

    go_on = " " * (len(label) - 2) + "│ "
    for i, line in enumerate(body.split("\n", allow_blank=True)):
        if line.plain.endswith(_CR):
            line.right_crop(1)
        # Text.assemble, not `Text(gutter, style="dim") + body`: `+` keeps the left part's
        # style as the base of the whole line, which dimmed every passage.
        console.print(Text.assemble((go_on if i else label, "dim"), line))


_BREAKS = re.compile(r"\s*[\r\n]+\s*")
_CHANGE_MAX = 40  # longer changed words are cut in the middle: the spans above show them


def change_side(words: str) -> str:
    """One side of a change on one line: line breaks as ⏎ (a raw one dropped the gutter),
    long runs cut in the middle."""
    shown = _BREAKS.sub("⏎", words.translate(_VISIBLE)) or "∅"
    if len(shown) > _CHANGE_MAX:
        half = _CHANGE_MAX // 2 - 1
        shown = f"{shown[:half]}…{shown[-half:]}"
    return shown


def archived_label(span: Span) -> str:
    """An archived source (`--against`) as the CMS names it, by id, then title and date, as
    the JSON and HTML give them: `(id b921) 《标题》 2024-01-02`; "" for a draft's own span."""
    rid = record_id(span.doc)
    parts = (f"(id {rid})" if rid else "", f"《{span.title}》" if span.title else "", span.date)
    return " ".join(x for x in parts if x)


def _finding(console: Console, n: int, f: Finding) -> None:
    from rich.text import Text

    head = Text()
    head.append(f"#{n} ", style="bold")
    head.append(f"{one_line(f.b.path)}:{f.b.line}:{f.b.column}", style="bold cyan")
    head.append(" restates ")
    head.append(f"{one_line(f.a.path)}:{f.a.line}:{f.a.column}", style="cyan")
    if label := archived_label(f.a):
        head.append(f" {one_line(label)}", style="cyan")
    head.append(f"  similarity {f.similarity:.2f} ({f.kind}), {len(f.b.text)} chars")
    console.print(head)
    a_spans = [(c.a_start, c.a_end) for c in f.changes]
    b_spans = [(c.b_start, c.b_end) for c in f.changes]
    _gutter(console, "  earlier │ ", _highlight(f.a.text, f.a.start, a_spans, "bold red"))
    _gutter(console, "  later   │ ", _highlight(f.b.text, f.b.start, b_spans, "bold green"))
    if f.changes:
        shown = "; ".join(f"{change_side(c.a)} → {change_side(c.b)}" for c in f.changes[:8]) + (
            " …" if len(f.changes) > 8 else ""
        )
        console.print(Text.assemble(("  changed │ ", "dim"), (shown, "yellow")))
    console.print()


SHOWN_COPIES = 3  # exact copies of one text shown in full; the rest are one line


def render(result: CheckResult, console: Console) -> None:
    result = printable_result(result)
    # A table cell or footer repeated on every row was a finding per row (1,999 of them for
    # a 2,000-row table): after the first few, exact copies of a text are listed by place.
    from collections import Counter

    copies = Counter(f.b.text for f in result.findings if f.kind == "exact")
    shown: dict[str, int] = {}
    hidden: dict[str, list[str]] = {}
    for n, f in enumerate(result.findings, 1):
        # One copy beyond the few is shown too: a line saying "1 more exact copies" saved none.
        if f.kind == "exact" and copies[f.b.text] > SHOWN_COPIES + 1:
            key = f.b.text
            shown[key] = shown.get(key, 0) + 1
            if shown[key] > SHOWN_COPIES:
                hidden.setdefault(key, []).append(f"{f.b.line}:{f.b.column}")
                continue
        _finding(console, n, f)
    from rich.text import Text

    for text, places in hidden.items():
        flat = " ".join(text.split())
        excerpt = flat if len(flat) <= 30 else flat[:29] + "…"
        at = ", ".join(places[:10]) + (", …" if len(places) > 10 else "")
        console.print(
            Text.assemble(
                (f"… {len(places)} more exact copies", "bold"),
                f" of 「{one_line(excerpt.translate(_VISIBLE))}」 at {at} (-f json lists each)",
            )
        )
    if hidden:
        console.print()

    for fs in result.files:
        line = Text()
        line.append(one_line(fs.path), style="bold")
        n = sum(1 for f in result.findings if f.b.path == fs.path and f.kind != "phrase")
        line.append(f": {n} restated passage{'' if n == 1 else 's'}, ")
        if p := sum(1 for f in result.findings if f.b.path == fs.path and f.kind == "phrase"):
            line.append(f"{p} repeated phrase{'' if p == 1 else 's'}, ")
        line.append(
            f"复制比 {fs.ratio:.1%}", style="bold magenta" if fs.restated_chars else "green"
        )
        line.append(f" ({fs.restated_chars} of {fs.chars} prose characters)")
        console.print(line)
