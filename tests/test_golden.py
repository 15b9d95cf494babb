"""Golden cases: real and hand-written articles with their expected findings (exact spans)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paradup import check_paths

from .conftest import ROOT

CASES = sorted((ROOT / "tests" / "cases").glob("*.json"))


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_golden_case(case: Path) -> None:
    spec = json.loads(case.read_text(encoding="utf-8"))
    path = ROOT / spec["input"]
    text = path.read_text(encoding="utf-8-sig")
    result = check_paths([str(path)])
    got = [([f.a.start, f.a.end], [f.b.start, f.b.end]) for f in result.findings]
    want = [(f["a"], f["b"]) for f in spec["findings"]]
    assert got == want, spec["label"]
    for f, w in zip(result.findings, spec["findings"], strict=True):
        assert f.a.text == text[f.a.start : f.a.end]
        assert f.b.text == text[f.b.start : f.b.end]
        assert f.a.text.startswith(w["a_begins"])
        assert f.b.text.startswith(w["b_begins"])
    assert result.files[0].restated_chars == 0 or result.findings


def test_sample_restatements_named_in_issue(sample_text: str) -> None:
    """Each restatement the issue names is covered by one finding's two sides."""
    result = check_paths([str(ROOT / "samples" / "unicom_warning_meeting.txt")])
    named = [
        ("方式召开。", "方式召开,这是一次覆盖广泛"),
        ("集团公司党组成员, 各省级分", "集团公司党组成员、各省级分"),
        ("此次会议不仅是一次重要的党纪学习教育活动", "会议的召开不仅是一次重要的党纪学习教育活动"),
        ("与会人员纷纷表示深受教育和警醒", "与会人员纷纷表示,通过这次会议和集中观看"),
        ("成果转化为推动企业高质量发展的强大动力", "的成果转化为推动企业高质量发展的强大动力"),
    ]
    for a_part, b_part in named:
        hits = [f for f in result.findings if a_part in f.a.text and b_part in f.b.text]
        assert len(hits) == 1, (a_part, b_part)
    ratio = result.files[0].ratio
    assert 0.03 < ratio < 0.15
