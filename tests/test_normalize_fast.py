"""The vectorized normalize agrees exactly with the reference character loop."""

from __future__ import annotations

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from paradup import normalize as normalize_module
from paradup.normalize import (
    Normalized,
    _CharTable,
    _markup_mask,
    _maybe_markup,
    _normalize_fast,
    _normalize_plain,
    _normalize_slow,
    _title_lines,
    _unwrap,
    normalize,
)

from .conftest import SAMPLE

PIECES = st.sampled_from(
    [
        "中国",
        "联通",
        "召开",
        "会议",
        "。",
        "，",
        "、",
        "；",
        "！",
        "？",
        "“",
        "”",
        "「",
        "」",
        " ",
        "  ",
        "\n",
        "\n\n",
        "\t",
        "\u3000",
        "ＡＢＣ",
        "１２３",
        "Hello",
        "world",
        ".",
        "2.2",
        "——",
        "…",
        "℃",
        "㎡",
        "ﬁ",
        "# ",
        "## 标题",
        "- ",
        "1. ",
        "> ",
        "**",
        "`code`",
        "[链接](http://a.b)",
        "<b>",
        "</b>",
        "<PAGE_DIV>",
        "<!-- 注释 -->",
        "```\ncode\n```\n",
        "---\n",
        "企 业",
        "ß",
        "İ",
    ]
)


def _both(raw: str) -> tuple[object, object]:
    skip, breaks, headings = _markup_mask(raw)
    lines = "\n\n" not in raw.replace("\r\n", "\n") and "\n" in raw.strip()
    slow = _normalize_slow(raw, skip, breaks, headings, lines)
    fast = _normalize_fast(raw, skip, breaks, headings, lines)
    assert fast is not None
    return (
        (slow.text, list(slow.starts), list(slow.ends), slow.headings),
        (fast.text, list(fast.starts), list(fast.ends), fast.headings),
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=40).map("".join))
def test_fast_equals_slow(raw: str) -> None:
    slow, fast = _both(raw)
    assert fast == slow


def test_fast_equals_slow_on_sample() -> None:
    raw = SAMPLE.read_text(encoding="utf-8")
    slow, fast = _both(raw)
    assert fast == slow
    slow, fast = _both(raw.replace("\n\n", "\n"))  # one paragraph a line
    assert fast == slow


def test_combining_marks_take_the_reference_path() -> None:
    raw = "cafe\u0301 会议"
    skip, breaks, headings = _markup_mask(raw)
    assert _normalize_fast(raw, skip, breaks, headings, False) is None


# Single characters and line starts that markup patterns look for, among prose.
MARKUP_CHARS = st.sampled_from(
    [
        *"中文，。 \t\n\r-+*_~`|#>!<[]():.123aZ\f",
        *("---", "```", "1. ", "- ", "  ", "~~", "__", "](", "](a)", "# "),
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(MARKUP_CHARS, max_size=30).map("".join))
@example(":---\n")  # a table rule line
@example("中文\n+++\n")
@example("a\n12) b")
@example("![x](y)")
@example("_ _ _\n")
@example("a\n[x]: y")
@example("~~a~~ __b__")
@example("a\n  > b")
def test_text_the_markup_prefilter_passes_has_no_markup(raw: str) -> None:
    if not _maybe_markup(raw):
        skip, breaks, headings = _markup_mask(raw)
        assert not any(skip) and not breaks and not headings


def _titles(raw: str, lines: bool) -> list[int]:
    return [] if lines or "\n" not in raw else _title_lines(raw)


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=40).map("".join))
def test_plain_path_equals_slow(raw: str) -> None:
    skip, breaks, headings = _markup_mask(raw)
    lines = "\n\n" not in raw.replace("\r\n", "\n") and "\n" in raw.strip()
    assume(not lines or _unwrap(raw) == raw)  # hard-wrapped text: the loops see another view
    titles = _titles(raw, lines)
    slow = _normalize_slow(raw, skip, breaks + titles, headings, lines)
    got = normalize(raw)
    assert (got.text, list(got.starts), list(got.ends), got.headings) == (
        slow.text,
        list(slow.starts),
        list(slow.ends),
        slow.headings,
    )
    if not _maybe_markup(raw):
        plain = _normalize_plain(raw, lines, titles)
        assert plain is not None  # no combining marks among the pieces
        assert (plain.text, list(plain.starts), list(plain.ends)) == (
            slow.text,
            list(slow.starts),
            list(slow.ends),
        )


