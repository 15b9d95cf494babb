"""Band keys stored as sorted code blocks in two levels: exact after updates and deletions,
identical answers from pending runs, either level and a fresh build, keys that span blocks,
and indexes of schemas 2 to 4 read as they are and converted by a writer."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from paradup.archive import iter_records
from paradup.audit import audit
from paradup.index.build import build_index
from paradup.index.store import PARTS, IndexStore, _part_ids, block_ids, part_of
from paradup.lsh import band_keys, index_keys

from ._units import as_schema_4, unit_rows
from .conftest import run_paradup
from .test_index import SHARED, article, write_jsonl

Place = tuple[str, int, int]


def _stored(con: sqlite3.Connection, level: int | None = None) -> np.ndarray:
    """Every code in the blocks (of one level, or all) and in the pending runs, sorted."""
    q = "SELECT codes FROM band_blocks" + ("" if level is None else f" WHERE id >> 40 = {level}")
    blobs = [r[0] for r in con.execute(q)]
    if level is None:
        blobs += [r[0] for r in con.execute("SELECT codes FROM band_runs")]
    return np.sort(np.frombuffer(b"".join(blobs), dtype="<i8").astype(np.int64))


def _expected(con: sqlite3.Connection, bands: int, rows: int) -> np.ndarray:
    """The codes of the units that exist, recomputed from their signatures."""
    units = [(u[0], u[5]) for u in unit_rows(con)]
    sigs = np.frombuffer(b"".join(u[1] for u in units), dtype=np.uint32).reshape(len(units), -1)
    keys = index_keys(band_keys(sigs, bands, rows)).astype(np.int64)
    ids = np.asarray([u[0] for u in units], dtype=np.int64)
    return np.unique((keys << 32) | ids[:, None])


def _meta(con: sqlite3.Connection) -> dict[str, str]:
    return dict(con.execute("SELECT key, value FROM meta").fetchall())


def _live(con: sqlite3.Connection, codes: np.ndarray) -> np.ndarray:
    ids = np.asarray([r[0] for r in unit_rows(con)], dtype=np.int64)
    return codes[np.isin(codes & 0xFFFFFFFF, ids)]


def _places(store: IndexStore) -> dict[int, Place]:
    keys = dict(store.con.execute("SELECT id, key FROM docs").fetchall())
    return {u[0]: (keys[u[1]], u[3], u[4]) for u in unit_rows(store.con)}


def _lookups(store: IndexStore, keys: list[int]) -> dict[int, list[Place]]:
    """units_for_keys with each unit named by its place (ids differ between builds)."""
    places = _places(store)
    found = store.units_for_keys(keys)
    return {k: sorted(places[u] for u in us if u in places) for k, us in found.items()}


def _clusters(store: IndexStore) -> list[list[Place]]:
    return sorted(sorted((m.doc, m.start, m.end) for m in c.members) for c in audit(store))


def _all_keys(store: IndexStore) -> list[int]:
    con = store.con
    return sorted(set((_expected(con, store.settings.bands, store.settings.rows) >> 32).tolist()))


def _answers(idx: Path) -> tuple[dict[str, int], dict[int, list[Place]], list[list[Place]]]:
    with IndexStore.open(idx) as store:
        return store.counts(), _lookups(store, _all_keys(store)), _clusters(store)


def _edit(src: Path, change: int, delete: int) -> None:
    lines = src.read_text("utf-8").splitlines()
    rec = json.loads(lines[change])
    rec["text"] += "\n\n补充报道：本市今天还发布了新的交通管理办法，自下月起施行。"
    lines[change] = json.dumps(rec, ensure_ascii=False)
    del lines[delete]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_update_keeps_band_codes_exact(tmp_path: Path) -> None:
    """A small update merges into level 1; the codes of changed and deleted documents stay
    stored but are counted dead and never answered; new documents add theirs."""
    src, more, idx = tmp_path / "s.jsonl", tmp_path / "more.jsonl", tmp_path / "u.paradup"
    write_jsonl(src, 40)
    build_index([str(src)], str(idx), jobs=1)
    _edit(src, change=5, delete=7)
    write_jsonl(more, 3, start=100)
    stats = build_index([str(src), str(more)], str(idx), jobs=1)
    assert (stats.indexed, stats.deleted) == (4, 1)
    with IndexStore.open(idx) as store:
        con, st = store.con, store.settings
        assert not store.bands_pending()
        stored, expected = _stored(con), _expected(con, st.bands, st.rows)
        assert np.array_equal(_live(con, stored), expected)
        meta = _meta(con)
        dead = len(stored) - len(expected)
        assert dead > 0 and int(meta["codes_dead"]) == dead  # left in level 0, counted
        assert len(_stored(con, 1)) == int(meta["codes_1"]) > 0  # the update went to level 1
        assert store.counts()["bands"] == len(expected) == store.counts()["units"] * st.bands
        _assert_unit_tables_agree(con)
        # Lookups may name dead units (callers find no row for them); the live ones are exact.
        live_ids = {r[0] for r in unit_rows(con)}
        found = store.units_for_keys(sorted(set((stored >> 32).tolist())))
        live_found = {k: sorted(u for u in us if u in live_ids) for k, us in found.items()}
        want: dict[int, list[int]] = {}
        for code in expected.tolist():
            want.setdefault(code >> 32, []).append(code & 0xFFFFFFFF)
        assert {k: v for k, v in live_found.items() if v} == want
        # The audit's grouping: codes of keys shared by two or more live units, nothing else.
        shared = np.concatenate([store.shared_band_codes(p) for p in range(PARTS)])
        keys = expected >> 32
        twice = np.isin(keys, keys[1:][keys[1:] == keys[:-1]])
        assert np.array_equal(shared, expected[twice]) and len(shared)


def test_levels_answer_like_a_fresh_build(tmp_path: Path) -> None:
    """Lookups, counts and the audit after small updates (level 1), and after the update that
    folds level 1 into level 0, equal those of one build of the same archive."""
    src, idx = tmp_path / "a.jsonl", tmp_path / "lsm.paradup"
    write_jsonl(src, 120)  # three small updates stay under an eighth of it
    build_index([str(src)], str(idx), jobs=1)
    for r in range(3):
        _edit(src, change=3 + r, delete=10 + r)
        write_jsonl(tmp_path / f"m{r}.jsonl", 2, start=200 + 10 * r)
        roots = [str(src), *(str(tmp_path / f"m{i}.jsonl") for i in range(r + 1))]
        build_index(roots, str(idx), jobs=1)
        with sqlite3.connect(idx) as con:
            assert int(_meta(con)["codes_1"]) > 0 and int(_meta(con)["codes_dead"]) > 0
        fresh = tmp_path / f"fresh{r}.paradup"
        build_index(roots, str(fresh), jobs=1)
        assert _answers(idx) == _answers(fresh)
    write_jsonl(tmp_path / "big.jsonl", 30, start=500)
    build_index([*roots, str(tmp_path / "big.jsonl")], str(idx), jobs=1)
    with sqlite3.connect(idx) as con:
        meta = _meta(con)
        assert (meta["codes_1"], meta["codes_dead"]) == ("0", "0")  # folded, dead dropped
        assert len(_stored(con)) == int(meta["codes_0"])
    fresh = tmp_path / "fresh.paradup"
    build_index([*roots, str(tmp_path / "big.jsonl")], str(fresh), jobs=1)
    assert _answers(idx) == _answers(fresh)


def test_a_key_held_by_many_units(tmp_path: Path) -> None:
    """The keys of a sentence repeated in 300 documents (a block of their own, far above the
    average): every unit is found, pending or merged, and the audit clusters them all."""
    n = 300
    src, idx = tmp_path / "rep.jsonl", tmp_path / "rep.paradup"
    lines = [
        json.dumps({"id": f"r{i}", "text": article(i) + "\n\n" + SHARED}, ensure_ascii=False)
        for i in range(n)
    ]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    from paradup.config import CheckConfig
    from paradup.index.build import _work, index_settings

    config = CheckConfig()
    settings = index_settings(config)
    recs = list(iter_records([str(src)]))
    docs = _work(recs, config, settings)
    with IndexStore.create_or_open(str(idx), settings) as store:
        store.write_batch(docs)
        texts = {r.key: r.text for r in recs}
        shared = {u.keys for d in docs for u in d.units if texts[d.key][u.start : u.end] == SHARED}
        assert len(shared) == 1  # the same sentence, the same keys everywhere
        keys = np.frombuffer(shared.pop(), dtype=np.int32).tolist()
        pending = {k: sorted(v) for k, v in store.units_for_keys(keys).items()}
        store.finish()
        merged = {k: sorted(v) for k, v in store.units_for_keys(keys).items()}
    assert pending == merged and all(len(v) == n for v in merged.values())
    with IndexStore.open(idx) as store:
        # The byline paragraph before it is in every document too: one passage of both.
        big = [c for c in audit(store) if c.members[0].text.endswith(SHARED)]
    assert len(big) == 1
    assert {m.doc.rsplit("#", 1)[1] for m in big[0].members} == {f"r{i}" for i in range(n)}


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(-(2**63), 2**63 - 1), min_size=1, max_size=50),
    st.integers(6, 32),
    st.integers(0, 1),
)
def test_block_ids_follow_code_order_within_key_ranges(
    codes: list[int], bits: int, level: int
) -> None:
    """Block ids sort like the codes, one id per top-`bits` prefix, and a key range's blocks
    lie within its id bounds (so a range is read and deleted by one BETWEEN)."""
    arr = np.sort(np.asarray(codes, dtype=np.int64))
    ids = block_ids(level, bits, arr)
    assert np.all(np.diff(ids) >= 0)
    same = (arr[1:] >> (64 - bits)) == (arr[:-1] >> (64 - bits))
    assert np.array_equal(ids[1:] == ids[:-1], same)
    for code, block in zip(arr.tolist(), ids.tolist(), strict=True):
        lo, hi = _part_ids(level, bits, int(part_of(np.asarray([code]))[0]))
        assert lo <= block <= hi
    other = block_ids(1 - level, bits, arr)
    assert not set(ids.tolist()) & set(other.tolist())


def test_documents_replaced_while_a_build_is_pending(tmp_path: Path) -> None:
    # An interrupted build leaves band runs pending; replacing a document then deletes units
    # whose codes wait there. The merge at the end must drop exactly those codes.
    from paradup.config import CheckConfig
    from paradup.index.build import _work, index_settings

    src = tmp_path / "archive.jsonl"
    write_jsonl(src, 12)
    idx = tmp_path / "a.paradup"
    config = CheckConfig()
    settings = index_settings(config)
    with IndexStore.create_or_open(str(idx), settings) as store:
        store.write_batch(_work(list(iter_records([str(src)])), config, settings))  # killed
    lines = src.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first["text"] = article(99)
    lines[0] = json.dumps(first, ensure_ascii=False)
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    stats = build_index([str(src)], str(idx), jobs=1)
    assert stats.indexed == 1 and stats.unchanged == 11
    with sqlite3.connect(idx) as con:
        assert con.execute("SELECT count(*) FROM band_runs").fetchone()[0] == 0
        stored = _stored(con)
        assert np.array_equal(stored, _expected(con, settings.bands, settings.rows))
        meta = _meta(con)
        assert (meta["codes_1"], meta["codes_dead"]) == ("0", "0")
        assert int(meta["codes_0"]) == len(stored)


def _pending_index(tmp_path: Path, n: int, name: str) -> tuple[Path, list[int]]:
    """An index whose build stopped before `finish`, and its band keys."""
    from paradup.config import CheckConfig
    from paradup.index.build import _work, index_settings

    src = tmp_path / f"{name}.jsonl"
    write_jsonl(src, n)
    idx = tmp_path / f"{name}.paradup"
    config = CheckConfig()
    settings = index_settings(config)
    docs = _work(list(iter_records([str(src)])), config, settings)
    with IndexStore.create_or_open(str(idx), settings) as store:
        for i in range(0, len(docs), 7):  # several batches: several runs per key range
            store.write_batch(docs[i : i + 7])
    keys = sorted({k for d in docs for u in d.units for k in u.band_keys})
    return idx, keys


def test_pending_runs_answer_like_the_finished_index(tmp_path: Path) -> None:
    """Lookups and the audit read the pending runs exactly as they later read the blocks."""
    idx, keys = _pending_index(tmp_path, 60, "p")
    with IndexStore.open(idx) as store:
        assert store.bands_pending()
        pending_units = {k: sorted(v) for k, v in store.units_for_keys(keys).items()}
        pending_clusters = _clusters(store)
        pending_count = store.counts()["bands"]
    with IndexStore.create_or_open(str(idx), IndexStore.open(idx).settings) as store:
        moved = store.finish()
    with IndexStore.open(idx) as store:
        assert not store.bands_pending()
        assert moved == pending_count == store.counts()["bands"]
        assert {k: sorted(v) for k, v in store.units_for_keys(keys).items()} == pending_units
        assert _clusters(store) == pending_clusters and pending_clusters
        codes = _stored(store.con)
    assert len(np.unique(codes)) == len(codes) == moved
    assert set(pending_units) == set(keys)


def _as_schema_4(idx: Path) -> None:
    """Rewrite an index into schema 4's form: a row per unit in `units`."""
    con = sqlite3.connect(idx)
    as_schema_4(con)
    con.close()


