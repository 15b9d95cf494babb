"""Fixes from an archive auditor's review (2026-12-03, sixth session): retractions, cut-short
exports, round-ups of many archived articles, and reports written over the archive."""

from __future__ import annotations

import json
from pathlib import Path

from ._repo import article, paragraph, write
from .conftest import run_paradup


def _jsonl(path: Path, records: list[dict[str, str]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")


def _sources(proc: object) -> list[str]:
    return [f["a"]["path"] for f in json.loads(proc.stdout)["findings"]]  # type: ignore[attr-defined]


def test_a_blanked_record_is_retracted_not_kept(tmp_path: Path) -> None:
    """A body blanked in the CMS export was "kept as indexed": still published to `check
    --against`; without ids, its line key then named another record (a fake duplicate)."""
    recs = [{"title": f"t{i}", "text": article(40 + i)} for i in range(5)]
    _jsonl(tmp_path / "cms.jsonl", recs)
    build = run_paradup("index", "build", "cms.jsonl", "--index", "a.paradup", cwd=tmp_path)
    assert build.returncode == 0, build.stderr
    write(tmp_path, {"draft.md": paragraph(42) + "\n"})
    check = ("check", "draft.md", "--against", "a.paradup", "-f", "json")
    assert _sources(run_paradup(*check, cwd=tmp_path)) == ["cms.jsonl:3"]
    _jsonl(tmp_path / "cms.jsonl", [{"title": "撤稿", "text": ""}, *recs[:2], *recs[3:]])
    up = run_paradup("index", "update", "cms.jsonl", "--index", "a.paradup", cwd=tmp_path)
    assert up.returncode == 0 and "is empty; not indexed" in up.stderr, up.stderr
    assert "kept as indexed" not in up.stderr
    proc = run_paradup(*check, cwd=tmp_path)
    assert proc.returncode == 0 and _sources(proc) == [], proc.stdout
    audit = run_paradup("audit", "--index", "a.paradup", "-f", "jsonl", cwd=tmp_path)
    assert audit.stdout.strip() == "", audit.stdout


def test_an_emptied_article_file_is_retracted(tmp_path: Path) -> None:
    write(tmp_path / "arc", {"a.md": article(50), "b.md": article(51)})
    assert (
        run_paradup("index", "build", "arc", "--index", "a.paradup", cwd=tmp_path).returncode == 0
    )
    (tmp_path / "arc" / "b.md").write_text("\n", encoding="utf-8")
    up = run_paradup("index", "update", "arc", "--index", "a.paradup", cwd=tmp_path)
    assert up.returncode == 0 and "1 removed" in " ".join(up.stderr.split()), up.stderr
    write(tmp_path, {"draft.md": paragraph(51) + "\n"})
    check = run_paradup("check", "draft.md", "--against", "a.paradup", "-f", "json", cwd=tmp_path)
    assert check.returncode == 0 and _sources(check) == []


def test_an_export_cut_short_keeps_what_the_index_holds(tmp_path: Path) -> None:
    """An export that died mid-line (or was truncated to nothing) removed every record after
    the cut, exit 0."""
    recs = [{"id": f"r{i}", "text": article(60 + i)} for i in range(8)]
    _jsonl(tmp_path / "cms.jsonl", recs)
    assert (
        run_paradup("index", "build", "cms.jsonl", "--index", "a.paradup", cwd=tmp_path).returncode
        == 0
    )
    data = (tmp_path / "cms.jsonl").read_bytes()
    for cut, said in ((data[: len(data) // 2], "looks cut short"), (b"", "no documents in it")):
        (tmp_path / "cms.jsonl").write_bytes(cut)
        up = run_paradup("index", "update", "cms.jsonl", "--index", "a.paradup", cwd=tmp_path)
        flat = " ".join(up.stderr.split())
        assert up.returncode == 0 and said in flat and "0 removed" in flat, up.stderr
        info = run_paradup("index", "info", "--index", "a.paradup", cwd=tmp_path)
        assert "8 documents" in " ".join(info.stdout.split()), info.stdout


def test_a_round_up_of_many_archived_paragraphs_names_every_source(tmp_path: Path) -> None:
    """A digest of 30 archived paragraphs reported 20 of them: the sources stopped at 20."""
    write(tmp_path / "arc", {f"{i:02d}.md": article(200 + i) for i in range(30)})
    assert (
        run_paradup("index", "build", "arc", "--index", "a.paradup", cwd=tmp_path).returncode == 0
    )
    write(tmp_path, {"digest.md": "\n\n".join(paragraph(200 + i) for i in range(30)) + "\n"})
    proc = run_paradup("check", "digest.md", "--against", "a.paradup", "-f", "json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert len(set(_sources(proc))) == 30
    assert json.loads(proc.stdout)["files"][0]["ratio"] == 1.0


def test_check_against_never_writes_over_the_archive(tmp_path: Path) -> None:
    write(tmp_path / "arc", {"a.md": article(70)})
    _jsonl(tmp_path / "cms.jsonl", [{"id": "x", "text": article(71)}])
    assert (
        run_paradup(
            "index", "build", "arc", "cms.jsonl", "--index", "a.paradup", cwd=tmp_path
        ).returncode
        == 0
    )
    write(tmp_path, {"draft.md": paragraph(70) + "\n"})
    before = {p: (tmp_path / p).read_bytes() for p in ("arc/a.md", "cms.jsonl")}
    for out in ("arc/a.md", "cms.jsonl", "a.paradup-wal"):
        proc = run_paradup("check", "draft.md", "--against", "a.paradup", "-o", out, cwd=tmp_path)
        assert proc.returncode == 2 and "--output" in proc.stderr, (out, proc.stderr)
    assert {p: (tmp_path / p).read_bytes() for p in before} == before


def test_answers_from_an_outdated_or_unfinished_index_are_flagged(tmp_path: Path) -> None:
    """`check --against` and `audit` answered from an index an earlier paradup cut, or a
    build killed part way, without a word (only `index info` knew)."""
    import sqlite3

    write(tmp_path / "arc", {"a.md": article(80), "b.md": article(81)})
    assert (
        run_paradup("index", "build", "arc", "--index", "a.paradup", cwd=tmp_path).returncode == 0
    )
    write(tmp_path, {"draft.md": paragraph(80) + "\n"})
    check = ("check", "draft.md", "--against", "a.paradup")
    assert "warning" not in run_paradup(*check, cwd=tmp_path).stderr
    con = sqlite3.connect(tmp_path / "a.paradup")
    con.execute("DELETE FROM meta WHERE key = 'text_pipeline'")  # as an earlier paradup wrote it
    con.commit()
    con.close()
    for args in (check, ("audit", "--index", "a.paradup", "-q")):
        proc = run_paradup(*args, cwd=tmp_path)
        assert "warning: a.paradup: the texts were split by an earlier paradup" in proc.stderr
        assert proc.returncode in (0, 1), proc.stderr


def test_the_index_takes_the_files_check_takes(tmp_path: Path) -> None:
    """`exclude` kept drafts out of `check` but not out of the index; `max-bytes` was ignored
    and the message named a `--max-bytes` that `index` does not have."""
    write(tmp_path, {".paradup.toml": 'exclude = ["drafts"]\nmax-bytes = 100000\n'})
    write(tmp_path / "arc", {"a.md": article(90), "drafts/b.md": article(91)})
    build = run_paradup("index", "build", "arc", "--index", "a.paradup", cwd=tmp_path)
    assert build.returncode == 0, build.stderr
    info = run_paradup("index", "info", "--index", "a.paradup", cwd=tmp_path)
    assert "1 documents" in info.stdout, info.stdout
    write(tmp_path / "arc", {"big.md": article(92) * 200})
    up = run_paradup("index", "update", "arc", "--index", "a.paradup", cwd=tmp_path)
    flat = " ".join(up.stderr.split())
    assert "over the 100000-byte limit" in flat and "raise max-bytes in" in flat, flat
    assert "--max-bytes" not in flat


def test_a_user_dictionary_is_recorded_by_its_content(tmp_path: Path) -> None:
    """The index recorded the dictionary's path: an edited dictionary went unnoticed (a
    verbatim copy then scored 0 %), and the same words at another path were refused."""
    words = "联通警示教育 100 nz\n"
    write(tmp_path, {"dict.txt": words, ".paradup.toml": 'user-dict = "dict.txt"\n'})
    write(tmp_path / "arc", {"a.md": article(95)})
    assert (
        run_paradup("index", "build", "arc", "--index", "a.paradup", cwd=tmp_path).returncode == 0
    )
    write(tmp_path, {"draft.md": paragraph(95) + "\n"})
    check = ("check", "draft.md", "--against", "a.paradup")
    assert run_paradup(*check, cwd=tmp_path).returncode == 1
    write(tmp_path / "elsewhere", {"words.txt": words})  # same words, another path
    other = run_paradup(*check, "--user-dict", "elsewhere/words.txt", cwd=tmp_path)
    assert other.returncode == 1, other.stderr
    write(tmp_path, {"dict.txt": words + "优化营商环境 100 nz\n"})
    edited = run_paradup(*check, cwd=tmp_path)
    assert edited.returncode == 2 and "another --user-dict" in edited.stderr, edited.stderr
    up = run_paradup("index", "update", "arc", "--index", "a.paradup", cwd=tmp_path)
    assert up.returncode == 2 and "--force" in up.stderr, up.stderr


def test_an_option_of_the_other_audit_engine_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "arc", {"a.md": article(96)})
    assert (
        run_paradup("index", "build", "arc", "--index", "a.paradup", cwd=tmp_path).returncode == 0
    )
    local = run_paradup("audit", "--index", "a.paradup", "--input", "other.jsonl", cwd=tmp_path)
    assert local.returncode == 2 and "--input is for --engine spark" in local.stderr
    spark = ("audit", "--engine", "spark", "--input", "arc", "--index", "a.paradup")
    proc = run_paradup(*spark, cwd=tmp_path)
    assert proc.returncode == 2 and "--index is the local engine's" in proc.stderr


def test_a_typo_in_a_last_line_without_newline_is_an_ordinary_broken_record(
    tmp_path: Path,
) -> None:
    """Only a line cut mid-record keeps the whole file; a whole but invalid last line (a
    typo, and no newline after it) kept every record, so deleted ones stayed published."""
    recs = [
        json.dumps({"id": f"r{i}", "text": article(110 + i)}, ensure_ascii=False) for i in range(3)
    ]
    (tmp_path / "e.jsonl").write_text("\n".join(recs) + "\n", encoding="utf-8")
    assert (
        run_paradup("index", "build", "e.jsonl", "--index", "a.paradup", cwd=tmp_path).returncode
        == 0
    )
    typo = recs[2][:-1] + ",}"
    (tmp_path / "e.jsonl").write_text(recs[1] + "\n" + typo, encoding="utf-8")  # r0 deleted
    up = run_paradup("index", "update", "e.jsonl", "--index", "a.paradup", cwd=tmp_path)
    flat = " ".join(up.stderr.split())
    assert up.returncode == 0 and "1 removed" in flat and "cut short" not in flat, flat


def test_the_similarity_fill_stops_once_coverage_chose_more_than_twenty() -> None:
    from paradup.against import MAX_SOURCES, _covering

    covers = {d: {(0, d)} for d in range(25)}
    best = {d: 1.0 for d in range(1025)}  # 1000 more candidates that cover nothing new
    weight = {(0, d): 10 for d in range(25)}
    chosen = _covering(best, covers, weight)
    assert sorted(chosen) == list(range(25)) and len(chosen) > MAX_SOURCES


def test_a_record_put_on_top_of_an_id_less_export_moves_the_others(tmp_path: Path) -> None:
    """Keys without ids are `file:line`: one record on top shifted them all and the update
    fingerprinted every document again. Texts the index holds are re-keyed; the index then
    equals a fresh build (documents, paths, answers)."""
    import sqlite3

    recs = [{"title": f"t{i}", "text": article(120 + i)} for i in range(8)]
    _jsonl(tmp_path / "cms.jsonl", recs)
    assert (
        run_paradup("index", "build", "cms.jsonl", "--index", "a.paradup", cwd=tmp_path).returncode
        == 0
    )
    _jsonl(tmp_path / "cms.jsonl", [{"title": "新", "text": article(130)}, *recs])
    up = run_paradup("index", "update", "cms.jsonl", "--index", "a.paradup", cwd=tmp_path)
    flat = " ".join(up.stderr.split())
    assert up.returncode == 0 and "under a new key" in flat, flat
    fingerprinted = int(flat.split(" fingerprinted")[0].rsplit(" ", 1)[1])
    assert fingerprinted <= 2, flat  # the new record, and line 1's text it overwrote
    fresh = run_paradup("index", "build", "cms.jsonl", "--index", "f.paradup", cwd=tmp_path)
    assert fresh.returncode == 0

    def docs(name: str) -> list[tuple[str, str, str]]:
        con = sqlite3.connect(tmp_path / name)
        try:
            return sorted(con.execute("SELECT key, path, content_hash FROM docs").fetchall())
        finally:
            con.close()

    assert docs("a.paradup") == docs("f.paradup")
    write(tmp_path, {"draft.md": paragraph(124) + "\n"})
    answers = [
        run_paradup("check", "draft.md", "--against", idx, "-f", "json", cwd=tmp_path).stdout
        for idx in ("a.paradup", "f.paradup")
    ]
    assert [f["a"]["path"] for f in json.loads(answers[0])["findings"]] == ["cms.jsonl:6"]
    assert answers[0].replace("a.paradup", "f.paradup") == answers[1]
    audits = [
        run_paradup("audit", "--index", idx, "-f", "jsonl", cwd=tmp_path).stdout
        for idx in ("a.paradup", "f.paradup")
    ]
    assert audits[0] == audits[1]


def test_an_update_reads_the_fields_the_index_was_built_with(tmp_path: Path) -> None:
    """`index update` without the build's `--text-field body --id-field uid` read the `text`
    summaries under new keys: "199 fingerprinted, 198 removed", exit 0, the archive swapped."""
    import json

    from .conftest import run_paradup

    body = "各级党组织要切实履行主体责任，做到守土有责、守土尽责，推动党风廉政建设不断取得新成效。"
    rows = [
        {"uid": f"u{i}", "body": f"第{i}号稿件。{body}", "text": f"摘要{i}。"} for i in range(5)
    ]
    (tmp_path / "cms.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    build = ("index", "build", "cms.jsonl", "-i", "c.idx", "--text-field", "body")
    assert run_paradup(*build, "--id-field", "uid", "-q", cwd=tmp_path).returncode == 0
    update = run_paradup("index", "update", "cms.jsonl", "-i", "c.idx", cwd=tmp_path)
    assert update.returncode == 0 and "0 fingerprinted, 5 unchanged, 0 removed" in update.stderr
    # One field named: the others are the index's; another text field is refused.
    same = run_paradup(
        "index", "update", "cms.jsonl", "-i", "c.idx", "--text-field", "body", cwd=tmp_path
    )
    assert same.returncode == 0 and "5 unchanged" in same.stderr, same.stderr
    other = run_paradup(
        "index", "update", "cms.jsonl", "-i", "c.idx", "--text-field", "text", cwd=tmp_path
    )
    assert other.returncode == 2 and "--text-field body" in other.stderr, other.stderr
    assert "paradup index build --force" in other.stderr
    info = run_paradup("index", "info", "-i", "c.idx", cwd=tmp_path)
    assert "fields: --date-field date --id-field uid --text-field body" in info.stdout
    rebuilt = run_paradup(*build[:-1], "text", "--force", "-q", cwd=tmp_path)
    assert rebuilt.returncode == 0, rebuilt.stderr


def test_the_earliest_dated_copy_is_named_as_the_source(tmp_path: Path) -> None:
    """An article and its later repost (the same text and a footer) both hold a draft's text:
    the repost, indexed first, was named with its date as where the text was published."""
    import json

    from .conftest import run_paradup

    text = (
        "各级党组织要切实履行主体责任，做到守土有责、守土尽责，推动党风廉政建设不断取得新成效。"
        "会议要求，各单位要把纪律挺在前面，持续加强作风建设，确保各项部署落到实处。"
    )
    rows = [
        {"id": "repost", "date": "2019-06-01", "text": text + "\n\n（本文转自某公众号，侵删。）"},
        {"id": "original", "date": "2019-01-01", "text": text},
    ]
    (tmp_path / "arc.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    (tmp_path / "draft.txt").write_text(text + "\n", encoding="utf-8")
    assert (
        run_paradup("index", "build", "arc.jsonl", "-i", "a.idx", "-q", cwd=tmp_path).returncode
        == 0
    )
    proc = run_paradup("check", "draft.txt", "-i", "a.idx", "-f", "json", cwd=tmp_path)
    (f,) = json.loads(proc.stdout)["findings"]
    assert (f["a"]["doc"], f["a"]["date"]) == ("arc.jsonl#original", "2019-01-01"), f["a"]
