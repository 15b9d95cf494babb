"""Units stage: paragraphs, headings and sentence splitting, with raw spans (property tests)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paradup.normalize import PARA, normalize
from paradup.units import paragraphs, sentences

from .test_normalize import PLAIN, texts


def raw_sentences(raw: str) -> list[str]:
    return [raw[s.raw_start : s.raw_end] for s in sentences(normalize(raw))]


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        (
            "第一句。第二句！第三句？第四句；第五句…",
            ["第一句。", "第二句！", "第三句？", "第四句；", "第五句…"],
        ),
        ("等等……然后呢", ["等等……", "然后呢"]),
        ("真的吗？！是的。", ["真的吗？！", "是的。"]),
        (
            "半角句号.半角问号?半角叹号!半角分号;",
            ["半角句号.", "半角问号?", "半角叹号!", "半角分号;"],
        ),
        (
            "It is fine. Next one! Really? Yes; ok",
            ["It is fine.", "Next one!", "Really?", "Yes;", "ok"],
        ),
        ("增长2.2个百分点。达到3.14亿元。", ["增长2.2个百分点。", "达到3.14亿元。"]),
        ("访问example.com获取。", ["访问example.com获取。"]),
        ("他说：“好的。”然后走了。", ["他说：“好的。”", "然后走了。"]),
        ("他说。“我们走吧。”大家同意。", ["他说。", "“我们走吧。”", "大家同意。"]),
        ('他说。"我们走吧。"大家同意。', ["他说。", '"我们走吧。"', "大家同意。"]),
        ("「走吧。」他说。", ["「走吧。」", "他说。"]),
        ("(注：见上。)下文", ["(注：见上。)", "下文"]),
        ("《人民日报》报道。（完）", ["《人民日报》报道。", "（完）"]),
        ("没有句末标点", ["没有句末标点"]),
        ("  前后空格。  ", ["前后空格。"]),
        ("一段。\n\n另一段", ["一段。", "另一段"]),
        ("一行\n二行", ["一行", "二行"]),
    ],
)
def test_sentence_splitting(raw: str, want: list[str]) -> None:
    assert raw_sentences(raw) == want


def test_sentences_never_cross_paragraphs() -> None:
    raw = "第一段没有句号\n\n第二段也没有\n\n第三段。有两句。"
    n = normalize(raw)
    sents = sentences(n)
    assert [raw[s.raw_start : s.raw_end] for s in sents] == [
        "第一段没有句号",
        "第二段也没有",
        "第三段。",
        "有两句。",
    ]
    assert [s.paragraph for s in sents] == [0, 1, 2, 2]
    assert [s.index for s in sents] == [0, 1, 2, 3]


def test_headings_marked_on_their_sentences() -> None:
    raw = "# 大标题。副标题\n\n正文一句。正文二句。\n\n## 小标题\n\n正文三句。"
    sents = sentences(normalize(raw))
    got = [(raw[s.raw_start : s.raw_end], s.heading) for s in sents]
    assert got == [
        ("大标题。", True),
        ("副标题", True),
        ("正文一句。", False),
        ("正文二句。", False),
        ("小标题", True),
        ("正文三句。", False),
    ]


def test_markdown_sentences_raw_spans_include_inline_markup() -> None:
    raw = "据[新华社](http://x.cn)报道，**会议**召开。<PAGE_DIV>第二页的话。"
    assert raw_sentences(raw) == [
        "据[新华社](http://x.cn)报道，**会议**召开。",
        "第二页的话。",
    ]


def test_list_items_are_paragraphs() -> None:
    raw = "导语一句。\n\n- 第一项措施\n- 第二项措施\n\n1. 编号一\n2. 编号二\n"
    assert raw_sentences(raw) == ["导语一句。", "第一项措施", "第二项措施", "编号一", "编号二"]


def test_paragraphs_spans() -> None:
    n = normalize("甲。\n\n\n乙。\n\n丙")
    spans = paragraphs(n)
    assert [n.text[s:e] for s, e in spans] == ["甲。", "乙。", "丙"]


def check_sentences(raw: str) -> None:
    n = normalize(raw)
    sents = sentences(n)
    prev_raw_end = 0
    prev_end = 0
    for k, s in enumerate(sents):
        assert s.index == k
        assert prev_end <= s.start < s.end <= len(n.text)
        assert PARA not in n.text[s.start : s.end]
        assert n.text[s.start] != " " and n.text[s.end - 1] != " "
        assert (s.raw_start, s.raw_end) == n.raw_span(s.start, s.end)
        assert prev_raw_end <= s.raw_start < s.raw_end <= len(raw)
        assert raw[s.raw_start : s.raw_end].strip()
        prev_raw_end, prev_end = s.raw_end, s.end
    assert [s.paragraph for s in sents] == sorted(s.paragraph for s in sents)
    # Together the sentences cover every non-space character of the normalized text.
    covered = sum(s.end - s.start - n.text.count(" ", s.start, s.end) for s in sents)
    assert covered == len(n.text) - n.text.count(" ") - n.text.count(PARA)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(texts())
def test_sentence_spans_ordered_and_nonempty(raw: str) -> None:
    check_sentences(raw)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(PLAIN)
def test_plain_sentence_raw_text_normalizes_back(raw: str) -> None:
    """Without markup, a sentence's raw text normalizes to exactly the sentence."""
    check_sentences(raw)
    n = normalize(raw)
    for s in sentences(n):
        assert normalize(raw[s.raw_start : s.raw_end]).text == n.text[s.start : s.end]


def _ends_by_character(text: str, start: int, end: int) -> list[int]:
    """The sentence-end scan as one loop per character: the reference for the regex scan."""
    from paradup.units import _CLOSERS, _TERMINATORS

    out, i = [], start
    while i < end:
        ch, stop = text[i], False
        if ch in _TERMINATORS:
            stop = True
        elif ch == ".":
            run = i
            while run + 1 < end and text[run + 1] == ".":
                run += 1
            nxt = text[run + 1] if run + 1 < end else " "
            stop = run > i or nxt == " " or not (nxt.isascii() and nxt.isalnum())
            i = run
        if stop:
            j = i + 1
            while j < end and (text[j] in _TERMINATORS or text[j] in _CLOSERS):
                j += 1
            out.append(j)
            i = j
            continue
        i += 1
    return [*out, end]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(alphabet="。!?;….a1 \"')」中文", max_size=40), st.integers(0, 5), st.integers(0, 5))
def test_sentence_ends_match_the_per_character_scan(text: str, lo: int, hi: int) -> None:
    from paradup.units import _sentence_ends

    start, end = min(lo, len(text)), max(min(lo, len(text)), len(text) - hi)
    assert list(_sentence_ends(text, start, end)) == _ends_by_character(text, start, end)
