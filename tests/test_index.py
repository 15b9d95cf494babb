"""Archive index: build, incremental update, crash safety, bad records, refusals, audit."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from paradup.archive import Fields, iter_records
from paradup.audit import audit
from paradup.errors import ParadupError
from paradup.index.build import build_index
from paradup.index.store import IndexStore

from ._units import unit_rows
from .conftest import SAMPLE, run_paradup

SHARED = "各级党组织要切实履行主体责任，做到守土有责、守土尽责，推动党风廉政建设不断取得新成效。"
BYLINE = "责任编辑：王小明　本文来源于本报新闻中心，未经授权不得转载。"
TOPICS = ["农业", "交通", "教育", "医疗", "科技", "文化", "体育", "环保", "金融", "旅游"]


def article(i: int, shared: bool = False) -> str:
    topic = TOPICS[i % len(TOPICS)]
    body = (
        f"第{i}号报道：本市{topic}领域近日出现新变化，相关部门在第{i}次会议上作出部署。"
        f"记者了解到，{topic}工作今年共投入资金{i * 7 + 3}万元，惠及群众{i * 13 + 5}人。"
    )
    paras = [body, f"专家认为，{topic}发展需要长期投入，编号{i}的项目将在明年{i % 12 + 1}月完工。"]
    if shared:
        paras.append(SHARED)
    paras.append(BYLINE)
    return "\n\n".join(paras)


def write_jsonl(path: Path, n: int, start: int = 0, bad: bool = False) -> None:
    lines = []
    for i in range(start, start + n):
        rec = {
            "id": f"a{i}",
            "title": f"标题{i}",
            "date": f"2024-01-{i % 28 + 1:02d}",
            "text": article(i, shared=i % 3 == 0),
        }
        lines.append(json.dumps(rec, ensure_ascii=False))
    if bad:
        lines.insert(2, "{not json")
        lines.insert(4, json.dumps({"id": "x", "body": "no text field"}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_build_update_and_audit(tmp_path: Path) -> None:
    src = tmp_path / "archive.jsonl"
    write_jsonl(src, 30, bad=True)
    idx = tmp_path / "a.paradup"
    stats = build_index([str(src)], str(idx), jobs=1)
    assert stats.indexed == 30 and stats.seen == 30
    assert len(stats.bad) == 2
    assert any(":3:" in b and "invalid JSON" in b for b in stats.bad)
    assert any("no text in field 'text'" in b for b in stats.bad)
    again = build_index([str(src)], str(idx), jobs=1)
    assert again.indexed == 0 and again.unchanged == 30
    # 1 changed, 1 added, 1 removed.
    recs = [
        json.loads(x)
        for x in src.read_text(encoding="utf-8").splitlines()
        if x.startswith('{"id": "a')
    ]
    recs[0]["text"] += "\n\n新增的一段内容，说明这篇文章已经被修改过了。"
    recs.pop(5)
    recs.append({"id": "new", "text": article(99, shared=True)})
    src.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8"
    )
    upd = build_index([str(src)], str(idx), jobs=2)
    assert (upd.indexed, upd.deleted, upd.unchanged) == (2, 1, 28)
    with IndexStore.open(idx) as store:
        assert store.counts()["docs"] == 30
        clusters = audit(store, boilerplate_docs=20)
    texts = {c.members[0].text: c for c in clusters}
    assert BYLINE in texts and texts[BYLINE].kind == "boilerplate"
    shared = texts[SHARED]
    assert shared.kind == "duplicate" and shared.size == 11
    for m in shared.members:
        assert m.text == SHARED
    # Members are sorted by first occurrence (date) and name their records as file:line.
    dates = [m.date for m in shared.members]
    known = [d for d in dates if d is not None]
    assert known == sorted(known) and dates[-1] is None  # undated last
    assert dates[: len(known)] == known
    assert all(m.path.startswith(str(src) + ":") for m in shared.members)


def test_cli_index_audit_formats_and_against(tmp_path: Path) -> None:
    src = tmp_path / "archive.jsonl"
    write_jsonl(src, 12)
    idx = tmp_path / "idx.paradup"
    proc = run_paradup("index", "build", str(src), "--index", str(idx), "-q", "-j", "1")
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "c.jsonl"
    proc = run_paradup("audit", "--index", str(idx), "-f", "jsonl", "-o", str(out), "-q")
    assert proc.returncode == 1
    clusters = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert clusters and {"cluster", "kind", "size", "similarity", "members"} <= clusters[0].keys()
    raw = {json.loads(x)["id"]: json.loads(x)["text"] for x in src.read_text("utf-8").splitlines()}
    for c in clusters:
        for m in c["members"]:
            assert raw[m["doc"].split("#", 1)[1]][m["start"] : m["end"]] == m["text"]
    for fmt, marker in (("csv", "cluster,kind,size"), ("html", "<!doctype html>")):
        proc = run_paradup("audit", "--index", str(idx), "-f", fmt, "-q")
        assert marker in proc.stdout
    draft = tmp_path / "draft.txt"
    draft.write_text("今天召开的会议强调：" + SHARED + "\n\n会后大家进行了讨论。", encoding="utf-8")
    proc = run_paradup("check", str(draft), "--against", str(idx), "-f", "json")
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    f = data["findings"][0]
    assert f["a"]["path"].startswith(str(src) + ":") and f["a"]["title"].startswith("标题")
    assert SHARED in f["b"]["text"]
    assert data["files"][0]["path"] == str(draft)


def _wait_for_docs(proc: subprocess.Popen[bytes], idx: Path, n: int) -> None:
    """Poll the index (read-only, as any reader) until it holds `n` documents or the build ends."""
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
        try:
            con = sqlite3.connect(f"file:{idx}?mode=ro", uri=True)
            docs = con.execute("SELECT count(*) FROM docs").fetchone()[0]
            con.close()
        except sqlite3.Error:
            docs = 0
        if docs >= n:
            return


def _kill_build_midway(tmp_path: Path, jobs: int) -> tuple[Path, Path]:
    """A build of 3,000 records killed with SIGKILL after 100 are committed: (archive, index)."""
    src = tmp_path / "big.jsonl"
    write_jsonl(src, 3000)
    idx = tmp_path / "k.paradup"
    script = (
        "import sys; from paradup.index.build import build_index; "
        f"build_index([{str(src)!r}], {str(idx)!r}, jobs={jobs}, batch_size=20)"
    )
    proc = subprocess.Popen([sys.executable, "-c", script])
    _wait_for_docs(proc, idx, 100)
    assert proc.poll() is None, "the build finished before it could be killed; enlarge the input"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return src, idx


def test_killed_build_keeps_committed_batches_and_resumes(tmp_path: Path) -> None:
    src, idx = _kill_build_midway(tmp_path, jobs=1)
    with IndexStore.open(idx) as store:
        counts = store.counts()
        assert counts["docs"] >= 100 and counts["docs"] % 20 == 0  # whole batches only
        docs = {r[0] for r in store.con.execute("SELECT id FROM docs")}
        assert all(u[1] in docs for u in unit_rows(store.con))
        assert store.con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        kept = counts["docs"]
        # A fresh build defers its band-key index to the end: the killed one has it pending,
        # and still answers queries (from the pending runs).
        assert store.bands_pending()
    info = run_paradup("index", "info", "--index", str(idx))
    assert info.returncode == 0 and "interrupted build" in info.stdout
    draft = tmp_path / "draft.txt"
    draft.write_text("今天召开的会议强调：" + SHARED + "\n\n会后大家进行了讨论。", encoding="utf-8")
    found = run_paradup("check", str(draft), "--against", str(idx), "-f", "json")
    assert found.returncode == 1, found.stderr
    assert SHARED in json.loads(found.stdout)["findings"][0]["b"]["text"]
    with IndexStore.open(idx) as store:  # the audit reads the pending runs too
        assert any(m.text == SHARED for c in audit(store) for m in c.members)
    resumed = build_index([str(src)], str(idx), jobs=1)
    assert resumed.unchanged == kept and resumed.indexed == 3000 - kept
    with IndexStore.open(idx) as store:
        assert not store.bands_pending()
        c = store.counts()
        assert c["bands"] == c["units"] * store.settings.bands  # every unit's keys, once


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_ctrl_c_stops_build_cleanly_and_rerun_resumes(tmp_path: Path, how: str) -> None:
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it) during `index build`:
    one line, exit 130, no traceback, whole batches kept, and the next run finishes the job.
    SIGTERM to the command alone (`timeout`, a CI job's limit) is handled the same way: it
    used to kill it outright, leaving the clean-up undone (an `-o` report's temporary file)."""
    from .conftest import paradup_exe

    src = tmp_path / "big.jsonl"
    # 3,000 took under a second by 2026-12-02; 12,000 take about 2 s, and on a loaded machine
    # the poll below can see its first batch so late that the signal lands as the process
    # exits (exit 0, the whole build done): then the same test on an archive four times larger.
    for total in (12000, 48000):
        write_jsonl(src, total)
        idx = tmp_path / f"c{total}.paradup"
        proc = subprocess.Popen(
            [paradup_exe(), "index", "build", str(src), "--index", str(idx), "-j", "2"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, like a foreground job
        )
        _wait_for_docs(proc, idx, 256)
        if proc.poll() is None:
            if how == "ctrl-c":
                os.killpg(proc.pid, signal.SIGINT)
            else:
                proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
        if proc.returncode != 0 or f"{total} fingerprinted" not in err.decode():
            break
    assert proc.returncode == 130, err
    assert "Traceback" not in err.decode() and "interrupted" in err.decode()
    with IndexStore.open(idx) as store:
        kept = store.counts()["docs"]
        assert kept >= 256 and kept % 256 == 0
        assert store.con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    again = run_paradup("index", "build", str(src), "--index", str(idx), "-j", "1")
    assert again.returncode == 0, again.stderr
    assert f"{total - kept} fingerprinted, {kept} unchanged" in again.stderr


def test_two_writers_get_clear_error_reader_not_blocked(tmp_path: Path) -> None:
    src = tmp_path / "s.jsonl"
    write_jsonl(src, 5)
    idx = tmp_path / "w.paradup"
    build_index([str(src)], str(idx), jobs=1)
    from paradup.config import CheckConfig
    from paradup.index.build import index_settings

    with IndexStore.create_or_open(idx, index_settings(CheckConfig())) as writer:
        writer.con.execute("BEGIN IMMEDIATE")
        with pytest.raises(ParadupError, match="another paradup process is writing"):
            build_index([str(src)], str(idx), jobs=1)
        with IndexStore.open(idx) as reader:  # WAL: readers never wait for the writer
            assert reader.counts()["docs"] == 5
        writer.con.execute("ROLLBACK")


def test_refuses_other_settings_and_versions(tmp_path: Path) -> None:
    src = tmp_path / "s.jsonl"
    write_jsonl(src, 3)
    idx = tmp_path / "v.paradup"
    build_index([str(src)], str(idx), jobs=1)
    before = idx.read_bytes()
    from paradup.config import CheckConfig

    with pytest.raises(ParadupError, match="other fingerprint settings"):
        build_index([str(src)], str(idx), CheckConfig(num_perm=64), jobs=1)
    draft = tmp_path / "d.txt"
    draft.write_text(SHARED + "\n\n" + SHARED, encoding="utf-8")
    proc = run_paradup("check", str(draft), "--against", str(idx), "--num-perm", "64")
    assert proc.returncode == 2 and "rebuild" in proc.stderr and "Traceback" not in proc.stderr
    con = sqlite3.connect(idx)
    con.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    for args in (
        ("audit", "--index", str(idx)),
        ("index", "update", str(src), "--index", str(idx)),
    ):
        proc = run_paradup(*args)
        assert proc.returncode == 2, proc.stderr
        # A newer paradup's index: upgrade (a rebuild would destroy it for that paradup).
        assert "schema 999" in proc.stderr and "upgrade paradup" in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
    proc = run_paradup("index", "build", str(src), "--index", str(idx), "--force", "-q")
    assert proc.returncode == 0, proc.stderr
    with IndexStore.open(idx) as store:
        assert store.counts()["docs"] == 3
    assert before  # the refused runs above left the old index readable until --force


def test_never_overwrites_a_user_file(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_bytes(SAMPLE.read_bytes())
    for args in (
        ("index", "build", str(SAMPLE), "--index", str(target), "--force"),
        ("audit", "--index", str(target)),
        ("check", str(SAMPLE), "--against", str(target)),
    ):
        proc = run_paradup(*args)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert target.read_bytes() == SAMPLE.read_bytes()


def test_directory_archive_records(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.md").write_text(article(1), encoding="utf-8")
    (tmp_path / "a" / "two.txt").write_text(article(2), encoding="utf-8")
    (tmp_path / "a" / "bin.txt").write_bytes(b"\x00\x01binary")
    bad: list[str] = []
    recs = list(iter_records([str(tmp_path / "a")], Fields(), None, bad.append))
    assert sorted(Path(r.path).name for r in recs) == ["one.md", "two.txt"]
    assert len(bad) == 1 and "bin.txt" in bad[0] and "binary" in bad[0]


def test_prepare_around_spans_matches_full_prepare_there() -> None:
    """A source re-read for a draft is segmented only around its matched units: the same
    sentences and offsets, the same shingles near the spans, none far from them."""
    from paradup.config import CheckConfig
    from paradup.prepare import prepare
    from paradup.read import Document

    text = "\n\n".join(article(i) for i in range(6))
    doc = Document("a.txt", text, "utf-8")
    full = prepare(0, doc, CheckConfig())
    start = text.index("专家认为，交通")  # the second paragraph of article 1
    part = prepare(0, doc, CheckConfig(), [(start, start + 10)])
    assert [(s.raw_start, s.raw_end) for s in part.sentences] == [
        (s.raw_start, s.raw_end) for s in full.sentences
    ]
    hit = next(s.paragraph for s in full.sentences if s.raw_start <= start < s.raw_end)
    for f, p in zip(full.sentences, part.sentences, strict=True):
        if abs(f.paragraph - hit) <= 1:
            assert p.hashes == f.hashes
        else:
            assert p.hashes == ()
    assert any(p.hashes for p in part.sentences)
    pairs = zip(full.sentences, part.sentences, strict=True)
    assert any(f.hashes and not p.hashes for f, p in pairs)


def test_unpaired_surrogate_escape_is_a_bad_record(tmp_path: Path) -> None:
    # JSON allows "\ud800"; UTF-8, the segmenter and SQLite do not: skip the record, say why.
    src = tmp_path / "archive.jsonl"
    good = {"id": "ok", "text": article(1)}
    bad = {"id": "bad", "text": article(2) + "\ud800"}
    lines = [json.dumps(good, ensure_ascii=False), json.dumps(bad)]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    idx = tmp_path / "a.paradup"
    r = run_paradup("index", "build", str(src), "--index", str(idx), "-j", "2")
    assert r.returncode == 0, r.stderr
    assert f"{src}:2: an unpaired surrogate escape" in " ".join(r.stderr.split())
    assert "Traceback" not in r.stderr
    assert IndexStore.open(idx).counts()["docs"] == 1


def test_interrupted_statement_keeps_its_own_error(tmp_path: Path) -> None:
    # An interrupted statement makes SQLite roll the transaction back itself; write_batch must
    # re-raise that interruption, not fail on a second ROLLBACK, and the batch must be gone.
    # The interruption is tried at many points of the write (a progress handler).
    from paradup.config import CheckConfig
    from paradup.index.build import _work, index_settings

    src = tmp_path / "archive.jsonl"
    write_jsonl(src, 40)
    config = CheckConfig()
    settings = index_settings(config)
    docs = _work(list(iter_records([str(src)])), config, settings)
    # How many progress callbacks a whole write makes, then interruptions spread over them.
    with IndexStore.create_or_open(str(tmp_path / "count.paradup"), settings) as store:
        seen = [0]

        def count(seen: list[int] = seen) -> int:
            seen[0] += 1
            return 0

        store.con.set_progress_handler(count, 100)
        store.write_batch(docs)
    assert seen[0] >= 8
    for after in sorted({1, 2, *(seen[0] * k // 8 for k in range(1, 8)), seen[0] - 1}):
        idx = tmp_path / f"a{after}.paradup"
        with IndexStore.create_or_open(str(idx), settings) as store:
            calls = [0]

            def handler(calls: list[int] = calls, after: int = after) -> int:
                calls[0] += 1
                return int(calls[0] >= after)

            store.con.set_progress_handler(handler, 100)
            with pytest.raises(sqlite3.OperationalError, match="interrupted"):
                store.write_batch(docs)
            store.con.set_progress_handler(None, 0)
            assert store.counts()["docs"] == 0
            store.write_batch(docs)
            assert store.counts()["docs"] == 40


def test_workers_die_with_a_killed_parent_and_free_the_index(tmp_path: Path) -> None:
    """SIGKILL to a `-j 2` build: its workers must not outlive it (orphans held the inherited
    writer lock, so the next run was refused until someone found and killed them)."""
    src, idx = _kill_build_midway(tmp_path, jobs=2)
    deadline = time.time() + 30
    while True:
        update = run_paradup("index", "update", str(src), "--index", str(idx), "-q")
        if update.returncode == 0 or time.time() > deadline:
            break
        time.sleep(0.5)
    assert update.returncode == 0, update.stderr
    with IndexStore.open(idx) as store:
        assert store.counts()["docs"] == 3000


@pytest.mark.parametrize("lines", [0, 1])
def test_audit_of_an_empty_or_one_document_index(tmp_path: Path, lines: int) -> None:
    src = tmp_path / "a.jsonl"
    text = "国家统计局今天发布的数据显示全国居民消费价格同比上涨。"
    src.write_text("".join(json.dumps({"id": "x", "text": text}) + "\n" for _ in range(lines)))
    idx = tmp_path / "e.paradup"
    assert run_paradup("index", "build", str(src), "--index", str(idx), "-q").returncode == 0
    proc = run_paradup("audit", "--index", str(idx))
    assert proc.returncode == 0, proc.stderr
    assert "0 duplicate clusters" in proc.stdout
