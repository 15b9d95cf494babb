"""The word diff behind a finding's changed words."""

from __future__ import annotations

from paradup.diff import word_changes
from paradup.normalize import normalize

from .conftest import SAMPLE


def test_an_article_restated_with_edits_shows_those_edits() -> None:
    """The motivating draft: a whole article restated with a few words changed, far apart."""
    text = SAMPLE.read_text(encoding="utf-8")
    edited = text.replace("2024-07-30", "2024-07-31", 1).replace("严格要求", "严格约束", 1)
    assert edited.count("约束") == text.count("约束") + 1
    a, b = normalize(text), normalize(edited)
    changes = word_changes(a, (0, len(a.text)), b, (0, len(b.text)))
    assert [(c.a, c.b) for c in changes] == [("30", "31"), ("严格要求", "严格约束")]
    for c in changes:
        assert text[c.a_start : c.a_end] == c.a and edited[c.b_start : c.b_end] == c.b


def test_a_short_sentence_moved_is_shown_moved_not_the_long_one() -> None:
    """Sentences matched first (tried for speed, then reverted after a review) kept the short
    sentence 他说 in place and showed the 80-character sentence it swapped with as deleted and
    inserted again; on the words, the short one is what moved."""
    s = [
        "国务院新闻办公室今天上午举行新闻发布会，介绍今年上半年国民经济运行情况。",
        "他说。",
        "国家统计局新闻发言人表示，上半年国内生产总值同比增长百分之五点五，经济运行总体回升"
        "向好，高质量发展扎实推进，就业和物价形势总体稳定，居民收入继续增加，市场预期逐步改善。",
        "下一步要继续巩固经济回升向好的基础。",
        "专家认为，下半年宏观政策仍将保持连续性和稳定性。",
    ]
    a, b = normalize("".join(s)), normalize("".join([s[0], s[2], s[1], s[3], s[4]]))
    changes = word_changes(a, (0, len(a.text)), b, (0, len(b.text)))
    assert max(len(c.a) + len(c.b) for c in changes) < 10, changes
