"""Per-document work shared by every engine: normalize, split, tokenize, hash shingles."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .config import CheckConfig
from .normalize import Normalized, normalize
from .read import Document
from .tokens import (
    char_shingle_strings,
    clause_shingle_hashes,
    shingle_hashes,
    tokenizer,
)
from .units import Sentence, sentences


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


def _near(sents: Sequence[Sentence], spans: Sequence[tuple[int, int]]) -> set[int]:
    """Paragraphs overlapping a raw span, and their neighbours (where a match may extend)."""
    hit = {s.paragraph for s in sents for a, b in spans if s.raw_start < b and a < s.raw_end}
    return {p + d for p in hit for d in (-1, 0, 1)}


def prepare(
    doc_id: int,
    document: Document,
    config: CheckConfig,
    spans: Sequence[tuple[int, int]] | None = None,
) -> PreparedDoc:
    """Normalize, split and shingle one document; each paragraph is segmented once.

    With `spans` (raw offsets), only the paragraphs around them are segmented and shingled;
    the others keep their offsets but no shingles, so they can never match. An archived source
    re-checked against a draft needs no more than that."""
    norm = normalize(document.text)
    text = norm.text
    cut = tokenizer(config.user_dict, config.engine)
    out: list[PreparedSentence] = []
    sents = sentences(norm)
    wanted = None if spans is None else _near(sents, spans)
    i = 0
    while i < len(sents):
        # The sentences of one paragraph; jieba never joins words across sentence punctuation,
        # so one cut of the paragraph equals the cuts of its sentences.
        j = i
        while j < len(sents) and sents[j].paragraph == sents[i].paragraph:
            j += 1
        para = sents[i:j]
        base = para[0].start
        skip = wanted is not None and para[0].paragraph not in wanted
        tokens = cut(text[base : para[-1].end]) if config.ngram == "word" and not skip else []
        k = 0
        for s in para:
            mine = []
            while k < len(tokens) and base + tokens[k][1] < s.end:
                if base + tokens[k][1] >= s.start:
                    mine.append(tokens[k])
                k += 1
            body = text[s.start : s.end]
            chars = len(body) - body.count(" ")  # sentences hold no other whitespace
            if s.heading or skip:
                hashes: tuple[int, ...] = ()
            elif config.ngram == "char":
                hashes = tuple(shingle_hashes(char_shingle_strings(body, config.shingle)))
            else:
                hashes = tuple(clause_shingle_hashes(mine, config.shingle))
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
        i = j
    return PreparedDoc(doc_id, document, norm, tuple(out))
