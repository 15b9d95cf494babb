"""The units of an index as one row each, whatever its schema: tests query them with SQL-like
ease (schema 5 keeps a block of columns per document, schemas 2-4 a row per unit)."""

from __future__ import annotations

import sqlite3

import numpy as np

from paradup.index.store import UnitColumns

UnitTuple = tuple[int, int, str, int, int, bytes, bytes]  # id, doc, kind, start, end, sig, hashes


def unit_rows(con: sqlite3.Connection) -> list[UnitTuple]:
    """(id, doc, kind, start, end, sig, hashes) of every unit, in id order."""
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "units" in tables:
        q = "SELECT id, doc, kind, start, end, sig, hashes FROM units ORDER BY id"
        return [tuple(r) for r in con.execute(q)]  # type: ignore[misc]
    return [(u[0], u[1], u[2], u[3], u[4], u[6], u[7]) for u in _block_units(con)]


Full = tuple[int, int, str, int, int, int, bytes, bytes]


def _block_units(con: sqlite3.Connection) -> list[Full]:
    """(id, doc, kind, start, end, norm_hash, sig, hashes) from schema 5's unit tables."""
    hashes: dict[int, bytes] = {}
    for first, ends, blob in con.execute("SELECT first, hash_ends, hashes FROM unit_pages"):
        e = [0, *np.frombuffer(ends, dtype="<i8").tolist()]
        for k in range(len(e) - 1):
            hashes[first + k] = blob[e[k] : e[k + 1]]
    q = (
        "SELECT b.first, b.doc, b.kinds, b.starts, b.ends, b.norm_hashes, s.sigs "
        "FROM unit_blocks b JOIN unit_sigs s USING (first) ORDER BY b.first"
    )
    out = []
    for first, doc, kinds, starts, ends, nh, sigs in con.execute(q).fetchall():
        n = len(kinds)
        mine = b"".join(hashes[first + k] for k in range(n))
        cut = np.cumsum([len(hashes[first + k]) for k in range(n)]).astype("<i8").tobytes()
        cols = UnitColumns(kinds, starts, ends, nh, sigs, mine, cut, b"")
        for k, u in enumerate(cols):
            out.append((first + k, doc, u.kind, u.start, u.end, u.norm_hash, u.sig, u.hashes))
    return out


def as_schema_4(con: sqlite3.Connection) -> None:
    """Rewrite the unit blocks of a schema-5 index into schema 4's `units` table (a row per
    unit, AUTOINCREMENT ids that are never reused)."""
    rows = _block_units(con)
    top = int(con.execute("SELECT value FROM meta WHERE key = 'next_unit'").fetchone()[0]) - 1
    con.executescript(
        """
        DROP TABLE unit_sigs;
        DROP TABLE unit_pages;
        DROP TABLE unit_blocks;
        CREATE TABLE units (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            doc INTEGER NOT NULL REFERENCES docs(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            norm_hash INTEGER NOT NULL,
            sig BLOB NOT NULL,
            hashes BLOB NOT NULL
        );
        CREATE INDEX units_doc ON units(doc);
        DELETE FROM meta WHERE key = 'next_unit';
        UPDATE meta SET value = '4' WHERE key = 'schema_version';
        """
    )
    con.executemany("INSERT INTO units VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    # Ids given to units since deleted stay given: the sequence remembers them.
    con.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = 'units'", (top,))
    con.commit()
