"""A sentence pasted again right after its restatement is a finding of its own, not part of a
passage `S S` that restates `S` with the change `∅ → S`."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from paradup import check_text

from .conftest import run_paradup

S = "会议要求各单位加强安全生产管理，落实主体责任。"
LEAD = "据悉" + S  # the first copy carries two more words


def _spans(text: str) -> list[tuple[str, str]]:
    result = check_text(text)
    for f in result.findings:
        assert text[f.a.start : f.a.end] == f.a.text
        assert text[f.b.start : f.b.end] == f.b.text
    return [(f.a.text, f.b.text) for f in result.findings]


def test_two_copies_after_a_restated_sentence_are_two_findings() -> None:
    text = f"{LEAD}\n\n{S}\n\n{S}\n"
    assert _spans(text) == [(LEAD, S), (S, S)]
    result = check_text(text)
    first, second = result.findings
    assert first.changes and all(c.op == "delete" for c in first.changes)
    assert second.kind == "exact"
    assert result.files[0].restated_chars == 2 * len(S)  # both copies counted, as before


def test_a_run_of_copies_counts_every_copy() -> None:
    """The chain `S` ← `LEAD`, `S S` ← `LEAD S`: the second finding's source holds the first
    finding's later span, which is no templated list item next to a shared source (the copy
    in between was dropped from the count)."""
    text = f"{LEAD}\n\n{S}\n\n{S}\n\n{S}\n"
    result = check_text(text)
    assert result.files[0].restated_chars == 3 * len(S)
    later = sorted((f.b.start, f.b.end) for f in result.findings)
    assert all(e1 <= s2 for (_s1, e1), (s2, _e2) in itertools.pairwise(later))
    for f in result.findings:
        assert not any(c.op == "insert" and S in c.b for c in f.changes)


def test_a_copy_that_repeats_like_its_source_stays_one_passage() -> None:
    """X Y X restated as X Y X: both sides repeat X at the same end, so nothing is dropped."""
    x = "市委书记强调要坚持以人民为中心的发展思想不动摇。"
    y = "各级干部要深入基层调查研究，切实解决群众急难愁盼问题。"
    block = f"{x}{y}{x}"
    text = f"{block}\n\n今天的天气非常晴朗，适合外出散步和锻炼身体。\n\n{block}\n"
    # (X inside each block is a restatement too)
    assert (block, block) in _spans(text)


def test_the_cli_reports_the_extra_copy_on_its_own(tmp_path: Path) -> None:
    draft = tmp_path / "draft.md"
    draft.write_text(f"{LEAD}\n\n{S}\n\n{S}\n", encoding="utf-8")
    proc = run_paradup("check", str(draft), "--format", "json")
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert [(f["a"]["line"], f["b"]["line"]) for f in report["findings"]] == [(1, 3), (3, 5)]
    assert [f["b"]["text"] for f in report["findings"]] == [S, S]
