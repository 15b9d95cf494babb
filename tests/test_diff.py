"""The word diff behind a finding's changed words: sentences first, then words."""

from __future__ import annotations

import difflib

from hypothesis import given, settings
from hypothesis import strategies as st

from paradup.diff import _opcodes, word_changes
from paradup.normalize import normalize

from .conftest import SAMPLE

WORDS = st.lists(st.sampled_from(["。", "，", "的", "会议", "要求", "各地", "!", "5", "?"]))


@settings(max_examples=400, deadline=None, derandomize=True)
@given(WORDS, WORDS)
def test_the_opcodes_turn_one_passage_into_the_other(wa: list[str], wb: list[str]) -> None:
    """Sentence-level matching first must still give an edit script in difflib's form: blocks
    that tile both sides in order, `equal` only over equal words, no two `equal` in a row."""
    ops = _opcodes(wa, wb)
    ia = ib = 0
    rebuilt: list[str] = []
    for tag, i1, i2, j1, j2 in ops:
        assert (i1, j1) == (ia, ib) and i1 <= i2 and j1 <= j2 and (i2 > i1 or j2 > j1)
        if tag == "equal":
            assert wa[i1:i2] == wb[j1:j2]
        rebuilt += wb[j1:j2]
        ia, ib = i2, j2
    assert (ia, ib) == (len(wa), len(wb)) and rebuilt == wb

    # Not much coarser than difflib on the words alone: at most two more words per sentence.
    def edited(script: list[tuple[str, int, int, int, int]]) -> int:
        return sum(i2 - i1 + j2 - j1 for t, i1, i2, j1, j2 in script if t != "equal")

    plain = difflib.SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes()
    assert edited(ops) <= edited(plain) + 2 * sum(w in "。!?" for w in wa + wb)


def test_a_sentence_boundary_moved_by_a_word_is_diffed_word_by_word() -> None:
    """Sentences matched first would pair a short sentence far away (the first of one side
    with the last of the other) and list 14 words changed where 2 are."""
    wa = ["，", "。", "，", "，", "，", "，", "，", "。", "，"]
    wb = ["。", "，", "，", "，", "，", "，", "。", "，", "。"]
    plain = difflib.SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes()
    assert _opcodes(wa, wb) == plain


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