def test_plain_path_serves_markup_free_news() -> None:
    raw = "新华社北京电 会议在京召开。\n\n会议指出，ＡＢＣ  Hello world 2.5%。\n"
    lines = "\n\n" not in raw and "\n" in raw.strip()
    assert not _maybe_markup(raw)
    plain = _normalize_plain(raw, lines, [])
    assert plain is not None
    assert plain.text == "新华社北京电会议在京召开。\n会议指出,abc hello world 2.5%。"
    assert plain.raw_span(0, 3) == (0, 3)
    # The paragraph break spans the blank line it replaces.
    brk = plain.text.index("\n")
    assert plain.raw_span(brk, brk + 1) == (raw.index("\n"), raw.index("会议指出"))


def test_ideographs_learned_at_once_equal_the_character_loop() -> None:
    import numpy as np

    lo, hi = _CharTable.IDEOGRAPHS
    block = np.arange(lo, hi + 1, dtype=np.uint32)
    bulk, each = _CharTable(), _CharTable()
    bulk.learn(block)
    each.learn_each(block)
    for name in ("known", "flags", "length", "codes", "kind", "space"):
        assert np.array_equal(getattr(bulk, name)[lo : hi + 1], getattr(each, name)[lo : hi + 1])


# Format characters fold to nothing: zero-width space, joiners, word joiner, soft hyphen, BOM,
# bidi embeddings and isolates, and any other of category Cf.
FORMAT = st.one_of(
    st.sampled_from(
        [
            "\u200b",
            "\u200c",
            "\u200d",
            "\u2060",
            "\u00ad",
            "\ufeff",
            *map(chr, range(0x202A, 0x202F)),
            *map(chr, range(0x2066, 0x206A)),
        ]
    ),
    st.characters(categories=["Cf"]),
)
WITH_FORMAT = st.lists(st.one_of(PIECES, FORMAT, FORMAT.map(lambda c: c * 2)), max_size=40).map(
    "".join
)


def _fields(norm: Normalized) -> tuple[object, ...]:
    return (norm.raw, norm.text, list(norm.starts), list(norm.ends), norm.headings)


@settings(max_examples=400, deadline=None)
@given(WITH_FORMAT)
@example("中国\u200b会议")
@example("a \u200b b")  # the space spans the first blank, across the format character
@example("会议。\n\n\u200b\ufeff新华社")  # the paragraph break ends at the first emitted one
@example("\u200b\n\nHello\u00ad\n\u200dworld\u200b")
@example("## \u200b标题\n\u2066- 项\u2069")
@example("\ufeff")
def test_format_characters_stay_on_the_fast_paths(raw: str) -> None:
    skip, breaks, headings = _markup_mask(raw)
    lines = "\n\n" not in raw and "\n" in raw.strip()
    assume(not lines or _unwrap(raw) == raw)  # hard-wrapped text: the loops see another view
    titles = _titles(raw, lines)
    slow = _normalize_slow(raw, skip, breaks + titles, headings, lines)
    fast = _normalize_fast(raw, skip, breaks + titles, headings, lines)
    assert fast is not None
    assert _fields(fast) == _fields(slow)
    assert _fields(normalize(raw)) == _fields(slow)
    if not _maybe_markup(raw):
        plain = _normalize_plain(raw, lines, titles)
        assert plain is not None
        assert _fields(plain) == _fields(slow)


def test_a_zero_width_space_does_not_take_the_reference_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One U+200B in a draft sent all of it to the character loop (2 MB of news: 0.2 s -> 1.3 s)."""
    plain = "新华社北京电 会议在京召开。\n\n会议\u200b指出，ＡＢＣ  Hello\u00ad world 2.5%。\n" * 50
    markup = "## 标题\u200b\n\n- 会议\ufeff在京召开。**重点**\n" * 50
    want = {raw: _fields(normalize(raw)) for raw in (plain, markup)}

    def refuse(*args: object) -> Normalized:
        raise AssertionError("the reference loop")

    monkeypatch.setattr(normalize_module, "_normalize_slow", refuse)
    for raw in (plain, markup):
        assert _fields(normalize(raw)) == want[raw]
    assert not _maybe_markup(plain) and _maybe_markup(markup)
    assert _normalize_plain(plain, False, []) is not None
    assert "\u200b" not in normalize(plain).text and "\ufeff" not in normalize(markup).text


def test_format_characters_are_dropped_in_the_char_table() -> None:
    import numpy as np

    marks = [0x200B, 0x200C, 0x200D, 0x2060, 0xAD, 0xFEFF, *range(0x202A, 0x202F), 0xE0001]
    table = _CharTable()
    table.learn(np.array([*marks, ord("a")], dtype=np.uint32))
    assert (table.kind[marks] == _CharTable.DROP).all()
    assert (table.flags[marks] == _CharTable.DROP).all() and not table.length[marks].any()
    assert table.kind[ord("a")] == _CharTable.ONE and not table.flags[ord("a")] & table.DROP
