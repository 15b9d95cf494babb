"""Families of near-duplicate documents: reposts, trimmed copies, an article inside a round-up.

The passage clusters of `audit` answer "which text recurs"; an auditor asking "which articles
are reposts of which" got one article pair spread over many clusters (a light edit breaks a
passage in two). Here every verified unit pair across two documents (the same edges the
clusters come from) counts toward that document pair: the share of each side's indexed text
(its sentences) that the other restates. A pair is linked when each side's share reaches
`share`, and linked documents form a family (connected components), earliest dated first.
Both sides, not the shorter one only: on the real corpus a short post that is all disclaimer,
or a complaint whose site footer is half of it, chained unrelated articles into one family.
An excerpt of less than `share` of its original, or an article quoted in a long round-up, is
left to the passage clusters. Boilerplate (clusters over `boilerplate_docs` documents or
more, unless they are a story reposted that often: see `_boilerplate`) links nothing and is
no part of either side's text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .archive import date_key, shown_path_from
from .audit import REPOST_SHARE

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from .audit import Step, _Units
    from .index.store import IndexStore


@dataclass(frozen=True)
class FamilyMember:
    doc: str
    path: str
    date: str | None
    title: str | None
    share: float  # of its indexed text, restated by the other members (0-1)


@dataclass(frozen=True)
class Family:
    family: int
    size: int
    members: tuple[FamilyMember, ...]


def _covered(
    group: npt.NDArray[np.int64], start: npt.NDArray[np.int64], end: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The distinct groups and, for each, the length of the union of its [start, end)
    intervals: sorted by (group, start), the running maximum of the ends (offset by the group
    so that it never carries into the next one) is how far the group is covered so far."""
    import numpy as np

    from .lsh import run_starts

    if not len(group):
        return group, group
    order = np.lexsort((start, group))
    group, start, end = group[order], start[order], end[order]
    first = run_starts(group)
    dense = np.zeros(len(group), dtype=np.int64)
    dense[first[1:]] = 1
    base = np.cumsum(dense) * (int(end.max()) + 1)  # dense group numbers: no overflow
    reach = np.maximum.accumulate(base + end) - base
    before = np.concatenate(([0], reach[:-1]))
    before[first] = 0  # a group's first interval starts fresh
    gain = np.maximum(0, end - np.maximum(start, before))
    return group[first], np.add.reduceat(gain, first)


def _per_doc(
    doc: npt.NDArray[np.int64],
    start: npt.NDArray[np.int64],
    end: npt.NDArray[np.int64],
    top: int,
) -> npt.NDArray[np.int64]:
    """Characters covered by the [start, end) spans of each document id below `top`."""
    import numpy as np

    out = np.zeros(top, dtype=np.int64)
    ids, length = _covered(doc, start, end)
    out[ids] = length
    return out


