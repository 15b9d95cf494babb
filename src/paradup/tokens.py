"""Tokens stage: jieba words (dictionary loaded once per process) and hashed shingles.

Segmentation follows jieba. Without a user dictionary, `auto` starts each process on `mmap`
(jieba's own algorithm over a memory-mapped copy of its dictionary, `paradup.mmapseg`: no
dictionary load, so a one-draft check starts fast) and moves to the compiled port `rjieba`
(jieba-rs, same dictionary, its dictionary built at import) once the process has segmented
SWITCH_CHARS characters; batch index builds use rjieba from the start. Plain jieba is the
fallback and the reference. The engines agree once ASCII tokens are canonicalized into runs of
letters and runs of digits (jieba splits `2017.10.17` as `2017.10 . 17`, jieba-rs keeps it
whole); tests check that the canonical tokens are identical on real text.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import logging
import os
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .errors import InputError

# Function words and particles: light edits add or drop them, so they make no shingle.
STOP_WORDS = frozenset(
    "的 了 着 过 地 得 之 和 与 及 以及 并 或 而 且 也 都 就 又 还 在 于 对 把 被 将 从 向 是 为 "
    "这 那 其 此 该 有 个 一 等 们 吗 呢 吧 啊 a an the of to and or in on at is are be".split()
)
SEPARATOR = "\x1f"  # joins the words of a shingle; never occurs in normalized text
ENGINES = ("auto", "jieba", "rjieba", "mmap")
# Characters after which `auto` leaves mmap for rjieba: mmap cuts about 0.5 MB/s in Python, so
# rjieba's 0.15-0.2 s dictionary build pays for itself beyond a few hundred kilobytes.
SWITCH_CHARS = 1 << 17
# A check that knows it will segment at least this many characters (`plan`) starts on rjieba:
# measured break-even of mmap's ~3.7 us a character against rjieba's ~0.13 s dictionary build.
BULK_CHARS = 40_000
# Per thread and task (a ContextVar): one check's size never decides another's engine.
_planned: contextvars.ContextVar[int] = contextvars.ContextVar("paradup_planned", default=0)


@contextlib.contextmanager
def plan(chars: int) -> Iterator[None]:
    """Within the block, `auto` knows how many characters the work will segment (a check of
    many starts on rjieba at once); after it, as before, so one large check does not decide
    for the next small one in a long-running process."""
    token = _planned.set(chars)
    try:
        yield
    finally:
        _planned.reset(token)


_ASCII_RUN = re.compile(r"[a-z]+|[0-9]+")
# ASCII joiners inside numbers, URLs and codes: the engines split around them differently,
# so they never end a clause.
_JOINERS = frozenset(".-_/\\@#%&+~*=^|<>$")
# Characters jieba-rs segments as Han and jieba does not (jieba's Han class ends at U+9FD5: CJK
# extension A, U+9FD6-9FFF, compatibility ideographs, the astral extensions). jieba makes each a
# token of its own and segments the text on either side apart; rjieba is given the same pieces,
# or it glued `鿬鿫` into one word and cut the words beside such a character differently, so a
# draft's findings changed once `auto` had switched to rjieba.
_RS_ONLY = re.compile("[\u3400-\u4dbf\u9fd6-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")

Token = tuple[str, int, int]  # word, start, end
Tokenize = Callable[[str], list[Token]]
Cut = Callable[[str], list[str]]


def _jieba_pieces(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, alone) pieces of text with `_RS_ONLY` characters: each such character is a
    piece `alone`, the text between them pieces to segment."""
    out: list[tuple[int, int, bool]] = []
    at = 0
    for m in _RS_ONLY.finditer(text):
        if m.start() > at:
            out.append((at, m.start(), False))
        out.append((m.start(), m.end(), True))
        at = m.end()
    if at < len(text):
        out.append((at, len(text), False))
    return out


def _rjieba_tokenize() -> Tokenize:
    import rjieba

    tokenize = rjieba.tokenize

    def fn(text: str) -> list[Token]:
        if not _RS_ONLY.search(text):
            return list(tokenize(text))
        tokens: list[Token] = []
        for a, b, alone in _jieba_pieces(text):
            if alone:
                tokens.append((text[a:b], a, b))
            else:
                tokens += [(w, a + s, a + e) for w, s, e in tokenize(text[a:b])]
        return tokens

    return fn


def _rjieba_cut() -> Cut:
    """rjieba's words without offsets (its faster call); text with `_RS_ONLY` characters, rare
    in news, is cut in the tokenizer's pieces."""
    import rjieba

    cut: Cut = rjieba.cut

    def fn(text: str) -> list[str]:
        if not _RS_ONLY.search(text):
            return cut(text)
        # The tokenizer's pieces, each cut without offsets: one such character in a batch's
        # 64K-character call made the whole call take the tokenizer (a tuple per word).
        words: list[str] = []
        for a, b, alone in _jieba_pieces(text):
            if alone:
                words.append(text[a:b])
            else:
                words += cut(text[a:b])
        return words

    return fn


