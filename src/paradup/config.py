"""The options of a check, in one frozen dataclass; every default is measured in reports/."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Literal

from .errors import UsageError


@dataclass(frozen=True)
class CheckConfig:
    """Fingerprint and matching settings. Frozen: callers' options are never mutated."""

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

    def __post_init__(self) -> None:
        def bad(name: str, why: str) -> UsageError:
            return UsageError(f"option {name}: {why}")

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
        if any(w < 2 or w > 8 for w in self.windows):
            raise bad("windows", f"sizes must be between 2 and 8, got {self.windows}")
        if self.min_chars < 1:
            raise bad("min-chars", f"must be at least 1, got {self.min_chars}")
        if self.engine not in ("auto", "jieba", "rjieba", "mmap"):
            raise bad("engine", f"must be auto, jieba, rjieba or mmap, got {self.engine!r}")
        if self.max_bytes < 1:
            raise bad("max-bytes", f"must be positive, got {self.max_bytes}")

    @property
    def banding_threshold(self) -> float:
        if self.lsh_threshold is not None:
            return self.lsh_threshold
        return max(0.1, self.threshold - 0.1)

    def with_options(self, **changes: Any) -> CheckConfig:
        """A copy with the non-None options applied (command-line values over defaults)."""
        known = {f.name for f in fields(self)}
        clean = {k: v for k, v in changes.items() if v is not None and k in known}
        return replace(self, **clean)
