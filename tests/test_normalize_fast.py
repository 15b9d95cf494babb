"""The vectorized normalize agrees exactly with the reference character loop."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from paradup.normalize import (
    _CharTable,
    _markup_mask,
    _maybe_markup,
    _normalize_fast,
    _normalize_plain,
    _normalize_slow,
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


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=40).map("".join))
def test_plain_path_equals_slow(raw: str) -> None:
    skip, breaks, headings = _markup_mask(raw)
    lines = "\n\n" not in raw.replace("\r\n", "\n") and "\n" in raw.strip()
    slow = _normalize_slow(raw, skip, breaks, headings, lines)
    got = normalize(raw)
    assert (got.text, list(got.starts), list(got.ends), got.headings) == (
        slow.text,
        list(slow.starts),
        list(slow.ends),
        slow.headings,
    )
    if not _maybe_markup(raw):
        plain = _normalize_plain(raw, lines)
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
    plain = _normalize_plain(raw, lines)
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
