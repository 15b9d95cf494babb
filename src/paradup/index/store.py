"""SQLite storage of an archive index: schema, settings check, writer lock, batches.

Writes are transactional per batch: a run killed half-way keeps every committed batch and
loses at most the batch in flight. One writer at a time (an advisory lock file); readers use
WAL and are never blocked. An index written with other settings or another schema is refused.

Band keys (20 per unit, the bulk of the index) are stored as sorted `key << 32 | unit` codes
packed in blobs, not as a row per key: a B-tree row per key cost SQLite a sort or a random page
write per key and 15 bytes each on disk. Each batch appends its codes as sorted runs, one per
1/64 of the key range (`band_runs`). `finish`, at the end of a build or update, merges the runs
in numpy into blocks (`band_blocks`): all codes whose key shares its top `bits` bits, with
`bits` chosen per level so that a block holds about `_PER_BLOCK` codes, and the block's rowid
made of (level, bits, those top bits), so a lookup is a rowid seek per key. It works like a
two-level log-structured merge tree: level 0 holds the bulk; small updates merge into
level 1, and level 1 is folded into level 0 once it outgrows an eighth of it. Deleting a
document leaves its codes in place (unit ids are never reused, readers skip the dead ones);
the merge that rewrites a level drops them. Readers consult the pending runs too, so an index
whose build was killed before `finish` still answers queries, and the next run completes it.
Indexes of schema 2 and 3 (a `bands` table keyed by (key, unit)) are read as they are and
converted by the next writer.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import sqlite3
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast, overload

from ..errors import ParadupError
from ..lsh import ranges, run_starts, sorted_unique

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

SCHEMA_VERSION = 5
# Schemas 2 and 3 kept band keys in `bands`, a row per (key, unit); schema 2 also kept pending
# rows in `bands_new`. Schemas 2 to 4 kept a row per unit in `units`. Readers use such an index
# as it is; a writer converts it (`_upgrade`).
_READABLE = ("2", "3", "4", "5")
# Version of what normalize and units make of a text (its sentences and paragraphs). An index
# written by another version keeps units a fresh build would cut differently: `index update`
# then fingerprints every document again. Bump it with the digest in
# tests/test_index_review.py::test_text_pipeline_version_tracks_the_units (which fails when the
# units change). 1: before meta held it; 2: CR line breaks, combining marks after 。; 3: rjieba
# cuts around CJK characters outside jieba's Han class as jieba does (other shingles there);
# 4: format characters (zero-width space, soft hyphen, …) are dropped like spaces; 5: HTML
# character references (`&nbsp;`, `&ldquo;`) are decoded, setext headings are headings, lines
# hard-wrapped at a fixed width are joined, footnotes are prose and their markers markup;
# 6: traditional characters fold to simplified ones (`variants`); a title-like line above
# prose, and each table cell, is a paragraph; `---` opens front matter only over `key:`
# lines; reference links are markup; 7: a paragraph-opening source or original title set off
# by a space from a lead (a clause, 24 characters) is its own sentence (`来源：人民网 记者从…`);
# 8: a fence or HTML comment left open hides nothing after its opening marker.
TEXT_PIPELINE = 8
PARTS = 64  # key ranges of the pending runs (`part_of`), in code order
_DENSE = 4  # ids spread over less than this many times their count are read by one range scan
_PER_BLOCK = 32  # codes per block on average: a lookup reads ≈ 256 bytes per key
_LEVEL1_SHARE = 8  # level 1 is folded into level 0 when it holds more than 1/8 as many codes

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
CREATE TABLE IF NOT EXISTS unit_blocks (
    first INTEGER PRIMARY KEY,
    doc INTEGER UNIQUE NOT NULL REFERENCES docs(id) ON DELETE CASCADE,
    n INTEGER NOT NULL,
    kinds TEXT NOT NULL,
    starts BLOB NOT NULL,
    ends BLOB NOT NULL,
    norm_hashes BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS unit_blocks_n ON unit_blocks(first, n);
CREATE TABLE IF NOT EXISTS unit_sigs (
    first INTEGER PRIMARY KEY REFERENCES unit_blocks(first) ON DELETE CASCADE,
    sigs BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS unit_pages (
    first INTEGER PRIMARY KEY,
    doc INTEGER NOT NULL,
    kinds TEXT NOT NULL,
    starts BLOB NOT NULL,
    ends BLOB NOT NULL,
    hash_ends BLOB NOT NULL,
    hashes BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS band_blocks (id INTEGER PRIMARY KEY, codes BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS band_runs (
    id INTEGER PRIMARY KEY,
    part INTEGER NOT NULL,
    codes BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS band_runs_part ON band_runs(part);
"""
# band_runs.codes: sorted little-endian int64 `key << 32 | unit` of one batch in one key range.
# band_blocks.codes: the same, distinct, for the keys of one bucket (`block_ids`); meta keeps
# per level its code count and bucket bits (codes_0, codes_1, bits_0, bits_1) and codes_dead
# (codes of deleted units still stored).
# unit_blocks: the units of one document as columns (one row per document: a row per unit cost
# the writer 6 µs each, 1.2 of its 3.7 CPU-s on the real corpus); its units have the ids
# first .. first + n - 1. Their signatures (the audit's screen) are one row in unit_sigs.
# unit_pages holds the same units again with their shingle hashes, consecutive units of one
# document per row up to `_PAGE_BYTES` (a larger unit alone), `hash_ends` the int64 byte offset
# where each unit's hashes end: `check --against` reads units scattered over the archive, and
# so reads one page per unit, as it did with a row per unit (a document's hashes in one blob
# spanned 3-4 overflow pages, and spans and hashes in two tables two pages: +40-50 ms per check
# at a million paragraphs).
# meta next_unit: unit ids are never reused, so a code left behind for a deleted unit can never
# point at a new one (readers skip ids that no longer exist).
_COUNTS = ("codes_0", "codes_1", "codes_dead", "bits_0", "bits_1")
_BLOCK = "first, doc, n, kinds, starts, ends, norm_hashes"
_PAGE_BYTES = 3900  # a unit_pages row up to this fills a 4 KB page (3 KB rows left 1/4 of it empty)
_PAGE_UNITS = "length(hash_ends) / 8"  # units in a unit_pages row
_PER_UNIT = 25  # bytes of a unit_pages row per unit besides its hashes: kind, start, end, hash end
_QMARKS = ", ".join("?" * len(_BLOCK.split(", ")))


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
class UnitColumns(Sequence[UnitRow]):
    """The units of one document as columns: what a worker sends the writer. A list of
    `UnitRow` objects cost the writer 0.9 s of unpickling for the real corpus (a third of its
    CPU); a handful of bytes objects per document cost next to nothing. Reads as a sequence
    of `UnitRow` for everyone else."""

    kinds: str  # "s" sentence, "p" paragraph, one per unit
    starts: bytes  # little-endian int64 per unit: raw span start, end, normalized-text hash
    ends: bytes
    norm_hashes: bytes
    sigs: bytes  # the units' signatures end to end, equal sizes
    hashes: bytes  # their sorted distinct uint32 shingle hashes end to end ...
    hash_ends: bytes  # ... each unit's ending at this byte offset (int64)
    keys: bytes  # their int32 band keys end to end, equal sizes

    @classmethod
    def from_rows(cls, rows: Sequence[UnitRow]) -> UnitColumns:
        import numpy as np

        def i64(values: Iterable[int]) -> bytes:
            return np.fromiter(values, dtype="<i8").tobytes()

        return cls(
            "".join(u.kind for u in rows),
            i64(u.start for u in rows),
            i64(u.end for u in rows),
            i64(u.norm_hash for u in rows),
            b"".join(u.sig for u in rows),
            b"".join(u.hashes for u in rows),
            i64(itertools.accumulate(len(u.hashes) for u in rows)),
            b"".join(u.keys for u in rows),
        )

    def __len__(self) -> int:
        return len(self.kinds)

    @overload
    def __getitem__(self, i: int) -> UnitRow: ...
    @overload
    def __getitem__(self, i: slice) -> list[UnitRow]: ...
    def __getitem__(self, i: int | slice) -> UnitRow | list[UnitRow]:
        return list(self)[i]  # decodes every unit: iterate instead where that matters

    def __iter__(self) -> Iterator[UnitRow]:
        ints = self.columns()
        sigs, hashes = self.blobs()
        k = len(self.keys) // len(self) if len(self) else 0
        for i in range(len(self)):
            yield UnitRow(
                self.kinds[i],
                ints["starts"][i],
                ints["ends"][i],
                ints["norm_hashes"][i],
                sigs[i],
                hashes[i],
                self.keys[i * k : (i + 1) * k],
            )

    def columns(self) -> dict[str, list[int]]:
        """The integer columns as lists."""
        import numpy as np

        names = ("starts", "ends", "norm_hashes")
        return {c: np.frombuffer(getattr(self, c), dtype="<i8").tolist() for c in names}

    def blobs(self) -> tuple[list[bytes], list[bytes]]:
        """Each unit's signature and each unit's shingle hashes (as `UnitRow` holds them)."""
        import numpy as np

        n = len(self)
        s = len(self.sigs) // n if n else 0
        ends = np.frombuffer(self.hash_ends, dtype="<i8").tolist()
        return (
            [self.sigs[i * s : i * s + s] for i in range(n)],
            [self.hashes[a:b] for a, b in itertools.pairwise([0, *ends])],
        )


