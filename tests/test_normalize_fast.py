"""The vectorized normalize agrees exactly with the reference character loop."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from paradup.normalize import _markup_mask, _normalize_fast, _normalize_slow

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
