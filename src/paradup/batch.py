"""Batch fingerprinting for the archive index: the per-token work of a whole batch of documents
runs as numpy arrays (vocabulary ids, packed shingle keys, hashes, minima) instead of a Python
call per token.

The output is exactly `index.build.fingerprint_record`'s, document by document; that function
stays the reference (and the path for character n-grams and n > 3), and tests compare the two on
real and random text. Only three things remain per Python object: normalization and sentence
splitting per document, one segmenter call per 64K characters, and one dictionary lookup per
token.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from itertools import chain, compress
from typing import TYPE_CHECKING

from .config import CheckConfig
from .tokens import SEPARATOR, STOP_WORDS, canonical_uncached, cutter

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from .archive import ArchiveRecord
    from .index.store import DocRow, IndexSettings

MAX_SHINGLE = 3  # word n-grams packed into one int64 key: 63 // n bits per word id
_MEMO_LIMIT = 1 << 20  # segmenter words remembered per process, then a fresh vocabulary
# Text per pass: the batch's per-token arrays peak at ≈ 200-400 bytes per character of real
# news (tracemalloc; ≈ 740 on random CJK text), so long documents go a few at a time, and a
# single document over the limit takes the per-document path (≈ 225 bytes per character).
MAX_CHARS = 1 << 20
# Text per segmenter call: a call per paragraph spent 15 % of segmenting in call overhead, and the
# mmap engine holds ≈ 300 bytes per character of the text it is given.
_CUT_CHARS = 1 << 16


class _Growing:
    """A numpy array with amortized appends (per-word tables indexed by id)."""

    def __init__(self, dtype: str = "int64") -> None:
        import numpy as np

        self.data = np.zeros(1024, dtype=dtype)
        self.size = 0

    def extend(self, values: Sequence[int] | npt.NDArray[np.int64] | bytes) -> None:
        import numpy as np

        need = self.size + len(values)
        if need > len(self.data):
            grown = np.zeros(max(need, 2 * len(self.data)), dtype=self.data.dtype)
            grown[: self.size] = self.data[: self.size]
            self.data = grown
        self.data[self.size : need] = (
            np.frombuffer(values, dtype=np.uint8) if isinstance(values, bytes) else values
        )
        self.size = need


class _Numbering(dict[str, int]):
    """str -> id, ids in order of first lookup: a string not yet numbered is given the next id
    and queued in `new`, so that `map(numbering.__getitem__, strings)` numbers a whole list in
    C (a lookup with a default and a second pass over the misses cost twice as much)."""

    __slots__ = ("new",)

    def __init__(self) -> None:
        super().__init__()
        self.new: list[str] = []

    def __missing__(self, key: str) -> int:
        got = self[key] = len(self)
        self.new.append(key)
        return got

    def take_new(self) -> list[str]:
        new, self.new = self.new, []
        return new


_CLAUSE_END = ("",)  # canonical_uncached of punctuation that ends a clause


class Vocabulary:
    """Per-process tables: segmenter word -> canonical words and canonical word -> id. Words
    repeat heavily, so each is worked out once; shingles are hashed afresh per batch."""

    def __init__(self, bits: int) -> None:
        self.bits = bits
        self.ids = _Numbering()
        self.clen = _Growing()  # canonical words per segmenter word; -1 ends a clause
        self.cfirst = _Growing()  # where its canonical ids start in `cflat`
        self.cflat = _Growing()
        self.cids = _Numbering()
        self.cbytes = _Growing("uint8")  # UTF-8 of the canonical words, end to end
        self.coff = _Growing()
        self.cblen = _Growing()
        self.wlen = _Growing()  # len() of each segmenter word, by id

    def overflow(self) -> bool:
        """Canonical ids no longer fit the packed key: start a new vocabulary."""
        return len(self.cids) + 1 >= (1 << self.bits)

    def full(self) -> bool:
        # Words numbered but not all added (a batch interrupted in between): start afresh.
        broken = len(self.ids) != self.wlen.size
        return broken or self.overflow() or len(self.ids) > _MEMO_LIMIT

    def word_ids(self, words: list[str]) -> npt.NDArray[np.int64]:
        import numpy as np

        ids = np.fromiter(map(self.ids.__getitem__, words), dtype=np.int64, count=len(words))
        if self.ids.new:
            self._add(self.ids.take_new())
        return ids

    def _add(self, new: list[str]) -> None:
        """The tables of words just numbered (`new`, in id order)."""
        import numpy as np

        stop, slow = STOP_WORDS, canonical_uncached
        # canonical_uncached, its common case (a CJK word) inline
        canons = [
            (() if w in stop else (w,)) if w.isalnum() and not w.isascii() else slow(w) for w in new
        ]
        k = len(canons)
        clen = np.fromiter(map(len, canons), dtype=np.int64, count=k)
        ends = np.fromiter(map(_CLAUSE_END.__eq__, canons), dtype=bool, count=k)
        clen[ends] = -1
        lens = np.maximum(clen, 0)
        self.cfirst.extend(self.cflat.size + np.cumsum(lens) - lens)
        self.clen.extend(clen)
        flat = chain.from_iterable(compress(canons, (~ends).tolist()))
        cids = self.cids
        self.cflat.extend(np.fromiter(map(cids.__getitem__, flat), dtype=np.int64, count=-1))
        fresh = [c.encode("utf-8", "surrogatepass") for c in cids.take_new()]
        sizes = np.fromiter(map(len, fresh), dtype=np.int64, count=len(fresh))
        self.coff.extend(self.cbytes.size + np.cumsum(sizes) - sizes)
        self.cblen.extend(sizes)
        self.cbytes.extend(b"".join(fresh))
        # Last: a vocabulary with fewer lengths than words was interrupted here (`full`).
        self.wlen.extend(np.fromiter(map(len, new), dtype=np.int64, count=k))

    def hashes(self, keys: npt.NDArray[np.int64], n: int) -> npt.NDArray[np.uint32]:
        """hash32 of the shingle string behind each packed key.

        Not memoized: on real news 80 % of a batch's distinct shingles were new to a memo of
        the process's earlier batches, and the dictionary lookups cost more than the vectorized
        SHA-1 they saved (and held up to 100 MB)."""
        import numpy as np

        from .sha1 import hash32_joined

        mask = (1 << self.bits) - 1
        # Word ids of each shingle (packed as id + 1; 0, i.e. -1 here, is no word).
        parts = np.stack([(keys >> (self.bits * (n - 1 - j))) & mask for j in range(n)], 1) - 1
        cb = self.cbytes
        got = hash32_joined(
            cb.data[: cb.size], self.coff.data, self.cblen.data, parts, ord(SEPARATOR)
        )
        return got.astype(np.uint32)


_vocab: dict[int, Vocabulary] = {}


def _vocabulary(n: int) -> Vocabulary:
    bits = 63 // n
    v = _vocab.get(bits)
    if v is None or v.full():
        v = _vocab[bits] = Vocabulary(bits)
    return v


def _cut_joined(cut: Callable[[str], list[str]], texts: list[str]) -> list[str]:
    """The words of `"\n".join(texts)`, cut about `_CUT_CHARS` at a time at the newlines.

    Every engine (jieba, jieba-rs, mmapseg) splits its input at whitespace and other non-Han,
    non-alphanumeric characters and segments each run on its own, so no word spans a newline
    and these are the words of one cut per paragraph (tested for each engine)."""
    words: list[str] = []
    group: list[str] = []
    size = 0
    for i, text in enumerate(texts):
        group.append(text)
        size += len(text) + 1
        last = i == len(texts) - 1
        if size >= _CUT_CHARS or last:
            words += cut("\n".join(group) + ("" if last else "\n"))
            group, size = [], 0
    return words


def supported(config: CheckConfig) -> bool:
    return config.ngram == "word" and config.shingle <= MAX_SHINGLE


def fingerprint_batch(
    records: Sequence[ArchiveRecord], config: CheckConfig, settings: IndexSettings
) -> list[DocRow]:
    """`[fingerprint_record(r, config, settings) for r in records]`, computed batch-wide."""
    import numpy as np

    from . import fingerprint
    from .index.build import fingerprint_record, norm_hash
    from .index.store import DocRow, UnitColumns, compress_text
    from .lsh import band_keys, index_keys, ranges, run_starts, sorted_unique
    from .normalize import normalize
    from .units import sentence_columns

    if not supported(config):
        return [fingerprint_record(r, config, settings) for r in records]
    if len(records) == 1 and len(records[0].text) > MAX_CHARS:
        # One long document: the per-document path peaks at about a third of the memory.
        return [fingerprint_record(records[0], config, settings)]
    if sum(len(r.text) for r in records) > MAX_CHARS:
        out: list[DocRow] = []
        part: list[ArchiveRecord] = []
        chars = 0
        for r in records:
            if part and chars + len(r.text) > MAX_CHARS:
                out += fingerprint_batch(part, config, settings)
                part, chars = [], 0
            part.append(r)
            chars += len(r.text)
        return out + fingerprint_batch(part, config, settings)
    n = config.shingle
    cut = cutter(config.user_dict, config.engine)
    vocab = _vocabulary(n)

    # 1. Per document: normalize, split into sentences. Offsets are made global by
    #    placing the documents end to end (`base`), so one searchsorted serves the batch.
    texts: list[str] = []
    # Per sentence of the batch, as columns (no object per sentence): paragraph, normalized
    # and raw offsets within its document, characters without spaces, heading or not.
    s_par: list[int] = []
    s_lst: list[int] = []
    s_lend: list[int] = []
    s_head: list[bool] = []
    s_count: list[int] = []  # sentences per document
    bases: list[int] = []
    # The raw offsets of every normalized character (`Normalized.starts`/`ends`, C ints), the
    # documents end to end without the separating newline: looked up per batch, not per sentence.
    raw_starts: list[array[int]] = []
    raw_ends: list[array[int]] = []
    # Spaces per sentence, for documents with any (most news has none): (first sentence, counts).
    s_spaces: list[tuple[int, list[int]]] = []
    base = 0
    for rec in records:
        norm = normalize(rec.text)
        text = norm.text
        texts.append(text)
        par, starts, ends, head = sentence_columns(norm)
        s_lst += starts
        s_lend += ends
        s_par += par
        raw_starts.append(norm.starts)
        raw_ends.append(norm.ends)
        s_head += head
        if " " in text:
            count = text.count
            spaced = [count(" ", x, y) for x, y in zip(starts, ends, strict=True)]
            s_spaces.append((len(s_lst) - len(starts), spaced))
        s_count.append(len(par))
        bases.append(base)
        base += len(text) + 1
    n_sents = len(s_lst)
    s_doc = np.repeat(np.arange(len(records)), s_count)
    s_base = np.repeat(np.asarray(bases, dtype=np.int64), s_count)

    # 2. Words of the texts joined by "\n" as `base` placed them, cut in a few large pieces.
    #    Tokens -> sentence, canonical words, clause segments.
    words = _cut_joined(cut, texts)
    ids = vocab.word_ids(words)
    if vocab.overflow():  # a batch with millions of new words: start afresh, once
        vocab = _vocab[vocab.bits] = Vocabulary(vocab.bits)
        ids = vocab.word_ids(words)
        if vocab.overflow():
            return [fingerprint_record(r, config, settings) for r in records]
    lengths = vocab.wlen.data[ids]
    pos = np.cumsum(lengths) - lengths  # global offset of each word
    lst = np.asarray(s_lst, dtype=np.int64)  # sentence offsets within their documents
    lend = np.asarray(s_lend, dtype=np.int64)
    s_start = lst + s_base
    s_end = lend + s_base
    sent_chars = lend - lst  # characters without spaces per sentence
    for first_s, spaces in s_spaces:
        sent_chars[first_s : first_s + len(spaces)] -= spaces
    prose = ~np.asarray(s_head, dtype=bool)
    # The sentence of each word: how many sentence ends are at or before it. Both sides are
    # sorted: the few sentence ends are looked up among the words, and counted up.
    sent = np.cumsum(np.bincount(np.searchsorted(pos, s_end), minlength=len(pos) + 1)[:-1])
    at = np.minimum(sent, n_sents - 1)
    ok = (sent < n_sents) & (s_start[at] <= pos) & prose[at] if n_sents else sent < 0
    ids, sent = ids[ok], sent[ok]
    clen = vocab.clen.data[ids]
    ends_clause = clen < 0
    # A clause starts after punctuation and at every sentence start.
    new = np.ones(len(ids), dtype=bool)
    new[1:] = ends_clause[:-1] | (sent[1:] != sent[:-1])
    seg = np.cumsum(new)
    lens = np.maximum(clen, 0)
    total = int(lens.sum())
    within = np.arange(total) - np.repeat(np.cumsum(lens) - lens, lens)
    cw = vocab.cflat.data[np.repeat(vocab.cfirst.data[ids], lens) + within] + 1  # 0 = no word
    cseg = np.repeat(seg, lens)
    csent = np.repeat(sent, lens)

    # 3. Shingles: every n-gram inside a clause; a clause shorter than n is one shingle.
    bits = vocab.bits
    heads: list[npt.NDArray[np.intp]] = []
    if total:
        first = run_starts(cseg)
        clause_len = np.diff(np.append(first, total))
        full = np.flatnonzero(cseg[: total - n + 1] == cseg[n - 1 :]) if total >= n else first[:0]
        heads = [full, first[clause_len < n]]
    start_at = np.concatenate(heads) if heads else np.empty(0, dtype=np.intp)
    short = np.zeros(len(start_at), dtype=bool)
    if heads:
        short[len(heads[0]) :] = True
    key = np.zeros(len(start_at), dtype=np.int64)
    seg_of = cseg[start_at] if total else key
    for j in range(n):
        at = np.minimum(start_at + j, max(total - 1, 0))
        word = cw[at] if total else key
        # A short shingle stops at its clause's end.
        word = np.where(short & ((start_at + j >= total) | (cseg[at] != seg_of)), 0, word)
        key |= word << (bits * (n - 1 - j))
    order = np.argsort(key)
    sk = key[order]
    first_of = np.ones(len(sk), dtype=bool)
    np.not_equal(sk[1:], sk[:-1], out=first_of[1:])
    inverse = np.empty(len(sk), dtype=np.intp)
    inverse[order] = np.cumsum(first_of) - 1
    hashes = vocab.hashes(sk[first_of], n)[inverse]

    # 4. Per sentence: its distinct hashes, sorted (code = sentence << 32 | hash).
    code = sorted_unique((csent[start_at].astype(np.int64) << 32) | hashes.astype(np.int64))
    code_sent = code >> 32
    code_hash = (code & 0xFFFFFFFF).astype(np.uint32)
    has = np.bincount(code_sent, minlength=n_sents)
    bounds = np.concatenate(([0], np.cumsum(has)))  # sentence i: code_hash[bounds[i]:bounds[i+1]]
    kept = np.flatnonzero(has > 0)  # prose sentences with shingles (fingerprint_record's)
    sig_kept = (
        fingerprint.minhash_groups(code_hash, bounds[kept], settings.num_perm, settings.seed)
        if len(kept)
        else np.empty((0, settings.num_perm), dtype=np.uint32)
    )

    # 5. Units per document: its sentences of min_chars or more, then its paragraphs of more
    #    than one kept sentence (signature: the minimum over its sentences).
    columns = [UnitColumns.from_rows([])] * len(records)  # frozen: one empty value serves
    nk = len(kept)
    if nk:
        kd = s_doc[kept]
        kp = np.asarray(s_par, dtype=np.int64)[kept]
        kc = sent_chars[kept]
        # Runs of kept sentences in one paragraph of one document.
        brk = np.ones(nk, dtype=bool)
        brk[1:] = (kd[1:] != kd[:-1]) | (kp[1:] != kp[:-1])
        run_a = np.flatnonzero(brk)
        run_b = np.append(run_a[1:], nk)
        multi = run_b - run_a > 1
        sa = np.flatnonzero(kc >= settings.min_chars)
        pa, pb = run_a[multi], run_b[multi]
        # Per document its sentences, then its paragraphs (each in order): a stable sort.
        u_a = np.concatenate((sa, pa))
        u_b = np.concatenate((sa + 1, pb))
        u_p = np.zeros(len(u_a), dtype=np.int64)
        u_p[len(sa) :] = 1
        order = np.argsort(kd[u_a] * 2 + u_p, kind="stable")
        u_a, u_b, u_p = u_a[order], u_b[order], u_p[order]
        pos_p = np.flatnonzero(u_p)  # the paragraph units, in output order
        sigs = sig_kept[u_a]
        if len(pa):
            # Minimum over each paragraph's rows: one numpy pass per sentence position.
            red = sig_kept[pa]
            plen_s = pb - pa
            live = np.flatnonzero(plen_s > 1)
            j = 1
            while len(live):
                red[live] = np.minimum(red[live], sig_kept[pa[live] + j])
                j += 1
                live = live[plen_s[live] > j]
            sigs[pos_p] = red[order[pos_p] - len(sa)]
        keys = index_keys(band_keys(sigs, settings.bands, settings.rows))
        first_k, last_k = kept[u_a], kept[u_b - 1]
        lo, hi = bounds[first_k], bounds[last_k + 1]  # a paragraph's hashes are contiguous in code
        # Each unit's distinct hashes, all units end to end: a sentence's are its run of
        # `code_hash`; a paragraph's are made distinct over its sentences, all at once.
        src = code_hash
        h_lo, h_len = lo.copy(), hi - lo
        if len(pos_p):
            plen = h_len[pos_p]
            idx = ranges(lo[pos_p], plen)
            pc = sorted_unique(
                (np.repeat(np.arange(len(pos_p), dtype=np.int64), plen) << 32)
                | code_hash[idx].astype(np.int64)
            )
            pcnt = np.bincount(pc >> 32, minlength=len(pos_p))
            src = np.concatenate((code_hash, (pc & 0xFFFFFFFF).astype(np.uint32)))
            h_lo[pos_p] = len(code_hash) + np.cumsum(pcnt) - pcnt
            h_len[pos_p] = pcnt
        unit_hashes = src[ranges(h_lo, h_len)].tobytes()
        h_end = np.cumsum(h_len) * 4  # byte offset where each unit's hashes end
        n_s = lst[first_k].tolist()
        n_e = lend[last_k].tolist()
        docs_u = s_doc[first_k]
        nh = np.fromiter(
            (norm_hash(texts[d][a:b]) for d, a, b in zip(docs_u.tolist(), n_s, n_e, strict=True)),
            dtype="<i8",
            count=len(n_s),
        )
        n_base = s_base - s_doc  # where each sentence's document starts in raw_starts
        first_at, last_at = lst[first_k] + n_base[first_k], lend[last_k] - 1 + n_base[last_k]
        raw_s = np.frombuffer(b"".join(raw_starts), dtype=np.intc)[first_at].astype("<i8")
        raw_e = np.frombuffer(b"".join(raw_ends), dtype=np.intc)[last_at].astype("<i8")
        kinds = np.where(u_p == 1, ord("p"), ord("s")).astype(np.uint8).tobytes().decode("ascii")
        sig_b, ssz = sigs.tobytes(), sigs.shape[1] * 4
        key_b, ksz = keys.tobytes(), keys.shape[1] * 4
        # Units are grouped by document: cut every column at the document boundaries.
        doc_at = np.searchsorted(docs_u, np.arange(len(records) + 1)).tolist()
        h_cut = [0, *h_end.tolist()]
        for d in np.unique(docs_u).tolist():
            a, b = doc_at[d], doc_at[d + 1]
            columns[d] = UnitColumns(
                kinds[a:b],
                raw_s[a:b].tobytes(),
                raw_e[a:b].tobytes(),
                nh[a:b].tobytes(),
                sig_b[a * ssz : b * ssz],
                unit_hashes[h_cut[a] : h_cut[b]],
                (h_end[a:b] - h_cut[a]).astype("<i8").tobytes(),
                key_b[a * ksz : b * ksz],
            )
    prose_chars = (
        np.bincount(
            s_doc,
            weights=np.where(prose, sent_chars, 0),
            minlength=len(records),
        )
        .astype(np.int64)
        .tolist()
    )
    return [
        DocRow(
            rec.key,
            rec.path,
            rec.title,
            rec.date,
            rec.content_hash,
            prose_chars[d],
            rec.text,
            columns[d],
            compress_text(rec.text),
            len(rec.text.encode("utf-8", "surrogatepass")),
        )
        for d, rec in enumerate(records)
    ]