@dataclass(frozen=True)
class DocRow:
    key: str
    path: str
    title: str | None
    date: str | None
    content_hash: str
    chars: int
    text: str
    units: UnitColumns
    text_z: bytes = b""  # zlib of text, made in the worker so the single writer does not
    nbytes: int = 0  # UTF-8 size of text, for rates once `text` is dropped before pickling


def doc_label(path: str, title: str | None, date: str | None) -> int:
    """A digest of a document's path, title and date (one process's: `hash`), so an update
    holds an int per document rather than the three strings to compare."""
    return hash((path, title, date))


def _connect(path: Path) -> sqlite3.Connection:
    try:
        con = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        con.execute("PRAGMA foreign_keys=ON")
        con.execute("PRAGMA cache_size=-65536")  # 64 MiB: a batch's unit rows, merges
    except sqlite3.DatabaseError as exc:
        if _access_error(exc) or _disk_or_damage(exc):
            raise database_failure(path, exc) from None
        raise IndexError_(
            f"{path}: not a paradup index ({exc}); point --index at an index file"
        ) from None
    return con


def missing_index(path: str | os.PathLike[str]) -> str:
    """Why there is no index to open at `path`: nothing there, or a folder (an archive's?)."""
    if os.path.isdir(path):
        return f"{path}: is a directory, not an index; pass the index file (e.g. archive.paradup)"
    return f"{path}: no index here; build one with `paradup index build`"


def _read_only(path: Path) -> bool:
    """An index this user may not write (a team's shared copy, a read-only mount), with no
    write-ahead log beside it: readers open it read-only instead of refusing it (WAL mode
    needs to write the -shm file beside it)."""
    if Path(str(path) + "-wal").exists():
        return False
    return not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def _connect_readonly(path: Path) -> sqlite3.Connection:
    """Read the file as it is, changing nothing and creating no -wal/-shm (immutable: whoever
    may write it must not do so while this reads)."""
    try:
        con = sqlite3.connect(
            f"{path.resolve().as_uri()}?immutable=1", uri=True, timeout=30, isolation_level=None
        )
        con.execute("PRAGMA cache_size=-65536")
    except sqlite3.DatabaseError as exc:
        raise database_failure(path, exc) from None
    return con


_SQLITE_HEADER = b"SQLite format 3\x00"


def _permission_error(path: Path, exc: OSError | sqlite3.Error) -> IndexError_:
    why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    if isinstance(exc, FileExistsError | NotADirectoryError):
        why = f"{exc.filename or path} is not a folder"
    return IndexError_(
        f"{path}: cannot write the index here ({why}); check permissions of the file and "
        "its folder, or pass another --index"
    )


def _probe(path: Path) -> tuple[str, dict[str, str]]:
    """What is at `path`, read without changing a byte of it: ("new", {}) for nothing or an
    empty file, ("index", meta) for a paradup index, ("unfinished", {}) for an SQLite file
    holding only an index's tables, all empty (a build killed before its first commit), and
    and ("foreign", {}) for anything else (a user's file, another program's database). A full
    or failing disk, or an SQLite file that cannot be read through (truncated, overwritten:
    maybe ours, maybe not, so only the user may delete it), is an IndexError_ saying so."""
    try:
        if not path.exists() or path.stat().st_size == 0:
            return "new", {}
        with open(path, "rb") as fh:
            if fh.read(16) != _SQLITE_HEADER:
                return "foreign", {}
    except OSError as exc:
        raise IndexError_(
            f"{path}: cannot be read ({exc.strerror}); check permissions or the path"
        ) from None
    # Read-only: opening, say, a browser's database must not switch its journal to WAL. With
    # no write-ahead log beside it, the file holds everything: read it as immutable, which
    # creates no -wal/-shm files either (mode=ro alone would, for a WAL database).
    live = Path(str(path) + "-wal").exists()
    uri = f"{path.resolve().as_uri()}?{'mode=ro' if live else 'immutable=1'}"
    try:
        con = sqlite3.connect(uri, uri=True, timeout=30)
    except sqlite3.Error as exc:
        raise _unopenable(path, exc) from None
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "meta" in tables and "docs" in tables:
            meta = {str(k): str(v) for k, v in con.execute("SELECT key, value FROM meta")}
            if "schema_version" in meta:
                return "index", meta
        # Our tables with our columns, all empty: a first build killed before its first
        # commit. A database with no tables, or an empty `meta` of another shape, is not ours.
        ours = _schema_columns()
        if (
            "meta" in tables
            and tables <= ours.keys()
            and all(_columns(con, t) == ours[t] for t in tables)
            and not any(con.execute(f'SELECT 1 FROM "{t}" LIMIT 1').fetchone() for t in tables)
        ):
            return "unfinished", {}
        return "foreign", {}
    except sqlite3.Error as exc:
        if _access_error(exc):
            raise _unopenable(path, exc) from None
        if _disk_error(exc) or "malformed" in str(exc).lower():  # not "another kind of file"
            raise database_failure(path, exc) from None
        return "foreign", {}
    finally:
        con.close()


def _columns(con: sqlite3.Connection, table: str) -> tuple[str, ...]:
    return tuple(r[1] for r in con.execute(f'PRAGMA table_info("{table}")'))


_SCHEMA_COLUMNS: dict[str, tuple[str, ...]] = {}


