"""SARIF 2.1.0 output validated against the schema shipped in tests/data (no network)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from paradup import check_text
from paradup.report import github, sarif

from ._repo import article, git, make_repo, paragraph, write
from .conftest import SAMPLE, run_paradup

SCHEMA = Path(__file__).parent / "data" / "sarif-2.1.0-rtm.5.json"


def validate(log: dict[str, object]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema)(schema).validate(log)


def test_schema_rejects_an_invalid_log() -> None:
    with pytest.raises(jsonschema.ValidationError):
        validate({"version": "2.1.0", "runs": [{"results": []}]})  # a run needs its tool


def test_check_sarif_is_valid_with_both_locations() -> None:
    proc = run_paradup("check", str(SAMPLE), "--format", "sarif")
    assert proc.returncode == 1, proc.stderr
    log = json.loads(proc.stdout)
    validate(log)
    (run,) = log["runs"]
    assert run["tool"]["driver"]["name"] == "paradup"
    text = SAMPLE.read_text(encoding="utf-8")
    assert run["results"]
    for r in run["results"]:
        (loc,) = r["locations"]
        (rel,) = r["relatedLocations"]
        later, earlier = loc["physicalLocation"]["region"], rel["physicalLocation"]["region"]
        assert earlier["charOffset"] < later["charOffset"]
        for region in (later, earlier):
            start, n = region["charOffset"], region["charLength"]
            assert text[start : start + n] == region["snippet"]["text"]
            assert text.count("\n", 0, start) + 1 == region["startLine"]
        assert r["baselineState"] == "new" and r["level"] == "error"
        assert r["partialFingerprints"]["paradupPassage/v1"]


def test_end_positions_span_lines() -> None:
    result = check_text(
        "第一段内容在这里重复出现了很多次。\n第二行继续说明问题所在之处。\n\n"
        "第一段内容在这里重复出现了很多次。\n第二行继续说明问题所在之处。\n"
    )
    log = sarif.to_dict(result)
    validate(log)
    region = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region["endLine"] == region["startLine"] + 1
    for line in github.render(result).splitlines():
        assert line.startswith("::error file=<text>,line=4,col=1,endLine=5,")


def test_hook_sarif_marks_baselined_findings(tmp_path: Path) -> None:
    files = {f"articles/{i}.md": article(i) for i in range(4)}
    files["articles/old.md"] = article(40) + "\n" + paragraph(1)
    repo = make_repo(tmp_path / "content", files)
    assert run_paradup("baseline", "write", cwd=repo).returncode == 0
    write(repo, {"articles/old.md": article(40) + "\n" + paragraph(1) + "\n\n" + paragraph(2)})
    git(repo, "add", "-A")
    proc = run_paradup("hook", "articles/old.md", "--format", "sarif", cwd=repo)
    assert proc.returncode == 1, proc.stderr
    log = json.loads(proc.stdout)
    validate(log)
    states = sorted(r["baselineState"] for r in log["runs"][0]["results"])
    assert states == ["new", "unchanged"]
    uris = {
        r["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert uris == {"articles/1.md", "articles/2.md"}