def _as_schema_3(idx: Path) -> None:
    """Rewrite an index into schema 3's form: a row per (key, unit) in `bands` (and a row per
    unit, as in schema 4)."""
    _as_schema_4(idx)
    con = sqlite3.connect(idx)
    codes = _stored(con, None)
    con.execute(
        "CREATE TABLE bands (key INTEGER NOT NULL, unit INTEGER NOT NULL, "
        "PRIMARY KEY (key, unit)) WITHOUT ROWID"
    )
    rows = zip((codes >> 32).tolist(), (codes & 0xFFFFFFFF).tolist(), strict=True)
    con.executemany("INSERT INTO bands VALUES (?, ?)", rows)
    con.execute("DROP TABLE band_blocks")
    con.execute("DELETE FROM band_runs")
    con.execute("DELETE FROM meta WHERE key IN ('codes_0', 'codes_1', 'codes_dead')")
    con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    con.commit()
    con.close()


def _as_schema_2(idx: Path, pending: bool) -> None:
    """Rewrite an index into schema 2's form (pending rows one per row in `bands_new`)."""
    _as_schema_3(idx)
    con = sqlite3.connect(idx)
    con.execute("DROP TABLE band_runs")
    con.execute("CREATE TABLE bands_new (key INTEGER NOT NULL, unit INTEGER NOT NULL)")
    if pending:
        con.execute("INSERT INTO bands_new SELECT key, unit FROM bands LIMIT 5")
    con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    con.commit()
    con.close()


