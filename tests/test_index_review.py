"""Review fixes of the archive index: files that are not ours are never touched, permissions and
bad archives are one line with exit 2, updates keep metadata current, audits do not depend on
how the index was built."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from paradup.errors import ParadupError
from paradup.index.build import build_index
from paradup.index.store import _SCHEMA, IndexStore

from .conftest import run_paradup
from .test_index import SHARED, article, write_jsonl

ROOT_USER = hasattr(os, "geteuid") and os.geteuid() == 0


def _one_line_error(*args: str) -> str:
    """Run paradup, expect exit 2 and a single stderr line; return that line."""
    proc = run_paradup(*args)
    assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip("\n").splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file in the folder with its bytes and mtime (ns)."""
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def _user_db(path: Path, wal: bool = False, meta: bool = False) -> None:
    con = sqlite3.connect(path)
    if wal:
        con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    con.execute("INSERT INTO notes (body) VALUES ('my data')")
    if meta:  # what many applications keep: a key/value table called meta
        con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        con.execute("INSERT INTO meta VALUES ('version', '7')")
    con.commit()
    con.close()
    os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))


def _draft(tmp_path: Path) -> Path:
    draft = tmp_path / "draft.txt"
    draft.write_text("今天召开的会议强调：" + SHARED + "\n\n会后大家进行了讨论。", encoding="utf-8")
    return draft


