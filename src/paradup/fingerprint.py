"""Fingerprints stage: datasketch-compatible MinHash signatures computed in numpy batches.

The scheme is datasketch 2.x "affine32": each 32-bit shingle hash is pre-mixed with the
MurmurHash3 finalizer, then permuted as a*h+b mod 2^32 with (a, b) drawn exactly as
datasketch draws them from numpy's RandomState(seed). A test checks bit-identity.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

SCHEME = "affine32"
EMPTY = 0xFFFFFFFF  # datasketch's empty-signature sentinel for affine32
# minhash_groups: groups of at most _SMALL rows, _GROUPS at a time (best of 256-2048 x 32-128
# on news: a (num_perm, 512) uint32 array is 256 KB)
_SMALL = 64
_GROUPS = 512


@dataclass(frozen=True)
class Scheme:
    """Everything a stored signature depends on; an index refuses a different one."""

    num_perm: int = 128
    seed: int = 1
    scheme: str = SCHEME
    hashfunc: str = "sha1_hash32"


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> npt.NDArray[np.uint32]:
    """(2, num_perm) array of (a, b), identical to datasketch.MinHash(num_perm, seed)."""
    import numpy as np

    from . import _permutations as stored

    if (num_perm, seed) == (stored.NUM_PERM, stored.SEED):
        import base64

        raw = base64.b64decode("".join(stored.DATA))
        return np.frombuffer(raw, dtype="<u4").astype(np.uint32).reshape(2, num_perm)
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return np.array([a, b])


def fmix32(h: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """MurmurHash3 32-bit finalizer (wrapping arithmetic is intended)."""
    import numpy as np

    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def signatures(
    hash_sets: list[list[int]], num_perm: int = 128, seed: int = 1, chunk: int = 1024
) -> npt.NDArray[np.uint32]:
    """MinHash signature of each set of 32-bit shingle hashes, shape (len(hash_sets), num_perm).

    All shingles are permuted in matrix operations and reduced per set (`minhash_groups`); an
    empty set gets the all-EMPTY signature, as in datasketch.
    """
    import numpy as np

    out = np.full((len(hash_sets), num_perm), EMPTY, dtype=np.uint32)
    lengths = np.fromiter((len(s) for s in hash_sets), dtype=np.int64, count=len(hash_sets))
    nonempty = np.flatnonzero(lengths)
    if len(nonempty):
        total = int(lengths.sum())
        flat = np.fromiter((h for s in hash_sets for h in s), dtype=np.uint32, count=total)
        starts = np.cumsum(lengths[nonempty]) - lengths[nonempty]
        out[nonempty] = minhash_groups(flat, starts, num_perm, seed, chunk)
    return out


def minhash_groups(
    rows: npt.NDArray[np.uint32],
    starts: npt.NDArray[np.intp],
    num_perm: int,
    seed: int,
    chunk: int = 1024,
) -> npt.NDArray[np.uint32]:
    """Per group of `rows` (non-empty groups beginning at `starts`), the MinHash signature of
    its hashes.

    Groups of up to `_SMALL` rows (all but a few sentences) go `_GROUPS` at a time, in order of
    size: a (num_perm, groups) minimum takes their first rows, their second rows, ... (a
    group shorter than the longest of its chunk repeats its last row). Three array passes per
    row, none of them a `reduceat` over a few rows at a time, which cost as much as the
    permutations themselves (0.16 → 0.12 s for a tenth of the news corpus). Larger groups go
    `chunk` rows at a time, as (num_perm, rows) minima."""
    import numpy as np

    a, b = permutations(num_perm, seed)
    a_col, b_col = a[:, None], b[:, None]
    out = np.empty((len(starts), num_perm), dtype=np.uint32)
    ends = np.append(starts[1:], len(rows))
    sizes = ends - starts
    mixed = fmix32(rows)
    small = np.flatnonzero(sizes <= _SMALL)
    order = small[np.argsort(sizes[small], kind="stable")]
    perm = np.empty((num_perm, min(_GROUPS, len(order))), dtype=np.uint32)
    for lo in range(0, len(order), _GROUPS):
        at = order[lo : lo + _GROUPS]
        first = starts[at]
        last = sizes[at] - 1
        acc = np.multiply(a_col, mixed[first])
        acc += b_col
        p = perm[:, : len(at)]
        for j in range(1, int(last[-1]) + 1):  # the chunk's longest group is its last
            np.multiply(a_col, mixed[first + np.minimum(j, last)], out=p)
            p += b_col
            np.minimum(acc, p, out=acc)
        out[at] = acc.T
    for g in np.flatnonzero(sizes > _SMALL).tolist():
        acc = np.full(num_perm, EMPTY, dtype=np.uint32)
        for lo in range(int(starts[g]), int(ends[g]), chunk):
            p = np.multiply(a_col, mixed[lo : min(lo + chunk, int(ends[g]))])
            p += b_col
            np.minimum(acc, p.min(axis=1), out=acc)
        out[g] = acc
    return out


def jaccard(a: list[int], b: list[int]) -> float:
    """Exact Jaccard similarity of two sorted hash sets."""
    if not a and not b:
        return 0.0
    sa, sb = set(a), set(b)
    inter = len(sa & sb)
    return inter / (len(sa) + len(sb) - inter)