def _schema_columns() -> dict[str, tuple[str, ...]]:
    """Each table of `_SCHEMA` with its column names (from an in-memory database, once)."""
    if not _SCHEMA_COLUMNS:
        mem = sqlite3.connect(":memory:")
        mem.executescript(_SCHEMA)
        names = [r[0] for r in mem.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        _SCHEMA_COLUMNS.update({t: _columns(mem, t) for t in names})
        mem.close()
    return _SCHEMA_COLUMNS


def database_failure(path: str | Path, exc: sqlite3.Error) -> IndexError_:
    """One line for an SQLite error met while using an index: a full or failing disk (free
    space, then resume), a damaged file (delete it, build again), or SQLite's own words."""
    if _access_error(exc):
        return _unopenable(Path(path), exc)
    if _disk_error(exc):
        return IndexError_(
            f"{path}: cannot write or read the index ({exc}); free space on its disk, then "
            "run the command again (`paradup index update` or the build resumes: what it had "
            "committed is kept; a `--force` rebuild starts over, and the old index is unchanged)"
        )
    if _damaged(exc):
        return IndexError_(
            f"{path}: the index is damaged ({exc}); delete it (and its -wal/-shm files) and "
            "build it again with `paradup index build`"
        )
    return IndexError_(f"{path}: SQLite failed on the index ({exc}); check the file")


def _disk_error(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "disk is full" in text or "disk i/o error" in text


def _damaged(exc: sqlite3.Error) -> bool:
    # A table or column of the schema missing (dropped by hand, a tool's "vacuum into" of
    # part of it): the schema version says it is there, so the file is damaged.
    text = str(exc).lower()
    return any(
        w in text for w in ("malformed", "not a database", "no such table", "no such column")
    )


def _disk_or_damage(exc: sqlite3.Error) -> bool:
    """A full or failing disk, or a damaged file: what `database_failure` explains."""
    return _disk_error(exc) or _damaged(exc)


def _access_error(exc: sqlite3.Error) -> bool:
    """SQLite's way of saying the file (or the WAL files beside it) could not be opened."""
    text = str(exc).lower()
    return "unable to open" in text or "readonly" in text or "read-only" in text


def _unopenable(path: Path, exc: sqlite3.Error) -> IndexError_:
    wal, shm = Path(str(path) + "-wal"), Path(str(path) + "-shm")
    if wal.exists() and not shm.exists() and not os.access(path.parent, os.W_OK):
        # A copy of an unfinished build (killed while writing) into a read-only place: SQLite
        # must create the -shm file beside it to read the -wal, and cannot.
        return IndexError_(
            f"{path}: cannot be read here: it has a {wal.name} (a build or update stopped "
            f"while writing) and no {shm.name}, and {path.parent} is read-only; copy the "
            "index from a finished build, or copy it with its -shm too"
        )
    return IndexError_(
        f"{path}: cannot be opened ({exc}); check permissions of the file and its folder"
    )


class IndexStore:
    """An open index. Use `IndexStore.open` (read) or `IndexStore.create_or_open` (write)."""

    def __init__(self, path: Path, con: sqlite3.Connection, settings: IndexSettings) -> None:
        self.path = path
        self.con = con
        self.settings = settings
        self._lock_fd: int | None = None
        self._side: Path | None = None  # a --force rebuild's file, moved over `path` at close
        self._side_fd: int | None = None  # and its lock
        self.created = False  # create_or_open made the file
        self._layout()
        self._live: npt.NDArray[np.int64] | None = None  # sorted live unit ids, when needed

    def _layout(self) -> None:
        """Which tables this index has: older schemas are read as they are."""
        con = self.con
        # A finished schema-2 index opened for reading has no band_runs table (nothing pending).
        self._runs = _has_table(con, "band_runs")
        self._legacy = _has_table(con, "bands")  # schema 2 or 3
        self._unit_rows = _has_table(con, "units")  # schema 2 to 4: a row per unit

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
            newer = schema is not None and schema.isdigit() and int(schema) > SCHEMA_VERSION
            # A newer paradup's index: rebuilding it would destroy it for that paradup.
            fix = (
                "upgrade paradup (pip install -U paradup) to read it"
                if newer
                else "rebuild it with `paradup index build --force`"
            )
            raise IndexError_(
                f"{path}: index schema {schema} written by paradup {meta.get('paradup_version')}, "
                f"this paradup {__version__} reads schema {SCHEMA_VERSION}; {fix}"
            )
        try:
            stored = IndexSettings(**json.loads(meta["settings"]))
            if not all(isinstance(v, int | str | None) for v in asdict(stored).values()):
                raise TypeError("a setting is not a number or a name")
        except (KeyError, ValueError, TypeError) as exc:
            why = "missing" if isinstance(exc, KeyError) else str(exc)
            raise IndexError_(
                f"{path}: index settings unreadable ({why}); "
                "rebuild it with `paradup index build --force`"
            ) from None
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
        p = _target(path)
        if not p.is_file():
            raise IndexError_(missing_index(p))
        kind, meta = _probe(p)
        if kind != "index":
            what = {
                "new": "an empty file",
                "unfinished": "a first build interrupted before it stored anything",
            }.get(kind, "another kind of file")
            raise IndexError_(
                f"{p}: is not a paradup index ({what}); point --index at an index file "
                "or build one with `paradup index build`"
            )
        cls._check(p, meta, settings)  # before anything is written to the file
        con = _connect_readonly(p) if _read_only(p) else _connect(p)
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

        p = _target(path)
        if p.is_dir():
            raise IndexError_(f"{p}: is a directory; pass a file path such as archive.paradup")
        kind, meta = _probe(p)
        if kind == "foreign":
            raise IndexError_(
                f"{p}: exists and is not a paradup index; refusing to overwrite it, "
                "pass a new path to --index"
            )
        if kind == "index" and not force:
            cls._check(p, meta, settings)  # refused before the file is touched
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _permission_error(p.parent, exc) from None
        _check_writable(p)
        lock_fd = _lock(p)
        # Under the lock: another writer may have finished an index here meanwhile, and what
        # this run may remove on failure is only a file it created itself.
        existed = p.exists()
        side: Path | None = None  # a --force rebuild's file, ours once checked
        side_fd: int | None = None
        try:
            kind, meta = _probe(p)  # again, under the lock: another writer may have been first
            if kind == "foreign":
                raise IndexError_(
                    f"{p}: exists and is not a paradup index; refusing to overwrite it, "
                    "pass a new path to --index"
                )
            if force and kind != "new":
                # Built beside the old index and moved over it once complete: a rebuild that
                # fails (nothing readable, a full disk, Ctrl-C) leaves the old index as it was.
                # Its own lock too: nobody may write an index by that name meanwhile.
                rebuild = _side_path(p)
                side_fd = _lock(rebuild)
                if _probe(rebuild)[0] == "foreign":
                    raise IndexError_(
                        f"{rebuild}: exists and is not a paradup index; move it away "
                        "(`index build --force` builds the new index under that name)"
                    )
                side = rebuild
                _remove_files(side)  # what an interrupted rebuild left
                kind, meta = "new", {}
            if kind == "new" and side is None:
                _create(p, settings)
                kind = "index"
            con = _connect(side or p)
            try:
                if kind == "index":
                    meta = cls._read_meta(con, p)
                    cls._check(p, meta, settings)
                    if meta.get("schema_version") != str(SCHEMA_VERSION):
                        _upgrade(con, p, meta["schema_version"])
                else:
                    _fill(con, settings)
            except sqlite3.Error as exc:
                con.close()
                if _access_error(exc):
                    raise _permission_error(p, exc) from None
                raise IndexError_(
                    f"{p}: cannot be written as an index ({exc}); pass a new path to --index"
                ) from None
            except BaseException:
                con.close()
                raise
        except BaseException:
            if not existed:  # nothing of ours is left where there was nothing
                _remove_files(p)
            if side is not None:
                _remove_files(side)
            # Last: a writer waiting for the lock must not find files that are then removed.
            if side_fd is not None:
                _unlock(_side_path(p), side_fd)
            _unlock(p, lock_fd)
            raise
        store = cls(p, con, settings)
        store._lock_fd = lock_fd
        store._side, store._side_fd = side, side_fd
        store.created = not existed
        return store

    @property
    def rebuilding(self) -> bool:
        """Whether this is a `--force` rebuild, moved over an existing index when complete."""
        return self._side is not None

    def close(self, complete: bool = True) -> None:
        """Close; a rebuild (`--force`) replaces the old index only when `complete`."""
        from ..stdio import signals_deferred

        side, self._side = self._side, None
        ready = False
        try:
            if side is not None and complete:
                # Everything into the file itself: the -wal beside it does not move with it.
                self.con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.con.close()
            if side is not None and complete:
                # The old file's -wal is never to be applied to the new one: its commits go
                # into the old file first (a kill before the move keeps them), then it goes.
                # (This may wait on readers: Ctrl-C stays free to stop it.)
                _checkpoint(self.path)
                ready = True
        finally:
            # The move and the unlocks run whole: a SIGTERM between them left `.rebuild.lock`
            # and reported an interrupted build whose index was complete.
            with signals_deferred():
                if side is not None:
                    if ready:
                        for suffix in ("-wal", "-shm"):
                            Path(str(self.path) + suffix).unlink(missing_ok=True)
                        os.replace(side, self.path)
                    _remove_files(side)
                if self._side_fd is not None:
                    _unlock(_side_path(self.path), self._side_fd)
                    self._side_fd = None
                if self._lock_fd is not None:
                    _unlock(self.path, self._lock_fd)
                    self._lock_fd = None

    def discard(self) -> None:
        """Close an index this run created and remove its files (nothing was stored in it)."""
        self.con.close()
        if self._side is None:
            _remove_files(self.path)
        self.close(complete=False)

    def __enter__(self) -> IndexStore:
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        self.close(complete=kind is None)

    # -- writing -------------------------------------------------------------------------
    def text_pipeline_stale(self) -> bool:
        """Whether the index's units were cut by another version of the text pipeline."""
        row = self.con.execute("SELECT value FROM meta WHERE key = 'text_pipeline'").fetchone()
        return (row[0] if row else "1") != str(TEXT_PIPELINE)

    def set_text_pipeline(self) -> None:
        """Record that every document's units are this version's (after re-fingerprinting)."""
        with self._write_transaction() as con:
            q = "INSERT OR REPLACE INTO meta VALUES ('text_pipeline', ?)"
            con.execute(q, (str(TEXT_PIPELINE),))

    def archive_folder(self) -> str | None:
        """The folder the archive's relative paths (the keys) were given from, if recorded."""
        row = self.con.execute("SELECT value FROM meta WHERE key = 'archive_folder'").fetchone()
        return str(row[0]) if row else None

    def set_archive_folder(self, folder: str) -> None:
        with self._write_transaction() as con:
            con.execute("INSERT OR REPLACE INTO meta VALUES ('archive_folder', ?)", (folder,))

    def first_build_unfinished(self) -> bool:
        """Whether the build that created this index has not completed (killed, or still
        running): documents it had not reached are missing."""
        row = self.con.execute("SELECT 1 FROM meta WHERE key = 'first_build'").fetchone()
        return row is not None

    def mark_built(self) -> None:
        """A build or update completed: what the archive held is all here."""
        if self.first_build_unfinished():
            with self._write_transaction() as con:
                con.execute("DELETE FROM meta WHERE key = 'first_build'")

    def roots(self) -> list[str] | None:
        """The archive roots (paths as given) of the last build or update, if recorded."""
        row = self.con.execute("SELECT value FROM meta WHERE key = 'roots'").fetchone()
        try:
            got = json.loads(row[0]) if row else None
        except ValueError:
            got = None
        if isinstance(got, list) and got and all(isinstance(r, str) for r in got):
            return got
        return None

    def set_roots(self, roots: list[str]) -> None:
        with self._write_transaction() as con:
            con.execute("INSERT OR REPLACE INTO meta VALUES ('roots', ?)", (json.dumps(roots),))

    def encoding(self) -> str | None:
        """The --encoding article files were read with (None: UTF-8, or a BOM's), if recorded."""
        row = self.con.execute("SELECT value FROM meta WHERE key = 'encoding'").fetchone()
        return str(row[0]) if row else None

    def set_encoding(self, encoding: str | None) -> None:
        with self._write_transaction() as con:
            if encoding is None:
                con.execute("DELETE FROM meta WHERE key = 'encoding'")
            else:
                con.execute("INSERT OR REPLACE INTO meta VALUES ('encoding', ?)", (encoding,))

    def fields(self) -> dict[str, str] | None:
        """The JSON Lines field names the documents were read with, if recorded."""
        row = self.con.execute("SELECT value FROM meta WHERE key = 'fields'").fetchone()
        try:
            got = json.loads(row[0]) if row else None
        except ValueError:
            got = None
        return got if isinstance(got, dict) else None

    def set_fields(self, fields: dict[str, str]) -> None:
        with self._write_transaction() as con:
            q = "INSERT OR REPLACE INTO meta VALUES ('fields', ?)"
            con.execute(q, (json.dumps(fields, sort_keys=True),))

    def doc_states(self) -> dict[str, tuple[str, int]]:
        """Content hash and `doc_label` of every document, by key: what an update compares."""
        q = "SELECT key, content_hash, path, title, date FROM docs"
        return {r[0]: (r[1], doc_label(r[2], r[3], r[4])) for r in self.con.execute(q)}

    def relabel(self, rows: Iterable[tuple[str, str | None, str | None, str]]) -> None:
        """Set (path, title, date) of documents, by key, in one transaction."""
        with self._write_transaction() as con:
            con.executemany("UPDATE docs SET path = ?, title = ?, date = ? WHERE key = ?", rows)

    def rekey(self, moves: Iterable[tuple[str, str]], replaced: Iterable[str] = ()) -> None:
        """Give documents new keys ((old, new) pairs) and delete the documents `replaced`
        (under a new key, a text that is not moved elsewhere), in one transaction: through
        temporary keys, since a new key may be another pair's old one (a shift of every
        line)."""
        moves = list(moves)
        with self._write_transaction() as con:
            for key in replaced:
                self._delete(key)
            con.executemany(
                "UPDATE docs SET key = ? WHERE key = ?", [("\0" + new, old) for old, new in moves]
            )
            con.executemany(
                "UPDATE docs SET key = ? WHERE key = ?", [(new, "\0" + new) for _, new in moves]
            )

    def bands_pending(self) -> bool:
        """True while band runs wait in `band_runs` for `finish` (a build in progress)."""
        if not self._runs:
            return False
        return self.con.execute("SELECT 1 FROM band_runs LIMIT 1").fetchone() is not None

    def write_batch(self, docs: Iterable[DocRow], delete_keys: Iterable[str] = ()) -> None:
        """Replace the given documents (and delete others) in one transaction."""
        import numpy as np

        blobs: list[bytes] = []
        # A key given twice keeps its later copy (two rows would share a reused doc id).
        docs = list({d.key: d for d in docs}.values())
        with self._write_transaction() as con:
            for key in delete_keys:
                self._delete(key)
            # Which of the batch's documents the index holds already, in one query per 500
            # (a fresh build spent a lookup per document finding none).
            q = "SELECT key FROM docs WHERE key IN ({})"
            held = {k for (k,) in _where_in(con, q, [d.key for d in docs])}
            rows = _UnitRows()
            # Unit ids are assigned here (we hold the write lock), so all blocks of the batch go
            # in with one executemany instead of one execute each for its rowid.
            next_id = first_id = self._next_unit_id()
            for d in docs:
                if d.key in held:
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
                doc_id = cast(int, cur.lastrowid)  # an INSERT always sets it
                cols, n = d.units, len(d.units)
                if not n:
                    continue
                rows.add(next_id, doc_id, cols)
                blobs.append(cols.keys)
                next_id += n
            rows.write(con)
            con.execute("INSERT OR REPLACE INTO meta VALUES ('next_unit', ?)", (str(next_id),))
            if next_id > first_id:
                keys = np.frombuffer(b"".join(blobs), dtype=np.int32).astype(np.int64)
                # The batch's units have the consecutive ids first_id .. next_id - 1, in order.
                units = np.repeat(np.arange(first_id, next_id, dtype=np.int64), self.settings.bands)
                # In (key, unit) order; two bands of a unit may share a 32-bit key: each code once.
                _append_runs(con, sorted_unique((keys << 32) | units, in_place=True))

    @contextmanager
    def _write_transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed when the block ends, rolled back on any exception
        (a killed run loses only this batch); a file SQLite may not write is named, with the
        fix, instead of a traceback."""
        con = self.con
        try:
            con.execute("BEGIN IMMEDIATE")  # a read-only file fails here, named below
            yield con
            con.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            _rollback(con)
            if _access_error(exc):
                raise _permission_error(self.path, exc) from None
            if _disk_or_damage(exc):
                raise database_failure(self.path, exc) from None
            raise  # an interruption (Ctrl-C) and the like: the caller's own
        except BaseException:
            _rollback(con)
            raise

    def _next_unit_id(self) -> int:
        """The first id never given to a unit (ids are never reused)."""
        row = self.con.execute("SELECT value FROM meta WHERE key = 'next_unit'").fetchone()
        return int(row[0]) if row else 1

    def finish(self) -> int:
        """Merge the pending band runs into blocks; returns how many codes were pending.

        Into level 1 when level 1 and the runs together stay under 1/8 of level 0 (an update
        then rewrites only the small level), else everything into level 0, as also when dead
        codes pass 1/8 of level 0; either rewrite drops the codes of deleted units from what
        it rewrites. Key range by key range (1/64 of the codes at a time), merged by numpy's
        stable sort, which merges sorted runs. One transaction: a kill during it leaves the
        runs pending for the next run."""
        import numpy as np

        if not self.merge_due():
            return 0
        with self._write_transaction() as con:
            n = self._code_counts()
            pending = self._pending_count()
            major = n["codes_1"] + pending > n["codes_0"] // _LEVEL1_SHARE or _compaction_due(n)
            levels = (0, 1) if major else (1,)
            target = levels[0]
            live = self._live_units() if n["codes_dead"] else None
            # Dead codes in level 0 stay there on a small update: only a full merge drops them.
            expect = pending + sum(n[f"codes_{level}"] for level in levels)
            expect -= n["codes_dead"] if major else 0
            bits = _bits_for(expect)
            kept = 0
            for part in range(PARTS):
                old = [self._block_codes(part, level) for level in levels]
                codes = sorted_unique(
                    np.concatenate([*old, self.pending_codes(part)]), in_place=True, runs=True
                )
                if live is not None:
                    codes = codes[_isin_sorted(codes & 0xFFFFFFFF, live)]
                for level in levels:  # the ids carry the bits: old and new never collide
                    q = "DELETE FROM band_blocks WHERE id BETWEEN ? AND ?"
                    con.execute(q, _part_ids(level, n[f"bits_{level}"], part))
                # Free this range's runs before writing its blocks, so the blocks take their
                # pages: deleted at the end, a fresh build's runs left as many free pages as
                # its band codes fill (12.7 % of a 1M-paragraph index).
                if self._runs:
                    con.execute("DELETE FROM band_runs WHERE part = ?", (part,))
                _write_blocks(con, target, bits, codes)
                kept += len(codes)
            # What the rewrite dropped were dead codes (runs hold each code once).
            before = pending + sum(n[f"codes_{level}"] for level in levels)
            n["codes_dead"] = max(0, n["codes_dead"] - (before - kept))
            if major:
                n["codes_0"], n["codes_1"], n["codes_dead"] = kept, 0, 0
            else:
                n["codes_1"] = kept
            n[f"bits_{target}"] = bits
            self._set_code_counts(n)
            con.execute("DELETE FROM band_runs")
        return pending

    def merge_due(self) -> bool:
        """Runs are pending, or deleted documents' codes exceed an eighth of level 0 (an
        update that only deletes must compact too)."""
        if self.bands_pending():
            return True
        if self._legacy:
            return False
        return _compaction_due(self._code_counts())

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction: every query inside sees the same committed state, even while
        a writer merges (which changes the bucket bits) or adds runs."""
        if self.con.in_transaction:
            yield
            return
        self.con.execute("BEGIN")
        self._live = None
        self._layout()  # a writer may have converted an older schema since the index was opened
        try:
            yield
        finally:
            if self.con.in_transaction:
                self.con.execute("COMMIT")

    def _code_counts(self) -> dict[str, int]:
        rows = self.con.execute(f"SELECT key, value FROM meta WHERE key IN {_COUNTS}")
        n = dict.fromkeys(_COUNTS, 0) | {"bits_0": 6, "bits_1": 6}  # 6: the least bits
        for key, value in rows:
            # An edited or damaged value reached numpy as a negative shift (a traceback) or
            # silently cut the band keys a query saw: named as damage instead.
            low, high = (6, 32) if key.startswith("bits_") else (0, 1 << 62)
            try:
                n[key] = int(value)
                ok = low <= n[key] <= high
            except (TypeError, ValueError):
                ok = False
            if not ok:
                raise IndexError_(
                    f"{self.path}: the index is damaged (meta {key} = {value!r}); delete it "
                    "(and its -wal/-shm files) and build it again with `paradup index build`"
                )
        return n

    def _set_code_counts(self, n: dict[str, int]) -> None:
        self.con.executemany(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)", [(k, str(n[k])) for k in _COUNTS]
        )

    def _pending_count(self) -> int:
        if not self._runs:
            return 0
        q = "SELECT coalesce(sum(length(codes)), 0) / 8 FROM band_runs"
        return int(self.con.execute(q).fetchone()[0])

    def _live_units(self) -> npt.NDArray[np.int64]:
        return _live_unit_ids(self.con)

    def _block_codes(self, part: int, level: int) -> npt.NDArray[np.int64]:
        """The stored codes of one key range and level, sorted (dead units included)."""
        import numpy as np

        if self._legacy:  # schema 2 or 3: one level, a row per code
            return _legacy_codes(self.con, part) if not level else np.empty(0, dtype=np.int64)
        ids = _part_ids(level, self._code_counts()[f"bits_{level}"], part)
        q = "SELECT codes FROM band_blocks WHERE id BETWEEN ? AND ? ORDER BY id"
        blobs = [r[0] for r in self.con.execute(q, ids)]
        return np.frombuffer(b"".join(blobs), dtype="<i8").astype(np.int64)

    def pending_codes(self, part: int) -> npt.NDArray[np.int64]:
        """The pending codes of one key range (`part_of`), sorted; empty when none wait."""
        import numpy as np

        if not self._runs:
            return np.empty(0, dtype=np.int64)
        q = "SELECT codes FROM band_runs WHERE part = ?"
        blobs = [r[0] for r in self.con.execute(q, (part,))]
        codes = np.frombuffer(b"".join(blobs), dtype="<i8").astype(np.int64)
        codes.sort(kind="stable")
        return codes

    def shared_band_codes(self, part: int) -> npt.NDArray[np.int64]:
        """The codes of one key range whose key is held by two or more live units, from every
        level and the pending runs, sorted. Reading a key range's blocks costs ≈ 8 bytes a code
        (the row-per-key table needed SQLite to scan and group 118 M rows at 1M paragraphs)."""
        import numpy as np

        levels = [self._block_codes(part, 0), self._block_codes(part, 1)]
        codes = sorted_unique(
            np.concatenate([*levels, self.pending_codes(part)]), in_place=True, runs=True
        )
        if self._code_counts()["codes_dead"] or self.bands_pending():
            if self._live is None:
                self._live = self._live_units()
            codes = codes[_isin_sorted(codes & 0xFFFFFFFF, self._live)]
        if len(codes) < 2:  # an empty key range (an empty or one-document index): none shared
            return codes[:0]
        keys = codes >> 32
        same = keys[1:] == keys[:-1]
        return codes[np.concatenate((same, [False])) | np.concatenate(([False], same))]

    def _delete(self, key: str) -> None:
        import numpy as np

        from ..lsh import band_keys, index_keys

        con = self.con
        row = con.execute("SELECT id FROM docs WHERE key = ?", (key,)).fetchone()
        if row is None:
            return
        block = con.execute("SELECT first, n FROM unit_blocks WHERE doc = ?", (row[0],)).fetchone()
        if block is not None:
            # Their codes stay where they are (blocks and runs are not edited) and are counted
            # as dead until a merge rewrites them away; the count comes from the signatures.
            first, size = block
            blob = con.execute("SELECT sigs FROM unit_sigs WHERE first = ?", (first,)).fetchone()
            st = self.settings
            sigs = np.frombuffer(blob[0], dtype=np.uint32).reshape(-1, st.num_perm)
            keys = index_keys(band_keys(sigs, st.bands, st.rows))
            uids = np.arange(first, first + len(sigs), dtype=np.int64)
            dead = len(np.unique((keys.astype(np.int64) << 32) | uids[:, None]))
            n = self._code_counts()
            n["codes_dead"] += dead
            self._set_code_counts(n)
            con.execute("DELETE FROM unit_sigs WHERE first = ?", (first,))
            q = "DELETE FROM unit_pages WHERE first BETWEEN ? AND ?"
            con.execute(q, (first, first + size - 1))
            con.execute("DELETE FROM unit_blocks WHERE first = ?", (first,))
        con.execute("DELETE FROM docs WHERE id = ?", (row[0],))

    # -- reading -------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        """Documents, units, and band codes of live units (pending ones included)."""
        con = self.con
        q = (
            "SELECT count(*) FROM units"
            if self._unit_rows
            else "SELECT coalesce(sum(n), 0) FROM unit_blocks INDEXED BY unit_blocks_n"
        )
        out = {
            "docs": con.execute("SELECT count(*) FROM docs").fetchone()[0],
            "units": con.execute(q).fetchone()[0],
        }
        if self._legacy:
            out["bands"] = self.con.execute("SELECT count(*) FROM bands").fetchone()[0]
        else:
            n = self._code_counts()
            out["bands"] = n["codes_0"] + n["codes_1"] - n["codes_dead"]
        out["bands"] += self._pending_count()
        return out

    def ids_for_keys(self, keys: Sequence[str]) -> list[int]:
        """Ids of the documents with these keys (those the index holds)."""
        q = "SELECT id FROM docs WHERE key IN ({})"
        return [int(i) for (i,) in _where_in(self.con, q, keys)]

    def dates(self, ids: Sequence[int]) -> dict[int, str]:
        """The dates of the documents that have one, by id."""
        q = "SELECT id, date FROM docs WHERE date IS NOT NULL AND id IN ({})"
        return {int(i): str(d) for i, d in _where_in(self.con, q, ids)}

    def doc(self, doc_id: int) -> dict[str, Any]:
        row = self.con.execute(f"SELECT {_DOC_COLUMNS} FROM docs WHERE id = ?", (doc_id,))
        return _doc_dict(row.fetchone())

    def docs(self, ids: Sequence[int]) -> Iterator[dict[str, Any]]:
        """`doc` for many ids, 500 per query (ids sorted: the pages are read in order)."""
        q = f"SELECT {_DOC_COLUMNS} FROM docs WHERE id IN ({{}})"
        yield from map(_doc_dict, _where_in(self.con, q, ids))

    def units_for_keys(self, keys: Iterable[int]) -> dict[int, list[int]]:
        """Band key -> indexed units holding it, for the keys that occur in the index. Units
        deleted since the last merge may be among them; their rows are gone, so callers that
        read the units find nothing for them."""
        with self.snapshot():
            return self._units_for_keys(sorted(set(keys)))

    def _units_for_keys(self, ks: list[int]) -> dict[int, list[int]]:
        import numpy as np

        out: dict[int, list[int]] = {}
        if self._legacy:
            q = "SELECT key, unit FROM bands WHERE key IN ({})"
            for key, unit in _where_in(self.con, q, ks):
                out.setdefault(key, []).append(unit)
        else:
            n = self._code_counts()
            for level in (0, 1):
                if n[f"codes_{level}"]:
                    for k, units in self._lookup_blocks(level, ks):
                        out.setdefault(k, []).extend(units)
        if ks and self.bands_pending():  # an unfinished build: search its runs too
            lo = np.asarray(ks, dtype=np.int64) << 32
            part = part_of(lo)
            for p in np.unique(part).tolist():
                for k, units in _lookup(self.pending_codes(p), (lo[part == p] >> 32).tolist()):
                    out.setdefault(k, []).extend(units)
        return out

    def _lookup_blocks(self, level: int, ks: list[int]) -> Iterator[tuple[int, list[int]]]:
        """(key, units) for the sorted keys `ks` found in one level's blocks: a rowid seek per
        distinct block, 500 to a query."""
        import numpy as np

        bits = self._code_counts()[f"bits_{level}"]
        ids = sorted_unique(block_ids(level, bits, np.asarray(ks, dtype=np.int64) << 32))
        q = "SELECT id, codes FROM band_blocks WHERE id IN ({})"
        got: dict[int, bytes] = dict(_where_in(self.con, q, ids.tolist()))
        blocks = [got[i] for i in sorted(got)]  # in id order, so the codes are sorted
        yield from _lookup(np.frombuffer(b"".join(blocks), dtype="<i8").astype(np.int64), ks)

    def unit_rows(self, ids: Iterable[int]) -> Iterator[tuple[int, int, str, int, int, bytes]]:
        """(unit id, doc id, kind, start, end, hashes) for the given units that exist."""
        import numpy as np

        if self._unit_rows:
            yield from self._units_in("id, doc, kind, start, end, hashes", ids)
            return
        want = sorted_unique(np.fromiter(ids, dtype=np.int64))
        cols = "doc, kinds, starts, ends, hash_ends, hashes"
        for first, us, row in self._rows_of("unit_pages", _PAGE_UNITS, cols, want):
            doc, kinds, starts, ends, hash_ends, blob = row
            s, e = np.frombuffer(starts, "<i8"), np.frombuffer(ends, "<i8")
            he = [0, *np.frombuffer(hash_ends, dtype="<i8").tolist()]
            for u in us:
                k = u - first
                yield u, doc, kinds[k], int(s[k]), int(e[k]), blob[he[k] : he[k + 1]]

    def unit_hashes(self, ids: Iterable[int]) -> Iterator[tuple[int, bytes]]:
        """(unit id, stored shingle hashes: sorted distinct uint32) for the given units."""
        if self._unit_rows:
            yield from self._units_in("id, hashes", ids)
            return
        import numpy as np

        yield from self._hash_slices(sorted_unique(np.fromiter(ids, dtype=np.int64)))

    def unit_blobs(self, column: str, ids: npt.NDArray[np.int64]) -> list[bytes]:
        """The `sig` or `hashes` blob of each unit of `ids` (sorted, distinct), b"" where the
        unit is gone."""

        if column not in ("sig", "hashes"):
            raise ValueError(f"not a blob column of units: {column}")
        if self._unit_rows:
            return self._legacy_blobs(column, ids)
        out = [b""] * len(ids)
        order = ids.tolist()
        i = 0
        for u, blob in self._sig_slices(ids) if column == "sig" else self._hash_slices(ids):
            while order[i] != u:  # both in id order
                i += 1
            out[i] = blob
        return out

    def _sig_slices(self, ids: npt.NDArray[np.int64]) -> Iterator[tuple[int, bytes]]:
        """(id, its stored signature) for each of `ids` (sorted, distinct) that exists, in id
        order."""
        w = 4 * self.settings.num_perm
        for first, us, (blob,) in self._rows_of("unit_sigs", f"length(sigs) / {w}", "sigs", ids):
            for u in us:
                k = (u - first) * w
                yield u, blob[k : k + w]

    def _hash_slices(self, ids: npt.NDArray[np.int64]) -> Iterator[tuple[int, bytes]]:
        """(id, its stored shingle hashes) for each of `ids` (sorted, distinct) that exists, in
        id order."""
        import numpy as np

        for first, us, (hash_ends, blob) in self._rows_of(
            "unit_pages", _PAGE_UNITS, "hash_ends, hashes", ids
        ):
            he = [0, *np.frombuffer(hash_ends, dtype="<i8").tolist()]
            for u in us:
                k = u - first
                yield u, blob[he[k] : he[k + 1]]

    def _rows_of(
        self, table: str, count: str, columns: str, ids: npt.NDArray[np.int64]
    ) -> Iterator[tuple[int, list[int], tuple[Any, ...]]]:
        """(first id, the asked ids it holds, its `columns`) for every row of `table` (a table
        of consecutive units keyed by the first, `count` the SQL for how many it holds) that
        holds any of `ids` (sorted, distinct), in id order: one scan of their id range when
        they are dense (the audit), else the rows found by seeks (a draft's partners,
        scattered over the archive). Ids of deleted units are skipped."""
        import bisect

        want = ids.tolist()
        if not want:
            return
        rows: Iterable[tuple[Any, ...]]
        if want[-1] - want[0] < _DENSE * len(want):
            q = (
                f"SELECT first, {count}, {columns} FROM {table} WHERE first BETWEEN "
                f"(SELECT coalesce(max(first), 0) FROM {table} WHERE first <= ?) AND ? "
                "ORDER BY first"
            )
            rows = self.con.execute(q, (want[0], want[-1]))
        else:
            rows = self._rows_holding(table, f"{count}, {columns}", want)
        i = 0
        for first, n, *row in rows:
            i = bisect.bisect_left(want, first, i)
            j = bisect.bisect_left(want, first + n, i)
            if j > i:
                yield first, want[i:j], tuple(row)
            i = j

    def _rows_holding(self, table: str, columns: str, ids: list[int]) -> Iterator[tuple[Any, ...]]:
        """(first, `columns`) of the rows of `table` (keyed by the first unit id they hold)
        that start at the largest `first` <= each of `ids` (sorted), each once, in order. The
        seeks run inside SQLite, 500 ids a statement: an `execute` per id cost as much again."""
        last = -1
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            values = ",".join(["(?)"] * len(chunk))
            q = (
                f"SELECT first, {columns} FROM {table} WHERE first IN (SELECT (SELECT max(first) "
                f"FROM {table} WHERE first <= column1) FROM (VALUES {values})) ORDER BY first"
            )
            for row in self.con.execute(q, chunk):
                if row[0] > last:  # a row can hold the last id of one chunk and the next's first
                    last = row[0]
                    yield row

    def unit_spans(self) -> Iterator[tuple[npt.NDArray[np.int64], ...]]:
        """Every unit as arrays, a chunk at a time: (id, doc, 1 for a paragraph else 0, raw
        start, raw end)."""
        import numpy as np

        con = self.con
        if self._unit_rows:
            cursor = con.execute("SELECT id, doc, kind = 'p', start, end FROM units")
            while rows := cursor.fetchmany(65536):
                arr = np.asarray(rows, dtype=np.int64)
                yield arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3], arr[:, 4]
            return
        cursor = con.execute("SELECT first, doc, kinds, starts, ends FROM unit_blocks")
        while rows := cursor.fetchmany(4096):
            sizes = np.fromiter(map(len, (r[2] for r in rows)), dtype=np.int64, count=len(rows))
            firsts = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
            docs = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))
            kinds = np.frombuffer("".join(r[2] for r in rows).encode("ascii"), dtype=np.uint8)
            yield (
                ranges(firsts, sizes),
                np.repeat(docs, sizes),
                (kinds == ord("p")).astype(np.int64),
                np.frombuffer(b"".join(r[3] for r in rows), dtype="<i8").astype(np.int64),
                np.frombuffer(b"".join(r[4] for r in rows), dtype="<i8").astype(np.int64),
            )

    def max_unit_id(self) -> int:
        """The largest unit id given so far (0 when none)."""
        if self._unit_rows:
            return int(self.con.execute("SELECT coalesce(max(id), 0) FROM units").fetchone()[0])
        return self._next_unit_id() - 1

    def _legacy_blobs(self, column: str, ids: npt.NDArray[np.int64]) -> list[bytes]:
        """`unit_blobs` from a schema 2-4 `units` table. Dense stretches of ids are read as one
        id range (the audit asks for most units: 1.4× faster than IN lists at 86 % density),
        sparse ones by IN lists."""
        import numpy as np

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


