"""Fixes from a fresh-user walkthrough of the README (editor, archive auditor, repository)."""

from __future__ import annotations

from paradup import check_text

QUESTION = "记者：今年以来，我市在稳增长方面采取了哪些举措，这些成绩是如何取得的？"


def test_interview_questions_are_not_bylines() -> None:
    """`记者：` opened the allow-list for every sentence, so a repeated interview question was
    neither reported nor counted; a short byline line still is left out."""
    byline = "记者：张三 李四\n"
    text = f"{QUESTION}\n\n市长：我们抓项目、稳投资。\n\n{QUESTION}\n\n{byline}\n{byline}"
    result = check_text(text)
    assert len(result.findings) == 1
    f = result.findings[0]
    assert text[f.b.start : f.b.end] == QUESTION == f.b.text
    summary = result.files[0]
    assert summary.chars == len(QUESTION) * 2 + len("市长：我们抓项目、稳投资。")
    for byline in ("时间：2017-10-17 12:00", "编辑：王五。", "作者：赵六", "日期: 2024年7月30日"):
        again = check_text(f"{byline}\n\n正文第一段讲述了本市的新闻。\n\n{byline}\n")
        assert not again.findings and again.files[0].chars == len("正文第一段讲述了本市的新闻。")
