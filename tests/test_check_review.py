"""Review fixes of the check pipeline: repeats, combining marks, CR line breaks, reversed order."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paradup import CheckResult, check_text
from paradup.normalize import normalize
from paradup.units import sentences

S1 = "国家统计局今天发布数据显示，今年前三季度全国规模以上工业增加值同比增长百分之五点二。"
S2 = "专家表示，随着一系列稳增长政策落地见效，市场信心持续恢复，消费需求稳步回升。"
S3 = "记者在多家商场看到，节假日期间客流明显增加，餐饮和零售销售额均较去年同期有较大提升。"
S4 = "全市今年新建城市书房二十座，每座书房藏书不少于五千册，全年免费向市民开放。"


def assert_spans_valid(result: CheckResult, text: str) -> None:
    """Each side is a non-empty exact slice; within one file the earlier side ends first."""
    for f in result.findings:
        for span in (f.a, f.b):
            assert 0 <= span.start < span.end <= len(text)
            assert text[span.start : span.end] == span.text
        assert f.a.end <= f.b.start  # never a passage restating (part of) itself
        for c in f.changes:
            assert f.a.start <= c.a_start <= c.a_end <= f.a.end
            assert f.b.start <= c.b_start <= c.b_end <= f.b.end


def assert_sentences_valid(text: str) -> None:
    """Sentences are non-empty and claim disjoint, ordered raw spans."""
    prev = 0
    for s in sentences(normalize(text)):
        assert s.start < s.end
        assert prev <= s.raw_start < s.raw_end <= len(text)
        prev = s.raw_end


# 1. Repeats


def test_many_repeats_of_one_sentence_are_runs_of_copies() -> None:
    """1000 copies of a sentence: runs of copies restating the first ones with exact spans,
    and every copy after the first counted as restated (the two copies inside a passage's
    earlier side were not: 997 of 999). (How the time grows with the
    copies is measured, not asserted here: benchmarks/repeats_bench.py,
    reports/PERFORMANCE.md; merging was quadratic.)"""
    sentence = "市政府今天召开新闻发布会。"
    text = sentence * 1000
    result = check_text(text)
    assert_spans_valid(result, text)
    # Runs of copies, doubling (a passage grows along its own diagonal only): about
    # 2 log2(n) findings, every copy after the first counted.
    assert len(result.findings) <= 24
    for f in result.findings:
        assert f.a.start % len(sentence) == 0 and f.b.start % len(sentence) == 0
        assert f.a.end <= f.b.start
    assert result.files[0].restated_chars == len(text) - len(sentence)


@pytest.mark.parametrize("copies", [2, 3, 4, 5, 6, 7, 12])
def test_every_copy_after_the_first_is_restated(copies: int) -> None:
    """A sentence pasted n times in one paragraph: n - 1 copies restated (copies after the
    fourth were missed: 51 of 85 characters for five)."""
    sentence = "这是一段用于测试编码的中文新闻稿。"
    text = sentence * copies + "\n"
    result = check_text(text)
    assert_spans_valid(result, text)
    assert result.files[0].restated_chars == (copies - 1) * len(sentence)
    covered = sorted((f.b.start, f.b.end) for f in result.findings)
    assert all(x[1] <= y[0] for x, y in itertools.pairwise(covered))  # disjoint later sides


def test_repeated_paragraph_reported_with_valid_spans() -> None:
    text = f"{S4}\n\n" * 300
    result = check_text(text)
    assert result.findings
    assert_spans_valid(result, text)


# 2. Combining marks


def test_combining_mark_after_full_stop_stays_with_its_sentence() -> None:
    text = f"{S1}\u0301{S1}"
    raw = [text[s.raw_start : s.raw_end] for s in sentences(normalize(text))]
    assert raw == [f"{S1}\u0301", S1]
    result = check_text(text)
    assert [(f.a.text, f.b.text) for f in result.findings] == [(f"{S1}\u0301", S1)]
    assert_spans_valid(result, text)


def test_combining_mark_then_closing_quote_ends_the_sentence() -> None:
    text = f"他说：“{S2[:-1]}。\u0301”然后走了。"
    raw = [text[s.raw_start : s.raw_end] for s in sentences(normalize(text))]
    assert raw == [f"他说：“{S2[:-1]}。\u0301”", "然后走了。"]


PIECES = [S1, S2, S3, S1[:20], "好。", "。", "！", "…", "”", "“", "」", " ", "¨"]
PIECES += ["\u0301", "\u0308", "\u20dd", "\r\n", "\n", "\r", "\n\n", "\r\n\r\n", "\r\r"]


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(st.sampled_from(PIECES), max_size=24).map("".join))
def test_spans_are_exact_and_disjoint(text: str) -> None:
    assert_sentences_valid(text)
    assert_spans_valid(check_text(text), text)


# 3. CR line breaks


def _key(result: CheckResult, nl: str) -> list[tuple[str, float, str, str]]:
    return [
        (f.kind, f.similarity, f.a.text.replace(nl, "\n"), f.b.text.replace(nl, "\n"))
        for f in result.findings
    ]


def _shift(text: str, nl: str, offset: int) -> int:
    """Offset in `text` (LF) of the same character once each LF is written as `nl`."""
    return offset + (len(nl) - 1) * text.count("\n", 0, offset)


FRONT_MATTER = f"---\ntitle: 城市书房\nsummary: {S4}\n---\n\n{S4}\n\n{S2}\n"
TABLE = (
    f"| 指标 | 数值 |\n|---|---|\n| 产量 | 五万吨 |\n\n{S4}\n\n"
    f"| 指标 | 数值 |\n|:---|---:|\n| 产量 | 五万吨 |\n\n{S4}\n"
)
# No blank line and no full stops: only the line breaks separate these paragraphs.
LINES = "\n".join(s[:-1] for s in (S1, S2, S3, S2, S4)) + "\n"


@pytest.mark.parametrize("nl", ["\r\n", "\r"])
def test_front_matter_skipped_with_cr_line_breaks(nl: str) -> None:
    assert check_text(FRONT_MATTER).findings == ()
    assert check_text(FRONT_MATTER.replace("\n", nl)).findings == ()


@pytest.mark.parametrize("nl", ["\r\n", "\r"])
@pytest.mark.parametrize("text", [TABLE, LINES, FRONT_MATTER + S4 + "\n"])
def test_cr_copy_gives_the_lf_findings_at_shifted_offsets(text: str, nl: str) -> None:
    lf = check_text(text)
    assert lf.findings
    other = text.replace("\n", nl)
    got = check_text(other)
    assert _key(got, nl) == _key(lf, "\n")
    for f, g in zip(lf.findings, got.findings, strict=True):
        for x, y in ((f.a, g.a), (f.b, g.b)):
            assert (y.start, y.end) == (_shift(text, nl, x.start), _shift(text, nl, x.end))
    assert_spans_valid(got, other)


def test_table_rule_with_crlf_is_not_prose() -> None:
    text = TABLE.replace("\n", "\r\n")
    for s in sentences(normalize(text)):
        assert "---" not in text[s.raw_start : s.raw_end]


# 4. Reversed order


def test_reversed_restatement_gives_one_passage_per_sentence() -> None:
    text = f"{S1}\n\n{S2}\n\n{S3}\n\n{S2}\n\n{S1}\n"
    result = check_text(text)
    got = sorted((f.kind, f.a.text, f.b.text) for f in result.findings)
    assert got == sorted([("exact", S1, S1), ("exact", S2, S2)])
    assert_spans_valid(result, text)


def test_in_order_restatement_still_one_passage() -> None:
    text = f"{S1}\n\n{S2}\n\n{S3}\n\n{S1}\n\n{S2}\n"
    result = check_text(text)
    assert [(f.kind, f.a.text, f.b.text) for f in result.findings] == [
        ("exact", f"{S1}\n\n{S2}", f"{S1}\n\n{S2}")
    ]


# 5. Files checked together


def test_a_second_copy_of_a_file_keeps_the_first_files_own_restatement(tmp_path: Path) -> None:
    """Sentence indices run on across files: the first file's last sentence was taken for a
    neighbour of the second file's first, and its own restatement dropped as a clash."""
    from paradup import check_paths

    text = f"{S1}{S2}\n\n{S3}\n\n{S1[:-1]}，{S2}\n"
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    (tmp_path / "b.txt").write_text(text, encoding="utf-8")
    [alone] = check_paths([str(tmp_path / "a.txt")]).files
    assert alone.ratio > 0.3
    together = check_paths([str(tmp_path / "a.txt"), str(tmp_path / "b.txt")])
    assert [f.ratio for f in together.files] == [alone.ratio, 1.0]
    inside_a = [f for f in together.findings if f.a.path == f.b.path]
    assert len(inside_a) == 1
    for f in together.findings:
        assert text[f.a.start : f.a.end] == f.a.text and text[f.b.start : f.b.end] == f.b.text