def _where_in(
    con: sqlite3.Connection, query: str, values: Sequence[Any]
) -> Iterator[tuple[Any, ...]]:
    """The rows of `query`, whose `IN ({})` takes `values`: 500 of them a statement (SQLite
    bounds the parameters of one; one statement per value cost a round trip each)."""
    for i in range(0, len(values), 500):
        chunk = list(values[i : i + 500])
        yield from con.execute(query.format(",".join("?" * len(chunk))), chunk)


def _doc_dict(row: tuple[Any, ...]) -> dict[str, Any]:
    return {
        "id": row[0],
        "key": row[1],
        "path": row[2],
        "title": row[3],
        "date": row[4],
        "text": zlib.decompress(row[5]).decode("utf-8", "surrogatepass"),
    }


def part_of(codes: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The key range (0 .. PARTS - 1) of each code: its top 6 bits, in code order."""
    return (codes >> 58) + PARTS // 2


def part_bounds(part: int) -> tuple[int, int]:
    """The first and last code of a key range."""
    lo = (part - PARTS // 2) << 58
    return lo, min(lo + (1 << 58), 1 << 63) - 1


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


def _compaction_due(n: dict[str, int]) -> bool:
    """Codes of deleted units pass an eighth of level 0: the next merge rewrites level 0."""
    return n["codes_dead"] > n["codes_0"] // _LEVEL1_SHARE


def _bits_for(n: int) -> int:
    """Bucket bits for a level of about n codes: ≈ `_PER_BLOCK` codes per block."""
    return max(6, min(32, math.ceil(math.log2(max(n, 1) / _PER_BLOCK))))


def block_ids(level: int, bits: int, codes: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The rowid of the block holding each code: level, bits and the top `bits` bits of the
    code (its key's top bits, offset to be non-negative), so ids follow code order."""
    bucket = (codes >> (64 - bits)) + (1 << (bits - 1))
    return (level << 40) | (bits << 34) | bucket


def _part_ids(level: int, bits: int, part: int) -> tuple[int, int]:
    """The first and last block id a key range can have (bits >= 6: parts are whole buckets)."""
    import numpy as np

    lo, hi = block_ids(level, bits, np.asarray(part_bounds(part), dtype=np.int64)).tolist()
    return int(lo), int(hi)


def _write_blocks(
    con: sqlite3.Connection, level: int, bits: int, codes: npt.NDArray[np.int64]
) -> None:
    """Store sorted distinct codes as one block per bucket."""
    if not len(codes):
        return
    ids = block_ids(level, bits, codes)
    starts = run_starts(ids).tolist()
    raw = codes.astype("<i8").tobytes()
    bounds = [*starts[1:], len(codes)]
    blobs = (raw[8 * a : 8 * b] for a, b in zip(starts, bounds, strict=True))
    rows = zip(ids[starts].tolist(), blobs, strict=True)
    con.executemany("INSERT INTO band_blocks (id, codes) VALUES (?, ?)", rows)


def _live_unit_ids(con: sqlite3.Connection) -> npt.NDArray[np.int64]:
    """Sorted ids of the units that exist."""
    import numpy as np

    if _has_table(con, "units"):  # schema 2 to 4
        cur = con.execute("SELECT id FROM units ORDER BY id")
        return np.fromiter(itertools.chain.from_iterable(cur), dtype=np.int64)
    return ranges(*_block_index(con))


def _block_index(con: sqlite3.Connection) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """First unit id and unit count of every unit block, in id order (from the small
    covering index, not the table)."""
    import numpy as np

    q = "SELECT first, n FROM unit_blocks INDEXED BY unit_blocks_n ORDER BY first"
    flat = np.fromiter(itertools.chain.from_iterable(con.execute(q)), dtype=np.int64)
    return flat[0::2], flat[1::2]


def _legacy_codes(con: sqlite3.Connection, part: int) -> npt.NDArray[np.int64]:
    """The codes of one key range from a schema-2/3 `bands` table, sorted."""
    import numpy as np

    lo, hi = part_bounds(part)
    q = "SELECT key << 32 | unit FROM bands WHERE key BETWEEN ? AND ? ORDER BY key, unit"
    cur = con.execute(q, (lo >> 32, hi >> 32))
    return np.fromiter(itertools.chain.from_iterable(cur), dtype=np.int64)


def _isin_sorted(x: npt.NDArray[np.int64], table: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """x in table, for a sorted table (a binary search: no hash or sort of `table`)."""
    import numpy as np

    if not len(table):
        return np.zeros(len(x), dtype=bool)
    pos = np.minimum(np.searchsorted(table, x), len(table) - 1)
    found: npt.NDArray[np.bool_] = table[pos] == x
    return found


def _lookup(codes: npt.NDArray[np.int64], ks: list[int]) -> Iterator[tuple[int, list[int]]]:
    """(key, units) for each key of `ks` present in the sorted codes."""
    import numpy as np

    lo = np.asarray(ks, dtype=np.int64) << 32
    a = np.searchsorted(codes, lo)
    b = np.searchsorted(codes, lo | 0xFFFFFFFF, side="right")
    for i in np.flatnonzero(b > a).tolist():
        yield ks[i], (codes[a[i] : b[i]] & 0xFFFFFFFF).tolist()


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


def _upgrade(con: sqlite3.Connection, path: Path, schema: str) -> None:
    """Convert a schema 2-4 index to this schema (writer only, one transaction)."""
    _refuse_unfinished_v2(con, path)
    con.executescript(_SCHEMA)  # IF NOT EXISTS throughout: adds the new tables only
    con.execute("BEGIN IMMEDIATE")
    try:
        if schema in ("2", "3"):
            _upgrade_bands(con)
        if _has_table(con, "units"):
            _upgrade_units(con, path)
        con.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),)
        )
        con.execute("COMMIT")
    except BaseException:
        _rollback(con)
        raise


