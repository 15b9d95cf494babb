"""Fixes from an archive auditor's review (2026-12-04, ninth session), on exports and
summaries a scheduled job reads."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from ._repo import article
from .conftest import one_line_error, run_paradup


def _records(n: int, first: int = 0) -> list[dict[str, str]]:
    return [{"id": f"r{i}", "text": article(600 + i)} for i in range(first, first + n)]


def _lines(rows: Sequence[Mapping[str, object]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def test_a_json_export_is_refused_with_the_fix(tmp_path: Path) -> None:
    """`index build export.json` indexed a CMS export as one plain-text article of raw JSON
    (exit 0, "1 documents"); `check --against` then quoted JSON syntax as archived text."""
    (tmp_path / "export.json").write_text(_lines(_records(3)), encoding="utf-8")
    (tmp_path / "array.json").write_text(json.dumps(_records(3), ensure_ascii=False, indent=1))
    (tmp_path / "dumps").mkdir()
    (tmp_path / "dumps" / "2023.json").write_text(_lines(_records(2)), encoding="utf-8")
    cases = {
        "export.json": ("export.json:", "name it .jsonl"),
        "array.json": ("array.json: is a JSON array", "jq -c '.[]' array.json > array.jsonl"),
        "dumps": ("dumps: contains no .txt, .md or JSON Lines files, only .json ones", "jq"),
    }
    for root, words in cases.items():
        proc = run_paradup("index", "build", root, "-i", "x.paradup", cwd=tmp_path)
        one_line_error(proc, *words)
        assert not list(tmp_path.glob("x.paradup*"))
    (tmp_path / "export.jsonl").write_text(_lines(_records(3)), encoding="utf-8")
    ok = run_paradup("index", "build", "export.jsonl", "-i", "x.paradup", "-q", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr


def test_the_spark_engine_refuses_a_json_export_too(tmp_path: Path) -> None:
    """The Spark audit lists local files as `index build` does (`--input-format jsonl` reads
    a named file as JSON Lines whatever its name)."""
    from paradup.errors import InputError
    from paradup.spark_engine import local_sources

    export = tmp_path / "export.json"
    export.write_text(_lines(_records(2)), encoding="utf-8")
    with pytest.raises(InputError, match=r"name it \.jsonl"):
        local_sources([str(export)], "text", None)
    assert [s[1] for s in local_sources([str(export)], "jsonl", None)] == [str(export)]


def test_an_audit_report_path_that_cannot_be_written_is_refused_first(tmp_path: Path) -> None:
    """`audit -o nodir/out.jsonl` (or a folder) ran the whole audit, minutes at a million
    paragraphs, before failing with "cannot write the report ...; check --output"."""
    (tmp_path / "a.jsonl").write_text(_lines(_records(4)), encoding="utf-8")
    build = run_paradup("index", "build", "a.jsonl", "-i", "a.paradup", "-q", cwd=tmp_path)
    assert build.returncode == 0, build.stderr
    (tmp_path / "adir").mkdir()
    cases = {
        "nodir/out.jsonl": ("no folder", "create it"),
        "adir": ("(Is a directory)", "name a file in it"),
    }
    for out, words in cases.items():
        for extra in ((), ("--documents",)):
            args = ("audit", "-i", "a.paradup", "-f", "jsonl", "-o", out, *extra)
            proc = run_paradup(*args, cwd=tmp_path)
            line = one_line_error(proc, out, *words)
            assert "grouping" not in proc.stderr and "cannot write the report" in line
    assert not (tmp_path / "nodir").exists() and not list((tmp_path / "adir").iterdir())


def test_an_update_counts_the_records_cut_from_an_export_without_ids(tmp_path: Path) -> None:
    """Lines cut from an id-less export shift the `file:line` keys after them; the update
    re-keys the shifted texts and drops the cut ones, and said "0 removed" (the index did go
    from 20 to 17 documents): a scheduled job's log read a wrong number."""
    rows = [{"text": r["text"]} for r in _records(20)]
    export = tmp_path / "e.jsonl"
    export.write_text(_lines(rows), encoding="utf-8")
    build = run_paradup("index", "build", "e.jsonl", "-i", "x.paradup", "-q", cwd=tmp_path)
    assert build.returncode == 0, build.stderr
    for cut, left in (([4, 5, 6], 17), ([0], 16)):
        rows = [r for i, r in enumerate(rows) if i not in cut]
        export.write_text(_lines(rows), encoding="utf-8")
        update = run_paradup("index", "update", "-i", "x.paradup", cwd=tmp_path)
        assert update.returncode == 0, update.stderr
        assert f"{left} documents seen, 0 fingerprinted" in update.stderr
        assert f", {len(cut)} removed," in update.stderr, update.stderr
        info = run_paradup("index", "info", "-i", "x.paradup", "-f", "json", cwd=tmp_path)
        assert json.loads(info.stdout)["docs"] == left


