"""Running an archive index from a scheduled job: `index update` without paths reads the roots
the index records, `--strict` makes skipped records fail the job, `index info -f json`."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from ._repo import article
from .conftest import one_line_error, run_paradup


def _archive(tmp_path: Path) -> None:
    (tmp_path / "arts").mkdir()
    (tmp_path / "arts" / "a.md").write_text(article(1), encoding="utf-8")
    rows = [{"id": "r1", "text": article(2)}, {"id": "r2", "text": article(3)}]
    (tmp_path / "cms.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )


def _info(tmp_path: Path) -> dict[str, object]:
    proc = run_paradup("index", "info", "-i", "i.paradup", "-f", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    got: dict[str, object] = json.loads(proc.stdout)
    return got


def test_update_without_paths_reads_the_recorded_roots(tmp_path: Path) -> None:
    """A cron line had to repeat every root of the build; leaving one out was refused, and
    nothing recorded what they were."""
    _archive(tmp_path)
    built = run_paradup("index", "build", "./arts", "cms.jsonl", "-i", "i.paradup", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert _info(tmp_path)["roots"] == ["arts", "cms.jsonl"]
    text = run_paradup("index", "info", "-i", "i.paradup", cwd=tmp_path).stdout
    assert "archive: arts cms.jsonl" in text.splitlines()

    (tmp_path / "arts" / "b.md").write_text(article(4), encoding="utf-8")
    (tmp_path / "arts" / "a.md").unlink()
    proc = run_paradup("index", "update", "-i", "i.paradup", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "1 fingerprinted, 2 unchanged" in proc.stderr and "1 removed" in proc.stderr
    assert _info(tmp_path)["docs"] == 3
    assert "MB/s" in proc.stderr  # one article was fingerprinted: a rate means something

    again = run_paradup("index", "update", "-i", "i.paradup", cwd=tmp_path)
    assert again.returncode == 0 and "0 fingerprinted, 3 unchanged" in again.stderr
    assert "MB/s" not in again.stderr  # nothing fingerprinted: no "(0.00 MB/s)"


def test_update_without_paths_of_an_index_recording_none(tmp_path: Path) -> None:
    """An index written before roots were recorded: one line naming the fix."""
    _archive(tmp_path)
    built = run_paradup("index", "build", "arts", "-i", "i.paradup", "-q", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    with sqlite3.connect(tmp_path / "i.paradup") as con:
        con.execute("DELETE FROM meta WHERE key = 'roots'")
    con.close()
    proc = run_paradup("index", "update", "-i", "i.paradup", cwd=tmp_path)
    one_line_error(proc, "i.paradup: it records no archive paths", "paradup index update <paths>")


def test_strict_fails_a_run_that_skipped_records(tmp_path: Path) -> None:
    """Skipped records were reported and the run exited 0: a nightly job never noticed."""
    _archive(tmp_path)
    with open(tmp_path / "cms.jsonl", "a", encoding="utf-8") as f:
        f.write('{"id": "r3", "body": "正文"}\n')
    args = ("index", "build", "arts", "cms.jsonl", "-i", "i.paradup", "-q")
    lax = run_paradup(*args, cwd=tmp_path)
    assert lax.returncode == 0 and "skipped: cms.jsonl:3" in lax.stderr
    strict = run_paradup("index", "update", "-i", "i.paradup", "-q", "--strict", cwd=tmp_path)
    assert strict.returncode == 1, strict.stderr
    assert "1 bad record(s) or unreadable file(s) skipped" in strict.stderr
    assert "the rest is indexed" in strict.stderr
    assert _info(tmp_path)["docs"] == 3  # the good records are indexed all the same

    (tmp_path / "cms.jsonl").write_text(
        "\n".join((tmp_path / "cms.jsonl").read_text("utf-8").splitlines()[:2]) + "\n", "utf-8"
    )
    clean = run_paradup("index", "update", "-i", "i.paradup", "-q", "--strict", cwd=tmp_path)
    assert clean.returncode == 0 and clean.stderr == "", clean.stderr


def test_info_json_matches_the_text_summary(tmp_path: Path) -> None:
    _archive(tmp_path)
    args = ("index", "build", "arts", "cms.jsonl", "-i", "i.paradup", "-q", "--text-field", "text")
    assert run_paradup(*args, cwd=tmp_path).returncode == 0
    got = _info(tmp_path)
    text = run_paradup("index", "info", "-i", "i.paradup", cwd=tmp_path).stdout.splitlines()[0]
    counts = f"{got['docs']} documents, {got['units']} units, {got['bands']} band keys"
    assert text == f"i.paradup: {counts}"
    assert got["docs"] == 3 and isinstance(got["units"], int) and got["units"] > 3
    assert got["archive_folder"] in (str(tmp_path.resolve()), str(tmp_path))
    assert got["fields"] == {"date": "date", "id": "id", "text": "text", "title": "title"}
    assert isinstance(got["settings"], dict) and got["settings"]["num_perm"] == 128
    assert isinstance(got["bytes"], int) and got["bytes"] > 0
    assert got["notes"] == {}


def test_audit_summary_points_at_file_line_column(tmp_path: Path) -> None:
    """The terminal summary printed `path:569` for a character offset, read as a line number
    by every editor and terminal that links `file:line`."""
    import re

    from ._repo import paragraph

    shared = paragraph(7)
    (tmp_path / "arts").mkdir()
    for i in range(3):
        body = article(10 + i).split("\n\n")
        body.insert(2, "    " + shared)  # indented: the column is not 1
        (tmp_path / "arts" / f"{i}.md").write_text("\n\n".join(body), encoding="utf-8")
    rows = [{"id": "r1", "text": "导语。\n" + shared}, {"id": "r2", "text": article(20)}]
    (tmp_path / "cms.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    args = ("index", "build", "cms.jsonl", "arts", "-i", "i.paradup", "-q")
    assert run_paradup(*args, cwd=tmp_path).returncode == 0
    proc = run_paradup("audit", "-i", "i.paradup", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    head = proc.stdout.splitlines()[1]
    got = re.search(r"  (arts/\d\.md):(\d+):(\d+)  ", head)
    assert got, head
    lines = (tmp_path / got[1]).read_text(encoding="utf-8").splitlines()
    line, col = int(got[2]), int(got[3])
    assert (line, col) == (5, 5), head
    assert lines[line - 1][col - 1 :].startswith(shared[:20])

    only_record = run_paradup("audit", "-i", "i.paradup", "-f", "jsonl", cwd=tmp_path).stdout
    member = json.loads(only_record.splitlines()[0])["members"][0]
    assert "line" not in member  # the JSON Lines contract is unchanged
    (tmp_path / "arts" / "0.md").unlink()
    (tmp_path / "arts" / "1.md").unlink()
    (tmp_path / "arts" / "2.md").write_text(article(30), encoding="utf-8")
    (tmp_path / "cms.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in [*rows, rows[0] | {"id": "r3"}]),
        encoding="utf-8",
    )
    assert run_paradup("index", "update", "-i", "i.paradup", "-q", cwd=tmp_path).returncode == 0
    rec = run_paradup("audit", "-i", "i.paradup", cwd=tmp_path).stdout.splitlines()[1]
    assert "  cms.jsonl:1 chars 4-" in rec, rec


def test_a_folder_named_like_an_export_is_not_one(tmp_path: Path) -> None:
    """Spark's `--output-dir out/` inside an archive folder leaves `out/clusters.jsonl/part-0`
    files: the `*.jsonl` pattern matched the folder, so every part (and `.crc` file) was read
    as an export on the next build or audit."""
    from paradup.archive import archive_files

    (tmp_path / "arts" / "out" / "clusters.jsonl").mkdir(parents=True)
    (tmp_path / "arts" / "a.md").write_text(article(1), encoding="utf-8")
    (tmp_path / "arts" / "out" / "clusters.jsonl" / "part-0.json").write_text("{}\n", "utf-8")
    (tmp_path / "arts" / "out" / "clusters.jsonl" / "_SUCCESS").write_text("", "utf-8")
    (tmp_path / "arts" / "old.JSONL").write_text('{"id": 1, "text": "x"}\n', "utf-8")
    ((_root, files),) = archive_files([str(tmp_path / "arts")])
    assert [Path(f).name for f in files] == ["a.md", "old.JSONL"]


def test_update_without_paths_from_another_folder_is_refused(tmp_path: Path) -> None:
    """The recorded relative roots were read against the current folder: 'arch: does not
    exist' from a parent folder, and `--prune` (which the refusal suggested) from a sibling
    re-keyed the index to that folder's files."""
    (tmp_path / "A" / "arch").mkdir(parents=True)
    (tmp_path / "A" / "arch" / "a.md").write_text(article(1), encoding="utf-8")
    (tmp_path / "B" / "arch").mkdir(parents=True)
    (tmp_path / "B" / "arch" / "b.md").write_text(article(2), encoding="utf-8")
    built = run_paradup("index", "build", "arch", "-i", "../i.paradup", "-q", cwd=tmp_path / "A")
    assert built.returncode == 0, built.stderr
    for where in (tmp_path, tmp_path / "B"):
        proc = run_paradup("index", "update", "-i", str(tmp_path / "i.paradup"), cwd=where)
        one_line_error(proc, "its archive paths (arch) are relative to", "run the update from")
    prune = run_paradup("index", "update", "-i", "../i.paradup", "--prune", cwd=tmp_path / "B")
    one_line_error(prune, "--prune re-keys the index to the paths given: name them")
    ok = run_paradup("index", "update", "-i", "../i.paradup", cwd=tmp_path / "A")
    assert ok.returncode == 0 and "1 unchanged" in ok.stderr, ok.stderr