def _upgrade_units(con: sqlite3.Connection, path: Path) -> None:
    """Schema 2-4's row per unit becomes a block per document (`unit_blocks`, `unit_sigs`);
    unit ids stay as they are, so the band codes need no change."""
    top = con.execute("SELECT coalesce(max(id), 0) FROM units").fetchone()[0]
    if _has_table(con, "sqlite_sequence"):
        q = "SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'units'"
        top = max(top, con.execute(q).fetchone()[0])
    q = "SELECT doc, id, kind, start, end, norm_hash, sig, hashes FROM units ORDER BY doc, id"
    out = _UnitRows()
    # Streamed: reading `units` while inserting into other tables of the same connection is
    # fine, and the table can be far larger than memory.
    for doc, group in itertools.groupby(con.execute(q), key=lambda r: r[0]):
        rows = list(group)
        first = rows[0][1]
        if [r[1] for r in rows] != list(range(first, first + len(rows))):
            raise IndexError_(
                f"{path}: the units of a document do not have consecutive ids, which this "
                "paradup needs; rebuild it with `paradup index build --force`"
            )
        c = UnitColumns.from_rows([UnitRow(r[2], r[3], r[4], r[5], r[6], r[7], b"") for r in rows])
        out.add(first, doc, c)
        if len(out.blocks) >= 1024:
            out.write(con)
    out.write(con)
    con.execute("DROP TABLE units")
    con.execute("INSERT OR REPLACE INTO meta VALUES ('next_unit', ?)", (str(top + 1),))


