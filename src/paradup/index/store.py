"""SQLite storage of an archive index: schema, settings check, writer lock, batches.

Writes are transactional per batch: a run killed half-way keeps every committed batch and
loses at most the batch in flight. One writer at a time (an advisory lock file); readers use
WAL and are never blocked. An index written with other settings or another schema is refused.

Band keys (20 per unit, the bulk of the index) are looked up through `bands`, a table keyed by
(key, unit). Inserting batches of random keys into that B-tree dirties nearly every page of it
once it outgrows the page cache, so an archive-sized build slows down as it grows. A build into
an empty index therefore keeps each batch's band rows as sorted runs -- `key << 32 | unit`
codes packed in blobs, one per batch and per 1/64 of the key range (`band_runs`) -- and moves
them into `bands` at the end (`finish`): one key range at a time, the runs are merged by numpy
and inserted in order, so SQLite neither stores a row per pending band key nor sorts them.
Small updates insert directly. Readers consult `band_runs` too, so an index whose build was
killed before `finish` still answers queries, and the next build or update completes it.
"""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ParadupError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

SCHEMA_VERSION = 3
# Schema 2 kept pending band rows one per row in `bands_new`; an index of it whose build was
# finished is the same index and is upgraded in place (`_upgrade_v2`).
_READABLE = ("2", "3")
PARTS = 64  # key ranges of the pending runs (`part_of`), in code order
_RUN_CHUNK = 1 << 18  # codes per ordered insert at finish (the JSON text stays a few MB)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    id INTEGER PRIMARY KEY,
    key TEXT UNIQUE NOT NULL,
    path TEXT NOT NULL,
    title TEXT,
    date TEXT,
    content_hash TEXT NOT NULL,
    chars INTEGER NOT NULL,
    text BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS units (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc INTEGER NOT NULL REFERENCES docs(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    norm_hash INTEGER NOT NULL,
    sig BLOB NOT NULL,
    hashes BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS units_doc ON units(doc);
CREATE TABLE IF NOT EXISTS bands (
    key INTEGER NOT NULL,
    unit INTEGER NOT NULL,
    PRIMARY KEY (key, unit)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS band_runs (
    id INTEGER PRIMARY KEY,
    part INTEGER NOT NULL,
    codes BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS band_runs_part ON band_runs(part);
"""
# band_runs.codes: sorted little-endian int64 `key << 32 | unit` of one batch in one key range.
# AUTOINCREMENT: unit ids are never reused, so a band row left behind for a deleted unit can
# never point at a new one (readers skip ids that no longer exist).


class IndexError_(ParadupError):
    """An index that cannot be used as asked; the message names the file and the fix."""


@dataclass(frozen=True)
class IndexSettings:
    """Everything a stored fingerprint depends on; a query with other settings is refused."""

    num_perm: int
    seed: int
    scheme: str
    hashfunc: str
    shingle: int
    ngram: str
    bands: int
    rows: int
    min_chars: int
    user_dict: str | None

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


@dataclass(frozen=True)
class UnitRow:
    kind: str  # "s" sentence, "p" paragraph
    start: int
    end: int
    norm_hash: int
    sig: bytes
    hashes: bytes
    keys: bytes  # int32 band keys (lsh.index_keys); bytes pickle at 1/10 the cost of int lists

    @property
    def band_keys(self) -> list[int]:
        import numpy as np

        return [int(k) for k in np.frombuffer(self.keys, dtype=np.int32)]


@dataclass(frozen=True)
class DocRow:
    key: str
    path: str
    title: str | None
    date: str | None
    content_hash: str
    chars: int
    text: str
    units: Sequence[UnitRow]
    text_z: bytes = b""  # zlib of text, made in the worker so the single writer does not
    nbytes: int = 0  # UTF-8 size of text, for rates once `text` is dropped before pickling


def _connect(path: Path) -> sqlite3.Connection:
    try:
        con = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        con.execute("PRAGMA foreign_keys=ON")
        con.execute("PRAGMA cache_size=-65536")  # 64 MiB: band-key inserts touch many pages
    except sqlite3.DatabaseError as exc:
        raise IndexError_(
            f"{path}: not a paradup index ({exc}); point --index at an index file"
        ) from None
    return con


def _is_index_or_new(path: Path) -> bool:
    """True for a missing/empty file or an SQLite file with our meta table: safe to replace."""
    if not path.exists() or path.stat().st_size == 0:
        return True
    with open(path, "rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            return False
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return _has_meta(con)
    except sqlite3.DatabaseError:
        return False
    finally:
        con.close()


class IndexStore:
    """An open index. Use `IndexStore.open` (read) or `IndexStore.create_or_open` (write)."""

    def __init__(self, path: Path, con: sqlite3.Connection, settings: IndexSettings) -> None:
        self.path = path
        self.con = con
        self.settings = settings
        self._lock_fd: int | None = None
        # A finished schema-2 index opened for reading has no band_runs table (nothing pending).
        self._runs = _has_table(con, "band_runs")

    # -- opening -------------------------------------------------------------------------
    @staticmethod
    def _read_meta(con: sqlite3.Connection, path: Path) -> dict[str, str]:
        try:
            return dict(con.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as exc:
            raise IndexError_(
                f"{path}: not a paradup index ({exc}); point --index at an index or build one"
            ) from None

    @classmethod
    def _check(
        cls, path: Path, meta: dict[str, str], settings: IndexSettings | None
    ) -> IndexSettings:
        from .. import __version__

        schema = meta.get("schema_version")
        if schema not in _READABLE:
            raise IndexError_(
                f"{path}: index schema {schema} written by paradup {meta.get('paradup_version')}, "
                f"this paradup {__version__} reads schema {SCHEMA_VERSION}; "
                "rebuild it with `paradup index build --force`"
            )
        stored = IndexSettings(**json.loads(meta["settings"]))
        if settings is not None and stored != settings:
            diff = ", ".join(
                f"{k} {v!r} (index) vs {asdict(settings)[k]!r}"
                for k, v in asdict(stored).items()
                if asdict(settings)[k] != v
            )
            raise IndexError_(
                f"{path}: index was built with other fingerprint settings ({diff}); "
                "use the index's settings or rebuild it with `paradup index build --force`"
            )
        return stored

    @classmethod
    def open(cls, path: str | Path, settings: IndexSettings | None = None) -> IndexStore:
        """Open an existing index for reading; settings, when given, must match."""
        p = Path(path)
        if not p.is_file():
            raise IndexError_(f"{p}: no index here; build one with `paradup index build`")
        con = _connect(p)
        meta = cls._read_meta(con, p)
        stored = cls._check(p, meta, settings)
        if meta.get("schema_version") == "2":
            _refuse_unfinished_v2(con, p)
        return cls(p, con, stored)

    @classmethod
    def create_or_open(
        cls, path: str | Path, settings: IndexSettings, force: bool = False
    ) -> IndexStore:
        """Open (or create) an index for writing, holding the single-writer lock."""
        from .. import __version__

        p = Path(path)
        if p.is_dir():
            raise IndexError_(f"{p}: is a directory; pass a file path such as archive.paradup")
        if not _is_index_or_new(p):
            raise IndexError_(
                f"{p}: exists and is not a paradup index; refusing to overwrite it, "
                "pass a new path to --index"
            )
        p.parent.mkdir(parents=True, exist_ok=True)
        lock_fd = _lock(p)
        try:
            if force and p.exists():
                for suffix in ("", "-wal", "-shm"):
                    Path(str(p) + suffix).unlink(missing_ok=True)
            con = _connect(p)
            meta = cls._read_meta(con, p) if _has_meta(con) else {}
            if meta:
                cls._check(p, meta, settings)
                if meta.get("schema_version") == "2":
                    _upgrade_v2(con, p)
            else:
                con.executescript(_SCHEMA)
                con.execute("BEGIN")
                con.executemany(
                    "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                    [
                        ("schema_version", str(SCHEMA_VERSION)),
                        ("paradup_version", __version__),
                        ("settings", settings.to_json()),
                    ],
                )
                con.execute("COMMIT")
        except BaseException:
            os.close(lock_fd)
            raise
        store = cls(p, con, settings)
        store._lock_fd = lock_fd
        return store

    def close(self) -> None:
        self.con.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> IndexStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------
    def doc_hashes(self) -> dict[str, str]:
        return dict(self.con.execute("SELECT key, content_hash FROM docs").fetchall())

    def bands_pending(self) -> bool:
        """True while band runs wait in `band_runs` for `finish` (a bulk build in progress)."""
        if not self._runs:
            return False
        return self.con.execute("SELECT 1 FROM band_runs LIMIT 1").fetchone() is not None

    def bulk_mode(self) -> bool:
        """Append band rows for a final sorted insert: the index is new or a bulk build resumes."""
        empty = self.con.execute("SELECT 1 FROM bands LIMIT 1").fetchone() is None
        return empty or self.bands_pending()

    def write_batch(
        self, docs: Iterable[DocRow], delete_keys: Iterable[str] = (), bulk: bool = False
    ) -> None:
        """Replace the given documents (and delete others) in one transaction."""
        import numpy as np

        con = self.con
        uids: list[int] = []
        blobs: list[bytes] = []
        con.execute("BEGIN IMMEDIATE")
        try:
            for key in delete_keys:
                self._delete(key)
            rows: list[tuple[Any, ...]] = []
            # Unit ids are assigned here (we hold the write lock), so all units of the batch go
            # in with one executemany instead of one execute each for its rowid.
            next_id = self._next_unit_id()
            for d in docs:
                self._delete(d.key)
                cur = con.execute(
                    "INSERT INTO docs (key, path, title, date, content_hash, chars, text) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        d.key,
                        d.path,
                        d.title,
                        d.date,
                        d.content_hash,
                        d.chars,
                        d.text_z or compress_text(d.text),
                    ),
                )
                doc_id = cur.lastrowid
                for u in d.units:
                    rows.append(
                        (next_id, doc_id, u.kind, u.start, u.end, u.norm_hash, u.sig, u.hashes)
                    )
                    uids.append(next_id)
                    blobs.append(u.keys)
                    next_id += 1
            con.executemany(
                "INSERT INTO units (id, doc, kind, start, end, norm_hash, sig, hashes) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            if uids:
                keys = np.frombuffer(b"".join(blobs), dtype=np.int32).astype(np.int64)
                units = np.repeat(np.asarray(uids, dtype=np.int64), self.settings.bands)
                codes = np.sort((keys << 32) | units)  # (key, unit) order
                if bulk:
                    _append_runs(con, codes)
                else:
                    # Sorted, so the B-tree pages of one batch are visited in order.
                    _insert_codes(con, "INSERT OR IGNORE INTO bands (key, unit)", codes)
            con.execute("COMMIT")
        except BaseException:
            _rollback(con)
            raise

    def _next_unit_id(self) -> int:
        """The id AUTOINCREMENT would give the next unit (ids are never reused)."""
        row = self.con.execute(
            "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'units'), 0), "
            "coalesce((SELECT max(id) FROM units), 0))"
        ).fetchone()
        return int(row[0]) + 1

    def finish(self) -> int:
        """Move pending band runs into `bands`; returns how many band rows moved.

        Key range by key range (1/64 of the codes at a time): the runs of the range are merged
        by numpy and inserted in order, which appends to the `bands` B-tree. One transaction: a
        kill during it leaves the runs pending for the next run."""
        import numpy as np

        if not self.bands_pending():
            return 0
        con = self.con
        con.execute("BEGIN IMMEDIATE")
        moved = 0
        try:
            # Rows of units deleted meanwhile are dropped here (their runs cannot be edited);
            # without such deletions there is nothing to check.
            stale = con.execute("SELECT 1 FROM meta WHERE key = 'band_runs_stale'").fetchone()
            live = None
            if stale:
                live = np.fromiter(
                    (r[0] for r in con.execute("SELECT id FROM units ORDER BY id")), np.int64
                )
            for part in range(PARTS):
                codes = self.pending_codes(part)
                if not len(codes):
                    continue
                if live is not None:
                    codes = codes[np.isin(codes & 0xFFFFFFFF, live)]
                for i in range(0, len(codes), _RUN_CHUNK):
                    _insert_codes(
                        con, "INSERT OR IGNORE INTO bands (key, unit)", codes[i : i + _RUN_CHUNK]
                    )
                moved += len(codes)
            con.execute("DELETE FROM meta WHERE key = 'band_runs_stale'")
            con.execute("DELETE FROM band_runs")
            con.execute("COMMIT")
        except BaseException:
            _rollback(con)
            raise
        return moved

    def pending_codes(self, part: int) -> npt.NDArray[np.int64]:
        """The pending codes of one key range (`part_of`), sorted; empty when none wait."""
        import numpy as np

        if not self._runs:
            return np.empty(0, dtype=np.int64)
        q = "SELECT codes FROM band_runs WHERE part = ?"
        blobs = [r[0] for r in self.con.execute(q, (part,))]
        codes = np.frombuffer(b"".join(blobs), dtype="<i8").astype(np.int64)
        codes.sort()
        return codes

    def shared_band_codes(self, part: int) -> npt.NDArray[np.int64]:
        """The band rows of one key range whose key is held by two or more rows, from `bands`
        and the pending runs, as sorted `key << 32 | unit` codes. Most keys have one row, and
        each row fetched into Python costs ≈ 0.5 µs, so SQLite groups those away."""
        import numpy as np

        lo, hi = (part - PARTS // 2) << 26, ((part - PARTS // 2 + 1) << 26) - 1
        pending = self.pending_codes(part)
        if len(pending):  # merged in numpy, then filtered there
            q = "SELECT key << 32 | unit FROM bands WHERE key BETWEEN ?1 AND ?2"
        else:
            q = (
                "SELECT b.key << 32 | b.unit FROM bands b JOIN (SELECT key FROM bands"
                " WHERE key BETWEEN ?1 AND ?2 GROUP BY key HAVING count(*) > 1) m"
                " ON b.key = m.key ORDER BY b.key, b.unit"
            )
        codes = np.fromiter(
            itertools.chain.from_iterable(self.con.execute(q, (lo, hi))), dtype=np.int64
        )
        if len(pending):
            codes = np.sort(np.concatenate((codes, pending)))
            keys = codes >> 32
            same = keys[1:] == keys[:-1]
            codes = codes[np.concatenate((same, [False])) | np.concatenate(([False], same))]
        return codes

    def _delete(self, key: str) -> None:
        import numpy as np

        from ..lsh import band_keys, index_keys

        row = self.con.execute("SELECT id FROM docs WHERE key = ?", (key,)).fetchone()
        if row is None:
            return
        units = self.con.execute("SELECT id, sig FROM units WHERE doc = ?", (row[0],)).fetchall()
        if units and self.bands_pending():
            # Its rows may wait in band_runs (blobs, not rows): `finish` must filter.
            self.con.execute("INSERT OR REPLACE INTO meta VALUES ('band_runs_stale', '1')")
        if units:
            # Band keys are recomputed from the stored signatures: the (key, unit) primary key
            # finds each row directly instead of scanning the table for the unit ids.
            sigs = np.frombuffer(b"".join(u[1] for u in units), dtype=np.uint32)
            sigs = sigs.reshape(len(units), -1)
            st = self.settings
            keys = index_keys(band_keys(sigs, st.bands, st.rows))
            self.con.executemany(
                "DELETE FROM bands WHERE key = ? AND unit = ?",
                [(int(k), uid) for (uid, _), ks in zip(units, keys, strict=True) for k in ks],
            )
        self.con.execute("DELETE FROM units WHERE doc = ?", (row[0],))
        self.con.execute("DELETE FROM docs WHERE id = ?", (row[0],))

    # -- reading -------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        out = {
            t: self.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("docs", "units", "bands")
        }
        if self._runs:
            q = "SELECT coalesce(sum(length(codes)), 0) / 8 FROM band_runs"
            out["bands"] += self.con.execute(q).fetchone()[0]
        return out

    def doc(self, doc_id: int) -> dict[str, Any]:
        row = self.con.execute(f"SELECT {_DOC_COLUMNS} FROM docs WHERE id = ?", (doc_id,))
        return _doc_dict(row.fetchone())

    def docs(self, ids: Sequence[int]) -> Iterator[dict[str, Any]]:
        """`doc` for many ids, 500 per query (ids sorted: the pages are read in order)."""
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            q = f"SELECT {_DOC_COLUMNS} FROM docs WHERE id IN ({','.join('?' * len(chunk))})"
            yield from map(_doc_dict, self.con.execute(q, chunk))

    def units_for_keys(self, keys: Iterable[int]) -> dict[int, list[int]]:
        """Band key -> indexed units holding it, for the keys that occur in the index."""
        import numpy as np

        out: dict[int, list[int]] = {}
        ks = sorted(set(keys))
        for i in range(0, len(ks), 500):
            chunk = ks[i : i + 500]
            q = f"SELECT key, unit FROM bands WHERE key IN ({','.join('?' * len(chunk))})"
            for key, unit in self.con.execute(q, chunk):
                out.setdefault(key, []).append(unit)
        if ks and self.bands_pending():  # an unfinished bulk build: search its runs too
            lo = np.asarray(ks, dtype=np.int64) << 32
            part = part_of(lo)
            for p in np.unique(part).tolist():
                mine = lo[part == p]
                run = self.pending_codes(p)
                first = np.searchsorted(run, mine)
                last = np.searchsorted(run, mine | 0xFFFFFFFF, side="right")
                spans = zip((mine >> 32).tolist(), first.tolist(), last.tolist(), strict=True)
                for k, a, b in spans:
                    if b > a:
                        out.setdefault(k, []).extend((run[a:b] & 0xFFFFFFFF).tolist())
        return out

    def unit_rows(self, ids: Iterable[int]) -> Iterator[tuple[int, int, str, int, int, bytes]]:
        """(unit id, doc id, kind, start, end, hashes) for the given units."""
        yield from self._units_in("id, doc, kind, start, end, hashes", ids)

    def unit_hashes(self, ids: Iterable[int]) -> Iterator[tuple[int, bytes]]:
        """(unit id, stored shingle hashes: sorted distinct uint32) for the given units."""
        yield from self._units_in("id, hashes", ids)

    def unit_blobs(self, column: str, ids: npt.NDArray[np.int64]) -> list[bytes]:
        """The `sig` or `hashes` blob of each unit of `ids` (sorted, distinct), b"" where the
        unit is gone. Dense stretches of ids are read as one id range (the audit asks for most
        units: 1.4× faster than IN lists at 86 % density), sparse ones by IN lists."""
        import numpy as np

        if column not in ("sig", "hashes"):
            raise ValueError(f"not a blob column of units: {column}")
        out = [b""] * len(ids)
        for i in range(0, len(ids), 65536):
            chunk = ids[i : i + 65536]
            lo, hi = int(chunk[0]), int(chunk[-1])
            if hi - lo < 2 * len(chunk):
                q = f"SELECT id, {column} FROM units WHERE id BETWEEN ? AND ?"
                rows = self.con.execute(q, (lo, hi)).fetchall()
            else:
                rows = list(self._units_in(f"id, {column}", chunk.tolist()))
            rid = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
            pos = np.minimum(np.searchsorted(chunk, rid), len(chunk) - 1)
            wanted = (chunk[pos] == rid).tolist()
            for p, row, ok in zip(pos.tolist(), rows, wanted, strict=True):
                if ok:
                    out[i + p] = row[1]
        return out

    def _units_in(self, columns: str, ids: Iterable[int]) -> Iterator[Any]:
        ids = list(ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            q = f"SELECT {columns} FROM units WHERE id IN ({','.join('?' * len(chunk))})"
            yield from self.con.execute(q, chunk)


_DOC_COLUMNS = "id, key, path, title, date, text"


def _doc_dict(row: tuple[Any, ...]) -> dict[str, Any]:
    return {
        "id": row[0],
        "key": row[1],
        "path": row[2],
        "title": row[3],
        "date": row[4],
        "text": zlib.decompress(row[5]).decode("utf-8", "surrogatepass"),
    }


def _insert_codes(con: sqlite3.Connection, insert: str, codes: npt.NDArray[np.int64]) -> None:
    """`insert` the (key, unit) rows of `key << 32 | unit` codes, in order. They travel as one
    JSON array unpacked by SQLite's json_each: half the cost of an executemany of 20 rows per
    unit, the writer's largest share. executemany where SQLite lacks JSON (before 3.38)."""
    if _HAS_JSON[0] and len(codes):
        try:
            con.execute(
                f"{insert} SELECT value >> 32, value & 4294967295 FROM json_each(?)",
                ("[" + ",".join(map(str, codes.tolist())) + "]",),
            )
            return
        except sqlite3.OperationalError as exc:
            if "json_each" not in str(exc):
                raise
            _HAS_JSON[0] = False
    rows = zip((codes >> 32).tolist(), (codes & 0xFFFFFFFF).tolist(), strict=True)
    con.executemany(f"{insert} VALUES (?, ?)", rows)


def part_of(codes: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The key range (0 .. PARTS - 1) of each code: its top 6 bits, in code order."""
    return (codes >> 58) + PARTS // 2


def _append_runs(con: sqlite3.Connection, codes: npt.NDArray[np.int64]) -> None:
    """Store sorted codes as one run per key range they touch."""
    import numpy as np

    bounds = np.searchsorted(part_of(codes), np.arange(PARTS + 1)).tolist()
    con.executemany(
        "INSERT INTO band_runs (part, codes) VALUES (?, ?)",
        [
            (p, codes[bounds[p] : bounds[p + 1]].astype("<i8").tobytes())
            for p in range(PARTS)
            if bounds[p + 1] > bounds[p]
        ],
    )


def _has_table(con: sqlite3.Connection, name: str) -> bool:
    q = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    return con.execute(q, (name,)).fetchone() is not None


def _refuse_unfinished_v2(con: sqlite3.Connection, path: Path) -> None:
    """A schema-2 index whose bulk build never finished keeps rows this version cannot read."""
    if _has_table(con, "bands_new") and con.execute("SELECT 1 FROM bands_new LIMIT 1").fetchone():
        raise IndexError_(
            f"{path}: an older paradup's build of this index was interrupted before it finished; "
            "rebuild it with `paradup index build --force`"
        )


def _upgrade_v2(con: sqlite3.Connection, path: Path) -> None:
    """A finished schema-2 index is a schema-3 index without band_runs: add it (writer only)."""
    _refuse_unfinished_v2(con, path)
    con.executescript(_SCHEMA)  # IF NOT EXISTS throughout: adds band_runs only
    con.execute("BEGIN IMMEDIATE")
    try:
        con.execute("DROP TABLE IF EXISTS bands_new")
        con.execute("DELETE FROM meta WHERE key = 'bands_new_stale'")
        con.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),)
        )
        con.execute("COMMIT")
    except BaseException:
        _rollback(con)
        raise


_HAS_JSON = [True]


def _rollback(con: sqlite3.Connection) -> None:
    """Undo the open transaction, if any: SQLite has already rolled back after some errors (an
    interrupted statement), and a second ROLLBACK would hide the original exception."""
    if con.in_transaction:
        con.execute("ROLLBACK")


def compress_text(text: str) -> bytes:
    return zlib.compress(text.encode("utf-8", "surrogatepass"), 6)


def _has_meta(con: sqlite3.Connection) -> bool:
    return (
        con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone()
        is not None
    )


def _lock(path: Path) -> int:
    """Take the single-writer lock, or fail at once with a clear message."""
    import fcntl

    fd = os.open(str(path) + ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise IndexError_(
            f"{path}: another paradup process is writing this index; wait for it to finish"
        ) from None
    return fd
