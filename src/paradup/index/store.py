"""SQLite storage of an archive index: schema, settings check, writer lock, batches.

Writes are transactional per batch: a run killed half-way keeps every committed batch and
loses at most the batch in flight. One writer at a time (an advisory lock file); readers use
WAL and are never blocked. An index written with other settings or another schema is refused.

Band keys (20 per unit, the bulk of the index) are looked up through `bands`, a table keyed by
(key, unit). Inserting batches of random keys into that B-tree dirties nearly every page of it
once it outgrows the page cache, so an archive-sized build slows down as it grows. A build into
an empty index therefore appends band rows to the unindexed `bands_new` and moves them into
`bands` with one sorted insert at the end (`finish`); small updates insert directly. Readers
consult both tables, so an index whose build was killed before `finish` still answers queries
(slower), and the next build or update completes it.
"""

from __future__ import annotations

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

SCHEMA_VERSION = 2

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
CREATE TABLE IF NOT EXISTS bands_new (key INTEGER NOT NULL, unit INTEGER NOT NULL);
"""
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
        if schema != str(SCHEMA_VERSION):
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
        stored = cls._check(p, cls._read_meta(con, p), settings)
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
        """True while band rows wait in `bands_new` for `finish` (a bulk build in progress)."""
        return self.con.execute("SELECT 1 FROM bands_new LIMIT 1").fetchone() is not None

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
                if bulk:
                    _insert_pairs(con, "INSERT INTO bands_new (key, unit)", keys, units)
                else:
                    # Sorted, so the B-tree pages of one batch are visited in order.
                    order = np.lexsort((units, keys))
                    _insert_pairs(
                        con, "INSERT OR IGNORE INTO bands (key, unit)", keys[order], units[order]
                    )
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
        """Move pending band rows into `bands` with one sorted insert; returns how many moved.

        One transaction: a kill during it leaves the rows pending for the next run."""
        n = self.con.execute("SELECT count(*) FROM bands_new").fetchone()[0]
        if not n:
            return 0
        # SQLite's sorter may use helper threads: about a quarter off this step on 2 cores.
        self.con.execute(f"PRAGMA threads = {min(os.cpu_count() or 1, 8)}")
        self.con.execute("BEGIN IMMEDIATE")
        try:
            # Rows of units deleted meanwhile are dropped here, not searched for one by one;
            # without such deletions the per-row check (a units lookup each) is skipped.
            stale = self.con.execute("SELECT 1 FROM meta WHERE key = 'bands_new_stale'").fetchone()
            where = "WHERE EXISTS (SELECT 1 FROM units u WHERE u.id = b.unit) " if stale else ""
            self.con.execute(
                "INSERT OR IGNORE INTO bands (key, unit) SELECT b.key, b.unit FROM bands_new b "
                f"{where}ORDER BY b.key, b.unit"
            )
            self.con.execute("DELETE FROM meta WHERE key = 'bands_new_stale'")
            self.con.execute("DELETE FROM bands_new")
            self.con.execute("COMMIT")
        except BaseException:
            _rollback(self.con)
            raise
        return int(n)

    def _delete(self, key: str) -> None:
        import numpy as np

        from ..lsh import band_keys, index_keys

        row = self.con.execute("SELECT id FROM docs WHERE key = ?", (key,)).fetchone()
        if row is None:
            return
        units = self.con.execute("SELECT id, sig FROM units WHERE doc = ?", (row[0],)).fetchall()
        if units and self.bands_pending():
            # Its rows may wait in bands_new (no index to find them): `finish` must filter.
            self.con.execute("INSERT OR REPLACE INTO meta VALUES ('bands_new_stale', '1')")
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
            for t in ("docs", "units", "bands", "bands_new")
        }
        out["bands"] += out.pop("bands_new")
        return out

    def doc(self, doc_id: int) -> dict[str, Any]:
        row = self.con.execute(
            "SELECT id, key, path, title, date, text FROM docs WHERE id = ?", (doc_id,)
        ).fetchone()
        return {
            "id": row[0],
            "key": row[1],
            "path": row[2],
            "title": row[3],
            "date": row[4],
            "text": zlib.decompress(row[5]).decode("utf-8", "surrogatepass"),
        }

    def units_for_keys(self, keys: Iterable[int]) -> dict[int, list[int]]:
        """Band key -> indexed units holding it, for the keys that occur in the index."""
        out: dict[int, list[int]] = {}
        ks = list(set(keys))
        tables = ["bands"]
        if self.bands_pending():
            tables.append("bands_new")  # an unfinished bulk build: unindexed, scanned once
        for table in tables:
            step = 500 if table == "bands" else 30000
            for i in range(0, len(ks), step):
                chunk = ks[i : i + step]
                q = f"SELECT key, unit FROM {table} WHERE key IN ({','.join('?' * len(chunk))})"
                for key, unit in self.con.execute(q, chunk):
                    out.setdefault(key, []).append(unit)
        return out

    def unit_rows(self, ids: Iterable[int]) -> Iterator[tuple[int, int, str, int, int, bytes]]:
        """(unit id, doc id, kind, start, end, hashes) for the given units."""
        yield from self._units_in("id, doc, kind, start, end, hashes", ids)

    def unit_sigs(self, ids: Iterable[int]) -> Iterator[tuple[int, bytes]]:
        """(unit id, stored MinHash signature) for the given units."""
        yield from self._units_in("id, sig", ids)

    def _units_in(self, columns: str, ids: Iterable[int]) -> Iterator[Any]:
        ids = list(ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            q = f"SELECT {columns} FROM units WHERE id IN ({','.join('?' * len(chunk))})"
            yield from self.con.execute(q, chunk)


def _insert_pairs(
    con: sqlite3.Connection, insert: str, keys: npt.NDArray[np.int64], units: npt.NDArray[np.int64]
) -> None:
    """`insert` (key, unit) rows, in order. They travel as one JSON array of key << 32 | unit
    codes unpacked by SQLite's json_each: half the cost of an executemany of 20 rows per unit,
    the writer's largest share. executemany where SQLite lacks JSON (before 3.38)."""
    if _HAS_JSON[0] and len(units) and int(units.min()) >= 0 and int(units.max()) < 1 << 32:
        codes = (keys << 32) | units
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
    con.executemany(f"{insert} VALUES (?, ?)", zip(keys.tolist(), units.tolist(), strict=True))


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