def _upgrade_bands(con: sqlite3.Connection) -> None:
    """Schema 2-3's rows of `bands` become level-0 blocks; pending runs of an interrupted
    schema-3 build stay pending."""
    import numpy as np

    total = dead = 0
    live = None
    if con.execute("SELECT 1 FROM meta WHERE key = 'band_runs_stale'").fetchone():
        # Documents replaced while runs were pending: count their codes as dead.
        live = _live_unit_ids(con)
    legacy = _has_table(con, "bands")
    bits = _bits_for(con.execute("SELECT count(*) FROM bands").fetchone()[0] if legacy else 0)
    for part in range(PARTS):
        if legacy:
            codes = _legacy_codes(con, part)
            _write_blocks(con, 0, bits, codes)
            total += len(codes)
        if live is not None:
            q = "SELECT codes FROM band_runs WHERE part = ?"
            blob = b"".join(r[0] for r in con.execute(q, (part,)))
            units = np.frombuffer(blob, dtype="<i8") & 0xFFFFFFFF
            dead += int((~_isin_sorted(units.astype(np.int64), live)).sum())
    con.execute("DROP TABLE IF EXISTS bands")
    con.execute("DROP TABLE IF EXISTS bands_new")
    con.execute(
        "DELETE FROM meta WHERE key IN ('bands_new_stale', 'band_runs_stale', "
        "'codes_0', 'codes_1', 'codes_dead', 'bits_0', 'bits_1')"
    )
    con.executemany(
        "INSERT INTO meta VALUES (?, ?)",
        [
            ("codes_0", str(total)),
            ("codes_1", "0"),
            ("codes_dead", str(dead)),
            ("bits_0", str(bits)),
            ("bits_1", "6"),
        ],
    )


