"""jieba's segmentation (`cut` with HMM) over a memory-mapped copy of jieba's dictionary.

A draft check segments a few kilobytes, and loading a dictionary costs more than cutting them:
jieba unmarshals its cache (0.5-1.1 s here), rjieba builds its own at import (0.15-0.2 s). This
module runs jieba's own algorithm -- the DAG of dictionary words, the best route by log
frequency, Viterbi over jieba's HMM for runs of unknown single characters -- with the dictionary
as sorted numpy arrays memory-mapped from a cache. The cache is built once per machine by jieba's
own parser (`Tokenizer.gen_pfdict`) and its own HMM tables, so the tokens are jieba's, exactly
(tests/test_mmapseg.py compares them on real news). Ported from jieba 0.42.1 (MIT licence).

Dictionary lookups are vectorized per text cut: every substring that extends a dictionary
prefix is hashed (a polynomial hash of its code points), found by binary search and then
compared character by character with the stored word, so a hash collision cannot change a token.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import math
import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

FORMAT = 1
# jieba's patterns (jieba/__init__.py and jieba/finalseg/__init__.py), verbatim.
_RE_HAN = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&\\._%\\-]+)", re.U)
_RE_SKIP = re.compile("(\r\n|\\s)", re.U)
_RE_HAN_HMM = re.compile("([\u4e00-\u9fd5]+)")
_RE_SKIP_HMM = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")
_MIN_FLOAT = -3.14e100
_STATES = "BMES"
_PREV = {"B": "ES", "M": "MB", "S": "SE", "E": "BM"}
_BASES = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9)

Dag = list[list[tuple[int, float]]]  # per position: (end index, log probability) of words

_ARRAYS = ("keys", "lp", "pos", "chars", "offs", "emit_chars", "emit_p")


def cache_root() -> Path:
    """Where built dictionaries live: $PARADUP_CACHE_DIR, else the XDG cache directory."""
    env = os.environ.get("PARADUP_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "paradup"


def _dict_source() -> Path | None:
    """jieba's dict.txt, found without importing jieba (its import alone costs 0.18 s)."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "dict.txt"
    return path if path.is_file() else None


def _cache_name(source: Path) -> str:
    """The cache's directory name: the dictionary file's path, size and mtime, so a reinstall
    or another environment gets its own cache."""
    st = source.stat()
    tag = f"{FORMAT}|{source.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    return f"jieba-dict-{hashlib.sha1(tag.encode()).hexdigest()[:16]}"