def _side_cover(
    units: _Units,
    a: npt.NDArray[np.int64],
    b: npt.NDArray[np.int64],
    key_a: npt.NDArray[np.int64],
    key_b: npt.NDArray[np.int64],
    trimmed: tuple[npt.NDArray[np.int64], ...] | None = None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """`_covered` of the edges' unit spans on both sides, the a side grouped by `key_a` and
    the b side by `key_b`; `trimmed` (row, start, end; rows number the a sides, then the b
    sides) replaces some of those spans."""
    import numpy as np

    start = np.concatenate([units.start[a], units.start[b]])
    end = np.concatenate([units.end[a], units.end[b]])
    if trimmed is not None:
        start[trimmed[0]], end[trimmed[0]] = trimmed[1], trimmed[2]
    return _covered(np.concatenate([key_a, key_b]), start, end)


def _trimmed(
    store: IndexStore,
    units: _Units,
    a: npt.NDArray[np.int64],
    b: npt.NDArray[np.int64],
    sims: npt.NDArray[np.float64],
    tick: Step,
) -> tuple[npt.NDArray[np.int64], ...]:
    """(row, start, end) of each side of a paragraph edge, trimmed to what the other side
    restates (`audit._trim_edges`, each edge a group): a one-line scrape that adds text of
    its own to an article was a paragraph counted whole (a share of 1.0 for 76 %). Rows as
    `_side_cover` numbers them; sentence edges, and edges of the same shingles on both sides,
    cannot trim."""
    import numpy as np

    from .audit import _trim_edges

    edge = np.flatnonzero((units.kind[a] == 1) & (sims < 1.0))
    rows = np.concatenate([edge, edge + len(a)])
    both = np.concatenate([a[edge], b[edge]])
    start, end = _trim_edges(store, units, np.concatenate([edge, edge]), both, tick)
    moved = (start != units.start[both]) | (end != units.end[both])
    return rows[moved], start[moved], end[moved]


def _boilerplate(
    root: npt.NDArray[np.int64],
    a: npt.NDArray[np.int64],
    b: npt.NDArray[np.int64],
    units: _Units,
    total: npt.NDArray[np.int64],
    bp_min: int,
    share: float,
) -> npt.NDArray[np.int64]:
    """Clusters (component roots of the unit edges) that are templates: in `bp_min`
    documents or more, unless the frequent clusters over exactly the same documents cover at
    least `REPOST_SHARE` (or `share`, if higher) of every one of them. Those are a story
    reposted that many times (each of its paragraphs a cluster over the same copies), which
    the document count alone took for boilerplate, dropping the most reposted stories."""
    import numpy as np

    from .lsh import run_starts, sorted_unique

    rd = sorted_unique(np.concatenate([(root << 32) | units.doc[a], (root << 32) | units.doc[b]]))
    r, d = rd >> 32, rd & 0xFFFFFFFF
    heads = run_starts(r)
    roots, sizes = r[heads], np.diff(np.append(heads, len(r)))
    frequent = roots[sizes >= bp_min]
    if not len(frequent):
        return frequent
    # Each frequent cluster's document set, as a hash of its (sorted) document ids.
    mixed = (d.astype(np.uint64) + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
    mixed ^= mixed >> np.uint64(29)
    sig = np.add.reduceat(mixed, heads) + sizes.astype(np.uint64)  # per root, as `roots`
    # Coverage of each document by the frequent clusters sharing its document set: groups
    # (document set, document), the set hashes numbered densely.
    on = np.isin(root, frequent)
    fa, fb = a[on], b[on]
    sets, set_of = np.unique(sig[np.searchsorted(roots, root[on])], return_inverse=True)
    dense = set_of.astype(np.int64) << 32
    gid, cover = _side_cover(units, fa, fb, dense | units.doc[fa], dense | units.doc[fb])
    frac = cover / np.maximum(total[gid & 0xFFFFFFFF], 1)
    least = np.ones(len(sets))
    np.minimum.at(least, gid >> 32, frac)
    # Nearly all of every copy: a footer that is half of each short post is still a template
    # (twelve unrelated posts under one three-paragraph footer were one "family").
    reposted = sets[least >= max(share, REPOST_SHARE)]
    return frequent[~np.isin(sig[np.searchsorted(roots, frequent)], reposted)]


def document_families(
    store: IndexStore,
    threshold: float = 0.7,
    share: float = 0.5,
    boilerplate_docs: int | None = None,
    progress: Callable[[str], None] | None = None,
    step: Step | None = None,
) -> list[Family]:
    """Families of documents that restate one another, largest first (see the module)."""
    import numpy as np

    from .audit import _components, _doc_rank, _no_step, _source_key, verified_edges
    from .lsh import sorted_unique

    say = progress or (lambda _msg: None)
    tick = step or _no_step
    units, a, b, sims = verified_edges(store, threshold, say, tick)
    da, db = units.doc[a], units.doc[b]
    keep = da != db
    a, b, da, db, sims = a[keep], b[keep], da[keep], db[keep], sims[keep]
    n_docs = store.counts()["docs"]
    bp_min = boilerplate_docs or max(10, n_docs // 200)
    top = int(units.doc.max()) + 1 if len(units.doc) else 1
    # What the index holds of each document (the union of its units' spans): the shares'
    # denominator. Paragraph units count too, as they do in the numerator.
    live = np.flatnonzero(units.kind >= 0)
    total = _per_doc(units.doc[live], units.start[live], units.end[live], top)
    boiler_units = np.empty(0, dtype=np.int64)
    if len(a):
        root = _components(a, b)
        boiler = _boilerplate(root, a, b, units, total, bp_min, share)
        if len(boiler):
            drop = np.isin(root, boiler)
            boiler_units = sorted_unique(np.concatenate([a[drop], b[drop]]))
            a, b, da, db, sims = a[~drop], b[~drop], da[~drop], db[~drop], sims[~drop]
    if len(boiler_units):  # a template is no part of either side's own text
        own = live[~np.isin(live, boiler_units)]
        total = _per_doc(units.doc[own], units.start[own], units.end[own], top)
    # Each side's span as far as the other restates it (paragraphs trimmed at their edges).
    trimmed = _trimmed(store, units, a, b, sims, tick)
    # Coverage of each side, per document pair: groups (pair, side doc).
    pair = (np.minimum(da, db) << 32) | np.maximum(da, db)
    pair_ids, pair_of = np.unique(pair, return_inverse=True)
    gid, cover = _side_cover(units, a, b, (pair_of << 32) | da, (pair_of << 32) | db, trimmed)
    whole = total[gid & 0xFFFFFFFF]
    frac = np.where(whole > 0, cover / np.maximum(whole, 1), 0.0)  # nothing of its own: none
    worst = np.ones(len(pair_ids))
    np.minimum.at(worst, gid >> 32, frac)
    linked = pair_ids[worst >= share]
    if not len(linked):
        return []
    la, lb = linked >> 32, linked & 0xFFFFFFFF
    fam = _components(la, lb)
    # A member's share: the union of its text restated by any other member of its family.
    both = np.concatenate([la, lb]).tolist()
    fam_doc = dict(zip(both, np.concatenate([fam, fam]).tolist(), strict=True))
    kin = np.isin(pair, linked)
    # The trimmed rows renumbered among the kin edges' rows (a sides, then b sides).
    row, t_start, t_end = trimmed
    side_kin = np.concatenate([kin, kin])
    renum = np.cumsum(side_kin) - 1
    on = side_kin[row]
    kin_trimmed = (renum[row[on]], t_start[on], t_end[on])
    mdoc, mcover = _side_cover(units, a[kin], b[kin], da[kin], db[kin], kin_trimmed)
    fracs = np.minimum(1.0, mcover / np.maximum(total[mdoc], 1)).tolist()
    shares = dict(zip(mdoc.tolist(), fracs, strict=True))

    rows = {  # the members' only: an archive of millions holds few reposts
        int(r[0]): (str(r[1]), str(r[2]), r[3], r[4])
        for r in store.con.execute("SELECT id, key, path, date, title FROM docs")
        if r[0] in fam_doc
    }
    date_rank = _doc_rank(store, "date", date_key)
    path_rank = _doc_rank(store, "path", _source_key)
    groups: dict[int, list[int]] = {}
    for d, f in fam_doc.items():
        groups.setdefault(f, []).append(d)
    for members in groups.values():
        members.sort(key=lambda d: (date_rank[d], path_rank[d]))
    ordered = sorted(groups.values(), key=lambda m: (-len(m), date_rank[m[0]], path_rank[m[0]]))
    shown = shown_path_from(store.archive_folder())  # as `check --against` shows them
    out = []
    for n, members in enumerate(ordered, 1):
        built = []
        for d in members:
            key, path, date, title = rows[d]
            built.append(
                FamilyMember(
                    key,
                    shown(path),
                    date if isinstance(date, str) else None,
                    title if isinstance(title, str) else None,
                    round(shares.get(d, 0.0), 4),
                )
            )
        out.append(Family(n, len(built), tuple(built)))
    return out