class _UnitRows:
    """The rows of unit_blocks, unit_sigs and unit_pages for documents' units, collected to
    be written with one executemany per table."""

    def __init__(self) -> None:
        self.blocks: list[tuple[Any, ...]] = []
        self.sigs: list[tuple[int, bytes]] = []
        self.pages: list[tuple[Any, ...]] = []

    def add(self, first: int, doc: int, c: UnitColumns) -> None:
        """The units of one document, with the ids first .. first + len(c) - 1."""
        import numpy as np

        self.blocks.append((first, doc, len(c), c.kinds, c.starts, c.ends, c.norm_hashes))
        self.sigs.append((first, c.sigs))
        ends = np.frombuffer(c.hash_ends, dtype="<i8").tolist()
        a = 0  # first unit of the page being filled
        base = 0  # byte where its hashes start
        for k, end in enumerate(ends):
            if k > a and end - base + _PER_UNIT * (k - a + 1) > _PAGE_BYTES:  # close it
                self._page(first, doc, c, a, k, ends, base)
                a, base = k, ends[k - 1]
        if ends:
            self._page(first, doc, c, a, len(ends), ends, base)

    def _page(
        self, first: int, doc: int, c: UnitColumns, a: int, b: int, ends: list[int], base: int
    ) -> None:
        """Units a..b-1 of the document as one unit_pages row."""
        import numpy as np

        rel = (np.asarray(ends[a:b], dtype="<i8") - base).tobytes()
        spans = c.starts[8 * a : 8 * b], c.ends[8 * a : 8 * b]
        self.pages.append((first + a, doc, c.kinds[a:b], *spans, rel, c.hashes[base : ends[b - 1]]))

    def write(self, con: sqlite3.Connection) -> None:
        con.executemany(f"INSERT INTO unit_blocks ({_BLOCK}) VALUES ({_QMARKS})", self.blocks)
        con.executemany("INSERT INTO unit_sigs (first, sigs) VALUES (?, ?)", self.sigs)
        q = "INSERT INTO unit_pages (first, doc, kinds, starts, ends, hash_ends, hashes) "
        con.executemany(q + "VALUES (?, ?, ?, ?, ?, ?, ?)", self.pages)
        self.blocks.clear()
        self.sigs.clear()
        self.pages.clear()