def _codes(words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Code points of all words, concatenated, and each word's start offset (n + 1 of them)."""
    joined = "".join(words)
    chars = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    lens = np.fromiter((len(w) for w in words), dtype=np.int64, count=len(words))
    offs = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum(lens, out=offs[1:])
    return chars, offs


def _hash_words(chars: np.ndarray, offs: np.ndarray, base: int) -> np.ndarray:
    """The rolling hash of each word, exactly as `Dictionary.dag` computes it for substrings."""
    lens = np.diff(offs)
    h = np.zeros(len(lens), dtype=np.uint64)
    b = np.uint64(base)
    for t in range(int(lens.max(initial=0))):
        live = lens > t
        h[live] = h[live] * b + chars[offs[:-1][live] + t].astype(np.uint64)
    return h


def build(dest: Path, source: Path | None = None) -> None:
    """Write the dictionary cache into `dest` (a new directory), from jieba's own tables.
    `source` (jieba's dict.txt) is recorded so a later build can prune caches of removed
    installations."""
    import jieba
    from jieba import finalseg

    tok = jieba.Tokenizer()
    freq, total = tok.gen_pfdict(tok.get_dict_file())
    words = list(freq)
    fr = np.fromiter(freq.values(), dtype=np.int64, count=len(words))
    chars, offs = _codes(words)
    for base in _BASES:
        h = _hash_words(chars, offs, base)
        order = np.argsort(h, kind="stable")
        if not np.any(h[order][1:] == h[order][:-1]):  # distinct: a lookup has one candidate
            break
    else:  # pragma: no cover - three independent 64-bit bases all colliding
        raise RuntimeError("jieba dictionary: no collision-free hash base")
    lens = np.diff(offs)[order]
    new_offs = np.zeros_like(offs)
    np.cumsum(lens, out=new_offs[1:])
    gather = np.repeat(offs[:-1][order] - new_offs[:-1], lens) + np.arange(int(new_offs[-1]))
    chars, offs = chars[gather], new_offs
    logtotal = math.log(total)
    # jieba's `log(FREQ.get(w) or 1) - logtotal`, by Python's math.log as jieba computes it
    # (once per distinct frequency).
    distinct, inverse = np.unique(fr[order], return_inverse=True)
    logs = [math.log(v or 1) - logtotal for v in distinct.tolist()]
    lp = np.array(logs, dtype=np.float64)[inverse.reshape(-1)]
    pos = fr[order] > 0
    emit_keys = sorted(set().union(*(finalseg.emit_P[s].keys() for s in _STATES)))
    emit_p = np.full((len(emit_keys), 4), _MIN_FLOAT, dtype=np.float64)
    for j, s in enumerate(_STATES):
        table = finalseg.emit_P[s]
        for i, ch in enumerate(emit_keys):
            if ch in table:
                emit_p[i, j] = table[ch]
    arrays = {
        "keys": h[order],
        "lp": lp,
        "pos": pos,
        "chars": chars,
        "offs": offs,
        "emit_chars": np.array([ord(c) for c in emit_keys], dtype=np.uint32),
        "emit_p": emit_p,
    }
    dest.mkdir(parents=True)
    for name, arr in arrays.items():
        np.save(dest / f"{name}.npy", arr)
    meta = {
        "format": FORMAT,
        "base": base,
        "logtotal": logtotal,
        "maxlen": int(np.diff(offs).max()),
        "start": finalseg.start_P,
        "trans": finalseg.trans_P,
        "force_split": sorted(finalseg.Force_Split_Words),
        "source": str(source) if source else None,
    }
    # meta.json last: its presence marks a complete cache.
    (dest / "meta.json").write_text(json.dumps(meta), encoding="utf-8")


class Dictionary:
    """jieba's FREQ table and HMM, memory-mapped."""

    def __init__(self, path: Path) -> None:
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            raise ValueError("dictionary cache of another format")
        # Plain ndarray views of the maps: indexing a np.memmap costs a Python call per access.
        a = {
            n: np.load(path / f"{n}.npy", mmap_mode="r", allow_pickle=False).view(np.ndarray)
            for n in _ARRAYS
        }
        self.keys: np.ndarray = a["keys"]
        self.lp: np.ndarray = a["lp"]
        self.pos: np.ndarray = a["pos"]
        self.chars: np.ndarray = a["chars"]
        self.offs: np.ndarray = a["offs"]
        self.emit_chars: np.ndarray = a["emit_chars"]
        self.emit_p: np.ndarray = a["emit_p"]
        n = len(self.keys)
        if not (len(self.lp) == len(self.pos) == n and len(self.offs) == n + 1 and n > 0):
            raise ValueError("dictionary cache arrays disagree")
        if int(self.offs[-1]) != len(self.chars) or self.emit_p.shape != (len(self.emit_chars), 4):
            raise ValueError("dictionary cache arrays disagree")
        self.base = np.uint64(meta["base"])
        self.neg_logtotal = -float(meta["logtotal"])
        self.maxlen = int(meta["maxlen"])
        self.start: dict[str, float] = meta["start"]
        self.trans: dict[str, dict[str, float]] = meta["trans"]
        self.force_split = frozenset(meta["force_split"])
        self._emit: dict[str, dict[str, float]] = {}

    # -- dictionary lookups ------------------------------------------------------------------

    def _find(self, h: np.ndarray, k: np.ndarray, length: int, c: np.ndarray) -> np.ndarray:
        """Index of the word equal to c[k : k + length] for each k, or -1."""
        j = np.searchsorted(self.keys, h)
        j[j == len(self.keys)] = 0
        hit = self.keys[j] == h
        jj = j[hit]
        start = self.offs[jj]
        same = (self.offs[jj + 1] - start) == length
        kk = k[hit]
        for t in range(length):
            # A word of another length may end before t: read its first char instead (masked).
            same &= self.chars[np.where(same, start + t, start)] == c[kk + t]
        hit[hit] = same
        return np.where(hit, j, -1)

    def dag(self, c: np.ndarray, block: np.ndarray) -> Dag:
        """jieba's DAG for every position of a text: (end index, log probability) of the
        dictionary words starting there, inside the position's han block (block id >= 0)."""
        n = len(c)
        k = np.flatnonzero(block >= 0)
        h = np.zeros(len(k), dtype=np.uint64)
        cu = c.astype(np.uint64)
        found: list[tuple[np.ndarray, np.ndarray]] = []
        length = 0
        while len(k) and length < self.maxlen:
            length += 1
            end = k + length - 1
            inside = end < n
            inside[inside] = block[end[inside]] == block[k[inside]]
            k, h, end = k[inside], h[inside], end[inside]
            h = h * self.base + cu[end]
            j = self._find(h, k, length, c)
            hit = j >= 0
            k, h, j, end = k[hit], h[hit], j[hit], end[hit]
            word = self.pos[j]
            found.append((k[word], j[word]))
        out: Dag = [[] for _ in range(n)]
        for length, (ks, js) in enumerate(found, start=1):
            for kk, lp in zip(ks.tolist(), self.lp[js].tolist(), strict=True):
                out[kk].append((kk + length - 1, lp))
        return out

    # -- segmentation ------------------------------------------------------------------------

    def cut(self, text: str) -> list[str]:
        """jieba.Tokenizer.cut(text, HMM=True) as a list."""
        if not text:
            return []
        # surrogatepass: a lone surrogate is one code unit, as in the str (jieba passes it on).
        c = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        block = np.full(len(c), -1, dtype=np.int64)
        spans = [m.span() for m in _RE_HAN.finditer(text)]
        for i, (s, e) in enumerate(spans):
            block[s:e] = i
        dag = self.dag(c, block) if spans else []
        out: list[str] = []
        prev = 0
        for s, e in spans:
            if prev < s:
                self._skip(text[prev:s], out)
            self._cut_dag(text, s, e, dag, out)
            prev = e
        if prev < len(text):
            self._skip(text[prev:], out)
        return out

    @staticmethod
    def _skip(gap: str, out: list[str]) -> None:
        for x in _RE_SKIP.split(gap):
            if _RE_SKIP.match(x):
                out.append(x)
            else:
                out.extend(x)

    def _cut_dag(self, text: str, s: int, e: int, dag: Dag, out: list[str]) -> None:
        """jieba's __cut_DAG on text[s:e] (dag indices are text positions)."""
        route_p = [0.0] * (e - s + 1)
        route_x = [0] * (e - s + 1)
        neg_logtotal = self.neg_logtotal
        for idx in range(e - 1, s - 1, -1):
            cand = dag[idx]
            if cand:
                p, x = max((lp + route_p[x + 1 - s], x) for x, lp in cand)
            else:  # log(FREQ.get(char) or 1) - logtotal, with log(1) == 0.0
                p, x = 0.0 + neg_logtotal + route_p[idx + 1 - s], idx
            route_p[idx - s] = p
            route_x[idx - s] = x
        x = s
        buf = ""
        while x < e:
            y = route_x[x - s] + 1
            word = text[x:y]
            if y - x == 1:
                buf += word
            else:
                if buf:
                    self._flush(buf, x, dag, out)
                    buf = ""
                out.append(word)
            x = y
        if buf:
            self._flush(buf, e, dag, out)

    def _flush(self, buf: str, end: int, dag: Dag, out: list[str]) -> None:
        """A run of single characters ending before `end`: one char as is, a dictionary word
        split into chars, anything else cut by the HMM. `FREQ.get(buf)` is truthy exactly when
        the DAG holds the word (a positive-frequency word inside the block)."""
        if len(buf) == 1:
            out.append(buf)
        elif not any(x == end - 1 for x, _lp in dag[end - len(buf)]):
            out.extend(self._hmm_cut(buf))
        else:
            out.extend(buf)

    def _hmm_cut(self, sentence: str) -> Iterator[str]:
        """jieba.finalseg.cut."""
        for blk in _RE_HAN_HMM.split(sentence):
            if _RE_HAN_HMM.match(blk):
                for word in self._viterbi_cut(blk):
                    if word not in self.force_split:
                        yield word
                    else:
                        yield from word
            else:
                for x in _RE_SKIP_HMM.split(blk):
                    if x:
                        yield x

    def _viterbi_cut(self, sentence: str) -> Iterator[str]:
        _prob, pos_list = self._viterbi(sentence)
        begin, nexti = 0, 0
        for i, char in enumerate(sentence):
            pos = pos_list[i]
            if pos == "B":
                begin = i
            elif pos == "E":
                yield sentence[begin : i + 1]
                nexti = i + 1
            elif pos == "S":
                yield char
                nexti = i + 1
        if nexti < len(sentence):
            yield sentence[nexti:]

    def _viterbi(self, obs: str) -> tuple[float, list[str]]:
        """jieba.finalseg.viterbi, with the same float operations in the same order."""
        emit = self._emissions(obs)
        start, trans = self.start, self.trans
        V: list[dict[str, float]] = [{}]
        path: dict[str, list[str]] = {}
        for y in _STATES:
            V[0][y] = start[y] + emit[0][y]
            path[y] = [y]
        for t in range(1, len(obs)):
            V.append({})
            newpath = {}
            for y in _STATES:
                em_p = emit[t][y]
                prob, state = max(
                    (V[t - 1][y0] + trans[y0].get(y, _MIN_FLOAT) + em_p, y0) for y0 in _PREV[y]
                )
                V[t][y] = prob
                newpath[y] = [*path[state], y]
            path = newpath
        prob, state = max((V[len(obs) - 1][y], y) for y in "ES")
        return prob, path[state]

    def _emissions(self, obs: str) -> list[dict[str, float]]:
        """`emit_P[state].get(char, MIN_FLOAT)` for each char, memoized per char."""
        memo = self._emit
        new = [ch for ch in set(obs) if ch not in memo]
        if new:
            codes = np.array([ord(ch) for ch in new], dtype=np.uint32)
            j = np.searchsorted(self.emit_chars, codes)
            j[j == len(self.emit_chars)] = 0
            known = self.emit_chars[j] == codes
            rows = np.where(known[:, None], self.emit_p[j], _MIN_FLOAT).tolist()
            for ch, row in zip(new, rows, strict=True):
                memo[ch] = dict(zip(_STATES, row, strict=True))
        return [memo[ch] for ch in obs]

    def tokenize(self, text: str) -> list[tuple[str, int, int]]:
        """jieba.Tokenizer.tokenize(text, HMM=True): (word, start, end)."""
        out = []
        start = 0
        for w in self.cut(text):
            out.append((w, start, start + len(w)))
            start += len(w)
        return out


_lock = threading.Lock()
_loaded: dict[Path, Dictionary | None] = {}


def load(root: Path | None = None) -> Dictionary | None:
    """The dictionary, building its cache on first use; None when jieba's dictionary cannot be
    found or the cache can neither be read nor written (callers fall back to another engine)."""
    source = _dict_source()
    if source is None:
        return None
    try:
        path = (cache_root() if root is None else root) / _cache_name(source)
    except OSError:
        return None
    with _lock:
        if path in _loaded:
            return _loaded[path]
        got = _open(path, source)
        _loaded[path] = got
        return got


_BROKEN = (OSError, ValueError, KeyError, TypeError)  # a missing, partial or foreign cache


def _prune(root: Path) -> None:
    """Remove caches whose dictionary file is gone or changed. The key names the dict.txt
    path, so every virtual environment gets its own cache (18 MB); without this, deleted
    environments (CI clones, tox runs) would leave theirs behind for good. Run only after a
    build, so a start with the cache in place never scans. A cache without a recorded source
    (written before sources were recorded) goes once it is 30 days old: an environment still
    using it rebuilds it in about a second."""
    import shutil

    for meta in root.glob("jieba-dict-*/meta.json"):
        with contextlib.suppress(*_BROKEN):
            source = json.loads(meta.read_text(encoding="utf-8")).get("source")
            if isinstance(source, str):
                stale = not _current(Path(source), meta.parent.name)
            else:
                stale = time.time() - meta.stat().st_mtime > _LEGACY_AGE
            if stale:
                # Processes still using it keep their maps: unlinking does not unmap.
                shutil.rmtree(meta.parent, ignore_errors=True)


_LEGACY_AGE = 30 * 86400  # seconds


def _current(source: Path, name: str) -> bool:
    try:
        return _cache_name(source) == name
    except OSError:
        return False


def _open(path: Path, source: Path) -> Dictionary | None:
    with contextlib.suppress(*_BROKEN):
        return Dictionary(path)
    import shutil  # only to build: a start with the cache in place needs neither
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=path.parent))
    except OSError:
        return None
    try:
        build(tmp / "d", source.resolve())
        with contextlib.suppress(*_BROKEN):
            return Dictionary(path)  # a concurrent process finished first: use its cache
        if path.exists():  # broken: move it aside, then take its place
            old = Path(tempfile.mkdtemp(prefix=".old-", dir=path.parent))
            with contextlib.suppress(OSError):
                path.rename(old / "d")
        with contextlib.suppress(OSError):
            (tmp / "d").rename(path)  # atomic; loses harmlessly to a concurrent builder
        _prune(path.parent)
        return Dictionary(path)
    except _BROKEN:
        return None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        for stale in path.parent.glob(".old-*"):
            shutil.rmtree(stale, ignore_errors=True)
        for stale in path.parent.glob(".build-*"):  # left by a builder killed an hour ago
            with contextlib.suppress(OSError):
                if time.time() - stale.stat().st_mtime > 3600:
                    shutil.rmtree(stale, ignore_errors=True)
