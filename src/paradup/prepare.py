"""Per-document work shared by every engine: normalize, split, tokenize, hash shingles."""

from __future__ import annotations

from dataclasses import dataclass

from .config import CheckConfig
from .normalize import Normalized, normalize
from .read import Document
from .tokens import char_shingle_strings, clause_shingle_strings, clauses, shingle_hashes
from .units import sentences


@dataclass(frozen=True)
class PreparedSentence:
    doc: int
    local: int  # index among the document's sentences
    paragraph: int
    start: int  # normalized offsets
    end: int
    raw_start: int
    raw_end: int
    chars: int  # non-space normalized characters: the unit of the 复制比
    prose: bool  # headings are not prose: never reported, never counted
    hashes: tuple[int, ...]


@dataclass(frozen=True)
class PreparedDoc:
    doc: int
    document: Document
    norm: Normalized
    sentences: tuple[PreparedSentence, ...]

    @property
    def prose_chars(self) -> int:
        return sum(s.chars for s in self.sentences if s.prose)


def sentence_shingles(text: str, config: CheckConfig) -> list[str]:
    """The shingles of one normalized sentence under the configured tokenizer."""
    if config.ngram == "char":
        return char_shingle_strings(text, config.shingle)
    return clause_shingle_strings(clauses(text, config.user_dict), config.shingle)


def prepare(doc_id: int, document: Document, config: CheckConfig) -> PreparedDoc:
    norm = normalize(document.text)
    out = []
    for s in sentences(norm):
        text = norm.text[s.start : s.end]
        chars = sum(1 for c in text if not c.isspace())
        hashes = () if s.heading else tuple(shingle_hashes(sentence_shingles(text, config)))
        out.append(
            PreparedSentence(
                doc_id,
                s.index,
                s.paragraph,
                s.start,
                s.end,
                s.raw_start,
                s.raw_end,
                chars,
                not s.heading,
                hashes,
            )
        )
    return PreparedDoc(doc_id, document, norm, tuple(out))