def _rollback(con: sqlite3.Connection) -> None:
    """Undo the open transaction, if any: SQLite has already rolled back after some errors (an
    interrupted statement), and a second ROLLBACK would hide the original exception."""
    if con.in_transaction:
        con.execute("ROLLBACK")


def compress_text(text: str) -> bytes:
    # Level 1: on the news corpus 0.42 s against 0.62 s at level 6 for 4 % more bytes
    # (0.52 of the UTF-8 against 0.50), a fraction of a percent of the index.
    return zlib.compress(text.encode("utf-8", "surrogatepass"), 1)


def _side_path(path: Path) -> Path:
    """Where `index build --force` builds the index that replaces the one at `path`."""
    return path.with_name(path.name + ".rebuild")


def leftover_rebuild(path: str | os.PathLike[str]) -> Path | None:
    """The file an interrupted `index build --force` of the index at `path` left, if any."""
    side = _side_path(_target(path))
    if not side.exists():
        return None
    try:  # a user's own file of that name is no leftover to delete (`--force` refuses it)
        kind, _meta = _probe(side)
    except IndexError_:  # damaged or unreadable: a rebuild killed half-way, as likely as not
        return side
    return side if kind in ("index", "unfinished", "new") else None


def _checkpoint(path: Path) -> None:
    """Move the commits in an index's -wal into the file itself, as far as readers allow."""
    if not Path(str(path) + "-wal").exists():
        return
    import time

    with suppress(sqlite3.Error):
        con = sqlite3.connect(str(path), timeout=5)
        try:
            for _ in range(20):  # a reader's snapshot holds it back: wait a little for it
                if not con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]:
                    break
                time.sleep(0.1)
        finally:
            con.close()


def _fill(con: sqlite3.Connection, settings: IndexSettings) -> None:
    """A new index's tables and meta, in one transaction."""
    from .. import __version__

    con.executescript(_SCHEMA)
    con.execute("BEGIN")
    con.executemany(
        "INSERT OR REPLACE INTO meta VALUES (?, ?)",
        [
            ("schema_version", str(SCHEMA_VERSION)),
            ("paradup_version", __version__),
            ("settings", settings.to_json()),
            ("text_pipeline", str(TEXT_PIPELINE)),
            # Until the first build completes (`mark_built`): one stopped before its first
            # batch committed looked like a complete, empty archive ("0 restated passages").
            ("first_build", "unfinished"),
        ],
    )
    con.execute("COMMIT")


def _create(path: Path, settings: IndexSettings) -> None:
    """A new index file, made whole under another name and moved in (under the writer's
    lock): a build killed while SQLite wrote the first page left a database without tables,
    which every later build refused as not its own."""
    tmp = Path(str(path) + ".creating")
    _remove_files(tmp)  # what a run killed here left
    try:
        # No journal: a file that is moved in only once whole needs none, and none is left
        # beside it (a hot one would be rolled into the next run's new file).
        con = sqlite3.connect(str(tmp), isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode=OFF")
            _fill(con, settings)
        finally:
            con.close()
        os.replace(tmp, path)
    except (sqlite3.Error, OSError) as exc:
        _remove_files(tmp)
        if isinstance(exc, sqlite3.Error) and not _access_error(exc):
            raise database_failure(path, exc) from None
        raise _permission_error(path, exc) from None


def _remove_files(path: Path) -> None:
    """An index file and SQLite's -wal and -shm beside it."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def _lock_path(path: Path) -> str:
    return str(path) + ".lock"


def _check_writable(path: Path) -> None:
    """A read-only index or folder is named as such, not found out half-way by SQLite."""
    folder = path.parent
    for p in (path, folder) if path.exists() else (folder,):
        if not os.access(p, os.W_OK):
            raise IndexError_(
                f"{path}: cannot write the index here ({p} is read-only to this user); "
                "check permissions of the file and its folder, or pass another --index"
            )


def _lock(path: Path) -> int:
    """Take the single-writer lock, or fail at once with a clear message. The lock file is
    removed by `_unlock`; a lock taken on a file another writer removed meanwhile is retried."""
    import fcntl
    import time

    tries = 0
    while True:
        try:
            fd = os.open(_lock_path(path), os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise _permission_error(path, exc) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            tries += 1
            if tries < 20:  # `index info` probes with a shared lock for an instant: wait it out
                time.sleep(0.01)
                continue
            raise IndexError_(
                f"{path}: another paradup process is writing this index; wait for it to finish"
            ) from None
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(_lock_path(path)))
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)  # its holder removed it as we opened it: take the new one


def _target(path: str | os.PathLike[str]) -> Path:
    """The index file itself: a symlink's target. SQLite keeps the -wal beside the target, so
    through a link a killed build's commits looked like "not a paradup index", and `build
    --force` replaced the link with a regular file (the target kept the old index)."""
    p = Path(path)
    return Path(os.path.realpath(p)) if p.is_symlink() else p


def writer_active(path: str | Path) -> bool:
    """Whether another process holds the writer lock now (a build or update under way). Probes
    with a shared lock taken and dropped at once; no lock file means no writer."""
    import fcntl

    try:
        fd = os.open(_lock_path(_target(path)), os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)  # closing drops a lock taken
    return False


def _unlock(path: Path, fd: int) -> None:
    """Remove the lock file (still holding it, so no one can lock the removed file) and
    release it."""
    with suppress(OSError):
        os.unlink(_lock_path(path))
    os.close(fd)