def test_skip_lines_name_the_real_problem(tmp_path: Path) -> None:
    """A number in the text field said "no text in field 'text'; pass --text-field" (the
    field is right); a null one is a retraction like an empty one; a folder of unreadable
    articles was told to check --text-field/--id-field; a root named twice made every record
    of it a "duplicate id" bad record (and --strict failed); a gzip export was "a binary
    file; pass a .txt or .md"; invalid JSON did not say where."""
    rows: list[Mapping[str, object]] = [
        *_records(2),
        {"id": "n", "text": 123},
        {"id": "z", "text": None},
    ]
    (tmp_path / "ok.jsonl").write_text(_lines(rows) + '{"id": "q", "text": "a\tb"}\n')
    (tmp_path / "txt").mkdir()
    (tmp_path / "txt" / "gbk.txt").write_bytes(article(620).encode("gb18030"))
    args = ("index", "build", "ok.jsonl", "txt", "ok.jsonl", "./ok.jsonl", "-i", "m.paradup")
    proc = run_paradup(*args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    err = proc.stderr
    assert "ok.jsonl:3: field 'text' holds 123, not text; fix the record" in err
    assert "retracted: ok.jsonl:4: field 'text' is null; not indexed" in err
    assert "ok.jsonl:5: invalid JSON (Invalid control character at column 23); fix" in err
    assert "warning: txt: none of its articles could be read (1 skipped); see the skipped" in err
    assert "duplicate id" not in err and "no text in field" not in err, err
    assert "check --text-field" not in err, err
    assert "2 documents seen" in err and "3 bad records skipped, 1 empty" in err
    import gzip

    (tmp_path / "e.jsonl.gz").write_bytes(gzip.compress(_lines(_records(2)).encode()))
    packed = run_paradup("index", "build", "e.jsonl.gz", "-i", "g.paradup", cwd=tmp_path)
    one_line_error(packed, "e.jsonl.gz: is gzip-compressed; decompress it first (gunzip -k")


def test_overlapping_roots_and_a_null_text_field(tmp_path: Path) -> None:
    """A folder and an export inside it (`d d/a.jsonl`), or one folder spelled relative and
    absolute, read each record twice: "duplicate id" skips, or every article indexed twice
    under two keys. An export whose `text` is null everywhere (the text under another name)
    was told its records are empty, with no word of --text-field."""
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.jsonl").write_text(_lines(_records(3)), encoding="utf-8")
    for roots in (["d", "d/a.jsonl"], ["d", str(tmp_path / "d")]):
        args = ("index", "build", *roots, "-i", "x.paradup", "--force", "-q")
        proc = run_paradup(*args, cwd=tmp_path)
        assert proc.returncode == 0 and not proc.stderr, proc.stderr
        info = run_paradup("index", "info", "-i", "x.paradup", "-f", "json", cwd=tmp_path)
        assert json.loads(info.stdout)["docs"] == 3, (roots, info.stdout)
    rows = [{"id": r["id"], "text": None, "body": r["text"]} for r in _records(3)]
    (tmp_path / "cms.jsonl").write_text(_lines(rows), encoding="utf-8")
    proc = run_paradup("index", "build", "cms.jsonl", "-i", "c.paradup", cwd=tmp_path)
    one_line_error(proc, "field 'text' is null", "pass --text-field/--id-field")


def test_text_reports_name_a_record_by_its_id(tmp_path: Path) -> None:
    """The text audit and `check --against` named a record by its line (`a.jsonl:2`) only;
    an auditor works in the CMS's ids (the JSON output had them). A record without an id is
    named by its line alone."""
    rows = _records(3)
    shared = rows[0]["text"]
    rows.append({"id": "wire-7", "text": article(640) + "\n" + shared})
    (tmp_path / "a.jsonl").write_text(_lines(rows) + json.dumps({"text": shared}) + "\n")
    build = run_paradup("index", "build", "a.jsonl", "-i", "a.paradup", "-q", cwd=tmp_path)
    assert build.returncode == 0, build.stderr
    audit = run_paradup("audit", "-i", "a.paradup", cwd=tmp_path).stdout
    assert "  a.jsonl:1 chars " in audit and "(id r0)" in audit, audit
    (tmp_path / "draft.md").write_text(f"新的导语。\n\n{shared}\n", encoding="utf-8")
    check = run_paradup("check", "draft.md", "--against", "a.paradup", cwd=tmp_path)
    head = next(line for line in check.stdout.splitlines() if " restates " in line)
    assert head.split(" restates ")[1].startswith("a.jsonl:1:") and " (id r0) " in head, head
