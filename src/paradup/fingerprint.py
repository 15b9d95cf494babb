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

    All shingles of a batch are permuted in one matrix operation and reduced per set with
    `minimum.reduceat`; an empty set gets the all-EMPTY signature, as in datasketch.
    """
    import numpy as np

    a, b = permutations(num_perm, seed)
    out = np.full((len(hash_sets), num_perm), EMPTY, dtype=np.uint32)
    lengths = np.fromiter((len(s) for s in hash_sets), dtype=np.int64, count=len(hash_sets))
    nonempty = np.flatnonzero(lengths)
    # Process sets in groups whose shingle count fits the chunk, bounding the temporary matrix.
    i = 0
    while i < len(nonempty):
        j = i
        total = 0
        while j < len(nonempty) and (total == 0 or total + lengths[nonempty[j]] <= chunk):
            total += int(lengths[nonempty[j]])
            j += 1
        idx = nonempty[i:j]
        flat = np.fromiter((h for k in idx for h in hash_sets[k]), dtype=np.uint32, count=total)
        perm = np.multiply(fmix32(flat)[:, None], a[None, :])  # small chunks stay in cache
        perm += b
        offsets = np.concatenate(([0], np.cumsum(lengths[idx])[:-1]))
        out[idx] = np.minimum.reduceat(perm, offsets, axis=0)
        i = j
    return out


def jaccard(a: list[int], b: list[int]) -> float:
    """Exact Jaccard similarity of two sorted hash sets."""
    if not a and not b:
        return 0.0
    sa, sb = set(a), set(b)
    inter = len(sa & sb)
    return inter / (len(sa) + len(sb) - inter)
