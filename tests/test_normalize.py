"""Normalize stage: folding rules, markup skipping, and the raw offset map (property tests)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paradup.normalize import PARA, Normalized, normalize


def norm_text(raw: str) -> str:
    return normalize(raw).text


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("推动企 业高质量发展", "推动企业高质量发展"),
        ("推动企\u3000业", "推动企业"),
        ("推 动 企 业", "推动企业"),
        ("推动企\n业。\n\n下文", "推动企业。\n下文"),  # a soft line break inside a paragraph
        ("共 3 家企业", "共3家企业"),
        ("hello world", "hello world"),
        ("hello   \t world", "hello world"),
        ("中文 English 混合", "中文english混合"),
    ],
)
def test_whitespace(raw: str, want: str) -> None:
    assert norm_text(raw) == want


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("ＡＢＣ１２３", "abc123"),
        ("增长２０％，达到", "增长20%,达到"),
        ("（注）：对；吗？好！", "(注):对;吗?好!"),
        ("ﬁne", "fine"),
        ("①", "1"),
        ("e\u0301", "é"),
    ],
)
def test_nfkc_full_width_folding(raw: str, want: str) -> None:
    assert norm_text(raw) == want


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("“你好”", '"你好"'),
        ("‘你好’", "'你好'"),
        ("「你好」『再见』", '"你好""再见"'),
        ("＂引＂", '"引"'),
        ("甲——乙", "甲--乙"),
        ("甲—乙–丙―丁－戊", "甲-乙-丙-丁-戊"),
    ],
)
def test_quotes_and_dashes_unified(raw: str, want: str) -> None:
    assert norm_text(raw) == want


def test_casefold() -> None:
    assert norm_text("GDP Growth ÄÖ ß") == "gdp growth äö ss"
    assert norm_text("ＡＩ芯片") == norm_text("ai芯片") == "ai芯片"


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("---\ntitle: 新闻\ndate: 2025-01-01\n---\n正文内容。", "正文内容。"),
        ("+++\ntitle = 'x'\n+++\n正文内容。", "正文内容。"),
        ("前文。\n\n```python\nprint('代码')\n```\n\n后文。", "前文。\n后文。"),
        ("前文。\n\n~~~\n代码块\n~~~\n\n后文。", "前文。\n后文。"),
        ("看[这个链接](https://example.com/a_(b))和图片![图](x.png)。", "看这个链接和图片。"),
        ("<p>段落<b>加粗</b>文字</p>", "段落加粗文字"),
        ("前文。\n\n<!-- 注释\n两行 -->\n\n后文。", "前文。\n后文。"),
        ("第一页。<PAGE_DIV>第二页。", "第一页。\n第二页。"),
        ("第一页。</PAGE_DIV>第二页。", "第一页。\n第二页。"),
        ("第一页。\f第二页。", "第一页。\n第二页。"),
        ("**重点**和*强调*和`代码`和~~删除~~", "重点和强调和代码和删除"),
        ("> 引用一段话\n\n- 列表一\n- 列表二\n1. 编号", "引用一段话\n列表一\n列表二\n编号"),
        ("| 甲 | 乙 |\n|---|---|\n| 一 | 二 |", "甲\n乙\n一\n二"),  # a cell a paragraph
        ("前文。\n\n---\n\n后文。", "前文。\n后文。"),
        ("见[1]。\n\n[1]: https://example.com", "见[1]。"),
    ],
)
def test_markup_skipped(raw: str, want: str) -> None:
    assert norm_text(raw) == want


def test_headings_detected() -> None:
    raw = "# 总标题\n\n正文第一段。\n\n## 小标题\n正文第二段。\n\n###不是标题(CommonMark)\n"
    n = normalize(raw)
    assert n.text == "总标题\n正文第一段。\n小标题\n正文第二段。\n###不是标题(commonmark)"
    starts = sorted(n.headings)
    assert [n.text[s : n.text.find(PARA, s)] for s in starts] == ["总标题", "小标题"]


def test_hash_inside_line_is_not_a_heading() -> None:
    n = normalize("话题 #新闻# 正文。")
    assert not n.headings


def test_paragraphs_from_blank_lines_and_single_lines() -> None:
    assert normalize("第一段。\n\n第二段。").text == "第一段。\n第二段。"
    assert normalize("第一行。\n第二行。\n第三行。").text == "第一行。\n第二行。\n第三行。"
    # With blank lines present, single line breaks are soft (wrapped text).
    assert normalize("第一段前半\n后半。\n\n第二段。").text == "第一段前半后半。\n第二段。"
    assert normalize("a\r\nb\r\n\r\nc").text == "a b\nc"


def test_offsets_of_examples() -> None:
    raw = "\ufeff推动企 业**发展**"
    n = normalize(raw)
    assert n.text == "\ufeff推动企业发展" or n.text == "推动企业发展"
    raw = "推动企 业**发展**"
    n = normalize(raw)
    assert n.text == "推动企业发展"
    assert list(n.starts) == [0, 1, 2, 4, 7, 8]
    assert list(n.ends) == [1, 2, 3, 5, 8, 9]
    assert n.raw_span(0, 4) == (0, 5)
    assert raw[slice(*n.raw_span(4, 6))] == "发展"
    n = normalize("ﬁ")
    assert (n.text, list(n.starts), list(n.ends)) == ("fi", [0, 0], [1, 1])


# --- property tests over arbitrary text -------------------------------------------------------

FRAGMENTS = [
    "推动",
    "企业",
    "高质量",
    "发展",
    "会议",
    "中国",
    "联通",
    "警示",
    "教育",
    "数字化",
    "。",
    "，",
    "！",
    "？",
    "；",
    "…",
    "……",
    "、",
    "：",
    "“",
    "”",
    "‘",
    "’",
    "「",
    "」",
    "——",
    "–",
    "（",
    "）",
    "《",
    "》",
    ".",
    ",",
    "!",
    "?",
    ";",
    ":",
    '"',
    "'",
    "(",
    ")",
    " ",
    "  ",
    "\t",
    "\n",
    "\n\n",
    "\r\n",
    "\u3000",
    "\f",
    "\xa0",
    "# ",
    "## ",
    "> ",
    "- ",
    "* ",
    "1. ",
    "**",
    "*",
    "_",
    "__",
    "`",
    "```",
    "```\n",
    "~~~\n",
    "---\n",
    "+++\n",
    "***",
    "|",
    "[",
    "]",
    "(",
    ")",
    "](",
    "[链接](http://a.cn/x)",
    "![图](p.png)",
    "<b>",
    "</b>",
    "<p>",
    "</p>",
    "<br/>",
    '<div class="x">',
    "<PAGE_DIV>",
    "</PAGE_DIV>",
    "<!--",
    "-->",
    "<!-- 注 -->",
    "[1]: http://x.y",
    "&amp;",
    "Ａ",
    "ＡＢＣ",
    "１２",
    "２.２",
    "2.2",
    "e\u0301",
    "\u0301",
    "ﬁ",
    "ß",
    "İ",
    "①",
    "㍻",
    "GDP",
    "Hello",
    "world",
    "AI",
    "5G",
    "e.g.",
    "U.S.",
    "3.5%",
]


def texts(max_size: int = 40) -> st.SearchStrategy[str]:
    piece = st.one_of(
        st.sampled_from(FRAGMENTS),
        st.text(
            alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Z", "M", "Cc"]),
            max_size=4,
        ),
    )
    return st.lists(piece, max_size=max_size).map("".join)


def check_offset_map(raw: str, n: Normalized) -> None:
    size = len(n.text)
    assert len(n.starts) == size and len(n.ends) == size
    prev_s = prev_e = 0
    for k in range(size):
        s, e = n.starts[k], n.ends[k]
        assert 0 <= s <= e <= len(raw), (k, s, e)
        assert s >= prev_s and e >= prev_e, (k, s, e, prev_s, prev_e)  # monotonic
        prev_s, prev_e = s, e
        ch = n.text[k]
        if ch == PARA:
            continue
        assert e > s, k  # every character but a paragraph break comes from raw characters
        if ch != " ":
            assert not raw[s:e].isspace()
    assert PARA + PARA not in n.text
    assert not n.text.startswith(PARA) and not n.text.endswith(PARA)
    for h in n.headings:
        assert 0 <= h < size and (h == 0 or n.text[h - 1] == PARA)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(texts())
def test_offset_map_in_bounds_and_monotonic(raw: str) -> None:
    check_offset_map(raw, normalize(raw))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(texts(), st.data())
def test_raw_span_round_trips(raw: str, data: st.DataObject) -> None:
    n = normalize(raw)
    if not n.text:
        return
    s = data.draw(st.integers(0, len(n.text) - 1))
    e = data.draw(st.integers(s + 1, len(n.text)))
    rs, re_ = n.raw_span(s, e)
    assert (rs, re_) == (n.starts[s], n.ends[e - 1])
    assert 0 <= rs <= re_ <= len(raw)
    # The raw span covers the raw interval of every normalized character inside it.
    for k in range(s, e):
        assert rs <= n.starts[k] and n.ends[k] <= re_
    # Characters outside the span come from raw text outside it, unless one raw character
    # expanded into several normalized ones (ﬁ -> fi) and the span cuts through them.
    if e < len(n.text) and n.text[e] != PARA and n.starts[e] != n.starts[e - 1]:
        assert n.starts[e] >= re_
    if s > 0 and n.text[s - 1] != PARA and n.starts[s - 1] != n.starts[s]:
        assert n.ends[s - 1] <= rs


PLAIN = st.lists(
    st.sampled_from(
        [
            "推动",
            "企业",
            "发展",
            "会议",
            "。",
            "，",
            "！",
            "？",
            "；",
            " ",
            # single line breaks are context-dependent (line vs soft wrap)
            "\n\n",
            "ＡＢ",
            "word",
            "Next",
            ". ",
            "2.2",
            "“",
            "”",
            "——",
            "１２",
        ]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(PLAIN)
def test_plain_text_normalizes_each_character_to_its_fold(raw: str) -> None:
    """Without markup, every non-space character folds from exactly its raw interval."""
    n = normalize(raw)
    check_offset_map(raw, n)
    for k, ch in enumerate(n.text):
        if ch in (PARA, " "):
            continue
        piece = normalize(raw[n.starts[k] : n.ends[k]]).text
        assert ch in piece, (k, ch, piece)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(texts())
def test_normalize_is_idempotent_on_plain_prose(raw: str) -> None:
    """Normalizing twice changes nothing more for prose-only text (no markup characters)."""
    if any(c in raw for c in "#>*_`~|[]()<!-+:\f\r\n0123456789.") or not raw.isprintable():
        return
    once = normalize(raw).text
    assert normalize(once).text == once
