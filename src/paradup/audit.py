"""Audit: clusters of passages that recur across documents of an index, and boilerplate.

Candidate pairs come from shared band keys (an ordered scan of the bands table), every pair is
verified on exact shingle sets, and clusters are connected components (union-find) of the
verified pairs. Sentence clusters whose members all lie inside a paragraph cluster's members
are dropped as redundant. Units that recur in very many documents are boilerplate templates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .index.store import IndexStore

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


def _buckets(store: IndexStore) -> Iterator[list[int]]:
    """Members of every band bucket with at least two units, from an ordered scan."""
    cur_key: int | None = None
    members: list[int] = []
    for key, unit in store.con.execute("SELECT key, unit FROM bands ORDER BY key"):
        if key != cur_key:
            if len(members) > 1:
                yield members
            cur_key, members = key, []
        members.append(unit)
    if len(members) > 1:
        yield members


def _order_key(store: IndexStore) -> Callable[[int], tuple[str, int, str]]:
    cache: dict[int, tuple[str, int, str]] = {}

    def key(unit: int) -> tuple[str, int, str]:
        got = cache.get(unit)
        if got is None:
            row = store.con.execute(
                "SELECT d.key, u.start, u.kind FROM units u JOIN docs d ON d.id = u.doc "
                "WHERE u.id = ?",
                (unit,),
            ).fetchone()
            got = cache[unit] = (row[0], row[1], row[2])
        return got

    return key


def audit(
    store: IndexStore,
    threshold: float = 0.7,
    boilerplate_docs: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Cluster]:
    """Verified duplicate clusters across documents, largest first."""
    import numpy as np

    say = progress or (lambda _msg: None)
    say("grouping band keys")
    pairs: set[tuple[int, int]] = set()
    for members in _buckets(store):
        if len(members) <= ALL_PAIRS_UP_TO:
            pairs.update((members[y], members[x]) for x in range(len(members)) for y in range(x))
            continue
        members = sorted(members, key=_order_key(store))
        for x in range(1, len(members)):
            for y in range(max(0, x - PER_BUCKET), x):
                pairs.add((members[y], members[x]))
    say(f"verifying {len(pairs)} candidate pairs")
    needed = {u for p in pairs for u in p}
    info: dict[int, tuple[int, str, int, int, set[int]]] = {}
    for uid, doc, kind, start, end, blob in store.unit_rows(sorted(needed)):
        info[uid] = (doc, kind, start, end, set(np.frombuffer(blob, dtype=np.uint32).tolist()))
    uf = _UnionFind()
    edge_sims: dict[int, list[float]] = {}
    for a, b in pairs:
        da, ka, _, _, ha = info[a]
        db, kb, _, _, hb = info[b]
        if da == db or ka != kb:
            continue  # within-document repeats are the check's business; kinds cluster apart
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
    for members in groups.values():
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
