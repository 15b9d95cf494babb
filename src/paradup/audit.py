"""Audit: clusters of passages that recur across documents of an index, and boilerplate.

Candidate pairs come from the band keys that two or more units share and are kept as packed
int64 arrays; a vectorized screen on the stored MinHash signatures drops pairs far below the
threshold, and every remaining pair is verified on exact shingle sets. Clusters are connected
components of the verified pairs. Sentence clusters whose members all lie inside a paragraph
cluster's members are dropped as redundant, and clusters that continue one another in every
document they share (the next paragraph of a reposted article) are joined into one passage
(`_passages`). A paragraph member is trimmed at its edges to the sentences the rest of its
cluster restates (`_trim_edges`): a one-line scrape is one paragraph. Units that recur in very
many documents are boilerplate templates. Every step works on numpy arrays, and clusters are
built while the report is written (`audit_stream`).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO

from .archive import date_key, record_place, shown_path_from
from .errors import ParadupError
from .index.store import IndexStore
from .lsh import ranges, run_starts, sorted_unique
from .read import Locator

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

ALL_PAIRS_UP_TO = 32  # buckets this small verify every pair
PER_BUCKET = 8  # in larger buckets each member is compared with this many before it, in
# (document key, start, kind) order: the order the Spark engine uses too, so both agree


@dataclass(frozen=True)
class Member:
    doc: str
    path: str
    start: int
    end: int
    text: str
    date: str | None
    title: str | None
    unit: int
    kind: str
    # Where `start` is in an article file, for `file:line:col` in the terminal summary: set for
    # a cluster's first member (None for a JSON Lines record, whose path is already
    # `file:line`, for the other members, and from the Spark engine).
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True)
class Cluster:
    cluster: int
    kind: str  # "duplicate" | "boilerplate"
    size: int  # distinct documents
    similarity: tuple[float, float]
    members: tuple[Member, ...]


# Text between two restated units that lets them join into one passage: at most GAP_CHARS, the
# same in every document once BLANK characters (line breaks, ideographic and no-break spaces)
# are taken out. The Spark engine uses the same class, as the characters themselves (Java's
# regex would read `\v` as a class of its own).
BLANK = "[ \t\n\r\f\v\x85\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]"
GAP_CHARS = 64

Step = Callable[[str, int, int], None]  # (phase, done, total): drives a progress bar


def _no_step(_phase: str, _done: int, _total: int) -> None:
    pass


def _bucket_chunks(store: IndexStore, step: Step) -> Iterator[npt.NDArray[np.int64]]:
    """The band codes of shared keys, sorted `key << 32 | unit`, one key range at a time, so
    no bucket is split between two chunks (`shared_band_codes` merges pending runs in)."""
    from .index.store import PARTS

    for part in range(PARTS):
        codes = store.shared_band_codes(part)
        step("grouping band keys", part + 1, PARTS)
        if len(codes):
            yield codes


def _order_rank(store: IndexStore, units: _Units) -> npt.NDArray[np.int64]:
    """Rank of every unit id in (document key, start, kind) order, the order the Spark engine
    uses for large buckets too (0 for ids no longer in the index). From the unit table and the
    document keys: SQLite's ORDER BY over a join of both took 19 s at a million paragraphs."""
    import numpy as np

    # Python orders str by code point, as SQLite's BINARY collation orders their UTF-8.
    doc_rank = _doc_rank(store, "key", str)
    ids = np.flatnonzero(units.kind >= 0)
    # kind 1 is "p", 0 is "s": "p" sorts first.
    order = np.lexsort((1 - units.kind[ids], units.start[ids], doc_rank[units.doc[ids]]))
    rank = np.zeros(len(units.kind), dtype=np.int64)
    rank[ids[order]] = np.arange(len(ids))
    return rank


def _source_key(path: str) -> tuple[str, int]:
    """Where a document sits in the archive: its file, and the line of a JSON Lines record
    (whose path is `file:line`)."""
    head, sep, tail = path.rpartition(":")
    return (head, int(tail)) if sep and tail.isdigit() else (path, 0)


def archive_files(store: IndexStore) -> list[str]:
    """The archive files the index's documents were read from (as the build named them)."""
    rows = store.con.execute("SELECT DISTINCT path FROM docs").fetchall()
    return sorted({_source_key(str(r[0]))[0] for r in rows})


def _source_rank(store: IndexStore, units: _Units) -> npt.NDArray[np.int64]:
    """Rank of every unit id in archive order: documents as the archive lists them (files in
    path order, records in line order), a document's sentences before its paragraphs, each by
    start. That is the order a fresh build gives unit ids, found from what the index stores,
    so an index built by updates ranks its units the same (0 for ids no longer in it)."""
    import numpy as np

    doc_rank = _doc_rank(store, "path", _source_key)
    ids = np.flatnonzero(units.kind >= 0)
    order = np.lexsort((units.start[ids], units.kind[ids], doc_rank[units.doc[ids]]))
    rank = np.zeros(len(units.kind), dtype=np.int64)
    rank[ids[order]] = np.arange(len(ids))
    return rank


_CHUNK = 1 << 20  # candidate pairs handled per numpy step


def _bucket_pairs(
    codes: npt.NDArray[np.int64], rank: Callable[[], npt.NDArray[np.int64]]
) -> list[npt.NDArray[np.int64]]:
    """Candidate pairs (a < b, packed a << 32 | b) of the buckets in sorted codes: every pair
    of a bucket of at most ALL_PAIRS_UP_TO units, and in larger buckets each unit with the
    PER_BUCKET before it in `rank` order. Vectorized per bucket size: at a million paragraphs
    a Python loop over 118 M band rows took most of the audit."""
    import numpy as np

    keys, units = codes >> 32, codes & 0xFFFFFFFF  # units ascend within a bucket
    starts = run_starts(keys)
    sizes = np.diff(np.append(starts, len(codes)))
    out: list[npt.NDArray[np.int64]] = []
    for k in np.unique(sizes[(sizes > 1) & (sizes <= ALL_PAIRS_UP_TO)]).tolist():
        first = starts[sizes == k]
        members = units[first[:, None] + np.arange(k)]  # (buckets, k), each row ascending
        x, y = np.triu_indices(k, 1)
        out.append(((members[:, x] << 32) | members[:, y]).ravel())
    big = np.flatnonzero(sizes > ALL_PAIRS_UP_TO)
    if len(big):
        order = rank()
        for a, n in zip(starts[big].tolist(), sizes[big].tolist(), strict=True):
            arr = units[a : a + n]
            ms = arr[np.argsort(order[arr], kind="stable")]
            for d in range(1, PER_BUCKET + 1):
                lo, hi = np.minimum(ms[d:], ms[:-d]), np.maximum(ms[d:], ms[:-d])
                out.append((lo << 32) | hi)
    return out