def test_audit_summary_of_records_without_ids(tmp_path: Path) -> None:
    """A record without an id has its `file:line` as key and path: it was named as a file,
    `cms.jsonl:1:2:1`."""
    shared = "\n\n".join(article(5).split("\n\n")[2:4])
    rows = [{"text": "导语。\n" + shared}, {"text": "另一导语。\n" + shared}]
    (tmp_path / "cms.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    built = run_paradup("index", "build", "cms.jsonl", "-i", "i.paradup", "-q", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    import re

    line = run_paradup("audit", "-i", "i.paradup", cwd=tmp_path).stdout.splitlines()[1]
    assert re.search(r"  cms\.jsonl:1 chars \d+-\d+  ", line), line


def test_update_reads_articles_with_the_encoding_of_the_build(tmp_path: Path) -> None:
    """A GB18030 archive built with --encoding: a plain `index update` read it as UTF-8, kept
    every article "unread" with exit 0, and never indexed an edit."""
    (tmp_path / "gb").mkdir()
    for i in (1, 2):
        (tmp_path / "gb" / f"{i}.txt").write_bytes(article(i).encode("gb18030"))
    args = ("index", "build", "gb", "-i", "i.paradup", "--encoding", "gb18030", "-q")
    assert run_paradup(*args, cwd=tmp_path).returncode == 0
    assert _info(tmp_path)["encoding"] == "gb18030"
    text = run_paradup("index", "info", "-i", "i.paradup", cwd=tmp_path).stdout
    assert "articles read as: --encoding gb18030" in text.splitlines()

    (tmp_path / "gb" / "2.txt").write_bytes(article(5).encode("gb18030"))
    (tmp_path / "gb" / "3.txt").write_bytes(article(6).encode("gb18030"))
    proc = run_paradup("index", "update", "-i", "i.paradup", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "2 fingerprinted, 1 unchanged" in proc.stderr and "could not be read" not in proc.stderr

    # Saying UTF-8 records that instead: the GB18030 files are then unreadable, and kept.
    # (every article unreadable: an error whose fix is not about JSON field names)
    proc = run_paradup("index", "update", "-i", "i.paradup", "--encoding", "utf-8", cwd=tmp_path)
    one_line_error(proc, "no documents were read", "fix the archive's files as each message says")
    assert "--text-field" not in proc.stderr
    (tmp_path / "gb" / "4.txt").write_text(article(7), encoding="utf-8")
    proc = run_paradup("index", "update", "-i", "i.paradup", "--encoding", "utf-8", cwd=tmp_path)
    assert "could not be read this time" in proc.stderr
    assert _info(tmp_path)["encoding"] == "utf-8"

    # A UTF-8 archive records nothing.
    (tmp_path / "arts").mkdir()
    (tmp_path / "arts" / "a.md").write_text(article(1), encoding="utf-8")
    built = run_paradup("index", "build", "arts", "-i", "u.paradup", "-q", cwd=tmp_path)
    assert built.returncode == 0
    info = run_paradup("index", "info", "-i", "u.paradup", "-f", "json", cwd=tmp_path)
    assert json.loads(info.stdout)["encoding"] is None


def test_strict_passes_retractions(tmp_path: Path) -> None:
    """A blanked record or an emptied article is a retraction (README): `--strict` counted it
    as a bad record, and a nightly job failed on every run until the line was deleted."""
    _archive(tmp_path)
    (tmp_path / "arts" / "b.md").write_text(article(4), encoding="utf-8")
    args = ("index", "build", "arts", "cms.jsonl", "-i", "i.paradup", "--strict")
    assert run_paradup(*args, "-q", cwd=tmp_path).returncode == 0
    rows = [{"id": "r1", "text": ""}, {"id": "r2", "text": article(3)}]
    (tmp_path / "cms.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    (tmp_path / "arts" / "b.md").write_text("", encoding="utf-8")
    proc = run_paradup("index", "update", "-i", "i.paradup", "--strict", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "0 bad records skipped, 2 empty (not indexed)" in proc.stderr
    assert "retracted: cms.jsonl:1: field 'text' is empty" in proc.stderr
    assert "arts/b.md: is empty; not indexed" in proc.stderr
    assert "2 removed" in proc.stderr and _info(tmp_path)["docs"] == 2
    # A bad record still fails it.
    with open(tmp_path / "cms.jsonl", "a", encoding="utf-8") as f:
        f.write("{not json\n")
    proc = run_paradup("index", "update", "-i", "i.paradup", "--strict", "-q", cwd=tmp_path)
    assert proc.returncode == 1 and "1 bad record(s)" in proc.stderr

    # Every record blanked: still refused, not an index emptied.
    (tmp_path / "all.jsonl").write_text('{"id": "x", "text": " "}\n', encoding="utf-8")
    proc = run_paradup("index", "build", "all.jsonl", "-i", "j.paradup", cwd=tmp_path)
    one_line_error(proc, "no documents were read (1 empty, the first: all.jsonl:1:", "fill them")
    assert "--text-field" not in proc.stderr  # the field is there, and empty
    # So is a folder of emptied articles; an unreadable export in it is about the file.
    (tmp_path / "gone").mkdir()
    (tmp_path / "gone" / "a.md").write_text("", encoding="utf-8")
    proc = run_paradup("index", "build", "gone", "-i", "k.paradup", cwd=tmp_path)
    one_line_error(proc, "no documents were read (1 empty, the first: gone/a.md: is empty")
    (tmp_path / "gone" / "x.jsonl").write_bytes(b"\xff\xfe\x00bad")
    proc = run_paradup("index", "build", "gone", "-i", "k.paradup", cwd=tmp_path)
    line = one_line_error(proc, "no documents were read (1 bad record, 1 empty, the first: gone/")
    assert "as each message says" in line and "--text-field" not in line, line


@pytest.mark.parametrize(
    "args",
    [
        ("audit", "-i", "arts"),
        ("index", "info", "-i", "arts"),
        ("index", "update", "-i", "arts"),
        ("check", "arts/a.md", "--against", "arts"),
    ],
)
def test_a_folder_as_the_index_is_named_as_one(tmp_path: Path, args: tuple[str, ...]) -> None:
    """A folder (the archive's, say) given as --index: "no index here; build one", and then
    `index build` said "is a directory"."""
    _archive(tmp_path)
    one_line_error(run_paradup(*args, cwd=tmp_path), "arts: is a directory, not an index")


def test_audit_from_another_folder_names_files_from_there(tmp_path: Path) -> None:
    """`check --against` rewrote archive paths to the current folder; `audit` printed them as
    stored, relative to the build's folder: from anywhere else they named missing files."""
    (tmp_path / "arc" / "arts").mkdir(parents=True)
    (tmp_path / "arc" / "arts" / "a.md").write_text(article(1), encoding="utf-8")
    (tmp_path / "arc" / "arts" / "b.md").write_text(article(1) + "\n", encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    build = ("index", "build", "arts", "-i", "i.paradup", "-q")
    assert run_paradup(*build, cwd=tmp_path / "arc").returncode == 0
    for args in (
        ("audit", "-i", "../arc/i.paradup", "-f", "jsonl"),
        ("audit", "-i", "../arc/i.paradup", "--documents", "-f", "jsonl"),
    ):
        proc = run_paradup(*args, cwd=tmp_path / "elsewhere")
        assert proc.returncode == 1, proc.stderr
        members = [m for line in proc.stdout.splitlines() for m in json.loads(line)["members"]]
        assert {m["path"] for m in members} == {"../arc/arts/a.md", "../arc/arts/b.md"}
        assert {m["doc"] for m in members} == {"arts/a.md", "arts/b.md"}  # keys stay keys
        for m in members:
            assert (tmp_path / "elsewhere" / m["path"]).is_file()
    # From the build's folder, as stored.
    proc = run_paradup("audit", "-i", "i.paradup", "-f", "jsonl", cwd=tmp_path / "arc")
    assert {m["path"] for m in json.loads(proc.stdout)["members"]} == {"arts/a.md", "arts/b.md"}