def _built(tmp_path: Path, n: int) -> tuple[Path, Path]:
    """(archive, index) of n articles, built."""
    src, idx = tmp_path / "a.jsonl", tmp_path / "old.paradup"
    write_jsonl(src, n)
    build_index([str(src)], str(idx), jobs=1)
    return src, idx


def _schema(idx: Path) -> str:
    with sqlite3.connect(idx) as con:
        return str(_meta(con)["schema_version"])


def _tables(idx: Path) -> set[str]:
    with sqlite3.connect(idx) as con:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_schema_2_to_4_indexes_are_read_and_converted(tmp_path: Path) -> None:
    versions = (
        ("4", _as_schema_4),
        ("3", _as_schema_3),
        ("2", lambda p: _as_schema_2(p, False)),
    )
    for version, convert in versions:
        (tmp_path / version).mkdir()
        src, idx = _built(tmp_path / version, 30)
        before = _answers(idx)
        convert(idx)
        assert _answers(idx) == before  # read as it is ...
        assert _schema(idx) == version  # ... and left as it is
        write_jsonl(src.parent / "more.jsonl", 2, start=100)
        stats = build_index([str(src), str(src.parent / "more.jsonl")], str(idx), jobs=1)
        assert (stats.indexed, stats.unchanged) == (2, 30)
        assert _schema(idx) == "5"
        tables = _tables(idx)
        assert {"band_blocks", "unit_blocks", "unit_sigs"} <= tables
        assert not {"bands", "bands_new", "units"} & tables
        fresh = src.parent / "fresh.paradup"
        build_index([str(src), str(src.parent / "more.jsonl")], str(fresh), jobs=1)
        assert _answers(idx) == _answers(fresh)