def _candidate_pairs(
    store: IndexStore, units: _Units, step: Step = _no_step
) -> npt.NDArray[np.int64]:
    """Distinct candidate pairs (a < b) packed as a << 32 | b, from shared band keys."""
    import numpy as np

    ranks: list[npt.NDArray[np.int64]] = []  # made on the first large bucket

    def rank() -> npt.NDArray[np.int64]:
        if not ranks:
            ranks.append(_order_rank(store, units))
        return ranks[0]

    merged = np.zeros(0, dtype=np.int64)
    parts: list[npt.NDArray[np.int64]] = []
    for codes in _bucket_chunks(store, step):
        pairs = _bucket_pairs(codes, rank)
        if pairs:
            parts.append(sorted_unique(np.concatenate(pairs)))
        # The same pair comes back from every band it shares: fold the chunks into one
        # distinct array whenever they outgrow it, so duplicates never pile up (geometric, so
        # each pair is re-sorted O(log n) times).
        if sum(len(x) for x in parts) > max(len(merged), _CHUNK * 8):
            parts.append(merged)
            merged = np.zeros(0, dtype=np.int64)
            merged = _fold(parts)
    parts.append(merged)
    del merged
    return _fold(parts)


def _fold(arrays: list[npt.NDArray[np.int64]]) -> npt.NDArray[np.int64]:
    """The distinct values of `arrays`, sorted. The list is emptied once they are copied into
    one array, which is sorted in place: the inputs are freed before the sort."""
    import numpy as np

    out = np.concatenate(arrays)
    arrays.clear()
    return sorted_unique(out, in_place=True, runs=True)  # every input is sorted


@dataclass
class _Units:
    """Document id, kind (0 sentence, 1 paragraph; -1 gone), start and end of every unit id:
    17 bytes a unit as arrays, where a dict of tuples and shingle sets took kilobytes."""

    doc: npt.NDArray[np.int64]
    kind: npt.NDArray[np.int8]
    start: npt.NDArray[np.int64]
    end: npt.NDArray[np.int64]


def _unit_table(store: IndexStore) -> _Units:
    import numpy as np

    top = store.max_unit_id()
    units = _Units(
        np.full(top + 1, -1, dtype=np.int64),
        np.full(top + 1, -1, dtype=np.int8),
        np.zeros(top + 1, dtype=np.int64),
        np.zeros(top + 1, dtype=np.int64),
    )
    for ids, doc, para, start, end in store.unit_spans():
        units.doc[ids], units.kind[ids] = doc, para
        units.start[ids], units.end[ids] = start, end
    return units


def _low_bytes(store: IndexStore, ids: npt.NDArray[np.int64]) -> npt.NDArray[np.uint8]:
    """The low 8 bits of each stored MinHash value of `ids` (sorted, distinct), one row each:
    a b-bit MinHash sketch, a quarter of the memory of the full signatures."""
    import numpy as np

    width = store.settings.num_perm
    out = np.zeros((len(ids), width), dtype=np.uint8)
    for i in range(0, len(ids), 65536):
        blobs = store.unit_blobs("sig", ids[i : i + 65536])
        got = [n for n, b in enumerate(blobs) if len(b) == 4 * width]  # all, unless some gone
        sig = np.frombuffer(b"".join(blobs[n] for n in got), dtype=np.uint32)
        out[i + np.asarray(got, dtype=np.int64)] = (sig & 0xFF).astype(np.uint8).reshape(-1, width)
    return out


# Pairs whose MinHash estimate is this far below the threshold are not verified exactly: at
# 128 permutations the estimate's standard error is at most 0.045 (8-bit values add a chance
# match of 1/256, corrected for below), so the margin is over 4 of them.
_ESTIMATE_MARGIN = 0.2


