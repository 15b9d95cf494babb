"""Result types shared by the library, the reports and the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Span:
    """A half-open character interval of a file's decoded text; `text == decoded[start:end]`."""

    path: str
    start: int
    end: int
    line: int
    column: int
    text: str
    doc: str | None = None  # set for archive documents (check --against)
    title: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class Change:
    """One word-level edit from the earlier (a) to the later (b) passage, with raw spans."""

    op: Literal["replace", "delete", "insert"]
    a: str
    b: str
    a_start: int
    a_end: int
    b_start: int
    b_end: int


@dataclass(frozen=True)
class Finding:
    """A restated passage: `b` restates the earlier `a`."""

    similarity: float
    kind: Literal["exact", "near", "phrase"]
    a: Span
    b: Span
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True)
class FileSummary:
    """Per-file share of restated prose (复制比 = restated_chars / chars)."""

    path: str
    chars: int
    restated_chars: int

    @property
    def ratio(self) -> float:
        return self.restated_chars / self.chars if self.chars else 0.0


@dataclass(frozen=True)
class CheckResult:
    files: tuple[FileSummary, ...]
    findings: tuple[Finding, ...]

    @property
    def restated_chars(self) -> int:
        return sum(f.restated_chars for f in self.files)

    @property
    def chars(self) -> int:
        return sum(f.chars for f in self.files)