_lock = threading.Lock()
_built: dict[tuple[str, str, str | None, tuple[int, int] | None], Any] = {}


def _tokenizer(user_dict: str | None) -> Any:
    """The jieba tokenizer for a user dictionary, initialized once per process."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.dt if user_dict is None else jieba.Tokenizer()
    tok.initialize()
    if user_dict is not None:
        try:
            tok.load_userdict(user_dict)
        except UnicodeDecodeError:
            problem = "user dictionary is not UTF-8"
            raise InputError(user_dict, problem, "save it as UTF-8") from None
        except ValueError as exc:  # jieba: "dictionary file ... must be utf-8" and the like
            raise InputError(
                user_dict, f"user dictionary cannot be loaded ({exc})", "fix the file"
            ) from None
        except FileNotFoundError:
            raise InputError(
                user_dict,
                "user dictionary not found",
                "fix --user-dict or user-dict in the config file",
            ) from None
        except OSError as exc:
            raise InputError(
                user_dict,
                f"user dictionary cannot be read ({exc.strerror or exc})",
                "fix --user-dict or user-dict in the config file",
            ) from None
        _add_simplified(tok, user_dict)
    return tok


def _add_simplified(tok: Any, user_dict: str) -> None:
    """Add the simplified fold of each traditional user word: the text is segmented folded
    (`variants`), where 香港賽馬會 reads 香港赛马会."""
    import jieba

    from .variants import fold_str

    with open(user_dict, encoding="utf-8-sig") as f:  # jieba read it: UTF-8, readable
        for line in f:
            m = jieba.re_userdict.match(line.strip())
            if not m:
                continue
            word, freq, tag = m.groups()
            folded = fold_str(word)
            if folded != word:
                tok.add_word(folded, int(freq) if freq else None, tag.strip() if tag else None)


def user_dict_id(path: str | None) -> str | None:
    """What an index records of a user dictionary: a hash of its content. The path missed
    an edited dictionary (an exact copy then scored 0 % against the index) and refused the
    same dictionary at another path."""
    from pathlib import Path

    if path is None:
        return None
    try:
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
    except OSError:
        return path  # unreadable: loading it names the problem
    return f"sha256:{digest}"


def rjieba_available() -> bool:
    try:
        import rjieba  # noqa: F401
    except ImportError:
        return False
    return True


def resolve_engine(engine: str, user_dict: str | None) -> str:
    """auto: rjieba when installed and no user dictionary is asked for, else jieba (the bulk
    engine; `tokenizer` starts a process on mmap). mmap or rjieba with a user dictionary is
    jieba: neither loads one (rjieba's words ignored it, so its tokens differed)."""
    if engine == "auto":
        return "rjieba" if user_dict is None and rjieba_available() else "jieba"
    if engine in ("mmap", "rjieba") and user_dict is not None:
        return "jieba"
    return engine


def _once(kind: str, user_dict: str | None, engine: str, make: Callable[[str], Any]) -> Any:
    """`make(engine name)`, built once per process, kind and settings. A user dictionary is
    known by its path and its stat too: a long-running process (a CMS, `serve`) kept the
    words of a dictionary edited since."""
    key = (kind, resolve_engine(engine, user_dict), user_dict, _stamp(user_dict))
    with _lock:
        fn = _built.get(key)
        if fn is None:
            for old in [k for k in _built if k[:3] == key[:3]]:
                del _built[old]  # the dictionary as it was before an edit
            fn = _built[key] = make(key[1])
        return fn


def _stamp(path: str | None) -> tuple[int, int] | None:
    try:
        st = os.stat(path) if path is not None else None
    except OSError:
        return None  # missing: loading it names the problem
    return None if st is None else (st.st_mtime_ns, st.st_size)


def _mmap_dictionary() -> Any:
    from . import mmapseg

    return mmapseg.load()


def tokenizer(user_dict: str | None = None, engine: str = "auto") -> Tokenize:
    """A function text -> [(word, start, end)], built once per process and settings."""

    def make(name: str) -> Tokenize:
        if name == "rjieba":
            return _rjieba_tokenize()
        # resolve_engine makes mmap with a user dictionary jieba; None: no usable cache.
        if name == "mmap" and (d := _mmap_dictionary()) is not None:
            fn: Tokenize = d.tokenize
            return fn
        tok = _tokenizer(user_dict)
        return lambda text: list(tok.tokenize(text, HMM=True))

    if engine == "auto" and user_dict is None:
        got: Tokenize = _once("tokenize-auto", None, "mmap", lambda _n: _auto_tokenizer(make))
    else:
        got = _once("tokenize", user_dict, engine, make)
    return got


def _auto_tokenizer(make: Callable[[str], Tokenize]) -> Tokenize:
    """mmap for a process's first SWITCH_CHARS characters, then rjieba (or jieba)."""
    d = _mmap_dictionary()
    if d is None:  # jieba's dictionary not found, or the cache can be neither read nor written
        return make(resolve_engine("auto", None))
    small: Tokenize = d.tokenize
    used = 0
    bulk: Tokenize | None = None

    def tok(text: str) -> list[Token]:
        nonlocal used, bulk
        if bulk is None:
            used += len(text)
            if used <= SWITCH_CHARS and _planned.get() < BULK_CHARS:
                return small(text)
            bulk = make(resolve_engine("auto", None))
        return bulk(text)

    return tok


def cutter(user_dict: str | None = None, engine: str = "auto") -> Cut:
    """A function text -> [word]: `tokenizer` without offsets (the words concatenate back to
    the text, so offsets are their running lengths), for callers that batch the offsets."""

    def make(name: str) -> Cut:
        if name == "rjieba":
            return _rjieba_cut()
        if name == "mmap" and (d := _mmap_dictionary()) is not None:
            fn: Cut = d.cut
            return fn
        fn = _tokenizer(user_dict).lcut
        return fn

    fn: Cut = _once("cut", user_dict, engine, make)
    return fn


_CANON_CACHE: dict[str, tuple[str, ...]] = {}
_HASH_CACHE: dict[str, int] = {}
_CACHE_LIMIT = 1 << 20  # entries; words and shingles repeat heavily in news text


def canonical(word: str) -> tuple[str, ...]:
    """Shingle words of one token (stop words removed): ASCII split into letter/digit runs,
    punctuation none. Memoized: the vocabulary of a corpus is small next to its tokens."""
    got = _CANON_CACHE.get(word)
    if got is None:
        got = canonical_uncached(word)
        if len(_CANON_CACHE) >= _CACHE_LIMIT:
            _CANON_CACHE.clear()
        _CANON_CACHE[word] = got
    return got


def canonical_uncached(word: str) -> tuple[str, ...]:
    """`canonical` without the memo (for callers with their own vocabulary)."""
    if word.isalnum() and not word.isascii():  # most CJK words: the word itself
        return () if word in STOP_WORDS else (word,)
    if word.isascii():
        raw = _ASCII_RUN.findall(word.lower())
    else:
        raw = [word] if any(c.isalnum() for c in word) else []
    got = tuple(w for w in raw if w not in STOP_WORDS)
    if not raw:
        got = () if all(c in _JOINERS for c in word) or word.isspace() else ("",)
    return got


def group_clauses(tokens: Sequence[Token]) -> list[list[str]]:
    """Canonical words grouped into clauses: punctuation ends a clause, spaces do not.

    Stop words are dropped, so shingles never straddle a comma and a restatement that
    reorders its clauses keeps most of its shingles.
    """
    out: list[list[str]] = []
    cur: list[str] = []
    for w, _s, _e in tokens:
        words = canonical(w)
        if words == ("",):  # punctuation that ends a clause
            if cur:
                out.append(cur)
                cur = []
        elif words:
            cur.extend(words)
    if cur:
        out.append(cur)
    return out


def clauses(text: str, user_dict: str | None = None, engine: str = "auto") -> list[list[str]]:
    """Clauses of canonical words of one normalized text."""
    return group_clauses(tokenizer(user_dict, engine)(text))


def words(text: str, user_dict: str | None = None, engine: str = "auto") -> list[str]:
    """Canonical words of normalized text, without punctuation, spaces and stop words."""
    return [w for clause in clauses(text, user_dict, engine) for w in clause]


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
    out: set[int] = set()
    _hash_into(out, shingles)
    return sorted(out)


def _hash_into(out: set[int], shingles: Sequence[str]) -> None:
    """Add the memoized hash32 of each shingle to `out`."""
    cache = _HASH_CACHE
    for s in shingles:
        h = cache.get(s)
        if h is None:
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            h = cache[s] = hash32(s)
        out.add(h)


def clause_shingle_hashes(tokens: Sequence[Token], n: int) -> list[int]:
    """`shingle_hashes(clause_shingle_strings(group_clauses(tokens), n))` in one pass.

    The index build spends a third of its time in these three steps; fused, with the memos
    bound locally, they make no intermediate lists and far fewer calls (same result, tested).
    """
    canon = _CANON_CACHE.get
    join = SEPARATOR.join
    out: set[int] = set()
    cur: list[str] = []
    tail = [("", 0, 0)]  # a clause-ending sentinel flushes the last clause
    for w, _s, _e in (*tokens, *tail) if tokens else ():
        words = canon(w) if w else ("",)
        if words is None:
            words = canonical(w)
        if words != ("",):
            if words:
                cur.extend(words)
            continue
        if not cur:
            continue
        k = len(cur)
        _hash_into(out, [join(cur)] if k <= n else [join(cur[i : i + n]) for i in range(k - n + 1)])
        cur = []
    return sorted(out)
