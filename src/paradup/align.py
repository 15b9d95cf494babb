"""Align stage: verified unit pairs become maximal passage pairs (seed, extend, filter).

LSH only proposes; every pair is re-verified on exact token sets here. Neighbouring matches are
merged, passages are extended over neighbouring sentences that still resemble each other, and
contained or overlapping reports are dropped so each later span names one earlier source.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .prepare import PreparedSentence


@dataclass(frozen=True)
class Passage:
    """Inclusive global sentence ranges [a0, a1] (earlier) and [b0, b1] (later)."""

    a0: int
    a1: int
    b0: int
    b1: int
    similarity: float


MAX_SHIFT = 2  # sentences an edit may add or drop inside a merged passage (`Aligner.merge`)
NEAR_EXACT = 0.9  # a fallback sentence this similar to its source counts as a pasted copy


def union(sents: Sequence[PreparedSentence], lo: int, hi: int) -> set[int]:
    out: set[int] = set()
    for s in sents[lo : hi + 1]:
        out.update(s.hashes)
    return out


def jaccard_sets(a: set[int], b: set[int]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def _side(lo: int, hi: int, g_lo: int, g_hi: int) -> int:
    """-1 if [lo, hi] lies wholly before [g_lo, g_hi], 1 if wholly after, else 0."""
    return -1 if hi < g_lo else 1 if lo > g_hi else 0


class Aligner:
    """Holds the flattened sentences of all documents and builds passages from matches."""

    def __init__(
        self,
        sents: Sequence[PreparedSentence],
        threshold: float,
        extend_threshold: float,
        min_chars: int,
    ) -> None:
        self.sents = sents
        self.threshold = threshold
        self.extend_threshold = extend_threshold
        self.min_chars = min_chars

    def _usable(self, i: int) -> bool:
        return 0 <= i < len(self.sents) and self.sents[i].prose and bool(self.sents[i].hashes)

    def _valid(self, a0: int, a1: int, b0: int, b1: int) -> bool:
        """Both ranges inside one document each, and A strictly before B when they share one."""
        s = self.sents
        if not (0 <= a0 <= a1 < len(s) and 0 <= b0 <= b1 < len(s)):
            return False
        if s[a0].doc != s[a1].doc or s[b0].doc != s[b1].doc:
            return False
        return not (s[a0].doc == s[b0].doc and a1 >= b0)

    def similarity(self, a0: int, a1: int, b0: int, b1: int) -> float:
        return jaccard_sets(union(self.sents, a0, a1), union(self.sents, b0, b1))

    def chars(self, lo: int, hi: int) -> int:
        return sum(s.chars for s in self.sents[lo : hi + 1])

    def merge(self, matches: Sequence[tuple[int, int, int, int]]) -> list[Passage]:
        """Greedily merge matches whose ranges touch on both sides, longest first.

        A match joins a passage only if it lies on the same side of it in A and in B: text
        restated in reverse order (A B C ... C B A) would otherwise become one passage whose
        sides pair crossing sentences.
        """
        order = sorted(matches, key=lambda m: (-(m[1] - m[0] + m[3] - m[2]), m[0], m[2]))
        groups: list[list[int]] = []
        # Groups only grow, so "groups whose B range covers sentence i" can be kept by adding
        # cells: the first touching group is found without scanning every group. (B, the later
        # side, has few sources per sentence; A may be the source of many restatements.)
        by_cell: dict[int, list[int]] = {}

        def register(gid: int, lo: int, hi: int) -> None:
            for i in range(lo, hi + 1):
                cell = by_cell.setdefault(i, [])
                if not cell or cell[-1] != gid:
                    cell.append(gid)

        for a0, a1, b0, b1 in order:
            near = sorted({gid for i in range(b0 - 1, b1 + 2) for gid in by_cell.get(i, ())})
            for gid in near:
                g = groups[gid]
                if (
                    a0 <= g[1] + 1
                    and a1 >= g[0] - 1
                    and b0 <= g[3] + 1
                    and b1 >= g[2] - 1
                    and _side(a0, a1, g[0], g[1]) * _side(b0, b1, g[2], g[3]) >= 0
                    # On the group's diagonal: a paragraph pasted twice after its source
                    # (P … P' P'') gave matches P→P' and P→P'' whose later sides touch and
                    # whose sources overlap; merged, one finding paired P with P' and most
                    # of P'' (P''s own edit shown nowhere). An edit shifts it a sentence or two.
                    # (Measured at either end of the group: a restatement that splits
                    # a sentence in several places drifts one further each time.)
                    and min(abs(b0 - a0 - g[2] + g[0]), abs(b1 - a1 - g[3] + g[1])) <= MAX_SHIFT
                    # Nor a source pasted again right after its pasted copy (P … P P P of a
                    # paragraph of one or two sentences lies within MAX_SHIFT of the next
                    # diagonal): one finding paired 2 sentences with 16. (Edited copies
                    # stay merged: apart, the second was taken for a templated list item.)
                    and not (
                        g[0] <= a0
                        and a1 <= g[1]
                        and b0 > g[3]
                        and self.similarity(a0, a1, b0, b1) >= NEAR_EXACT
                        and self.similarity(*g) >= NEAR_EXACT
                    )
                ):
                    merged = [min(a0, g[0]), max(a1, g[1]), min(b0, g[2]), max(b1, g[3])]
                    if self._valid(*merged):
                        # Only the cells the B range gained: re-registering the whole range
                        # made a long run of repeats quadratic.
                        register(gid, merged[2], g[2] - 1)
                        register(gid, g[3] + 1, merged[3])
                        g[:] = merged
                        break
            else:
                groups.append([a0, a1, b0, b1])
                register(len(groups) - 1, b0, b1)
        out = []
        for a0, a1, b0, b1 in groups:
            p = Passage(a0, a1, b0, b1, self.similarity(a0, a1, b0, b1))
            q = self.trim(p)
            if q.b0 > b0 and self._crossing(q):
                # Trimmed into the end of one copy and the start of the next (P … P P′: the
                # second sentence of P, then the first of P′, "restated" P at 1.00 with a
                # sentence inserted and deleted): the group's first block in order instead.
                ends = (q.a0, q.a1, b0, b0 + q.a1 - q.a0)
                alt = Passage(*ends, self.similarity(*ends)) if self._valid(*ends) else None
                if alt is not None and not self._crossing(alt):
                    q = alt
            out.append(self.extend(q))
        return out

    def _crossing(self, p: Passage) -> bool:
        """Whether the later side's sentences, each taken to the earlier sentence it shares
        most with, run backwards somewhere."""
        if p.a0 == p.a1 or p.b0 == p.b1:
            return False
        last = -1
        for j in range(p.b0, p.b1 + 1):
            mine = set(self.sents[j].hashes)
            best = max(range(p.a0, p.a1 + 1), key=lambda i: len(mine & set(self.sents[i].hashes)))
            if not mine & set(self.sents[best].hashes):
                continue
            if best < last:
                return True
            last = best
        return False

    def _restated_share(self, i: int, other: set[int]) -> float:
        own = self.sents[i].hashes
        return sum(1 for h in own if h in other) / len(own) if own else 0.0

    def trim(self, p: Passage) -> Passage:
        """Drop edge sentences the other side barely restates (windows overshoot).

        A sentence is kept while at least `extend_threshold` of its shingles occur on the
        other side, so a restatement that spreads one sentence over two keeps both. Then
        repeated copies (`_drop_repeats`), then echoes (`_drop_echoes`) leave the ends.
        """
        a0, a1, b0, b1 = p.a0, p.a1, p.b0, p.b1
        changed = True
        while changed:
            changed = False
            ua, ub = union(self.sents, a0, a1), union(self.sents, b0, b1)
            for side, edge in (("a", a0), ("a", a1), ("b", b0), ("b", b1)):
                lo, hi = (a0, a1) if side == "a" else (b0, b1)
                if hi == lo:
                    continue
                if self._restated_share(edge, ub if side == "a" else ua) < self.extend_threshold:
                    lo, hi = (lo + 1, hi) if edge == lo else (lo, hi - 1)
                    if side == "a":
                        a0, a1 = lo, hi
                    else:
                        b0, b1 = lo, hi
                    changed = True
                    break
        a0, a1, b0, b1 = self._drop_echoes(*self._drop_repeats(a0, a1, b0, b1))
        if (a0, a1, b0, b1) == (p.a0, p.a1, p.b0, p.b1):
            return p
        return Passage(a0, a1, b0, b1, self.similarity(a0, a1, b0, b1))

    def _counts(self, lo: int, hi: int) -> Counter[int]:
        """In how many of sentences lo..hi each shingle occurs: one side's multiset, updated
        as edge sentences leave it."""
        c: Counter[int] = Counter()
        for i in range(lo, hi + 1):
            c.update(set(self.sents[i].hashes))
        return c

    def _drop_echoes(self, a0: int, a1: int, b0: int, b1: int) -> tuple[int, int, int, int]:
        """Drop an edge sentence whose shingles shared with the other side are (nearly) all
        shared by the rest of its own side already, while the other side's edge there does
        add (X Y X restated as X Y X stays whole): a title the lead restates, merged in front
        of the lead's copy, made an exact copy "near" with the title as a change. Counts of
        each shingle per side keep a long run of drops linear."""
        ends = {"a": [a0, a1], "b": [b0, b1]}
        counts = {name: self._counts(lo, hi) for name, (lo, hi) in ends.items()}

        def adds_nothing(name: str, edge: int) -> bool:
            own, other = counts[name], counts["b" if name == "a" else "a"]
            shared = [h for h in set(self.sents[edge].hashes) if other[h] > 0]
            new = sum(1 for h in shared if own[h] == 1)  # on this side, only the edge has it
            return bool(shared) and new <= (1 - NEAR_EXACT) * len(shared)

        changed = True
        while changed:
            changed = False
            for name, end in (("b", 1), ("a", 1), ("b", 0), ("a", 0)):
                other = "a" if name == "b" else "b"
                (lo, hi), (o_lo, o_hi) = ends[name], ends[other]
                edge, o_edge = (hi, o_hi) if end else (lo, o_lo)
                if (
                    hi > lo
                    and adds_nothing(name, edge)
                    and not (o_hi > o_lo and adds_nothing(other, o_edge))
                ):
                    counts[name].subtract(set(self.sents[edge].hashes))
                    ends[name] = [lo, hi - 1] if end else [lo + 1, hi]
                    changed = True
                    break
        (a0, a1), (b0, b1) = ends["a"], ends["b"]
        return a0, a1, b0, b1

    def _drop_repeats(self, a0: int, a1: int, b0: int, b1: int) -> tuple[int, int, int, int]:
        """Drop the sentences at an end of one side that only repeat the rest of that side,
        when the other side's edge there does not: `S1S | S | S` merged into one passage `S S`
        restating `S1S`, shown as a change `∅ → S`; the extra copy is a finding of its own
        (select's fallback). A copy that repeats a sentence as its source does (X Y X | X Y X)
        stays whole. A run shorter than `min_chars` stays too: it could not be reported (or
        counted) by itself. A run goes up to the first sentence that is not a repeat, short
        ones included, so a pasted paragraph leaves as a whole copy; the later end goes first
        and the earlier only when the later has nothing to give, so the earliest copy stays
        the passage's. Counts of each shingle per side make a long run of copies linear."""
        sides = {"a": [a0, a1], "b": [b0, b1]}
        counts = {name: self._counts(lo, hi) for name, (lo, hi) in sides.items()}

        def repeat(i: int, c: Counter[int], empty: bool) -> bool:
            own = set(self.sents[i].hashes)
            if not own:
                return empty
            return sum(c[h] > 1 for h in own) >= NEAR_EXACT * len(own)

        def take(name: str, end: int) -> bool:
            other = "b" if name == "a" else "a"
            o_lo, o_hi = sides[other]
            if o_hi > o_lo and repeat(o_hi if end else o_lo, counts[other], False):
                return False
            lo, hi = sides[name]
            c = counts[name]
            taken: list[int] = []
            while hi > lo:
                edge = hi if end else lo
                if not repeat(edge, c, bool(taken)):
                    break
                c.subtract(set(self.sents[edge].hashes))
                taken.append(edge)
                lo, hi = (lo, hi - 1) if end else (lo + 1, hi)
            if sum(self.sents[i].chars for i in taken) < self.min_chars:
                for i in taken:
                    c.update(set(self.sents[i].hashes))
                return False
            sides[name] = [lo, hi]
            return True

        while any(take(name, end) for end in (1, 0) for name in ("b", "a")):
            pass
        (a0, a1), (b0, b1) = sides["a"], sides["b"]
        return a0, a1, b0, b1

    def extend(self, p: Passage) -> Passage:
        """Grow a passage over neighbouring sentence pairs that still resemble each other.

        The passage's shingle sets and their intersection are updated incrementally, so a long
        restated section (a whole article copied twice) grows in linear time.
        """
        a0, a1, b0, b1, sim = p.a0, p.a1, p.b0, p.b1, p.similarity
        ua, ub = union(self.sents, a0, a1), union(self.sents, b0, b1)
        inter = len(ua & ub)
        for step in (1, -1):
            while True:
                na, nb = (a1 + 1, b1 + 1) if step == 1 else (a0 - 1, b0 - 1)
                if not (self._usable(na) and self._usable(nb)):
                    break
                cand = (a0, na, b0, nb) if step == 1 else (na, a1, nb, b1)
                if not self._valid(*cand):
                    break
                ha, hb = set(self.sents[na].hashes), set(self.sents[nb].hashes)
                if jaccard_sets(ha, hb) < self.extend_threshold:
                    break
                new_a, new_b = ha - ua, hb - ub
                # New shared shingles: new A ones already in B, new B ones in A, and both new.
                gain = len(new_a & ub) + len(new_b & ua) + len(new_a & new_b)
                size = len(ua) + len(new_a) + len(ub) + len(new_b)
                new_sim = (inter + gain) / (size - inter - gain)
                if new_sim < self.threshold:
                    break
                ua |= new_a
                ub |= new_b
                inter += gain
                a0, a1, b0, b1 = cand
                sim = new_sim
        return Passage(a0, a1, b0, b1, sim)

    def closer(
        self, passages: Sequence[Passage], matches: Sequence[tuple[int, int, int, int]]
    ) -> list[Passage]:
        """Each merged passage, or a verified match of the very same later span that is more
        similar to it: merging a near source with the exact copy beside it (paragraph 3 ending
        in paragraph 2, which restates paragraph 1) stitched paragraph 1 and 2 into the source
        and reported the exact copy as an edit of them."""
        best: dict[tuple[int, int], Passage] = {}
        spans = {(p.b0, p.b1) for p in passages}
        for a0, a1, b0, b1 in sorted(set(matches)):
            if (b0, b1) in spans:
                sim = self.similarity(a0, a1, b0, b1)
                if (b0, b1) not in best or sim > best[b0, b1].similarity:
                    best[b0, b1] = Passage(a0, a1, b0, b1, sim)
        out = []
        for p in passages:
            q = best.get((p.b0, p.b1))
            out.append(q if q is not None and q.similarity > p.similarity else p)
        return out

    def singles(self, matches: Sequence[tuple[int, int, int, int]]) -> list[Passage]:
        """The verified one-sentence matches as passages of their own: `select`'s second
        choice for later sentences no merged passage covers. (A sentence pasted n times in a
        row merged into overlapping groups of which `select` could keep only one: the copies
        after the fourth were neither reported nor counted.) Not extended: extending grows
        them back into the groups that lost."""
        return [
            Passage(a0, a1, b0, b1, self.similarity(a0, a1, b0, b1))
            for a0, a1, b0, b1 in sorted(set(matches))
            if a0 == a1 and b0 == b1
        ]

    def select(
        self, passages: Sequence[Passage], fallback: Sequence[Passage] = ()
    ) -> list[Passage]:
        """Drop weak, short, contained and overlapping passages; one source per later span.

        `fallback` passages are considered after all of `passages`, under the same rules: they
        only fill later spans nothing else covers."""

        def ranked_of(group: Sequence[Passage]) -> list[Passage]:
            return sorted(
                (
                    p
                    for p in group
                    if p.similarity >= self.threshold
                    and min(self.chars(p.a0, p.a1), self.chars(p.b0, p.b1)) >= self.min_chars
                ),
                key=lambda p: (-self.chars(p.b0, p.b1), -p.similarity, p.a0, p.b0),
            )

        first = ranked_of(passages)
        ranked = first + ranked_of(fallback)
        kept: list[Passage] = []
        # Kept B ranges are disjoint; sorted by start, the ones touching p are found by bisect.
        starts: list[int] = []
        by_start: list[Passage] = []
        for n, p in enumerate(ranked):
            i = bisect.bisect_right(starts, p.b1 + 1) - 1
            clash = False
            while i >= 0 and by_start[i].b1 >= p.b0 - 1:
                k = by_start[i]
                if (p.b0 <= k.b1 and k.b0 <= p.b1) or (
                    # Adjacent later spans may not share a source (a near-exact fallback copy
                    # may: it is what the passages left of a pasted run; a loose one next to
                    # its source's other restatement is a templated list item, not a copy);
                    # but sentence indices run on across files, and a file's last sentence
                    # is no neighbour of the next's first. Nor is a chain through a run of
                    # copies (S1S S S S: `S` restates `S1S`, then `S S` restates `S1S S`):
                    # one later span lies inside the other's source.
                    (n < len(first) or p.similarity < NEAR_EXACT)
                    # Unless the neighbour is a pasted copy of the source: an edited copy
                    # right before or after an exact one is a restatement, not a list item
                    # (it was neither reported nor counted).
                    and k.similarity < NEAR_EXACT
                    and p.a0 <= k.a1
                    and k.a0 <= p.a1
                    and self.sents[k.b0].doc == self.sents[p.b0].doc
                    and not k.a0 <= p.b0 <= p.b1 <= k.a1
                    and not p.a0 <= k.b0 <= k.b1 <= p.a1
                ):
                    clash = True
                    break
                i -= 1
            if not clash:
                kept.append(p)
                at = bisect.bisect_left(starts, p.b0)
                starts.insert(at, p.b0)
                by_start.insert(at, p)
        return sorted(kept, key=lambda p: (self.sents[p.a0].doc, p.a0, p.b0))
