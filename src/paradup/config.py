"""The options of a check, in one frozen dataclass; every default is measured in reports/."""

from __future__ import annotations

import numbers
import os
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from typing import Any, Literal

from .errors import UsageError


class OptionError(UsageError):
    """A CheckConfig option with a bad type or value; `option` is its dashed (file) name."""

    def __init__(self, option: str, why: str) -> None:
        self.option = option
        self.why = why
        super().__init__(f"option {option}: {why}")


MAX_SEED = 2**32 - 1  # numpy's RandomState (datasketch's permutations) takes 0..2**32-1


@dataclass(frozen=True)
class CheckConfig:
    """Fingerprint and matching settings. Frozen: callers' options are never mutated.

    Construction validates every option and raises paradup.UsageError naming it.
    """

    threshold: float = 0.4  # exact Jaccard a unit pair needs to be reported
    extend_threshold: float = 0.25  # Jaccard that lets a neighbouring sentence join a passage
    lsh_threshold: float | None = None  # banding target; default threshold - 0.1
    shingle: int = 2  # n of the word (or character) n-grams
    ngram: Literal["word", "char"] = "word"
    num_perm: int = 128
    seed: int = 1
    windows: tuple[int, ...] = (2, 3)  # sizes of sliding sentence windows besides single ones
    min_chars: int = 12  # shortest passage side reported, in normalized characters
    user_dict: str | None = None
    engine: Literal["auto", "jieba", "rjieba", "mmap"] = "auto"  # segmentation engine (same tokens)
    encoding: str | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_bytes: int = 256 * 1024 * 1024
    max_bucket: int = 16  # LSH bucket members each unit is compared with (see lsh.py)
    phrase_chars: int = 0  # report phrases a document repeats of this many characters; 0: off

    def __post_init__(self) -> None:
        """Check types and ranges, normalizing harmless spellings in place.

        Every bad value raises UsageError naming the option (never a TypeError later):
        floats take any real number but a bool; integers take ints (not bools, not 2.5);
        `windows` takes a sequence of ints; `include`/`exclude` take a sequence of globs, and
        a single str is one glob (`include="*.md"` means `("*.md",)`); `user_dict` takes a str
        or os.PathLike.
        """

        def bad(name: str, why: str) -> OptionError:
            return OptionError(name, why)

        def got(value: object) -> str:
            return f"got {type(value).__name__} {value!r}"

        def put(attr: str, value: object) -> None:
            object.__setattr__(self, attr, value)  # frozen: normalize once, here

        for attr in ("threshold", "extend_threshold", "lsh_threshold"):
            value = getattr(self, attr)
            if value is None and attr == "lsh_threshold":
                continue
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise bad(attr.replace("_", "-"), f"must be a number, {got(value)}")
            put(attr, float(value))
        for attr in (
            "shingle",
            "num_perm",
            "seed",
            "min_chars",
            "max_bytes",
            "max_bucket",
            "phrase_chars",
        ):
            value = getattr(self, attr)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise bad(attr.replace("_", "-"), f"must be an integer, {got(value)}")
            put(attr, int(value))
        windows = self.windows
        if isinstance(windows, str | bytes) or not isinstance(windows, Iterable):
            raise bad("windows", f"must be a sequence of sizes such as (2, 3), {got(windows)}")
        windows = tuple(windows)
        if any(isinstance(w, bool) or not isinstance(w, numbers.Integral) for w in windows):
            raise bad("windows", f"sizes must be integers, got {windows!r}")
        put("windows", tuple(int(w) for w in windows))
        for attr in ("include", "exclude"):
            value = getattr(self, attr)
            if isinstance(value, str):
                value = (value,)  # one glob, not its characters
            if not isinstance(value, Iterable) or isinstance(value, bytes):
                raise bad(attr, f"must be a sequence of globs, {got(value)}")
            value = tuple(value)
            if not all(isinstance(v, str) for v in value):
                raise bad(attr, f"globs must be strings, got {value!r}")
            put(attr, value)
        if self.user_dict is not None:
            if not isinstance(self.user_dict, str | os.PathLike):
                raise bad("user-dict", f"must be a path, {got(self.user_dict)}")
            put("user_dict", os.fspath(self.user_dict))
        if self.encoding is not None and not isinstance(self.encoding, str):
            raise bad("encoding", f"must be a codec name such as 'gb18030', {got(self.encoding)}")

        if not 0.0 < self.threshold <= 1.0:
            raise bad("threshold", f"must be in (0, 1], got {self.threshold}")
        if not 0.0 < self.extend_threshold <= 1.0:
            raise bad("extend-threshold", f"must be in (0, 1], got {self.extend_threshold}")
        if self.lsh_threshold is not None and not 0.0 < self.lsh_threshold <= 1.0:
            raise bad("lsh-threshold", f"must be in (0, 1], got {self.lsh_threshold}")
        if self.shingle < 1:
            raise bad("shingle", f"must be at least 1, got {self.shingle}")
        if self.ngram not in ("word", "char"):
            raise bad("ngram", f"must be 'word' or 'char', got {self.ngram!r}")
        if not 2 <= self.num_perm <= 1024:
            raise bad("num-perm", f"must be between 2 and 1024, got {self.num_perm}")
        if not 0 <= self.seed <= MAX_SEED:
            raise bad("seed", f"must be between 0 and {MAX_SEED}, got {self.seed}")
        if any(w < 2 or w > 8 for w in self.windows):
            raise bad("windows", f"sizes must be between 2 and 8, got {self.windows}")
        if self.min_chars < 1:
            raise bad("min-chars", f"must be at least 1, got {self.min_chars}")
        if self.engine not in ("auto", "jieba", "rjieba", "mmap"):
            raise bad("engine", f"must be auto, jieba, rjieba or mmap, got {self.engine!r}")
        if self.max_bytes < 1:
            raise bad("max-bytes", f"must be positive, got {self.max_bytes}")
        if self.max_bucket < 1:
            raise bad("max-bucket", f"must be at least 1, got {self.max_bucket}")
        if self.phrase_chars < 0:
            raise bad("phrase-chars", f"must be 0 (off) or a length, got {self.phrase_chars}")

    @property
    def banding_threshold(self) -> float:
        if self.lsh_threshold is not None:
            return self.lsh_threshold
        return max(0.1, self.threshold - 0.1)

    def with_options(self, **changes: Any) -> CheckConfig:
        """A copy with the non-None options applied (command-line values over defaults)."""
        known = {f.name for f in fields(self)}
        unknown = sorted(k for k in changes if k not in known)
        if unknown:
            raise UsageError(
                f"unknown option {', '.join(map(repr, unknown))}; "
                f"known options: {', '.join(sorted(known))}"
            )
        clean = {k: v for k, v in changes.items() if v is not None}
        return replace(self, **clean)