def test_unfinished_schema_2_index_is_refused_with_the_fix(tmp_path: Path) -> None:
    src, idx = _built(tmp_path, 10)
    _as_schema_2(idx, pending=True)
    data = idx.read_bytes()
    for args in (
        ["index", "info", "--index", str(idx)],
        ["index", "build", str(src), "--index", str(idx)],
    ):
        r = run_paradup(*args)
        assert r.returncode == 2, r.stderr
        assert str(idx) in r.stderr and "--force" in r.stderr and "Traceback" not in r.stderr
    assert idx.read_bytes() == data  # untouched
    r = run_paradup("index", "build", str(src), "--index", str(idx), "--force")
    assert r.returncode == 0, r.stderr


def test_an_update_that_only_deletes_compacts(tmp_path: Path) -> None:
    """Deleting more than an eighth of level 0 triggers the full merge even though nothing
    is added: dead codes do not stay for good."""
    src, idx = tmp_path / "a.jsonl", tmp_path / "d.paradup"
    write_jsonl(src, 40)
    build_index([str(src)], str(idx), jobs=1)
    lines = src.read_text("utf-8").splitlines()
    src.write_text("\n".join(lines[:30]) + "\n", encoding="utf-8")  # a quarter deleted
    stats = build_index([str(src)], str(idx), jobs=1)
    assert (stats.indexed, stats.deleted) == (0, 10)
    with sqlite3.connect(idx) as con:
        meta = _meta(con)
        assert meta["codes_dead"] == "0" and meta["codes_1"] == "0"
        st = IndexStore.open(idx).settings
        assert np.array_equal(_stored(con), _expected(con, st.bands, st.rows))


