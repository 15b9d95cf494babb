"""Batch fingerprinting (paradup.batch) gives exactly fingerprint_record's rows, and the
vectorized SHA-1 gives exactly hashlib's sha1_hash32."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paradup import batch
from paradup.archive import ArchiveRecord, content_hash
from paradup.config import CheckConfig
from paradup.index.build import fingerprint_record, index_settings
from paradup.sha1 import ONE_BLOCK, hash32_joined
from paradup.tokens import hash32

from .conftest import SAMPLE
from .inews import inews_articles


def records(texts: list[str]) -> list[ArchiveRecord]:
    return [
        ArchiveRecord(f"doc{i}", f"doc{i}.txt", t, None, None, content_hash(t))
        for i, t in enumerate(texts)
    ]


def assert_same(texts: list[str], config: CheckConfig, size: int = 64) -> None:
    st_ = index_settings(config)
    recs = records(texts)
    want = [fingerprint_record(r, config, st_) for r in recs]
    got = [
        d
        for i in range(0, len(recs), size)
        for d in batch.fingerprint_batch(recs[i : i + size], config, st_)
    ]
    assert len(got) == len(want)
    for w, g in zip(want, got, strict=True):
        assert g == w, w.key


@pytest.mark.parametrize("shingle", [1, 2, 3])
def test_real_news_same_rows_as_fingerprint_record(shingle: int) -> None:
    texts = [c for _t, c in inews_articles("dev")[:300]]
    assert_same(texts, CheckConfig(shingle=shingle))


def test_sample_and_jieba_engine() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    assert_same([text, text[: len(text) // 2], ""], CheckConfig())
    assert_same([text], CheckConfig(engine="jieba"))


@pytest.mark.parametrize("engine", ["jieba", "mmap", "rjieba", "jieba+dict"])
@pytest.mark.parametrize("cut_chars", [1 << 16, 300])
def test_joined_cuts_equal_cuts_per_document(
    engine: str, cut_chars: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The batch's texts are cut joined by newlines, a few large pieces at a time; every engine
    # must give the words of separate cuts (each segments Han/alphanumeric runs on its own).
    monkeypatch.setattr(batch, "_CUT_CHARS", cut_chars)
    texts = [c for _t, c in inews_articles("dev")[:40]]
    texts += ["结尾没有标点", "Hello world。", "2017年3月", "中国\n\n联通"]
    texts += ["中国联通召开新闻发布会。"]  # words of the user dictionary below
    if engine == "jieba+dict":
        words = tmp_path / "words.txt"
        words.write_text("联通召开 100 n\n新闻发布会 50 n\n", encoding="utf-8")
        config = CheckConfig(engine="jieba", user_dict=str(words))
    else:
        config = CheckConfig(engine=engine)
    assert_same(texts, config, size=len(texts))


def test_char_ngrams_and_long_shingles_take_the_reference_path() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    assert not batch.supported(CheckConfig(ngram="char"))
    assert not batch.supported(CheckConfig(shingle=4))
    assert_same([text], CheckConfig(shingle=4))


def test_vocabulary_overflow_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    # Word ids that would not fit the packed shingle keys: a fresh vocabulary, then the
    # reference path; the rows stay the same.
    text = SAMPLE.read_text(encoding="utf-8")
    monkeypatch.setattr(batch, "_vocabulary", lambda n: batch.Vocabulary(bits=4))
    assert_same([text], CheckConfig())


def test_interrupted_vocabulary_is_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    # Words are numbered before their tables are filled: a batch that fails in between
    # leaves a vocabulary the next batch must not use.
    text = SAMPLE.read_text(encoding="utf-8")
    monkeypatch.setattr(batch, "_vocab", {})
    config = CheckConfig()

    def fail(word: str) -> tuple[str, ...]:
        raise RuntimeError("interrupted")

    with monkeypatch.context() as m:
        m.setattr(batch, "canonical_uncached", fail)
        with pytest.raises(RuntimeError):
            batch.fingerprint_batch(records(["Hello world。"]), config, index_settings(config))
    broken = batch._vocab[63 // config.shingle]
    assert broken.full()
    assert batch._vocabulary(config.shingle) is not broken
    assert_same([text, "Hello world。"], config)


PIECES = [
    "会议", "强调", "要", "推动", "企业", "高质量", "发展", "的", "了", "和", "中国联通",
    "2017", "年", "3.14", "test.py", "Hello", "world", "A股", "5G", "，", "。", "！", "？", "；",
    "、", "：", "“", "”", "（", "）", "…", ".", " ", "\n", "\n\n", "# ", "- ", "《", "》", "——",
]  # fmt: skip


@settings(max_examples=80, deadline=None, derandomize=True)
@given(
    st.lists(st.lists(st.sampled_from(PIECES), max_size=60).map("".join), min_size=1, max_size=6),
    st.integers(1, 3),
    st.integers(1, 30),
)
def test_random_text_same_rows(texts: list[str], shingle: int, min_chars: int) -> None:
    assert_same(texts, CheckConfig(shingle=shingle, min_chars=min_chars), size=3)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    st.lists(st.text(min_size=0, max_size=30), min_size=1, max_size=40),
    st.lists(st.lists(st.integers(0, 39), min_size=1, max_size=4), min_size=1, max_size=50),
)
def test_vectorized_sha1_equals_hashlib(words: list[str], rows: list[list[int]]) -> None:
    encoded = [w.encode("utf-8", "surrogatepass") for w in words]
    buf = np.frombuffer(b"".join(encoded) or b"\0", dtype=np.uint8)
    lengths = np.array([len(b) for b in encoded], dtype=np.int64)
    offsets = np.cumsum(lengths) - lengths
    rows = [[p % len(words) for p in r] for r in rows]
    width = max(len(r) for r in rows)
    parts = np.array([r + [-1] * (width - len(r)) for r in rows], dtype=np.int64)
    got = hash32_joined(buf, offsets, lengths, parts, 0x1F)
    want = [hash32("\x1f".join(words[p] for p in r)) for r in rows]
    assert got.tolist() == want


def test_sha1_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    import paradup.sha1 as sha1

    words = [f"词{i}" for i in range(50)]
    encoded = [w.encode() for w in words]
    buf = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    lengths = np.array([len(b) for b in encoded], dtype=np.int64)
    offsets = np.cumsum(lengths) - lengths
    parts = np.array([[i, (i * 7) % 50] for i in range(50)], dtype=np.int64)
    whole = hash32_joined(buf, offsets, lengths, parts, 0x1F)
    monkeypatch.setattr(sha1, "_CHUNK", 7)
    assert hash32_joined(buf, offsets, lengths, parts, 0x1F).tolist() == whole.tolist()
    assert whole.tolist() == [hash32(f"{words[i]}\x1f{words[(i * 7) % 50]}") for i in range(50)]


def test_sha1_block_edges() -> None:
    # Messages of every length around the one-block limit, padding included.
    words = ["x" * k for k in range(ONE_BLOCK + 10)]
    encoded = [w.encode() for w in words]
    buf = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    lengths = np.array([len(b) for b in encoded], dtype=np.int64)
    offsets = np.cumsum(lengths) - lengths
    parts = np.arange(len(words), dtype=np.int64)[:, None]
    got = hash32_joined(buf, offsets, lengths, parts, 0x1F)
    want = [int.from_bytes(hashlib.sha1(b).digest()[:4], "little") for b in encoded]
    assert got.tolist() == want


def test_long_batches_are_split_with_the_same_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    # A batch over MAX_CHARS is fingerprinted in parts, and a single document over it by the
    # per-document path (memory); rows stay the same.
    texts = [c for _t, c in inews_articles("dev")[:40]]
    monkeypatch.setattr(batch, "MAX_CHARS", 3000)
    assert_same(texts, CheckConfig(), size=40)
    assert len("\n\n".join(texts[:5])) > 3000
    assert_same(["\n\n".join(texts[:5])], CheckConfig(), size=1)


def test_unit_columns_read_as_their_rows() -> None:
    """What workers send the writer (columns) reads back as the per-unit rows it packs."""
    from paradup.index.store import UnitColumns

    config = CheckConfig()
    doc = fingerprint_record(
        records([SAMPLE.read_text(encoding="utf-8")])[0], config, index_settings(config)
    )
    cols = doc.units
    rows = list(cols)
    assert len(rows) == len(cols) > 10 and {r.kind for r in rows} == {"s", "p"}
    assert UnitColumns.from_rows(rows) == cols
    assert cols[-1] == rows[-1] and cols[2:5] == rows[2:5] and cols[::7] == rows[::7]
    assert all(len(r.sig) == 4 * config.num_perm and len(r.keys) == 80 for r in rows)
    assert [len(r.hashes) % 4 for r in rows] == [0] * len(rows)
    with pytest.raises(IndexError):
        cols[len(cols)]
    assert list(UnitColumns.from_rows([])) == []
