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
    its hashes. Groups go `chunk` rows at a time (at least one whole group), so the
    (rows, num_perm) temporary stays in the CPU cache: 512 KB at num_perm 128. 1024 rows ran
    2.7x faster than 32768 on 200,000 random rows."""
    import numpy as np

    a, b = permutations(num_perm, seed)
    out = np.empty((len(starts), num_perm), dtype=np.uint32)
    ends = np.append(starts[1:], len(rows))
    mixed = fmix32(rows)
    g = 0
    while g < len(starts):
        h = max(g + 1, int(np.searchsorted(ends, starts[g] + chunk, side="right")))
        lo, hi = int(starts[g]), int(ends[h - 1])
        perm = np.multiply(mixed[lo:hi, None], a[None, :])
        perm += b
        out[g:h] = np.minimum.reduceat(perm, starts[g:h] - lo, axis=0)
        g = h
    return out


def jaccard(a: list[int], b: list[int]) -> float:
    """Exact Jaccard similarity of two sorted hash sets."""
    if not a and not b:
        return 0.0
    sa, sb = set(a), set(b)
    inter = len(sa & sb)
    return inter / (len(sa) + len(sb) - inter)
