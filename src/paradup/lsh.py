"""Candidates stage: LSH banding over MinHash signatures, vectorized with numpy.

Band keys are deterministic 64-bit digests of each band's rows, so the same signature gives the
same keys in every process (the persistent index stores them). LSH only proposes pairs;
the align stage verifies every one exactly.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

FIRST_IN_BUCKET = 4
_MUL = 0x9E3779B97F4A7C15  # golden-ratio odd constant, spreads each row over 64 bits


# optimal_bands for the defaults, so a check or a hook run does not integrate at start-up
# (tests/test_lsh.py recomputes every entry).
KNOWN_BANDS: dict[tuple[float, int], tuple[int, int]] = {
    (0.2, 128): (64, 2),
    (0.25, 128): (47, 2),
    (0.3, 128): (32, 2),
    (0.35, 128): (42, 3),
    (0.4, 128): (42, 3),
    (0.45, 128): (29, 3),
    (0.5, 128): (32, 4),
    (0.55, 128): (28, 4),
    (0.6, 128): (25, 5),
    (0.65, 128): (21, 6),
    (0.7, 128): (20, 6),
}


def optimal_bands(threshold: float, num_perm: int, fn_weight: float = 0.9) -> tuple[int, int]:
    """(bands, rows) minimizing weighted false positives/negatives around `threshold`."""
    if fn_weight == 0.9:
        known = KNOWN_BANDS.get((round(threshold, 6), num_perm))
        if known is not None:
            return known
    return compute_bands(threshold, num_perm, fn_weight)


@lru_cache(maxsize=64)
def compute_bands(threshold: float, num_perm: int, fn_weight: float = 0.9) -> tuple[int, int]:
    """(bands, rows) minimizing weighted false positives/negatives around `threshold`.

    The same criterion as datasketch's `_optimal_param`, integrated with numpy instead of
    scipy. We weight false negatives heavily because every candidate is verified exactly.
    """
    import numpy as np

    xs = np.linspace(0.0, 1.0, 1001)
    combos = np.array([(b, r) for b in range(1, num_perm + 1) for r in range(1, num_perm // b + 1)])
    p = 1.0 - (1.0 - xs[None, :] ** combos[:, 1:2]) ** combos[:, 0:1]
    lo = xs <= threshold
    fp = np.trapezoid(p[:, lo], xs[lo], axis=1)
    fn = np.trapezoid(1.0 - p[:, ~lo], xs[~lo], axis=1)
    best = int(np.argmin((1 - fn_weight) * fp + fn_weight * fn))
    return int(combos[best, 0]), int(combos[best, 1])


def band_keys(sigs: npt.NDArray[np.uint32], bands: int, rows: int) -> npt.NDArray[np.uint64]:
    """(n, bands) uint64 keys; key j digests rows j*rows .. j*rows+rows-1 and the band number."""
    import numpy as np

    n = sigs.shape[0]
    # All bands at once (a loop per band cost ~200 numpy calls per document on small inputs).
    cells = sigs[:, : bands * rows].reshape(n, bands, rows).astype(np.uint64)
    mul = np.uint64(_MUL)
    with np.errstate(over="ignore"):
        x = np.broadcast_to(np.arange(1, bands + 1, dtype=np.uint64) * mul, (n, bands)).copy()
        for r in range(rows):
            x ^= cells[:, :, r]
            x *= mul
            x ^= x >> np.uint64(29)
    return x


def sorted_unique(
    x: npt.NDArray[Any], in_place: bool = False, runs: bool = False
) -> npt.NDArray[Any]:
    """np.unique without its masked-array check: numpy 2.4's np.unique imports numpy.ma on
    first use, a fifth of a cold `paradup check`'s numpy start-up. `in_place` sorts `x` itself
    instead of a copy (large arrays). `runs`: x is a few sorted runs end to end, which the
    stable sort merges (0.42 s against 4.7 s for 56 M int64 in four runs)."""
    import numpy as np

    kind: Any = "stable" if runs else None
    if in_place:
        x.sort(kind=kind)
    s = x if in_place else np.sort(x, kind=kind)
    if len(s) < 2:
        return s
    keep = np.empty(len(s), dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def ranges(starts: npt.NDArray[np.int64], lens: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The concatenation of arange(s, s + n) for each (s, n)."""
    import numpy as np

    ends = np.cumsum(lens)
    return np.repeat(starts - (ends - lens), lens) + np.arange(int(ends[-1]) if len(ends) else 0)


def run_starts(x: npt.NDArray[Any]) -> npt.NDArray[np.intp]:
    """Start index of each run of equal values in x (x non-empty)."""
    import numpy as np

    return np.flatnonzero(np.concatenate(([True], x[1:] != x[:-1])))


def index_keys(keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.int32]:
    """The stored form of band keys: their high 32 bits (well mixed by `band_keys`).

    Half the bytes in memory and on disk; a chance collision only adds a candidate that exact
    verification then drops (about one per draft key among 4 billion per band)."""
    import numpy as np

    return (keys >> np.uint64(32)).astype(np.uint32).view(np.int32)


