"""An accuracy review by edit type: restatements an editor would expect, missed."""

from __future__ import annotations

import pytest

from paradup import check_text

LEAD = (
    "记者从国家统计局获悉，今年前三季度全国居民人均可支配收入实现较快增长，"
    "城乡居民收入差距继续缩小。"
)
MIDDLE = (
    "\n\n国家统计局相关负责人在发布会上介绍了有关情况。他表示，就业形势总体稳定，物价温和上涨。\n\n"
)


@pytest.mark.parametrize(
    "head", ["来源：人民网 ", "来源：人民网\u3000\u3000", "原标题：前三季度居民收入增长 "]
)
def test_a_lead_on_the_bylines_line_is_compared_exactly(head: str) -> None:
    """`来源：人民网 记者从…获悉，…` opened the draft: the allow-list dropped the whole
    sentence, so a verbatim copy of the lead scored 0 % (and the lead was not counted)."""
    text = head + LEAD + MIDDLE + LEAD + "\n"
    (f,) = check_text(text).findings
    assert f.kind == "exact" and f.a.text == LEAD and f.a.start == len(head)
    assert text[f.a.start : f.a.end] == LEAD


@pytest.mark.parametrize(
    "byline",
    [
        "来源：新华社",
        "原标题：国务院部署优化营商环境",
        "（来源：新华社）",
        "本文来源于本报新闻中心，未经授权不得转载。",
        "来源：人民法院报 2018年12月13日 第七版",
        "来源：中央气象台 返回搜狐，查看更多 责任编辑：",
        "来源：人民网 版权归原作者所有，侵删",
    ],
)
def test_bylines_alone_are_still_left_out(byline: str) -> None:
    """Only a lead's length after the space is its own sentence: footers stay bylines (a
    review found `返回搜狐，查看更多` cut off as prose, and comma rules let disclaimers in)."""
    result = check_text(byline + MIDDLE + byline + "\n")
    assert result.findings == ()