def test_a_code_held_twice_by_one_unit_is_stored_once(tmp_path: Path) -> None:
    """Two bands of a unit may share a 32-bit key; the runs hold the code once, so the code
    counts stay exact through a merge."""
    import dataclasses

    from paradup.config import CheckConfig
    from paradup.index.build import _work, index_settings
    from paradup.index.store import UnitColumns

    src = tmp_path / "a.jsonl"
    write_jsonl(src, 5)
    config = CheckConfig()
    settings = index_settings(config)
    docs = _work(list(iter_records([str(src)])), config, settings)
    rows = list(docs[0].units)
    same = np.full(settings.bands, np.frombuffer(rows[0].keys, dtype=np.int32)[0], dtype=np.int32)
    rows[0] = dataclasses.replace(rows[0], keys=same.tobytes())  # 20 bands, one key
    docs[0] = dataclasses.replace(docs[0], units=UnitColumns.from_rows(rows))
    idx = tmp_path / "c.paradup"
    with IndexStore.create_or_open(str(idx), settings) as store:
        store.write_batch(docs)
        want = sum(len(d.units) for d in docs) * settings.bands - (settings.bands - 1)
        assert store.counts()["bands"] == want
        store.finish()
        assert store.counts()["bands"] == want
        assert store._code_counts()["codes_dead"] == 0


def test_level_1_buckets_fit_level_1_after_deletions(tmp_path: Path) -> None:
    """A small update after deletions sizes level 1's buckets by what level 1 holds, not
    by level 0's dead codes."""
    from paradup.index.store import _bits_for

    src, more, idx = tmp_path / "a.jsonl", tmp_path / "m.jsonl", tmp_path / "b.paradup"
    write_jsonl(src, 200)
    build_index([str(src)], str(idx), jobs=1)
    lines = src.read_text("utf-8").splitlines()
    src.write_text("\n".join(lines[:180]) + "\n", encoding="utf-8")  # a tenth deleted
    write_jsonl(more, 20, start=1000)  # and as many added: a small update
    build_index([str(src), str(more)], str(idx), jobs=1)
    with sqlite3.connect(idx) as con:
        meta = _meta(con)
    assert int(meta["codes_1"]) > 0 and int(meta["codes_dead"]) > 0
    assert int(meta["bits_1"]) == _bits_for(int(meta["codes_1"]))


def _assert_unit_tables_agree(con: sqlite3.Connection) -> None:
    """Every live unit has its signature and one place in unit_pages, with the same span as
    in its block; nothing is left of deleted ones."""
    blocks = con.execute("SELECT first, doc, kinds, starts, ends FROM unit_blocks").fetchall()
    spans = {
        f + k: (d, kinds[k], starts[8 * k : 8 * k + 8], ends[8 * k : 8 * k + 8])
        for f, d, kinds, starts, ends in blocks
        for k in range(len(kinds))
    }
    q = "SELECT first, doc, kinds, starts, ends, hash_ends FROM unit_pages"
    paged = {}
    for f, d, kinds, starts, ends, hash_ends in con.execute(q).fetchall():
        assert len(hash_ends) == 8 * len(kinds)
        for k in range(len(kinds)):
            assert f + k not in paged
            paged[f + k] = (d, kinds[k], starts[8 * k : 8 * k + 8], ends[8 * k : 8 * k + 8])
    assert paged == spans
    sigs = dict(con.execute("SELECT first, length(sigs) FROM unit_sigs").fetchall())
    assert sigs == {f: 4 * 128 * len(kinds) for f, _d, kinds, _s, _e in blocks}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 1200), min_size=1, max_size=40), st.integers(1, 10**6))