@lru_cache(maxsize=256)
def _pairs_of(n: int) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """np.triu_indices(n, 1), cached: a check meets hundreds of small buckets of few sizes,
    and building the indices took half of a cold check's matching time."""
    import numpy as np

    return np.triu_indices(n, 1)


def _big_bucket_codes(members: npt.NDArray[np.int64], max_bucket: int) -> npt.NDArray[np.int64]:
    """Pair codes of a bucket over `max_bucket`: each member x with the `max_bucket` members
    before it and the first `FIRST_IN_BUCKET` of the bucket, in numpy (a Python loop over the
    pairs was a third of a check of a paragraph pasted 200 times)."""
    import numpy as np

    x = np.arange(1, len(members))[:, None]
    near = x - np.arange(1, max_bucket + 1)[None, :]  # the members just before each
    first = np.broadcast_to(np.arange(FIRST_IN_BUCKET)[None, :], (len(x), FIRST_IN_BUCKET))
    lo = np.maximum(0, x - max_bucket)  # the earliest members, where `near` does not reach
    xs = np.broadcast_to(x, near.shape)
    ys = np.concatenate([near[near >= 0], first[first < lo]])
    xx = np.concatenate([xs[near >= 0], np.broadcast_to(x, first.shape)[first < lo]])
    codes: npt.NDArray[np.int64] = members[ys] << 32 | members[xx]
    return codes


def candidate_pair_array(
    keys: npt.NDArray[np.uint64],
    valid: npt.NDArray[np.bool_] | None = None,
    max_bucket: int = 64,
    focus: npt.NDArray[np.bool_] | None = None,
) -> npt.NDArray[np.int64]:
    """Distinct pairs (i, j), i < j, sharing at least one band key: an (n, 2) array, sorted.

    In a bucket larger than `max_bucket` each member is paired only with the `max_bucket`
    members before it and the bucket's first `FIRST_IN_BUCKET` (the earliest occurrences), so
    boilerplate repeated thousands of times stays linear. With `focus`, only pairs with at
    least one focus member are produced (a draft against its sources). Pairs are collected as
    packed 64-bit codes and deduplicated with numpy: every band of a duplicated unit proposes
    the same pair, and a Python set of them would dominate memory on large inputs.
    """
    import numpy as np

    found = np.empty(0, dtype=np.int64)  # sorted distinct codes so far
    ids = np.arange(keys.shape[0]) if valid is None else np.flatnonzero(valid)
    if len(ids) >= 2:
        for j in range(keys.shape[1]):
            col = keys[ids, j]
            order = np.argsort(col, kind="stable")
            sorted_keys = col[order]
            same = sorted_keys[1:] == sorted_keys[:-1]
            if not same.any():
                continue
            # Run boundaries among equal keys; members of a run are in index order.
            edges = np.flatnonzero(np.diff(np.concatenate(([0], same.view(np.int8), [0]))))
            starts, ends = edges[::2], edges[1::2]
            if focus is not None:  # a run without a focus member can only give unwanted pairs
                hits = np.concatenate(([0], np.cumsum(focus[ids[order]])))
                keep = hits[ends + 1] > hits[starts]
                starts, ends = starts[keep], ends[keep]
            two = ends - starts == 1  # most buckets hold one pair: vectorized
            a = ids[order[starts[two]]].astype(np.int64)
            b = ids[order[ends[two]]].astype(np.int64)
            codes = [a << 32 | b]
            sizes = ends - starts + 1
            small = ~two & (sizes <= max_bucket + 1)
            # Buckets of up to max_bucket + 1 members: every pair, all buckets of one size in
            # one numpy step (a Python loop per bucket was most of a folder check's pairing).
            for n in np.unique(sizes[small]).tolist():
                first = starts[small & (sizes == n)]
                members = ids[order[first[:, None] + np.arange(n)]].astype(np.int64)
                i, k = _pairs_of(n)
                codes.append((members[:, i] << 32 | members[:, k]).ravel())
            big = ~two & ~small
            for s, e in zip(starts[big], ends[big], strict=True):
                members = ids[order[s : e + 1]].astype(np.int64)  # ascending
                codes.append(_big_bucket_codes(members, max_bucket))
            # Deduplicate band by band: the same pair comes back from every band it shares.
            # `found` is sorted already: sort only this band's codes, then let the stable
            # sort merge the two runs (a full re-sort per band was most of this function).
            band = sorted_unique(np.concatenate(codes))
            found = sorted_unique(np.concatenate([found, band]), in_place=True, runs=True)
    pairs = np.stack([found >> 32, found & 0xFFFFFFFF], axis=1)
    if focus is not None:
        pairs = pairs[focus[pairs[:, 0]] | focus[pairs[:, 1]]]
    return pairs


def candidate_pairs(
    keys: npt.NDArray[np.uint64],
    valid: npt.NDArray[np.bool_] | None = None,
    max_bucket: int = 64,
    focus: npt.NDArray[np.bool_] | None = None,
) -> set[tuple[int, int]]:
    """`candidate_pair_array` as a set of tuples (small inputs and tests)."""
    arr = candidate_pair_array(keys, valid, max_bucket, focus)
    return {(int(a), int(b)) for a, b in arr}