# -- 1. reading never modifies a file that is not an index ------------------------------------
@pytest.mark.parametrize("kind", ["sqlite", "sqlite-wal", "app-meta", "empty"])
def test_opening_a_non_index_leaves_it_byte_for_byte(tmp_path: Path, kind: str) -> None:
    data = tmp_path / "data"
    data.mkdir()
    target = data / "user.db"
    if kind == "empty":
        target.write_bytes(b"")
        os.utime(target, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    else:
        _user_db(target, wal=kind == "sqlite-wal", meta=kind == "app-meta")
    before = _snapshot(data)
    draft = _draft(tmp_path)
    for args in (
        ("index", "info", "--index", str(target)),
        ("audit", "--index", str(target), "-q"),
        ("index", "update", str(draft), "--index", str(target), "-q"),
        ("check", str(draft), "--against", str(target)),
    ):
        line = _one_line_error(*args)
        assert "user.db" in line and "not a paradup index" in line, line
    assert _snapshot(data) == before  # same bytes and mtime, and no -wal/-shm/.lock beside it


# -- 2. only our own files may be replaced --------------------------------------------------------
def test_build_force_replaces_only_our_own_files(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    target = data / "app.db"
    _user_db(target, meta=True)
    before = _snapshot(data)
    src = tmp_path / "a.jsonl"
    write_jsonl(src, 3)
    for extra in ((), ("--force",)):
        line = _one_line_error("index", "build", str(src), "--index", str(target), "-q", *extra)
        assert "app.db" in line and "refusing to overwrite" in line, line
    assert _snapshot(data) == before
    # Tables of our own, all empty (a first build killed before its first commit): ours.
    idx = tmp_path / "x.paradup"
    con = sqlite3.connect(idx)
    con.executescript(_SCHEMA)
    con.close()
    proc = run_paradup("index", "build", str(src), "--index", str(idx), "-q", "-j", "1")
    assert proc.returncode == 0, proc.stderr
    with IndexStore.open(idx) as store:
        assert store.counts()["docs"] == 3


# -- 3. permissions ---------------------------------------------------------------------------
def test_index_path_under_a_regular_file_is_one_line(tmp_path: Path) -> None:
    src = tmp_path / "a.jsonl"
    write_jsonl(src, 3)
    blocker = tmp_path / "afile"
    blocker.write_text("x", encoding="utf-8")
    line = _one_line_error("index", "build", str(src), "--index", str(blocker / "x.paradup"))
    assert "afile" in line and "check permissions" in line, line
    assert blocker.read_text(encoding="utf-8") == "x"


def test_unwritable_index_or_folder_named_before_sqlite_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As root nothing is read-only: the check is exercised by pretending it is."""
    src = tmp_path / "a.jsonl"
    write_jsonl(src, 3)
    idx = tmp_path / "x.paradup"
    build_index([str(src)], str(idx), jobs=1)
    before = idx.read_bytes()
    monkeypatch.setattr(os, "access", lambda *_a, **_k: False)
    with pytest.raises(ParadupError, match=r"x\.paradup: cannot write .*check permissions"):
        build_index([str(src)], str(idx), jobs=1)
    with pytest.raises(ParadupError, match=r"new\.paradup.*check permissions"):
        build_index([str(src)], str(tmp_path / "new.paradup"), jobs=1)
    assert idx.read_bytes() == before
    assert not (tmp_path / "new.paradup").exists()


def test_a_write_refused_by_sqlite_is_named_not_a_traceback(tmp_path: Path) -> None:
    src = tmp_path / "a.jsonl"
    write_jsonl(src, 3)
    idx = tmp_path / "x.paradup"
    build_index([str(src)], str(idx), jobs=1)
    with IndexStore.open(idx) as reader:
        settings = reader.settings
    with IndexStore.create_or_open(idx, settings) as store:
        store.con.execute("PRAGMA query_only=ON")  # what a read-only file makes of each write
        with pytest.raises(ParadupError, match="check permissions"):
            store.write_batch([], delete_keys=[next(iter(store.doc_states()))])
        with pytest.raises(ParadupError, match="check permissions"):
            store.relabel([("p", None, None, "k")])
        store.con.execute("PRAGMA query_only=OFF")
        assert store.counts()["docs"] == 3


@pytest.mark.skipif(ROOT_USER, reason="root ignores file permissions")
def test_read_only_folder_and_index_file(tmp_path: Path) -> None:  # pragma: no cover - non-root
    src = tmp_path / "a.jsonl"
    write_jsonl(src, 3)
    folder = tmp_path / "ro"
    folder.mkdir()
    idx = folder / "x.paradup"
    build_index([str(src)], str(idx), jobs=1)
    idx.chmod(0o444)
    try:
        line = _one_line_error("index", "update", str(src), "--index", str(idx), "-q")
        assert "x.paradup" in line and "check permissions" in line, line
        idx.chmod(0o644)
        folder.chmod(0o555)
        line = _one_line_error("index", "update", str(src), "--index", str(idx), "-q")
        assert "check permissions" in line, line
        line = _one_line_error("index", "build", str(src), "--index", str(folder / "n.paradup"))
        assert "n.paradup" in line and "check permissions" in line, line
    finally:
        folder.chmod(0o755)
        idx.chmod(0o644)


# -- 4. a missing archive creates nothing; no lock file is left ---------------------------------
def test_missing_archive_creates_no_index_and_no_lock(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    line = _one_line_error(
        "index", "build", str(tmp_path / "nope.jsonl"), "--index", str(out / "x.paradup")
    )
    assert "nope.jsonl" in line and "does not exist" in line, line
    assert list(out.iterdir()) == []
    src = tmp_path / "a.jsonl"
    write_jsonl(src, 3)
    proc = run_paradup("index", "build", str(src), "--index", str(out / "x.paradup"), "-q")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["x.paradup"]  # the lock file is removed


# -- 5. an archive of bad records is an error ------------------------------------------------
def test_all_bad_archive_is_an_error_and_spares_the_index(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{not json\n{"id": "x", "body": "no text"}\n', encoding="utf-8")
    idx = tmp_path / "x.paradup"
    line = _one_line_error("index", "build", str(bad), "--index", str(idx), "-q")
    assert "bad.jsonl" in line and "no documents were read" in line and "bad.jsonl:1:" in line
    assert "invalid JSON" in line, line
    assert not idx.exists() and not Path(str(idx) + ".lock").exists()
    good = tmp_path / "good.jsonl"
    write_jsonl(good, 4)
    build_index([str(good)], str(idx), jobs=1)
    bad.replace(good)  # the export went wrong: an update must not empty the index
    line = _one_line_error("index", "update", str(good), "--index", str(idx), "-q")
    assert "no documents were read" in line, line
    with IndexStore.open(idx) as store:
        assert store.counts()["docs"] == 4


def test_empty_archive_warns(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    idx = tmp_path / "x.paradup"
    proc = run_paradup("index", "build", str(empty), "--index", str(idx), "-q")
    assert proc.returncode == 0, proc.stderr
    assert "empty.jsonl: no documents in it" in proc.stderr
    src = tmp_path / "a.jsonl"
    write_jsonl(src, 3)
    build_index([str(src)], str(idx), jobs=1)
    proc = run_paradup("index", "update", str(src), "--index", str(idx), "-q")
    assert proc.returncode == 0 and proc.stderr == ""  # all unchanged is no warning


# -- 6. --encoding -------------------------------------------------------------------------
def test_index_build_reads_gb18030_articles_with_encoding(tmp_path: Path) -> None:
    arch = tmp_path / "arch"
    arch.mkdir()
    (arch / "a.txt").write_bytes(article(1, shared=True).encode("gb18030"))
    (arch / "b.txt").write_text(article(2, shared=True), encoding="utf-8")
    idx = tmp_path / "x.paradup"
    proc = run_paradup("index", "build", str(arch), "--index", str(idx), "-j", "1")
    assert proc.returncode == 0, proc.stderr
    assert "a.txt" in proc.stderr and "--encoding gb18030" in proc.stderr  # the advice given
    idx2 = tmp_path / "y.paradup"
    (arch / "b.txt").write_bytes(article(2, shared=True).encode("gb18030"))
    proc = run_paradup("index", "build", str(arch), "--index", str(idx2), "--encoding", "gb18030")
    assert proc.returncode == 0, proc.stderr
    assert "skipped:" not in proc.stderr
    with IndexStore.open(idx2) as store:
        assert store.counts()["docs"] == 2
    proc = run_paradup("index", "update", str(arch), "--index", str(idx2), "--encoding", "gb18030")
    assert proc.returncode == 0 and "2 unchanged" in proc.stderr, proc.stderr
    line = _one_line_error("index", "build", str(arch), "--index", str(idx2), "--encoding", "rot13")
    assert "--encoding" in line, line


# -- 7. unreadable settings ------------------------------------------------------------------
@pytest.mark.parametrize("value", ["{not json", "[1, 2]", '{"num_perm": 128}', None])
def test_unreadable_settings_are_one_line(tmp_path: Path, value: str | None) -> None:
    src = tmp_path / "a.jsonl"
    write_jsonl(src, 3)
    idx = tmp_path / "x.paradup"
    build_index([str(src)], str(idx), jobs=1)
    con = sqlite3.connect(idx)
    if value is None:
        con.execute("DELETE FROM meta WHERE key = 'settings'")
    else:
        con.execute("UPDATE meta SET value = ? WHERE key = 'settings'", (value,))
    con.commit()
    con.close()
    for args in (
        ("index", "info", "--index", str(idx)),
        ("audit", "--index", str(idx), "-q"),
        ("index", "update", str(src), "--index", str(idx), "-q"),
        ("check", str(_draft(tmp_path)), "--against", str(idx)),
    ):
        line = _one_line_error(*args)
        assert "x.paradup" in line and "settings unreadable" in line and "--force" in line


# -- 8. update keeps path, title and date current ---------------------------------------------
def test_update_refreshes_metadata_of_unchanged_text(tmp_path: Path) -> None:
    src = tmp_path / "a.jsonl"
    recs = [
        {"id": f"a{i}", "title": f"旧标题{i}", "date": "2024-01-01", "text": article(i, True)}
        for i in range(4)
    ]
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), "utf-8")
    idx = tmp_path / "x.paradup"
    build_index([str(src)], str(idx), jobs=1)
    for r in recs:
        r["title"] = r["title"].replace("旧", "新")
        r["date"] = "2024-02-02"
    new = {"id": "n", "text": "一条新的简讯。"}  # a line above them: every path (file:line) moves
    lines = [json.dumps(r, ensure_ascii=False) for r in [new, *recs]]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = run_paradup("index", "update", str(src), "--index", str(idx), "-j", "1")
    assert proc.returncode == 0, proc.stderr
    assert "1 fingerprinted, 4 unchanged" in proc.stderr  # not fingerprinted again
    with IndexStore.open(idx) as store:
        rows = store.con.execute("SELECT key, path, title, date FROM docs").fetchall()
    got = {k.split("#")[1]: (p, t, d) for k, p, t, d in rows}
    for i in range(4):
        assert got[f"a{i}"] == (f"{src}:{i + 2}", f"新标题{i}", "2024-02-02")
    out = tmp_path / "audit.jsonl"
    run_paradup("audit", "--index", str(idx), "-f", "jsonl", "-o", str(out), "-q")
    members = [m for x in out.read_text("utf-8").splitlines() for m in json.loads(x)["members"]]
    assert members and all(m["title"].startswith("新标题") for m in members)


# -- 9. the audit does not depend on the index's history -------------------------------------
def test_audit_same_for_fresh_build_and_update(tmp_path: Path) -> None:
    # Undated documents, so members tie on date: the order must come from the archive, not
    # from unit ids, which an update hands out in another order than a fresh build.
    def recs(ids: range) -> list[str]:
        return [
            json.dumps({"id": f"d{i:02d}", "text": article(i, shared=True)}, ensure_ascii=False)
            for i in ids
        ]

    a, b = recs(range(6, 12)), recs(range(6))
    final = tmp_path / "arch.jsonl"
    final.write_text("\n".join(b + a) + "\n", encoding="utf-8")
    fresh = tmp_path / "fresh.paradup"
    build_index([str(final)], str(fresh), jobs=1)
    grown = tmp_path / "grown.paradup"
    final.write_text("\n".join(a) + "\n", encoding="utf-8")
    build_index([str(final)], str(grown), jobs=1)
    # The same lines, so every key and path matches the fresh build's.
    final.write_text("\n".join(b + a) + "\n", encoding="utf-8")
    build_index([str(final)], str(grown), jobs=1)
    reports = []
    for idx in (fresh, grown):
        out = tmp_path / f"{idx.stem}.jsonl"
        proc = run_paradup("audit", "--index", str(idx), "-f", "jsonl", "-o", str(out), "-q")
        assert proc.returncode == 1, proc.stderr
        reports.append(out.read_text(encoding="utf-8"))
    assert reports[0] == reports[1]
    first = json.loads(reports[0].splitlines()[0])
    assert [m["doc"] for m in first["members"]] == sorted(m["doc"] for m in first["members"])


# -- a second review: races of two writers, databases that only look like a killed build -------


@pytest.mark.parametrize("shape", ["no tables", "empty meta of another shape"])
def test_a_database_that_only_looks_like_a_killed_build_is_refused(
    tmp_path: Path, shape: str
) -> None:
    """An empty database, or one with an empty `meta(k, v)`, is not a first build killed before
    its first commit: it was turned into an index (or crashed the build half-way through)."""
    db = tmp_path / "app.db"
    con = sqlite3.connect(db)
    con.execute("PRAGMA user_version=7" if shape == "no tables" else "CREATE TABLE meta (k, v)")
    con.commit()
    con.close()
    before = db.read_bytes()
    archive = tmp_path / "a.jsonl"
    write_jsonl(archive, 1)
    for extra in ((), ("--force",)):
        line = _one_line_error("index", "build", str(archive), "--index", str(db), *extra)
        assert "not a paradup index" in line
        assert db.read_bytes() == before


def test_a_failed_build_never_removes_an_index_another_writer_finished(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writer B completes an index at the path just before A takes the lock; A then fails (its
    archive holds no good record). A took the path for empty before the lock and removed B's
    index as its own."""
    import paradup.index.store as store_mod

    index = tmp_path / "i.paradup"
    good, bad = tmp_path / "good.jsonl", tmp_path / "bad.jsonl"
    write_jsonl(good, 3)
    bad.write_text("{not json\n", encoding="utf-8")
    lock = store_mod._lock

    def b_first(path: Path) -> int:
        monkeypatch.setattr(store_mod, "_lock", lock)
        build_index([str(good)], str(index), jobs=1)  # B, in between
        return lock(path)

    monkeypatch.setattr(store_mod, "_lock", b_first)
    with pytest.raises(ParadupError):
        build_index([str(bad)], str(index), jobs=1)  # A
    with IndexStore.open(index) as store:
        assert store.counts()["docs"] == 3


def test_a_failed_open_removes_its_file_before_letting_the_next_writer_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A interrupted right after locking a new path: its cleanup must not remove the file of
    writer B, which takes the lock as soon as A lets it go."""
    import paradup.index.store as store_mod
    from paradup.config import CheckConfig
    from paradup.index.build import index_settings

    index = tmp_path / "i.paradup"
    settings = index_settings(CheckConfig())
    connect, unlock = store_mod._connect, store_mod._unlock
    held: list[IndexStore] = []

    def interrupted(path: Path) -> sqlite3.Connection:
        monkeypatch.setattr(store_mod, "_connect", connect)
        raise KeyboardInterrupt

    def unlock_then_b(path: Path, fd: int) -> None:
        monkeypatch.setattr(store_mod, "_unlock", unlock)
        unlock(path, fd)
        held.append(IndexStore.create_or_open(index, settings))  # B

    monkeypatch.setattr(store_mod, "_connect", interrupted)
    monkeypatch.setattr(store_mod, "_unlock", unlock_then_b)
    with pytest.raises(KeyboardInterrupt):
        IndexStore.create_or_open(index, settings)  # A
    [b] = held
    try:
        assert index.exists()
    finally:
        b.close()


# -- the text pipeline's version -----------------------------------------------------------------


def _units_digest() -> str:
    """What normalize and units make of texts that exercise every rule the version covers."""
    import hashlib

    from paradup.normalize import normalize
    from paradup.units import sentence_columns

    texts = [
        (
            Path(__file__).resolve().parent.parent / "samples" / "unicom_warning_meeting.txt"
        ).read_text(encoding="utf-8"),
        "---\r\ntitle: 标题\r\n---\r\n\r\n第一段。第二句……他说：“好。”\r\n\r\n"
        "| a | b |\r\n|---|---|\r\n",
        "一行一段。\r第二行。\r第三行\u0301。\u0301下一句。",
        "# 标题\n\n正文第一句。正文第二句！\n\n```\ncode。\n```\n\n最后一段？结束。",
        "标题\n====\n\n&nbsp;&nbsp;正文&ldquo;引语&rdquo;。&#12288;下一句&#x3002;\n\n副题\n---\n\n尾。",
        "按固定宽度折行的纯文本第一段的第一行字数相同\n" * 3 + "结尾一行。\n另起一段。\n",
        "脚注在此[^1]。\n\n[^1]: 注释是正文的一部分。\n",
        "國務院新聞辦公室舉行發佈會。",
        "标题\n\n来源：新华社\n正文第一句。\n| 甲 | 乙 |\n见[措施][1]。\n",
        "---\n不是元数据。\n---\n正文。",
        "来源：人民网 记者从国家统计局获悉，今年前三季度全国居民收入稳步增长。\n\n"
        "来源：人民法院报 2018年12月13日 第七版\n",
        "第一段。\n\n```\n没有闭合的代码块之后的正文。\n\n注意 <!-- 见下\n\n仍是正文。\n",
    ]
    h = hashlib.sha256()
    for text in texts:
        norm = normalize(text)
        h.update(norm.text.encode("utf-8", "surrogatepass"))
        h.update(repr(sentence_columns(norm)).encode())
    return h.hexdigest()[:16]


def test_text_pipeline_version_tracks_the_units() -> None:
    """If this fails, normalize or units now cut texts differently: bump TEXT_PIPELINE in
    paradup/index/store.py (indexes then re-fingerprint on `index update`) and record the new
    digest here with it."""
    from paradup.index.store import TEXT_PIPELINE

    assert (TEXT_PIPELINE, _units_digest()) == (8, "dea2bbb4440d5da0")


def test_update_fingerprints_again_an_index_of_an_earlier_text_pipeline(tmp_path: Path) -> None:
    archive = tmp_path / "a.jsonl"
    write_jsonl(archive, 6)
    index = tmp_path / "i.paradup"
    first = build_index([str(archive)], str(index), jobs=1)
    assert (first.indexed, first.refreshed) == (6, False)
    con = sqlite3.connect(index)
    con.execute("DELETE FROM meta WHERE key = 'text_pipeline'")  # as an earlier paradup wrote it
    con.commit()
    con.close()
    info = run_paradup("index", "info", "--index", str(index))
    assert "split by an earlier paradup" in info.stdout
    proc = run_paradup("index", "update", str(archive), "--index", str(index))
    assert proc.returncode == 0, proc.stderr
    assert "fingerprinted again" in proc.stderr and "6 fingerprinted, 0 unchanged" in proc.stderr
    again = build_index([str(archive)], str(index), jobs=1)
    assert (again.indexed, again.unchanged, again.refreshed) == (0, 6, False)
    assert "earlier" not in run_paradup("index", "info", "--index", str(index)).stdout


def test_update_keeps_an_article_it_cannot_read_this_time(tmp_path: Path) -> None:
    """An article that fails to read on update (a broken save, permissions) stays as indexed,
    with a line saying so; it used to be deleted as if it had left the archive."""
    tree = tmp_path / "tree"
    tree.mkdir()
    for i in range(3):
        (tree / f"{i}.txt").write_text(article(i), encoding="utf-8")
    index = tmp_path / "i.paradup"
    assert run_paradup("index", "build", str(tree), "--index", str(index), "-q").returncode == 0
    (tree / "1.txt").write_bytes(b"\x00\x01 broken save \x00")
    proc = run_paradup("index", "update", str(tree), "--index", str(index))
    assert proc.returncode == 0, proc.stderr
    flat = " ".join(proc.stderr.split())
    assert "1.txt" in flat and "1 indexed article(s) could not be read this time" in flat
    with IndexStore.open(index) as store:
        assert store.counts()["docs"] == 3
    (tree / "1.txt").unlink()  # gone for good: removed from the index
    assert run_paradup("index", "update", str(tree), "--index", str(index), "-q").returncode == 0
    with IndexStore.open(index) as store:
        assert store.counts()["docs"] == 2


def _doc_keys(index: Path) -> set[str]:
    con = sqlite3.connect(index)
    try:
        return {k for (k,) in con.execute("SELECT key FROM docs")}
    finally:
        con.close()


def test_update_keeps_json_lines_records_it_cannot_read_this_time(tmp_path: Path) -> None:
    """A JSON Lines record whose line broke (invalid JSON: its id cannot be read) keeps what
    the index holds of that file; a record whose text field went missing keeps its own key;
    a record whose text was blanked (a retraction) and a removed line whose file reads
    cleanly are deleted. All of them used to be deleted; blanked ones were then kept, and
    stayed "published" to `check --against` (an auditor's review)."""
    archive = tmp_path / "a.jsonl"
    write_jsonl(archive, 6)
    index = tmp_path / "i.paradup"
    assert build_index([str(archive)], str(index), jobs=1).indexed == 6
    before = _doc_keys(index)
    lines = archive.read_text("utf-8").splitlines()
    broken = [*lines[:2], lines[2][:40], *lines[3:]]  # a save cut record a2 short
    archive.write_text("\n".join(broken) + "\n", encoding="utf-8")
    proc = run_paradup("index", "update", str(archive), "--index", str(index))
    assert proc.returncode == 0, proc.stderr
    flat = " ".join(proc.stderr.split())
    assert "a.jsonl:3: invalid JSON" in flat
    assert "1 indexed article(s) could not be read this time" in flat
    assert _doc_keys(index) == before
    # The record's text field gone: that record (known by its id) is kept.
    rec = json.loads(lines[4])
    del rec["text"]
    emptied = [*lines[:4], json.dumps(rec, ensure_ascii=False), *lines[5:]]
    archive.write_text("\n".join(emptied) + "\n", encoding="utf-8")
    proc = run_paradup("index", "update", str(archive), "--index", str(index))
    assert proc.returncode == 0 and "1 indexed article(s)" in " ".join(proc.stderr.split())
    assert _doc_keys(index) == before
    # Its text blanked: retracted, so it leaves the index.
    rec["text"] = ""
    blanked = [*lines[:4], json.dumps(rec, ensure_ascii=False), *lines[5:]]
    archive.write_text("\n".join(blanked) + "\n", encoding="utf-8")
    proc = run_paradup("index", "update", str(archive), "--index", str(index))
    assert proc.returncode == 0 and "is empty; not indexed" in " ".join(proc.stderr.split())
    assert _doc_keys(index) == before - {f"{archive}#{rec['id']}"}
    archive.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run_paradup("index", "update", str(archive), "--index", str(index), "-q").returncode == 0
    # Fixed, with one record really removed: that one goes, the others stay.
    archive.write_text("\n".join(lines[:5]) + "\n", encoding="utf-8")
    assert run_paradup("index", "update", str(archive), "--index", str(index), "-q").returncode == 0
    assert _doc_keys(index) == before - {f"{archive}#a5"}


def test_update_keeps_an_unreadable_json_lines_file_in_a_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A JSON Lines file inside the archive folder that cannot be opened is skipped with a line
    and its records kept, like an unreadable article file (it failed the whole update)."""
    import builtins

    from paradup import archive as archive_mod

    tree = tmp_path / "tree"
    tree.mkdir()
    write_jsonl(tree / "a.jsonl", 3)
    write_jsonl(tree / "b.jsonl", 3, start=3)
    index = tmp_path / "i.paradup"
    assert build_index([str(tree)], str(index), jobs=1).indexed == 6
    real_open = builtins.open

    def deny_b(path: Any, *args: Any, **kwargs: Any) -> Any:
        if str(path).endswith("b.jsonl"):  # as for a file without read permission (root reads all)
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(archive_mod, "open", deny_b, raising=False)
    stats = build_index([str(tree)], str(index), jobs=1)
    assert (stats.kept, stats.deleted) == (3, 0)
    assert any("b.jsonl" in m and "cannot be read" in m for m in stats.bad)
    assert len(_doc_keys(index)) == 6
    # Named as the archive itself, the file is still an error.
    with pytest.raises(ParadupError, match="cannot be read"):  # (prune: a.jsonl is left out)
        build_index([str(tree / "b.jsonl")], str(index), jobs=1, prune=True)


def test_info_during_a_build_says_a_writer_is_at_work(tmp_path: Path) -> None:
    """`index info` while a build runs said an interrupted build had left band keys unmerged
    and to run the update that the lock then refuses."""
    from paradup.archive import iter_records
    from paradup.config import CheckConfig
    from paradup.index.build import _work, index_settings

    archive = tmp_path / "a.jsonl"
    write_jsonl(archive, 6)
    index = tmp_path / "i.paradup"
    config = CheckConfig()
    settings = index_settings(config)
    docs = _work(list(iter_records([str(archive)])), config, settings)
    with IndexStore.create_or_open(str(index), settings) as store:
        store.write_batch(docs)  # committed, not yet merged: what a running build holds
        during = run_paradup("index", "info", "--index", str(index))
    assert during.returncode == 0, during.stderr
    assert "is writing this index now" in during.stdout
    after = run_paradup("index", "info", "--index", str(index))  # the writer went away
    assert "an interrupted build or update left some unmerged" in after.stdout


def _probe_until(stop: Any, index: str) -> None:
    from paradup.index.store import writer_active

    while not stop.is_set():
        writer_active(index)


def test_info_probe_never_turns_a_writer_away(tmp_path: Path) -> None:
    """`index info`'s probe holds a shared lock for an instant; a writer starting then was
    refused ("another paradup process is writing") about once in 80 tries."""
    import multiprocessing

    from paradup.index.store import _lock, _unlock

    index = tmp_path / "x.paradup"
    stop = multiprocessing.Event()
    prober = multiprocessing.Process(target=_probe_until, args=(stop, str(index)))
    prober.start()
    refused = 0
    try:
        for _ in range(3000):
            try:
                fd = _lock(index)
            except ParadupError:
                refused += 1
                continue
            _unlock(index, fd)
    finally:
        stop.set()
        prober.join()
    assert refused == 0


def test_broken_json_lines_file_with_hash_in_its_name_keeps_its_records(tmp_path: Path) -> None:
    """A key's file is found by its `#`/`:` positions; a `#` in the file name still matches."""
    archive = tmp_path / "a#1.jsonl"
    write_jsonl(archive, 4)
    index = tmp_path / "i.paradup"
    assert build_index([str(archive)], str(index), jobs=1).indexed == 4
    before = _doc_keys(index)
    lines = archive.read_text("utf-8").splitlines()
    archive.write_text("\n".join([lines[0][:30], *lines[1:]]) + "\n", encoding="utf-8")
    stats = build_index([str(archive)], str(index), jobs=1)
    assert (stats.kept, stats.deleted) == (1, 0)
    assert _doc_keys(index) == before


def test_archive_folders_take_the_files_check_takes(tmp_path: Path) -> None:
    """`index build` of a folder took only lower-case .txt/.md/.markdown (`check` takes
    .TXT, .Markdown and .text too), and an empty folder's error named --include, which
    `index build` does not have."""
    tree = tmp_path / "tree"
    tree.mkdir()
    names = ["A.TXT", "b.Markdown", "c.text", "d.md", "e.MD", "f.txt"]
    for i, name in enumerate(names):
        (tree / name).write_text(article(i), encoding="utf-8")
    write_jsonl(tree / "g.jsonl", 2, start=10)
    index = tmp_path / "i.paradup"
    stats = build_index([str(tree)], str(index), jobs=1)
    assert stats.indexed == len(names) + 2
    checked = run_paradup("check", str(tree), "-f", "json")
    assert len(json.loads(checked.stdout)["files"]) == len(names)  # the same articles
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = run_paradup("index", "build", str(empty), "--index", str(tmp_path / "e.paradup"))
    assert proc.returncode == 2
    assert "contains no .txt, .md or JSON Lines files" in proc.stderr
    assert "--include" not in proc.stderr