def test_unit_pages_hold_each_unit_once_within_a_page(sizes: list[int], first: int) -> None:
    """A document's units are cut into unit_pages rows of consecutive units of at most
    _PAGE_BYTES (a larger unit alone), which put back together give every unit's own
    hashes and span."""
    from paradup.index.store import _PAGE_BYTES, _PER_UNIT, UnitColumns, _UnitRows

    blobs = [bytes([i % 251]) * (4 * n) for i, n in enumerate(sizes)]
    ends = np.cumsum([len(b) for b in blobs]).astype("<i8").tobytes()
    k = len(sizes)
    starts = np.arange(k, dtype="<i8").tobytes()
    kinds = "".join("sp"[i % 2] for i in range(k))
    cols = UnitColumns(kinds, starts, starts, starts, b"", b"".join(blobs), ends, b"")
    rows = _UnitRows()
    rows.add(first, 7, cols)
    got: list[tuple[str, bytes, bytes]] = []
    at = first
    for start, doc, kk, ss, _ends, rel, blob in rows.pages:
        e = [0, *np.frombuffer(rel, dtype="<i8").tolist()]
        n = len(e) - 1
        assert start == at and doc == 7 and e[-1] == len(blob)
        assert blob == b"".join(blobs[at - first : at - first + n])
        assert len(blob) + _PER_UNIT * n <= _PAGE_BYTES or n == 1
        got += [(kk[i], ss[8 * i : 8 * i + 8], blob[e[i] : e[i + 1]]) for i in range(n)]
        at += n
    assert got == [(kinds[i], starts[8 * i : 8 * i + 8], blobs[i]) for i in range(k)]


def test_a_fresh_build_leaves_no_free_pages(tmp_path: Path) -> None:
    """`finish` frees each key range's runs before writing its blocks, so the blocks reuse the
    runs' pages: a fresh build's file holds no free pages (deleting the runs after the merge
    left as many free pages as the band codes fill), and an update leaves few."""
    src, idx = tmp_path / "a.jsonl", tmp_path / "f.paradup"
    write_jsonl(src, 150)
    build_index([str(src)], str(idx), jobs=1, batch_size=75)

    def pages() -> tuple[int, int]:
        con = sqlite3.connect(idx)
        try:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            total = con.execute("PRAGMA page_count").fetchone()[0]
            return total, con.execute("PRAGMA freelist_count").fetchone()[0]
        finally:
            con.close()

    with IndexStore.open(idx) as store:
        band_pages = store.counts()["bands"] * 8 // 4096
    total, free = pages()
    assert band_pages > 20 and free <= 2, (total, free, band_pages)
    _edit(src, change=5, delete=7)
    build_index([str(src)], str(idx), jobs=1)
    assert pages()[1] <= band_pages // 4


def test_write_batch_replaces_held_documents_and_a_key_twice_in_one_batch(tmp_path: Path) -> None:
    """write_batch looks up which documents the index holds in one query per batch: a held
    one is replaced (its codes counted dead), and a key given twice keeps the later copy."""
    from dataclasses import replace

    from paradup.archive import content_hash
    from paradup.config import CheckConfig
    from paradup.index.build import fingerprint_record, index_settings

    archive = tmp_path / "a.jsonl"
    write_jsonl(archive, 4)
    index = tmp_path / "i.paradup"
    build_index([str(archive)], str(index), jobs=1)
    cfg = CheckConfig()
    settings = index_settings(cfg)
    recs = list(iter_records([str(archive)]))
    new_text = article(40)
    edited = replace(recs[1], text=new_text, content_hash=content_hash(new_text))
    fresh = replace(recs[0], key="new#1", path="new:1")
    with IndexStore.open(index, settings) as store:
        before = store.counts()
        rows = [fingerprint_record(r, cfg, settings) for r in (edited, fresh, fresh)]
        store.write_batch(rows)
        after = store.counts()
        states = store.doc_states()
    assert after["docs"] == before["docs"] + 1
    assert states[recs[1].key][0] == content_hash(new_text)
    assert "new#1" in states
    con = sqlite3.connect(index)
    assert con.execute("SELECT count(*) FROM docs WHERE key = 'new#1'").fetchone()[0] == 1
    assert int(_meta(con)["codes_dead"]) > 0
