"""Tokens stage: jieba words (dictionary loaded once per process) and hashed shingles."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence
from typing import Any

# Function words and particles: light edits add or drop them, so they make no shingle.
STOP_WORDS = frozenset(
    "的 了 着 过 地 得 之 和 与 及 以及 并 或 而 且 也 都 就 又 还 在 于 对 把 被 将 从 向 是 为 "
    "这 那 其 此 该 有 个 一 等 们 吗 呢 吧 啊 a an the of to and or in on at is are be".split()
)
SEPARATOR = "\x1f"  # joins the words of a shingle; never occurs in normalized text

_lock = threading.Lock()
_tokenizers: dict[str | None, Any] = {}


def _tokenizer(user_dict: str | None) -> Any:
    """One jieba tokenizer per user dictionary, initialized once per process."""
    with _lock:
        tok = _tokenizers.get(user_dict)
        if tok is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            tok = jieba.dt if user_dict is None else jieba.Tokenizer()
            tok.initialize()
            if user_dict is not None:
                tok.load_userdict(user_dict)
            _tokenizers[user_dict] = tok
        return tok


def clauses(text: str, user_dict: str | None = None) -> list[list[str]]:
    """jieba words of normalized text, grouped into clauses at punctuation.

    Spaces and stop words are dropped; punctuation ends a clause, so shingles never straddle
    a comma and a restatement that reorders its clauses keeps most of its shingles.
    """
    tok = _tokenizer(user_dict)
    out: list[list[str]] = []
    cur: list[str] = []
    for w in tok.lcut(text, HMM=True):
        if any(c.isalnum() for c in w):
            if w not in STOP_WORDS:
                cur.append(w)
        elif not w.isspace() and cur:
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


def words(text: str, user_dict: str | None = None) -> list[str]:
    """jieba words of normalized text, without punctuation, spaces and stop words."""
    return [w for clause in clauses(text, user_dict) for w in clause]


def shingle_strings(tokens: Sequence[str], n: int) -> list[str]:
    """Word n-grams joined by SEPARATOR; a unit shorter than n yields one shingle of all of it."""
    if not tokens:
        return []
    if len(tokens) <= n:
        return [SEPARATOR.join(tokens)]
    return [SEPARATOR.join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def clause_shingle_strings(groups: Sequence[Sequence[str]], n: int) -> list[str]:
    """Word n-grams inside each clause (never across punctuation)."""
    return [s for g in groups for s in shingle_strings(g, n)]


def char_shingle_strings(text: str, n: int) -> list[str]:
    """Character n-grams over the letters and digits of the text (punctuation dropped)."""
    chars = "".join(c for c in text if c.isalnum())
    if not chars:
        return []
    if len(chars) <= n:
        return [chars]
    return [chars[i : i + n] for i in range(len(chars) - n + 1)]


def hash32(shingle: str) -> int:
    """datasketch's default sha1_hash32, so signatures match datasketch.MinHash exactly."""
    return int.from_bytes(hashlib.sha1(shingle.encode("utf-8")).digest()[:4], "little")


def shingle_hashes(shingles: Sequence[str]) -> list[int]:
    """Stable 32-bit hashes of distinct shingles, sorted (a set in canonical order)."""
    return sorted({hash32(s) for s in shingles})
