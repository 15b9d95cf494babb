"""Segmentation engines: rjieba (jieba-rs) gives the same canonical tokens as jieba."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paradup import CheckConfig, check_paths
from paradup.normalize import normalize
from paradup.tokens import (
    clause_shingle_strings,
    group_clauses,
    rjieba_available,
    shingle_strings,
    tokenizer,
)
from paradup.units import sentences

from .conftest import SAMPLE
from .inews import inews_articles

pytestmark = pytest.mark.skipif(not rjieba_available(), reason="rjieba is not installed")


def _sentences(text: str) -> list[str]:
    n = normalize(text)
    return [n.text[s.start : s.end] for s in sentences(n)]


def test_canonical_ascii_runs_and_joiners() -> None:
    cut = tokenizer(None, "jieba")
    assert group_clauses(cut("价格为218.0mg")) == [["价格", "218", "0", "mg"]]
    got = group_clauses(cut("日期2017.10.17发布,网址www.example.com"))
    assert got == group_clauses(tokenizer(None, "rjieba")("日期2017.10.17发布,网址www.example.com"))
    assert [w for w in got[0] if w.isdigit()] == ["2017", "10", "17"]


def test_engines_identical_on_sample() -> None:
    jieba_cut, rjieba_cut = tokenizer(None, "jieba"), tokenizer(None, "rjieba")
    for s in _sentences(SAMPLE.read_text(encoding="utf-8")):
        assert group_clauses(jieba_cut(s)) == group_clauses(rjieba_cut(s)), s


def test_engines_identical_on_real_news() -> None:
    """At least 99.9% of real sentences give identical canonical clauses (measured: all)."""
    jieba_cut, rjieba_cut = tokenizer(None, "jieba"), tokenizer(None, "rjieba")
    sents = [s for _t, c in inews_articles("dev")[:150] for s in _sentences(c)]
    assert len(sents) > 3000
    differ = [s for s in sents if group_clauses(jieba_cut(s)) != group_clauses(rjieba_cut(s))]
    assert len(differ) <= len(sents) // 1000, differ[:5]


def test_same_findings_with_either_engine() -> None:
    got = {
        e: [
            (f.a.start, f.a.end, f.b.start, f.b.end, f.similarity)
            for f in check_paths([str(SAMPLE)], CheckConfig(engine=e)).findings
        ]
        for e in ("jieba", "rjieba")
    }
    assert got["jieba"] == got["rjieba"] and got["jieba"]


def test_shingles_never_cross_clauses() -> None:
    groups = group_clauses(tokenizer(None, "jieba")("今天下雨,我们在家看书。"))
    assert len(groups) == 2
    shingles = clause_shingle_strings(groups, 2)
    assert len(shingles) == sum(len(shingle_strings(g, 2)) for g in groups)


_WORDS = ["我们", "的", "会议", "，", "。", "Ab12", "x-y", " ", "、", "了", "发展", "2024", "·"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=40), st.integers(1, 4))
def test_fused_clause_shingle_hashes_equal_the_steps(words: list[str], n: int) -> None:
    from paradup.tokens import (
        clause_shingle_hashes,
        clause_shingle_strings,
        group_clauses,
        shingle_hashes,
    )

    tokens = [(w, 0, 0) for w in words]
    expected = shingle_hashes(clause_shingle_strings(group_clauses(tokens), n))
    assert clause_shingle_hashes(tokens, n) == expected


def test_fused_clause_shingle_hashes_on_the_sample() -> None:
    from paradup.normalize import normalize
    from paradup.tokens import (
        clause_shingle_hashes,
        clause_shingle_strings,
        group_clauses,
        shingle_hashes,
        tokenizer,
    )

    text = normalize(SAMPLE.read_text("utf-8")).text
    for para in text.split("\n"):
        tokens = tokenizer(None, "jieba")(para)
        for n in (1, 2, 3):
            steps = shingle_hashes(clause_shingle_strings(group_clauses(tokens), n))
            assert clause_shingle_hashes(tokens, n) == steps


def test_a_checks_size_is_its_own() -> None:
    """`auto` learns a check's size for that check only (a module global kept the first large
    check's size for every later call in a long-running process)."""
    import threading

    from paradup import check_text, tokens

    seen: list[int] = []
    real = tokens._planned.get

    with tokens.plan(50_000):
        other = threading.Thread(target=lambda: seen.append(real()))
        other.start()
        other.join()
        assert tokens._planned.get() == 50_000
    assert tokens._planned.get() == 0
    check_text("第一句话在这里出现。" * 5000)
    assert tokens._planned.get() == 0
    assert seen == [0]  # another thread never sees this one's plan
