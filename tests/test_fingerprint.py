"""Fingerprints: numpy batch MinHash bit-identical to datasketch.MinHash (affine32, sha1_hash32)."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from paradup.fingerprint import EMPTY, jaccard, permutations, signatures
from paradup.tokens import SEPARATOR, hash32, shingle_hashes

SHINGLE = st.text(
    alphabet=st.sampled_from("推动企业高质量发展会议中国联通abcXYZ019 ,。" + SEPARATOR),
    min_size=1,
    max_size=8,
) | st.text(min_size=0, max_size=6)


def reference(shingles: list[str], num_perm: int, seed: int) -> np.ndarray:
    m = MinHash(num_perm=num_perm, seed=seed)
    m.update_batch([s.encode("utf-8") for s in shingles])
    return np.asarray(m.hashvalues)


def test_hash32_is_datasketch_sha1_hash32() -> None:
    from datasketch.hashfunc import sha1_hash32

    for s in ["", "推动\x1f企业", "abc", "会议" * 50]:
        assert hash32(s) == sha1_hash32(s.encode("utf-8"))


@pytest.mark.parametrize(("num_perm", "seed"), [(128, 1), (64, 7), (16, 0), (256, 42), (2, 3)])
def test_permutations_match_datasketch(num_perm: int, seed: int) -> None:
    # (128, 1) comes from the stored copy in paradup._permutations, the others from RandomState.
    m = MinHash(num_perm=num_perm, seed=seed)
    a, b = permutations(num_perm, seed)
    ref_a, ref_b = m.permutations
    assert np.array_equal(a.astype(np.uint64), np.asarray(ref_a, dtype=np.uint64))
    assert np.array_equal(b.astype(np.uint64), np.asarray(ref_b, dtype=np.uint64))


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    st.lists(st.lists(SHINGLE, max_size=30), min_size=1, max_size=6),
    st.sampled_from([(128, 1), (64, 7), (32, 0), (256, 12345)]),
)
def test_signatures_bit_identical_to_datasketch(
    sets: list[list[str]], params: tuple[int, int]
) -> None:
    num_perm, seed = params
    got = signatures([shingle_hashes(s) for s in sets], num_perm, seed)
    assert got.shape == (len(sets), num_perm)
    assert got.dtype == np.uint32
    for row, shingles in zip(got, sets, strict=True):
        want = reference(shingles, num_perm, seed)
        assert np.array_equal(row.astype(np.uint64), want.astype(np.uint64))


def test_small_chunks_give_the_same_signatures() -> None:
    rng = np.random.default_rng(5)
    sets = [
        [f"词{int(x)}" for x in rng.integers(0, 500, size=int(rng.integers(0, 40)))]
        for _ in range(60)
    ]
    hashed = [shingle_hashes(s) for s in sets]
    whole = signatures(hashed, 128, 1)
    for chunk in (1, 7, 100):
        assert np.array_equal(signatures(hashed, 128, 1, chunk=chunk), whole)
    for k in (0, 17, 59):
        assert np.array_equal(whole[k].astype(np.uint64), reference(sets[k], 128, 1))


def test_large_and_many_sets_give_datasketch_signatures(monkeypatch: pytest.MonkeyPatch) -> None:
    # Small sets go a chunk of sets at a time, padded to the longest; large ones row-chunked.
    from paradup import fingerprint

    rng = np.random.default_rng(7)
    sizes = [0, 1, 2, 63, 64, 65, 200, 1500, *rng.integers(0, 70, size=40).tolist()]
    sets = [[f"词{int(x)}" for x in rng.integers(0, 5000, size=k)] for k in sizes]
    hashed = [shingle_hashes(s) for s in sets]
    whole = signatures(hashed, 128, 1)
    for k in (3, 4, 5, 6, 7, 12):
        assert np.array_equal(whole[k].astype(np.uint64), reference(sets[k], 128, 1))
    monkeypatch.setattr(fingerprint, "_GROUPS", 3)
    monkeypatch.setattr(fingerprint, "_SMALL", 5)
    for chunk in (1, 7, 100):
        assert np.array_equal(signatures(hashed, 128, 1, chunk=chunk), whole)


@pytest.mark.parametrize(("num_perm", "seed"), [(128, 1), (64, 9)])
def test_empty_sets(num_perm: int, seed: int) -> None:
    sigs = signatures([[], shingle_hashes(["甲\x1f乙"]), []], num_perm, seed)
    empty_ref = MinHash(num_perm=num_perm, seed=seed).hashvalues
    assert np.array_equal(sigs[0].astype(np.uint64), np.asarray(empty_ref, dtype=np.uint64))
    assert (sigs[0] == EMPTY).all() and (sigs[2] == EMPTY).all()
    assert np.array_equal(sigs[1].astype(np.uint64), reference(["甲\x1f乙"], num_perm, seed))
    assert signatures([], num_perm, seed).shape == (0, num_perm)


def test_duplicates_do_not_change_the_signature() -> None:
    once = signatures([shingle_hashes(["a", "b", "c"])])[0]
    assert np.array_equal(once, reference(["a", "b", "c", "a", "a", "b"], 128, 1).astype(np.uint32))


def test_union_signature_is_elementwise_min() -> None:
    """What check.py relies on: a window's MinHash is the minimum of its sentences' MinHashes."""
    a, b = ["推动\x1f企业", "企业\x1f发展"], ["召开\x1f会议", "企业\x1f发展", "x"]
    sigs = signatures([shingle_hashes(a), shingle_hashes(b), shingle_hashes(a + b)])
    assert np.array_equal(np.minimum(sigs[0], sigs[1]), sigs[2])


@settings(max_examples=50, deadline=None, derandomize=True)
@given(st.sets(st.integers(0, 60), max_size=40), st.sets(st.integers(0, 60), max_size=40))
def test_jaccard_exact(a: set[int], b: set[int]) -> None:
    want = len(a & b) / len(a | b) if a | b else 0.0
    assert jaccard(sorted(a), sorted(b)) == pytest.approx(want)
