"""Audit: clusters of passages that recur across documents of an index, and boilerplate.

Candidate pairs come from shared band keys (an ordered scan of the bands table) and are kept as
packed int64 arrays; a vectorized screen on the stored MinHash signatures drops pairs far below
the threshold, and every remaining pair is verified on exact shingle sets. Clusters are
connected components (union-find) of the verified pairs. Sentence clusters whose members all
lie inside a paragraph cluster's members are dropped as redundant. Units that recur in very
many documents are boilerplate templates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .index.store import IndexStore
from .lsh import sorted_unique

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


@dataclass(frozen=True)
class Cluster:
    cluster: int
    kind: str  # "duplicate" | "boilerplate"
    size: int  # distinct documents
    similarity: tuple[float, float]
    members: tuple[Member, ...]


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        root = x
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while self.parent.get(x, x) != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


Step = Callable[[str, int, int], None]  # (phase, done, total): drives a progress bar


def _no_step(_phase: str, _done: int, _total: int) -> None:
    pass


def _buckets(store: IndexStore, step: Step = _no_step) -> Iterator[list[int]]:
    """Members of every band bucket with at least two units, from an ordered scan."""
    total = store.con.execute("SELECT count(*) FROM units").fetchone()[0] * store.settings.bands
    if store.bands_pending():  # an unfinished bulk build: its runs are merged in by key range
        yield from _buckets_with_runs(store, step, total)
        return
    done = 0
    cur_key: int | None = None
    members: list[int] = []
    cursor = store.con.execute("SELECT key, unit FROM bands ORDER BY key")
    while rows := cursor.fetchmany(65536):
        done += len(rows)
        step("grouping band keys", done, max(total, done))
        for key, unit in rows:
            if key != cur_key:
                if len(members) > 1:
                    yield members
                cur_key, members = key, []
            members.append(unit)
    if len(members) > 1:
        yield members


def _buckets_with_runs(store: IndexStore, step: Step, total: int) -> Iterator[list[int]]:
    """`_buckets` over `bands` and the pending runs, one key range at a time (`band_codes`)."""
    import numpy as np

    from .index.store import PARTS

    done = 0
    for part in range(PARTS):
        codes = store.band_codes(part)
        done += len(codes)
        step("grouping band keys", done, max(total, done))
        if not len(codes):
            continue
        keys = codes >> 32
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        sizes = np.diff(np.append(starts, len(codes)))
        units = codes & 0xFFFFFFFF
        for a, n in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist(), strict=True):
            yield units[a : a + n].tolist()


def _order_rank(store: IndexStore) -> npt.NDArray[np.int64]:
    """Rank of every unit id in (document key, start, kind) order, the order the Spark engine
    uses for large buckets too. One sorted scan instead of a query and a cached Python tuple
    per unit: at a million paragraphs the cache alone held gigabytes."""
    import numpy as np

    top = store.con.execute("SELECT max(id) FROM units").fetchone()[0] or 0
    rank = np.zeros(top + 1, dtype=np.int64)
    cursor = store.con.execute(
        "SELECT u.id FROM units u JOIN docs d ON d.id = u.doc ORDER BY d.key, u.start, u.kind"
    )
    done = 0
    while rows := cursor.fetchmany(65536):
        ids = np.asarray(rows, dtype=np.int64).ravel()
        rank[ids] = np.arange(done, done + len(ids))
        done += len(ids)
    return rank


_CHUNK = 1 << 20  # candidate pairs handled per numpy step


def _candidate_pairs(store: IndexStore, step: Step = _no_step) -> npt.NDArray[np.int64]:
    """Distinct candidate pairs (a < b) packed as a << 32 | b, from shared band keys."""
    import numpy as np

    rank: npt.NDArray[np.int64] | None = None  # made on the first large bucket
    merged = np.zeros(0, dtype=np.int64)
    parts: list[npt.NDArray[np.int64]] = []
    buf: list[int] = []

    def flush() -> None:
        nonlocal merged, parts
        if buf:
            parts.append(sorted_unique(np.asarray(buf, dtype=np.int64)))
            buf.clear()
        # The same pair comes back from every band it shares: fold the chunks into one
        # distinct array whenever they outgrow it, so duplicates never pile up (geometric, so
        # each pair is re-sorted O(log n) times).
        if sum(len(x) for x in parts) > max(len(merged), _CHUNK * 8):
            merged = sorted_unique(np.concatenate([merged, *parts]))
            parts = []

    for members in _buckets(store, step):
        if len(members) <= ALL_PAIRS_UP_TO:
            ms = sorted(members)
            buf.extend(ms[y] << 32 | ms[x] for x in range(len(ms)) for y in range(x))
        else:
            if rank is None:
                rank = _order_rank(store)
            arr = np.asarray(members, dtype=np.int64)
            ms = arr[np.argsort(rank[arr], kind="stable")].tolist()
            for x in range(1, len(ms)):
                for y in range(max(0, x - PER_BUCKET), x):
                    a, b = min(ms[x], ms[y]), max(ms[x], ms[y])
                    buf.append(a << 32 | b)
        if len(buf) >= _CHUNK:
            flush()
    flush()
    return sorted_unique(np.concatenate([merged, *parts]))


def _unit_table(store: IndexStore) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int8]]:
    """Document id and kind (0 sentence, 1 paragraph; -1 gone) of every unit id, as arrays."""
    import numpy as np

    top = store.con.execute("SELECT max(id) FROM units").fetchone()[0] or 0
    doc = np.full(top + 1, -1, dtype=np.int64)
    kind = np.full(top + 1, -1, dtype=np.int8)
    cursor = store.con.execute("SELECT id, doc, kind = 'p' FROM units")
    while rows := cursor.fetchmany(65536):
        arr = np.asarray(rows, dtype=np.int64)
        doc[arr[:, 0]] = arr[:, 1]
        kind[arr[:, 0]] = arr[:, 2]
    return doc, kind


def _low_bytes(store: IndexStore, ids: npt.NDArray[np.int64]) -> npt.NDArray[np.uint8]:
    """The low 8 bits of each stored MinHash value of `ids` (sorted, distinct), one row each:
    a b-bit MinHash sketch, a quarter of the memory of the full signatures."""
    import numpy as np

    out = np.zeros((len(ids), store.settings.num_perm), dtype=np.uint8)
    for i in range(0, len(ids), 65536):
        rows = list(store.unit_sigs(ids[i : i + 65536].tolist()))
        sig = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.uint32)
        pos = np.searchsorted(ids, [r[0] for r in rows])
        out[pos] = (sig & 0xFF).astype(np.uint8).reshape(len(rows), -1)
    return out


# Pairs whose MinHash estimate is this far below the threshold are not verified exactly: at
# 128 permutations the estimate's standard error is at most 0.045 (8-bit values add a chance
# match of 1/256, corrected for below), so the margin is over 4 of them.
_ESTIMATE_MARGIN = 0.2


def _plausible(
    store: IndexStore, pairs: npt.NDArray[np.int64], threshold: float, step: Step = _no_step
) -> npt.NDArray[np.int64]:
    """Pairs across documents, of one kind, whose signatures estimate Jaccard near or above
    `threshold`: a vectorized screen so exact verification sees few pairs."""
    import numpy as np

    a, b = pairs >> 32, pairs & 0xFFFFFFFF
    doc, kind = _unit_table(store)
    ok = (kind[a] >= 0) & (kind[b] >= 0) & (kind[a] == kind[b]) & (doc[a] != doc[b])
    pairs, a, b = pairs[ok], a[ok], b[ok]
    del doc, kind
    ids = sorted_unique(np.concatenate([a, b]))
    sketch = _low_bytes(store, ids)
    keep = np.zeros(len(pairs), dtype=bool)
    chunk = _CHUNK // 4  # bounds the two (chunk, num_perm) temporaries
    chance = 1 / 256
    for i in range(0, len(pairs), chunk):
        sa = sketch[np.searchsorted(ids, a[i : i + chunk])]
        sb = sketch[np.searchsorted(ids, b[i : i + chunk])]
        est = ((sa == sb).mean(axis=1) - chance) / (1 - chance)
        keep[i : i + chunk] = est >= threshold - _ESTIMATE_MARGIN
        step("screening pairs", min(i + chunk, len(pairs)), len(pairs))
    return pairs[keep]


def audit(
    store: IndexStore,
    threshold: float = 0.7,
    boilerplate_docs: int | None = None,
    progress: Callable[[str], None] | None = None,
    step: Step | None = None,
) -> list[Cluster]:
    """Verified duplicate clusters across documents, largest first.

    `progress` gets a line per phase; `step` gets (phase, done, total) as each phase advances."""
    import numpy as np

    say = progress or (lambda _msg: None)
    tick = step or _no_step
    say("grouping band keys")
    candidates = _candidate_pairs(store, tick)
    say(f"screening {len(candidates)} candidate pairs with their signatures")
    packed = _plausible(store, candidates, threshold, tick)
    pairs = list(zip((packed >> 32).tolist(), (packed & 0xFFFFFFFF).tolist(), strict=True))
    say(f"verifying {len(pairs)} candidate pairs")
    needed = {u for p in pairs for u in p}
    info: dict[int, tuple[int, str, int, int, set[int]]] = {}
    for uid, doc, kind, start, end, blob in store.unit_rows(sorted(needed)):
        info[uid] = (doc, kind, start, end, set(np.frombuffer(blob, dtype=np.uint32).tolist()))
    uf = _UnionFind()
    edge_sims: dict[int, list[float]] = {}
    for n, (a, b) in enumerate(pairs):
        if n % 65536 == 0:
            tick("verifying pairs", n, len(pairs))
        # Within-document repeats are the check's business; kinds cluster apart (screened).
        _, _, _, _, ha = info[a]
        _, _, _, _, hb = info[b]
        inter = len(ha & hb)
        sim = inter / (len(ha) + len(hb) - inter) if ha and hb else 0.0
        if sim >= threshold:
            uf.union(a, b)
            edge_sims.setdefault(a, []).append(sim)
            edge_sims.setdefault(b, []).append(sim)
    groups: dict[int, list[int]] = {}
    for u in edge_sims:
        groups.setdefault(uf.find(u), []).append(u)
    say(f"{len(groups)} raw clusters")
    # Drop sentence clusters whose members all sit inside paragraph-cluster members.
    para_spans: dict[int, list[tuple[int, int]]] = {}
    for members in groups.values():
        if info[members[0]][1] == "p":
            for u in members:
                doc, _, s, e, _ = info[u]
                para_spans.setdefault(doc, []).append((s, e))

    def covered(u: int) -> bool:
        doc, _, s, e, _ = info[u]
        return any(ps <= s and e <= pe for ps, pe in para_spans.get(doc, ()))

    n_docs = store.counts()["docs"]
    bp_min = boilerplate_docs or max(10, n_docs // 200)
    docs_cache: dict[int, dict[str, object]] = {}
    clusters: list[Cluster] = []
    for n, members in enumerate(groups.values()):
        if n % 1024 == 0:
            tick("building clusters", n, len(groups))
        if info[members[0]][1] == "s" and all(covered(u) for u in members):
            continue
        sims = [s for u in members for s in edge_sims[u]]
        built = []
        for u in sorted(members, key=lambda u: (info[u][0], info[u][2])):
            doc, kind, s, e, _ = info[u]
            d = docs_cache.get(doc) or docs_cache.setdefault(doc, store.doc(doc))
            text = str(d["text"])
            built.append(
                Member(
                    str(d["key"]),
                    str(d["path"]),
                    s,
                    e,
                    text[s:e],
                    d["date"] if isinstance(d["date"], str) else None,
                    d["title"] if isinstance(d["title"], str) else None,
                    u,
                    kind,
                )
            )
        # First occurrence first: by date where known, then by index order.
        built.sort(key=lambda m: (m.date is None, m.date or "", m.unit))
        size = len({m.doc for m in built})
        kind = "boilerplate" if size >= bp_min else "duplicate"
        clusters.append(
            Cluster(0, kind, size, (round(min(sims), 4), round(max(sims), 4)), tuple(built))
        )
        if len(docs_cache) > 5000:
            docs_cache.clear()
    clusters.sort(key=lambda c: (-c.size, -len(c.members[0].text), c.members[0].unit))
    return [Cluster(i + 1, c.kind, c.size, c.similarity, c.members) for i, c in enumerate(clusters)]