def _plausible(
    store: IndexStore,
    pairs: npt.NDArray[np.int64],
    threshold: float,
    units: _Units,
    step: Step = _no_step,
) -> npt.NDArray[np.int64]:
    """Pairs across documents, of one kind, whose signatures estimate Jaccard near or above
    `threshold`: a vectorized screen so exact verification sees few pairs. Works through the
    pairs a chunk at a time, so no temporary is as large as `pairs`."""
    import numpy as np

    chunk = _CHUNK // 4  # bounds the two (chunk, num_perm) temporaries
    doc, kind = units.doc, units.kind

    def cross(lo: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        part = pairs[lo : lo + chunk]
        a, b = part >> 32, part & 0xFFFFFFFF
        ok = (kind[a] >= 0) & (kind[a] == kind[b]) & (doc[a] != doc[b])
        return a[ok], b[ok]

    used = np.zeros(len(kind), dtype=bool)
    for i in range(0, len(pairs), chunk):
        a, b = cross(i)
        used[a] = used[b] = True
    ids = np.flatnonzero(used)
    del used
    row = np.zeros(len(kind), dtype=np.int64)  # unit id -> its sketch row
    row[ids] = np.arange(len(ids))
    sketch = _low_bytes(store, ids)
    kept: list[npt.NDArray[np.int64]] = []
    chance = 1 / 256
    for i in range(0, len(pairs), chunk):
        a, b = cross(i)
        agree = (sketch[row[a]] == sketch[row[b]]).mean(axis=1)
        est = (agree - chance) / (1 - chance)
        kept.append(((a << 32) | b)[est >= threshold - _ESTIMATE_MARGIN])
        step("screening pairs", min(i + chunk, len(pairs)), len(pairs))
    return np.concatenate(kept) if kept else np.zeros(0, dtype=np.int64)


def _shingle_sets(
    store: IndexStore, ids: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
    """The stored shingle hashes of `ids` (sorted, distinct) as one flat array and offsets:
    unit i's set is flat[offs[i]:offs[i + 1]], sorted and distinct as the index stores it."""
    import numpy as np

    blobs = store.unit_blobs("hashes", ids)
    lens = np.fromiter((len(b) // 4 for b in blobs), dtype=np.int64, count=len(blobs))
    offs = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum(lens, out=offs[1:])
    return np.frombuffer(b"".join(blobs), dtype=np.uint32), offs


_WINDOW = 2048  # clusters whose member rows become Python lists at once in the report
_VERIFY_BLOCK = 1 << 23  # shingles compared per numpy step (64 MB of int64 keys)


def _verify(
    store: IndexStore, pairs: npt.NDArray[np.int64], step: Step = _no_step
) -> npt.NDArray[np.float64]:
    """The exact Jaccard similarity of the shingle sets of every pair. Each pair's two sets
    become `pair << 32 | hash` keys, sorted together: a key seen twice is in both sets."""
    import numpy as np

    a, b = pairs >> 32, pairs & 0xFFFFFFFF
    ids = sorted_unique(np.concatenate([a, b]))
    flat, offs = _shingle_sets(store, ids)
    pa, pb = np.searchsorted(ids, a), np.searchsorted(ids, b)
    la, lb = offs[pa + 1] - offs[pa], offs[pb + 1] - offs[pb]
    sims = np.zeros(len(pairs), dtype=np.float64)
    cum = np.cumsum(la + lb)
    i = 0
    while i < len(pairs):
        j = max(i + 1, int(np.searchsorted(cum, (cum[i - 1] if i else 0) + _VERIFY_BLOCK)))
        n = j - i
        own = np.arange(n, dtype=np.int64) << 32
        # Pair by pair, set a then set b: two sorted runs per pair, which the sort merges.
        keys = np.concatenate(
            (
                np.repeat(own, la[i:j]) | flat[ranges(offs[pa[i:j]], la[i:j])],
                np.repeat(own, lb[i:j]) | flat[ranges(offs[pb[i:j]], lb[i:j])],
            )
        )
        keys.sort()
        twice = keys[1:][keys[1:] == keys[:-1]] >> 32
        inter = np.bincount(twice, minlength=n)
        union = la[i:j] + lb[i:j] - inter
        nonempty = (la[i:j] > 0) & (lb[i:j] > 0)
        sims[i:j][nonempty] = inter[nonempty] / union[nonempty]
        step("verifying pairs", j, len(pairs))
        i = j
    return sims


def _components(a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """For the graph with edges (a[i], b[i]): the smallest node of each edge's component, by
    min-label hooking and pointer jumping on arrays (no per-node Python objects)."""
    import numpy as np

    nodes = sorted_unique(np.concatenate([a, b]))
    ia, ib = np.searchsorted(nodes, a), np.searchsorted(nodes, b)
    label = np.arange(len(nodes))
    while True:
        low = np.minimum(label[ia], label[ib])
        new = label.copy()
        np.minimum.at(new, ia, low)
        np.minimum.at(new, ib, low)
        while not np.array_equal(jumped := new[new], new):
            new = jumped
        if np.array_equal(new, label):
            return nodes[label[ia]]
        label = new


@dataclass
class AuditResult:
    """Clusters in rank order, built lazily: only the text of the cluster being written is in
    memory. `duplicate` and `boilerplate` count them."""

    duplicate: int
    boilerplate: int
    _build: Callable[[], Iterator[Cluster]]

    def __len__(self) -> int:
        return self.duplicate + self.boilerplate

    def __iter__(self) -> Iterator[Cluster]:
        return self._build()


def verified_edges(
    store: IndexStore, threshold: float, say: Callable[[str], None], tick: Step
) -> tuple[_Units, npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """The unit table and every pair of units across documents (a, b unit ids) whose exact
    Jaccard similarity `sims` is at least `threshold`, found through the band keys."""
    say("grouping band keys")
    units = _unit_table(store)
    candidates = _candidate_pairs(store, units, tick)
    say(f"screening {len(candidates)} candidate pairs with their signatures")
    packed = _plausible(store, candidates, threshold, units, tick)
    del candidates
    say(f"verifying {len(packed)} candidate pairs")
    sims = _verify(store, packed, tick)
    # Within-document repeats are the check's business; kinds cluster apart (screened).
    edges, sims = packed[sims >= threshold], sims[sims >= threshold]
    del packed
    return units, edges >> 32, edges & 0xFFFFFFFF, sims


def audit_stream(
    store: IndexStore,
    threshold: float = 0.7,
    boilerplate_docs: int | None = None,
    progress: Callable[[str], None] | None = None,
    step: Step | None = None,
) -> AuditResult:
    """Verified duplicate clusters across documents, largest first, as an `AuditResult`.

    `progress` gets a line per phase; `step` gets (phase, done, total) as each phase advances.
    Memory stays near the candidate pairs' arrays plus a few arrays per unit. Consume it inside
    `store.snapshot()` for one consistent view while a writer may commit (`audit` does)."""
    import numpy as np

    say = progress or (lambda _msg: None)
    tick = step or _no_step
    units, a, b, sims = verified_edges(store, threshold, say, tick)
    root = _components(a, b)
    # One row per (cluster, member): the units of each cluster, and its similarity range.
    labels = sorted_unique(root)
    where = np.searchsorted(labels, root)  # each edge's cluster index
    lo = np.full(len(labels), np.inf)
    hi = np.full(len(labels), -np.inf)
    np.minimum.at(lo, where, sims)
    np.maximum.at(hi, where, sims)
    member = sorted_unique(np.concatenate([a, b]))
    cluster_of = np.empty(len(member), dtype=np.int64)
    cluster_of[np.searchsorted(member, a)] = where
    cluster_of[np.searchsorted(member, b)] = where
    say(f"{len(labels)} raw clusters")
    # Paragraph members trimmed to the sentences their cluster restates (`_trim_edges`); a
    # member with an exact copy in another document keeps its span.
    exact = sims >= 1.0
    whole = np.isin(member, np.concatenate([a[exact], b[exact]]))
    tstart, tend = _trim_edges(store, units, cluster_of, member, tick, whole)
    # Drop sentence clusters whose members all sit inside (trimmed) paragraph-cluster members.
    kind = units.kind[member]
    para = kind == 1
    covered = _covered(units, member[para], member[~para], tstart[para], tend[para])
    all_covered = np.ones(len(labels), dtype=bool)
    np.logical_and.at(all_covered, cluster_of[~para], covered)
    sentence_cluster = ~np.isin(np.arange(len(labels)), cluster_of[para])
    kept_cluster = ~(sentence_cluster & all_covered)
    # Only the kept clusters go on, renumbered 0..n-1; those that continue one another in every
    # document become one passage.
    keep_rows = kept_cluster[cluster_of]
    member, cluster_of = member[keep_rows], cluster_of[keep_rows]
    tstart, tend = tstart[keep_rows], tend[keep_rows]
    relabel = np.cumsum(kept_cluster) - 1
    cluster_of, lo, hi = relabel[cluster_of], lo[kept_cluster], hi[kept_cluster]
    mdoc = units.doc[member]
    mstart, mend = units.start[member], units.end[member]
    mkind = units.kind[member].astype(np.int64)
    member, cluster_of, mdoc, mstart, mend, mkind, lo, hi = _passages(
        store, member, cluster_of, mdoc, mstart, mend, mkind, lo, hi, tick, (tstart, tend)
    )
    n_clusters = len(lo)
    # Members in (first occurrence by date, then archive order) order; clusters by (documents,
    # length of the first member's text, its place in archive order), largest first. Archive
    # order, not unit ids: ids follow the index's history (an update gives new ones to what it
    # adds), and the report must be the same for an archive however its index came about.
    doc_rank = _doc_rank(store, "date", date_key)
    unit_rank = _source_rank(store, units)
    order = np.lexsort((unit_rank[member], doc_rank[mdoc], cluster_of))
    member, cluster_of, mdoc = member[order], cluster_of[order], mdoc[order]
    mstart, mend, mkind = mstart[order], mend[order], mkind[order]
    # Every cluster has members, so cluster c's run starts at bounds[c].
    bounds = np.searchsorted(cluster_of, np.arange(n_clusters + 1))
    heads = member[bounds[:-1]]
    sizes = np.bincount(sorted_unique((cluster_of << 32) | mdoc) >> 32, minlength=n_clusters)
    length = mend[bounds[:-1]] - mstart[bounds[:-1]]
    ranked = np.lexsort((unit_rank[heads], -length, -sizes))
    n_docs = store.counts()["docs"]
    bp_min = boilerplate_docs or max(10, n_docs // 200)
    boiler = _boilerplate(units, sizes >= bp_min, cluster_of, mdoc, mstart, mend)
    n_bp = int(np.count_nonzero(boiler))

    def build() -> Iterator[Cluster]:
        try:  # created apart from the `with` so that its own failure is named as such
            tmp_file = tempfile.TemporaryFile()  # noqa: SIM115
        except OSError as exc:
            raise _temp_error(exc) from None
        with tmp_file as tmp:
            got = _member_texts(store, mdoc, mstart, mend, ranked, bounds, tmp, tick)
            texts, where, meta = got
            for w in range(0, len(ranked), _WINDOW):
                tick("writing clusters", w, len(ranked))
                window = ranked[w : w + _WINDOW]
                at = ranges(bounds[window], bounds[window + 1] - bounds[window])
                units_, docs_ = member[at].tolist(), mdoc[at].tolist()
                starts, ends = mstart[at].tolist(), mend[at].tolist()
                kinds = mkind[at].tolist()
                spans, places = texts[at].tolist(), where[at].tolist()
                i = 0
                for n, c in enumerate(window.tolist(), w + 1):
                    built = []
                    for k in range(i, i + int(bounds[c + 1] - bounds[c])):
                        key, path, date, title = meta[docs_[k]]
                        lo_, hi_ = spans[k]
                        line, col = places[k]
                        built.append(
                            Member(
                                key,
                                path,
                                starts[k],
                                ends[k],
                                _decode(tmp, lo_, hi_),
                                date,
                                title,
                                units_[k],
                                "p" if kinds[k] == 1 else "s",
                                line or None,
                                col or None,
                            )
                        )
                    i += len(built)
                    yield Cluster(
                        n,
                        "boilerplate" if boiler[c] else "duplicate",
                        int(sizes[c]),
                        (round(float(lo[c]), 4), round(float(hi[c]), 4)),
                        tuple(built),
                    )

    return AuditResult(len(ranked) - n_bp, n_bp, build)


def _passages(
    store: IndexStore,
    member: npt.NDArray[np.int64],
    cluster_of: npt.NDArray[np.int64],
    mdoc: npt.NDArray[np.int64],
    mstart: npt.NDArray[np.int64],
    mend: npt.NDArray[np.int64],
    mkind: npt.NDArray[np.int64],
    lo: npt.NDArray[np.float64],
    hi: npt.NDArray[np.float64],
    tick: Step,
    trimmed: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None = None,
) -> tuple[npt.NDArray[Any], ...]:
    """Join clusters that continue one another into passages.

    Cluster B continues cluster A when every member of A is followed in its document by a
    member of B, and every member of B follows one of A, with at most `GAP_CHARS` between
    them and the same text there in every document once normalized (`gap_key`): nothing but
    line breaks or markup, or the same sentence too short to be a unit. A reposted
    article's paragraphs were one cluster each, 31 clusters for one copied article in the
    real corpus.

    "Followed" pairs members both ways (`_neighbours`): a member's successor is the longest
    member starting first at or after its end, and that member's predecessor must be it in
    turn (the longest member ending last at or before its start). So a sentence cluster's
    member inside a paragraph member neither breaks that paragraph's chain nor joins across
    it. Chains become one cluster whose members run from the first member's start to the last
    one's end (`unit` and kind are the first one's); similarity is the range over the chain.
    Returns the arrays with clusters renumbered 0..n-1 and `lo`, `hi` per cluster.
    Deterministic, and independent of unit ids: the Spark engine does the same.

    `trimmed` (start, end per row: `_trim_edges`) are the spans reported: a chain runs from
    its first row's trimmed start to its last row's trimmed end. Links are found on the units'
    own spans, so trimming never joins or parts passages."""
    import numpy as np

    tstart, tend = trimmed if trimmed is not None else (mstart, mend)
    n = len(lo)
    if not n:
        return member, cluster_of, mdoc, tstart, tend, mkind, lo, hi
    r, q = _neighbours(mdoc, mstart, mend)
    keep_link = (cluster_of[r] != cluster_of[q]) & (mstart[q] - mend[r] <= GAP_CHARS)
    r, q = r[keep_link], q[keep_link]
    gap_text = _gap_texts(store, mdoc[r], mend[r], mstart[q], tick)
    # A link (A, B) counts where a member of A is directly followed by one of B; A and B join
    # when that is true of all their members, with one gap text among all those links.
    rows_of = np.bincount(cluster_of, minlength=n)
    pair = (cluster_of[r] << 32) | cluster_of[q]
    pairs, at, times = np.unique(pair, return_inverse=True, return_counts=True)
    a_, b_ = pairs >> 32, pairs & 0xFFFFFFFF
    ok = (times == rows_of[a_]) & (times == rows_of[b_])
    ids: dict[str, int] = {}
    gid = np.fromiter((ids.setdefault(t, len(ids)) for t in gap_text), np.int64, len(gap_text))
    texts_per_pair = np.bincount(sorted_unique((at << 32) | gid) >> 32, minlength=len(pairs))
    ok &= texts_per_pair == 1
    pred = np.full(n, -1, dtype=np.int64)
    pred[b_[ok]] = a_[ok]  # each cluster continues at most one, and is continued by at most one
    head = _chain_heads(pred)
    # Members joined the same way: a row's predecessor row, where its pair's link was taken.
    taken = ok[at] if len(at) else np.zeros(0, dtype=bool)
    prev_row = np.full(len(member), -1, dtype=np.int64)
    prev_row[q[taken]] = r[taken]
    first_row = _chain_heads(prev_row)
    rows = np.flatnonzero(prev_row < 0)  # the first row of each joined member
    end = np.zeros(len(member), dtype=np.int64)
    np.maximum.at(end, first_row, tend)  # a chain's rows follow one another: the last ends it
    labels = sorted_unique(head)
    new_lo = np.full(len(labels), np.inf)
    new_hi = np.full(len(labels), -np.inf)
    where = np.searchsorted(labels, head)
    np.minimum.at(new_lo, where, lo)
    np.maximum.at(new_hi, where, hi)
    return (
        member[rows],
        np.searchsorted(labels, head[cluster_of[rows]]),
        mdoc[rows],
        tstart[rows],
        end[rows],
        mkind[rows],
        new_lo,
        new_hi,
    )


def _neighbours(
    doc: npt.NDArray[np.int64], start: npt.NDArray[np.int64], end: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Pairs of rows (r, q) in one document where q is r's successor and r is q's predecessor:
    q the longest of the rows starting first at or after r's end, r the longest of the rows
    ending last at or before q's start."""
    import numpy as np

    m = len(doc)
    # Successor: rows by (doc, start, longest first); the first at or after (doc, end).
    by_start = np.lexsort((-end, start, doc))
    skey = (doc[by_start] << 32) | start[by_start]
    j = np.searchsorted(skey, (doc << 32) | end)
    has = j < m
    succ = np.full(m, -1, dtype=np.int64)
    succ[has] = by_start[j[has]]
    succ[has & (doc[np.maximum(succ, 0)] != doc)] = -1
    # Predecessor: rows by (doc, end, longest last); the last at or before (doc, start).
    by_end = np.lexsort((-start, end, doc))
    ekey = (doc[by_end] << 32) | end[by_end]
    i = np.searchsorted(ekey, (doc << 32) | start, side="right") - 1
    pred = np.full(m, -1, dtype=np.int64)
    pred[i >= 0] = by_end[i[i >= 0]]
    pred[(i >= 0) & (doc[np.maximum(pred, 0)] != doc)] = -1
    r = np.flatnonzero(succ >= 0)
    q = succ[r]
    mutual = pred[q] == r
    return r[mutual], q[mutual]


def _chain_heads(pred: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The first element of each chain given every element's predecessor (-1 for none), by
    pointer doubling: log of the longest chain passes. Chains here cannot cycle (a successor
    starts after its predecessor ends)."""
    import numpy as np

    head = np.where(pred >= 0, pred, np.arange(len(pred), dtype=np.int64))
    while True:
        nxt = head[head]
        if np.array_equal(nxt, head):
            return head
        head = nxt


def _gap_texts(
    store: IndexStore,
    docs: npt.NDArray[np.int64],
    starts: npt.NDArray[np.int64],
    ends: npt.NDArray[np.int64],
    tick: Step,
) -> list[str]:
    """Each text[start:end] of the documents as `gap_key` gives it, reading each document
    once, in id order."""
    import numpy as np

    out = [""] * len(docs)
    order = np.argsort(docs, kind="stable")
    keys: dict[str, str] = {}  # most gaps are one of a few strings (`\n\n`, `</p>\n<p>`)
    for rows, a, b in _by_document(store, docs[order], "joining passages", tick):
        for k in order[a:b].tolist():
            gap = rows[int(docs[k])]["text"][int(starts[k]) : int(ends[k])]
            if (key := keys.get(gap)) is None:
                key = keys[gap] = gap_key(gap)
            out[k] = key
    return out


def gap_key(gap: str) -> str:
    """The text between two members as prose: normalized (markup the normalizer skips, such as
    `</p>\n<p>` or `<br>`, is no text: a repost wrapped in HTML was one cluster per paragraph)
    and without `BLANK` characters."""
    import re

    from .normalize import normalize

    bare = re.sub(BLANK, "", gap)
    return re.sub(BLANK, "", normalize(gap).text) if bare else ""


def _by_document(
    store: IndexStore, docs: npt.NDArray[np.int64], phase: str, tick: Step
) -> Iterator[tuple[dict[int, dict[str, Any]], int, int]]:
    """The rows of the documents `docs` (sorted ids, repeats allowed) 500 at a time, each read
    once: (id -> row, a, b) where docs[a:b] are the entries those rows serve."""
    import numpy as np

    need = sorted_unique(docs)
    a = 0
    for i in range(0, len(need), 500):
        tick(phase, i, len(need))
        chunk = need[i : i + 500].tolist()
        rows = {int(r["id"]): r for r in store.docs(chunk)}
        b = int(np.searchsorted(docs, chunk[-1], side="right"))
        yield rows, a, b
        a = b


_DocMeta = tuple[str, str, str | None, str | None]  # key, path, date, title


def _temp_error(exc: OSError) -> ParadupError:
    """The member texts go to a temporary file; a full disk there is not the report's fault."""
    return ParadupError(
        f"{tempfile.gettempdir()}: cannot write the audit's temporary file of member texts "
        f"({exc.strerror or exc}); free space there or set TMPDIR to a directory with room"
    )


def _member_texts(
    store: IndexStore,
    mdoc: npt.NDArray[np.int64],
    mstart: npt.NDArray[np.int64],
    mend: npt.NDArray[np.int64],
    ranked: npt.NDArray[np.int64],
    bounds: npt.NDArray[np.int64],
    tmp: BinaryIO,
    tick: Step,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], dict[int, _DocMeta]]:
    """Write the text of every reported member to `tmp` as UTF-8, reading the documents in id
    order so each is decompressed once; return each member's (start, end) byte range in `tmp`
    and (line, column) of a cluster's first member's start in an article file (rows follow
    `mdoc`), and every document's metadata. Reading documents in the order of
    the report instead decompressed about one document per member (a third of the audit at a
    million paragraphs); the texts go to a file so memory does not grow with the report."""
    import numpy as np

    sel = ranges(bounds[ranked], bounds[ranked + 1] - bounds[ranked])
    sel = sel[np.argsort(mdoc[sel], kind="stable")]
    docs_of = mdoc[sel]
    spans = np.zeros((len(mdoc), 2), dtype=np.int64)
    where = np.zeros((len(mdoc), 2), dtype=np.int64)  # line and column; 0 for records
    first = set(bounds[ranked].tolist())  # each reported cluster's first member
    meta: dict[int, _DocMeta] = {}
    shown = shown_path_from(store.archive_folder())  # as `check --against` shows them
    pos = 0
    for rows, k, upto in _by_document(store, docs_of, "reading member texts", tick):
        part = sel[k:upto]
        blobs = [
            rows[d]["text"][s:e].encode("utf-8", "surrogatepass")
            for d, s, e in zip(
                docs_of[k:upto].tolist(), mstart[part].tolist(), mend[part].tolist(), strict=True
            )
        ]
        sizes = np.fromiter(map(len, blobs), dtype=np.int64, count=len(blobs))
        ends = pos + np.cumsum(sizes)
        spans[sel[k:upto], 0], spans[sel[k:upto], 1] = ends - sizes, ends
        try:
            tmp.write(b"".join(blobs))
        except OSError as exc:
            raise _temp_error(exc) from None
        pos = int(ends[-1]) if len(ends) else pos
        locate: dict[int, Locator] = {}
        at = zip(part.tolist(), docs_of[k:upto].tolist(), mstart[part].tolist(), strict=True)
        for m, d, s in at:
            if m not in first:  # only a cluster's first member is named by file:line:col
                continue
            if record_place(rows[d]["path"]) is None:  # an article file, not a record
                if d not in locate:
                    locate[d] = Locator(rows[d]["text"])
                where[m] = locate[d](s)
        for d, r in rows.items():
            date, title = r["date"], r["title"]
            meta[d] = (
                str(r["key"]),
                shown(str(r["path"])),
                date if isinstance(date, str) else None,
                title if isinstance(title, str) else None,
            )
    try:
        tmp.flush()
    except OSError as exc:
        raise _temp_error(exc) from None
    return spans, where, meta


def _decode(tmp: BinaryIO, start: int, end: int) -> str:
    tmp.seek(start)
    return tmp.read(end - start).decode("utf-8", "surrogatepass")


def _covered(
    units: _Units,
    para: npt.NDArray[np.int64],
    sent: npt.NDArray[np.int64],
    pstart: npt.NDArray[np.int64] | None = None,
    pend: npt.NDArray[np.int64] | None = None,
) -> npt.NDArray[np.bool_]:
    """Whether each unit of `sent` lies inside some unit of `para` of the same document (its
    span, or [pstart, pend) where given: trimmed paragraph members)."""
    import numpy as np

    if not len(para):
        return np.zeros(len(sent), dtype=bool)
    ps = units.start[para] if pstart is None else pstart
    pe = units.end[para] if pend is None else pend
    # Spans sorted by (doc, start); the running maximum of doc << 32 | end stays within a
    # document because doc is the high part, so it is the farthest end reached so far there.
    pkey = (units.doc[para] << 32) | ps
    order = np.argsort(pkey, kind="stable")
    pkey = pkey[order]
    reach = np.maximum.accumulate(((units.doc[para] << 32) | pe)[order])
    sdoc = units.doc[sent]
    at = np.searchsorted(pkey, (sdoc << 32) | units.start[sent], side="right") - 1
    found = at >= 0
    at = np.maximum(at, 0)
    inside: npt.NDArray[np.bool_] = (
        found & ((pkey[at] >> 32) == sdoc) & (reach[at] >= ((sdoc << 32) | units.end[sent]))
    )
    return inside


# A paragraph member's edge sentence is restated when at least this share of its shingles is
# in the other members' sets (their union: any other document of the cluster). Containment,
# not the units' 0.7 Jaccard: of 300 real sentences each with one word replaced, 98 % of those
# of 12-19 characters and all longer ones keep 0.5 or more (their Jaccard with the original
# is under 0.7 for 87 % and 40 %); an unrelated sentence against a whole other article has a
# median of 0 and 0.08 at the 99th percentile. The real corpus's audit judged 1,391 edge
# sentences: 510 under 0.1, 586 at 0.9 or more; those between 0.3 and 0.5 are titles sharing
# words with the body, and headers glued to a lead without a sentence break.
SHARED_SENTENCE = 0.5
_TRIM_BLOCK = 1 << 21  # characters of members whose shingles are in memory at once


def _paragraph_sentences(
    units: _Units, para: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The sentence units of the documents of `para` (paragraph unit ids) sorted by (document,
    start), and for each paragraph the range [lo, hi) of its own among them: the sentences
    starting inside it (a sentence never crosses a paragraph). Only the sentences of those
    documents are sorted, not every sentence of the index."""
    import numpy as np

    doc = units.doc
    need = np.zeros(int(doc.max()) + 2, dtype=bool)  # doc -1 (gone) indexes the last: False
    need[doc[para]] = True
    sid = np.flatnonzero((units.kind == 0) & need[doc])
    key = (doc[sid] << 32) | units.start[sid]
    order = np.argsort(key, kind="stable")
    sid, key = sid[order], key[order]
    lo = np.searchsorted(key, (doc[para] << 32) | units.start[para])
    hi = np.searchsorted(key, (doc[para] << 32) | units.end[para])
    return sid, lo, hi


def _containment(
    store: IndexStore,
    sent: npt.NDArray[np.int64],
    group: npt.NDArray[np.int64],
    shared: npt.NDArray[np.int64],
) -> npt.NDArray[np.float64]:
    """For each sentence unit of `sent`: the share of its shingles h with `group << 32 | h` in
    `shared` (sorted). A sentence without shingles counts as restated (1.0)."""
    import numpy as np

    ids = sorted_unique(sent)
    flat, offs = _shingle_sets(store, ids)
    pos = np.searchsorted(ids, sent)
    lens = offs[pos + 1] - offs[pos]
    keys = (np.repeat(group, lens) << 32) | flat[ranges(offs[pos], lens)].astype(np.int64)
    at = np.minimum(np.searchsorted(shared, keys), max(len(shared) - 1, 0))
    hit = (shared[at] == keys) if len(shared) else np.zeros(len(keys), dtype=bool)
    owner = np.repeat(np.arange(len(sent), dtype=np.int64), lens)
    got = np.bincount(owner, weights=hit, minlength=len(sent))
    return np.where(lens > 0, got / np.maximum(lens, 1), 1.0)


def _trim_edges(
    store: IndexStore,
    units: _Units,
    group: npt.NDArray[np.int64],
    unit: npt.NDArray[np.int64],
    tick: Step = _no_step,
    whole: npt.NDArray[np.bool_] | None = None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The span of each row (`group`, `unit`), a paragraph's trimmed to what its group's rows in
    other documents restate: its leading and trailing sentence units whose shingles are less
    than `SHARED_SENTENCE` contained in theirs are dropped, up to the first restated sentence
    from each edge. A paragraph with no restated sentence unit keeps its span (never trimmed to
    nothing), and so does one of fewer than two sentence units. A paragraph of a web scrape is
    often a whole article: an article restated with 257 characters of its own after it was
    one paragraph member of 1,068 characters, and a document family's share of 1.0.

    A trimmed edge starts where the last dropped sentence unit ends, or ends where the first
    dropped one starts, blanks (`BLANK`) left out: a sentence under `min_chars` between the
    kept and the dropped ones has no unit to judge it by, and is given the benefit of the
    doubt (a restated article's closing `记者 张三。` stays with it).

    `whole` marks rows known to keep their span: a unit with an exact copy (Jaccard 1.0) in
    another document of its group has every shingle restated. Groups without any other row
    to trim are never read: exact reposts cost nothing.

    Works a block of groups at a time: the shingles of their rows, the (group, hash) keys that
    two or more documents of a group hold, then the edge sentences judged a round at a time
    (`_first_restated`), each round reading only the sentences it judges. On the real corpus
    (7,134 articles) this is about 10 ms of a 0.5 s audit."""
    import numpy as np

    start, end = units.start[unit].copy(), units.end[unit].copy()
    trim = units.kind[unit] == 1
    if whole is not None:
        trim &= ~whole
    prow = np.flatnonzero(trim)
    if not len(prow):
        return start, end
    sid, lo, hi = _paragraph_sentences(units, unit[prow])
    two = hi - lo >= 2
    prow, lo, hi = prow[two], lo[two], hi[two]
    if not len(prow):
        return start, end
    # Every row of the groups that hold such a paragraph, by group; blocks of whole groups.
    rows = np.flatnonzero(np.isin(group, sorted_unique(group[prow])))
    rows = rows[np.argsort(group[rows], kind="stable")]
    cand = np.zeros(len(unit), dtype=np.int64) - 1  # row -> its place in prow, or -1
    cand[prow] = np.arange(len(prow))
    cum = np.cumsum(end[rows] - start[rows])
    g_of = group[rows]
    cuts: list[tuple[npt.NDArray[np.int64], ...]] = []  # (row, gap start, gap end, 1 if head)
    i = 0
    while i < len(rows):
        j = int(np.searchsorted(cum, (cum[i - 1] if i else 0) + _TRIM_BLOCK, side="right"))
        j = max(j, i + 1)
        if j < len(rows):  # end at a group boundary
            j = int(np.searchsorted(g_of, g_of[j - 1], side="right"))
        tick("trimming paragraph edges", j, len(rows))
        block = rows[i:j]
        i = j
        shared = _shared_keys(store, units, group[block], unit[block])
        mine = cand[block]
        k = mine[mine >= 0]  # places in prow of this block's paragraphs to trim
        first, last = _first_restated(store, sid, lo[k], hi[k], group[prow[k]], shared)
        found = first < hi[k]  # else nothing restated: the span stays whole
        r, f, l_ = prow[k][found], first[found], last[found]
        # The gaps between the kept and the dropped sentence units at each trimmed edge.
        at = f > lo[k][found]
        head = sid[f[at] - 1], sid[f[at]]
        cuts.append((r[at], units.end[head[0]], units.start[head[1]], np.ones_like(r[at])))
        at = l_ < hi[k][found] - 1
        tail = sid[l_[at]], sid[l_[at] + 1]
        cuts.append((r[at], units.end[tail[0]], units.start[tail[1]], np.zeros_like(r[at])))
    if cuts:
        r, a, b, is_head = (np.concatenate(c) for c in zip(*cuts, strict=True))
        blanks = _edge_blanks(store, units.doc[unit[r]], a, b, is_head, tick)
        h = is_head == 1
        start[r[h]] = a[h] + blanks[h]
        end[r[~h]] = b[~h] - blanks[~h]
    return start, end


def _edge_blanks(
    store: IndexStore,
    docs: npt.NDArray[np.int64],
    starts: npt.NDArray[np.int64],
    ends: npt.NDArray[np.int64],
    head: npt.NDArray[np.int64],
    tick: Step,
) -> npt.NDArray[np.int64]:
    """How many `BLANK` characters each text[start:end] of the documents `docs` opens with
    (head 1) or ends with (head 0). Reads only the documents where that text is not empty:
    sentence units mostly follow one another without a character between them."""
    import numpy as np

    out = np.zeros(len(docs), dtype=np.int64)
    some = np.flatnonzero(ends > starts)
    if not len(some):
        return out
    order = some[np.argsort(docs[some], kind="stable")]
    for rows, a, b in _by_document(store, docs[order], "trimming paragraph edges", tick):
        for k in order[a:b].tolist():
            gap = rows[int(docs[k])]["text"][int(starts[k]) : int(ends[k])]
            out[k] = edge_blanks(gap, bool(head[k]))
    return out


_LEAD_BLANKS = re.compile(f"{BLANK}*")
_TRAIL_BLANKS = re.compile(f"{BLANK}*\\Z")


def edge_blanks(gap: str, head: bool) -> int:
    """How many `BLANK` characters the text between a kept and a dropped sentence opens with
    (`head`: the kept one follows it) or ends with: left out of a trimmed edge, by both
    engines."""
    m = _LEAD_BLANKS.match(gap) if head else _TRAIL_BLANKS.search(gap)
    return m.end() - m.start() if m else 0


def _shared_keys(
    store: IndexStore, units: _Units, group: npt.NDArray[np.int64], unit: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Sorted `group << 32 | hash` of the shingles that units of two or more documents of a
    group hold: for a member, those its group's other documents restate (it holds them)."""
    import numpy as np

    ids = sorted_unique(unit)
    flat, offs = _shingle_sets(store, ids)
    pos = np.searchsorted(ids, unit)
    lens = offs[pos + 1] - offs[pos]
    hashes = flat[ranges(offs[pos], lens)].astype(np.int64)
    gd, gd_of = np.unique((group << 32) | units.doc[unit], return_inverse=True)
    if len(gd) < len(unit):
        # A document with two units in a group: its (group, document, hash) made distinct
        # first, so that a hash counts once for it.
        codes = sorted_unique((np.repeat(gd_of.astype(np.int64), lens) << 32) | hashes)
        keys = ((gd[codes >> 32] >> 32) << 32) | (codes & 0xFFFFFFFF)
    else:  # each unit's hashes are distinct already
        keys = (np.repeat(group, lens) << 32) | hashes
    keys.sort()
    twice: npt.NDArray[np.int64] = keys[1:][keys[1:] == keys[:-1]]  # a key held 3 times: twice
    if len(twice):
        twice = twice[np.concatenate(([True], twice[1:] != twice[:-1]))]
    return twice


def _first_restated(
    store: IndexStore,
    sid: npt.NDArray[np.int64],
    lo: npt.NDArray[np.int64],
    hi: npt.NDArray[np.int64],
    group: npt.NDArray[np.int64],
    shared: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """For each paragraph (its sentences sid[lo:hi], of `group`): the index in `sid` of its
    first restated sentence (hi when none) and of its last (judged only after the first).

    Each round judges the next sentences in from the edge of every paragraph not settled yet,
    one in the first round and twice as many in each next one: most paragraphs settle on
    their edge sentences, and one that drops hundreds (a scrape's tail of style attributes,
    one short "sentence" each) takes a few rounds, not one per sentence."""
    import numpy as np

    first = lo.copy()
    live = np.flatnonzero(hi > lo)
    width = 1
    while len(live):
        count = np.minimum(width, hi[live] - first[live])
        at = ranges(first[live], count)
        owner = np.repeat(np.arange(len(live)), count)
        ok = _containment(store, sid[at], group[live][owner], shared) >= SHARED_SENTENCE
        hit = _edge_hits(owner[ok], at[ok], len(live), first=True)
        found = hit >= 0
        first[live[found]] = hit[found]
        first[live[~found]] += count[~found]
        live = live[~found]
        live = live[first[live] < hi[live]]
        width *= 2
    last = hi - 1
    live = np.flatnonzero(last > first)  # where first == hi, last < first: left alone
    width = 1
    while len(live):
        count = np.minimum(width, last[live] - first[live])
        at = ranges(last[live] - count + 1, count)
        owner = np.repeat(np.arange(len(live)), count)
        ok = _containment(store, sid[at], group[live][owner], shared) >= SHARED_SENTENCE
        hit = _edge_hits(owner[ok], at[ok], len(live), first=False)
        found = hit >= 0
        last[live[found]] = hit[found]
        last[live[~found]] -= count[~found]
        live = live[~found]
        live = live[last[live] > first[live]]
        width *= 2
    return first, last


def _edge_hits(
    owner: npt.NDArray[np.int64], at: npt.NDArray[np.int64], n: int, first: bool
) -> npt.NDArray[np.int64]:
    """Per owner 0..n-1, the first (or last) of its `at` values (owners ascending, each one's
    values ascending), -1 for an owner without any."""
    import numpy as np

    out = np.full(n, -1, dtype=np.int64)
    if len(owner):
        edge = np.ones(len(owner), dtype=bool)
        if first:
            edge[1:] = owner[1:] != owner[:-1]
        else:
            edge[:-1] = owner[1:] != owner[:-1]
        out[owner[edge]] = at[edge]
    return out


# A story reposted that often, not a template: a frequent cluster most of whose documents it
# holds this share of (`_boilerplate`); for `--documents`, frequent clusters over the same
# documents holding this share of each of them (`families`).
REPOST_SHARE = 0.8


def _boilerplate(
    units: _Units,
    widespread: npt.NDArray[np.bool_],
    cluster_of: npt.NDArray[np.int64],
    mdoc: npt.NDArray[np.int64],
    mstart: npt.NDArray[np.int64],
    mend: npt.NDArray[np.int64],
) -> npt.NDArray[np.bool_]:
    """Which clusters are boilerplate: in `--boilerplate-docs` documents or more (`widespread`)
    and not the bulk of most of them. A footer, a disclaimer, a template line (a footer half of
    each short post too) is; a wire story reposted whole by as many sites is a duplicate, even
    when long round-ups quote it too. A document is mostly the cluster when its members there,
    with those of the clusters whose documents nest with its (`repost_families`: the story's
    lead that round-ups quote is a cluster of its own), hold `REPOST_SHARE` of its sentence
    units: counted, not measured in raw characters, where a link's address or HTML would
    weigh more than the words. The Spark engine does the same."""
    import numpy as np

    if not widespread.any():
        return widespread
    sent = units.kind == 0
    key = np.sort((units.doc[sent] << 32) | units.start[sent])
    total = np.bincount(units.doc[sent], minlength=int(mdoc.max()) + 1)
    pair = sorted_unique((cluster_of << 32) | mdoc)
    pc, pd = pair >> 32, pair & 0xFFFFFFFF
    n = len(widespread)
    family = repost_families(pc, pd, widespread)
    # The sentence units inside the members of the widespread clusters' families (a unit two
    # members hold counts once), then per (family, document).
    w = (widespread | (family != np.arange(n)))[cluster_of]
    lo = np.searchsorted(key, (mdoc[w] << 32) | mstart[w])
    hi = np.searchsorted(key, (mdoc[w] << 32) | mend[w])
    n_keys = max(len(key), 1)
    inside = sorted_unique(family[np.repeat(cluster_of[w], hi - lo)] * n_keys + ranges(lo, hi - lo))
    fam, unit = inside // n_keys, inside % n_keys
    fam_doc, held = np.unique((fam << 32) | (key[unit] >> 32), return_counts=True)
    want = (family[pc] << 32) | pd
    at = np.minimum(np.searchsorted(fam_doc, want), max(len(fam_doc) - 1, 0))
    count = np.where(fam_doc[at] == want, held[at], 0) if len(fam_doc) else np.zeros(len(pc))
    whole = total[pd]  # (a document of no sentence units is no repost)
    mostly = (whole > 0) & (count >= REPOST_SHARE * whole)
    reposted = np.bincount(pc, weights=mostly, minlength=n)
    return widespread & (2 * reposted < np.bincount(pc, minlength=n))


def repost_families(
    comp: npt.NDArray[np.int64], doc: npt.NDArray[np.int64], wide: npt.NDArray[np.bool_]
) -> npt.NDArray[np.int64]:
    """A family for each cluster 0..len(wide)-1, from (cluster, document) pairs (at least
    those of every document a `wide` cluster is in): a cluster whose documents all hold a
    wide one, and are at least half of its documents, is of its family, transitively; every
    other cluster is its own. A story reposted whole and quoted in part by round-ups is
    several clusters (the quoted lead, the rest, whose documents are most of the lead's); a
    site's footer holds the few stories it reposted, not half its documents each, and is no
    family with them (an aggregator's footer would be called a repost).

    Exact, and near the pairs' count in practice: the candidates of a cluster are the wide
    ones of its document in the fewest wide clusters (a digest page in every cluster is
    nobody's candidate source), within the size window; each candidate's documents are then
    probed in rounds of doubling length, in an order by hash, and dropped at its first miss
    (template lines each on most pages: a miss among the first few). Shared with the Spark
    engine (run on the driver over its collected pairs, numbered its own way: exact, so the
    numbering does not matter), so both label alike."""
    import numpy as np

    n = len(wide)
    family = np.arange(n, dtype=np.int64)
    if not len(comp) or not wide.any():
        return family
    by_comp = sorted_unique((comp << 32) | doc)
    c, d = by_comp >> 32, by_comp & 0xFFFFFFFF
    size = np.bincount(c, minlength=n)
    on = wide[c]
    degree = np.bincount(d[on], minlength=int(d.max()) + 1)
    # Each cluster's rows by (degree, hash of the document): its first row is its document
    # in the fewest wide clusters, and the rest is the order its documents are probed in.
    mixed = d.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)  # odd: a bijection, mod 2**64
    order = np.lexsort((mixed, degree[d], c))
    c, d = c[order], d[order]
    present = np.flatnonzero(size)
    start = np.searchsorted(c, present)
    source = d[start]
    by_doc = np.sort((by_comp[on] & 0xFFFFFFFF) << 32 | (by_comp[on] >> 32))
    lo = np.searchsorted(by_doc, source << 32)
    hi = np.searchsorted(by_doc, (source + 1) << 32)
    small = np.repeat(present, hi - lo)
    first = np.repeat(start, hi - lo)  # where the small one's rows begin in (c, d)
    big = by_doc[ranges(lo, hi - lo)] & 0xFFFFFFFF
    # The larger of two (the lower-numbered of two of one size, if both are wide), in at
    # most twice the smaller's documents.
    s, b = size[small], size[big]
    keep = ((b > s) | ((b == s) & ((big < small) | ~wide[small]))) & (2 * s >= b) & (big != small)
    small, big, first = small[keep], big[keep], first[keep]
    done = np.zeros(len(small), dtype=np.int64)  # rows of the small one found in the big one
    alive = np.ones(len(small), dtype=bool)
    step = 16
    while True:
        todo = np.flatnonzero(alive & (done < size[small]))
        if not len(todo):
            break
        take = np.minimum(step, size[small[todo]] - done[todo])
        rows = ranges(first[todo] + done[todo], take)
        probe = (np.repeat(big[todo], take) << 32) | d[rows]
        at = np.minimum(np.searchsorted(by_comp, probe), len(by_comp) - 1)
        hit = (by_comp[at] == probe).astype(np.int64)
        whole = np.add.reduceat(hit, np.cumsum(take) - take) == take
        alive[todo[~whole]] = False
        done[todo] += take
        step *= 2
    if alive.any():  # each edge's component, named by its smallest cluster
        root = _components(small[alive], big[alive])
        family[small[alive]] = root
        family[big[alive]] = root
    return family


def _doc_rank(store: IndexStore, column: str, key: Callable[[Any], Any]) -> npt.NDArray[np.int64]:
    """Rank of every document id by `key` of its `column` (dates: undated last, so first
    occurrence first; keys: the order large buckets are read in). Equal keys share a rank."""
    import numpy as np

    rows = store.con.execute(f"SELECT id, {column} FROM docs").fetchall()
    rank = np.zeros(max((r[0] for r in rows), default=0) + 1, dtype=np.int64)
    ordered = sorted(((key(v), i) for i, v in rows), key=lambda kv: kv[0])
    n = 0
    for j, (k, doc_id) in enumerate(ordered):
        if j and k != ordered[j - 1][0]:
            n += 1
        rank[doc_id] = n
    return rank


def audit(
    store: IndexStore,
    threshold: float = 0.7,
    boilerplate_docs: int | None = None,
    progress: Callable[[str], None] | None = None,
    step: Step | None = None,
) -> list[Cluster]:
    """`audit_stream`'s clusters as a list, for small archives and tests."""
    with store.snapshot():
        return list(audit_stream(store, threshold, boilerplate_docs, progress, step))
