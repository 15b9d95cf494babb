"""The check pipeline end to end: documents in, verified passage findings out."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Literal

from .align import Aligner, Passage, union
from .config import CheckConfig
from .diff import word_changes
from .errors import UsageError
from .model import CheckResult, FileSummary, Finding, Span
from .prepare import PreparedDoc, PreparedSentence, prepare
from .read import Document, Locator, expand_paths, read_found

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

SOURCES_PER_UNIT = 4  # verified earlier matches kept per later unit


def sentence_units(sents: Sequence[PreparedSentence], config: CheckConfig) -> list[tuple[int, int]]:
    """Single sentences and windows of consecutive prose sentences within one paragraph."""
    units: list[tuple[int, int]] = []
    n = len(sents)
    for g, s in enumerate(sents):
        if not (s.prose and s.hashes):
            continue
        if s.chars >= config.min_chars:
            units.append((g, g))
        for k in config.windows:
            h = g + k - 1
            if h < n and all(
                t.prose and t.hashes and t.doc == s.doc and t.paragraph == s.paragraph
                for t in sents[g + 1 : h + 1]
            ):
                units.append((g, h))
    return units


def _every_sentence_restated(
    sents: Sequence[PreparedSentence],
    a: tuple[int, int],
    b: tuple[int, int],
    share: float,
    ua: set[int],
    ub: set[int],
) -> bool:
    """A window matches only if each of its sentences is itself (partly) restated.

    Otherwise a window can bridge an unrelated sentence, or swallow the source of another
    restatement, and hide the real pair.
    """
    for (lo, hi), other in ((a, ub), (b, ua)):
        if hi == lo:
            continue
        for s in sents[lo : hi + 1]:
            if sum(1 for h in s.hashes if h in other) < share * len(s.hashes):
                return False
    return True


def unit_band_keys(
    sents: Sequence[PreparedSentence],
    units: Sequence[tuple[int, int]],
    num_perm: int,
    seed: int,
    bands: int,
    rows: int,
) -> npt.NDArray[np.uint64]:
    """(len(units), bands) LSH band keys of sentence ranges; shared by check, hook and index."""
    import numpy as np

    from .fingerprint import signatures
    from .lsh import band_keys

    sent_sigs = signatures([list(s.hashes) for s in sents], num_perm, seed)
    keys = np.empty((len(units), bands), dtype=np.uint64)
    step = 1 << 15  # unit signatures are built per chunk; only the band keys are kept
    for c in range(0, len(units), step):
        chunk = units[c : c + step]
        # MinHash of a union is the element-wise minimum: windows cost no hashing at all.
        sigs = np.empty((len(chunk), num_perm), dtype=np.uint32)
        for u, (lo, hi) in enumerate(chunk):
            sigs[u] = sent_sigs[lo : hi + 1].min(axis=0)
        keys[c : c + len(chunk)] = band_keys(sigs, bands, rows)
    return keys


def find_matches(
    sents: Sequence[PreparedSentence],
    config: CheckConfig,
    focus: set[int] | None = None,
) -> list[tuple[int, int, int, int]]:
    """Verified unit pairs (a0, a1, b0, b1), A before B, via MinHash LSH then exact Jaccard."""
    import numpy as np

    from .lsh import candidate_pair_array, optimal_bands

    units = sentence_units(sents, config)
    if len(units) < 2:
        return []
    bands, rows = optimal_bands(config.banding_threshold, config.num_perm)
    keys = unit_band_keys(sents, units, config.num_perm, config.seed, bands, rows)
    matches: list[tuple[int, int, int, int]] = []
    per_b: dict[tuple[int, int], list[tuple[float, int, int]]] = {}
    # Bounded: caching every unit's union would hold gigabytes on a 50 MB input.
    cache: dict[tuple[int, int], set[int]] = {}

    def hashes(rng: tuple[int, int]) -> set[int]:
        got = cache.get(rng)
        if got is None:
            if len(cache) >= 8192:
                cache.clear()
            got = cache[rng] = union(sents, *rng)
        return got

    mask = None
    if focus is not None:
        mask = np.fromiter((sents[lo].doc in focus for lo, _ in units), bool, len(units))
    pairs = candidate_pair_array(keys, max_bucket=config.max_bucket, focus=mask)
    for i, j in pairs.tolist():
        a, b = sorted((units[i], units[j]))
        if sents[a[0]].doc == sents[b[0]].doc and a[1] >= b[0]:
            continue  # overlapping units are not a restatement
        ha, hb = hashes(a), hashes(b)
        if ha == hb:  # a copy (most pairs of a text pasted many times): every sentence in it
            per_b.setdefault(b, []).append((-1.0, *a))
            continue
        inter = len(ha & hb)
        sim = inter / (len(ha) + len(hb) - inter)
        if sim >= config.threshold and _every_sentence_restated(
            sents, a, b, config.extend_threshold, ha, hb
        ):
            per_b.setdefault(b, []).append((-sim, *a))
    # Text repeated many times (templates, bylines) would match every earlier copy: keep each
    # later unit's best few sources, most similar and earliest first.
    for (b0, b1), sources in per_b.items():
        ranked = sorted(sources)
        kept = ranked[:SOURCES_PER_UNIT]
        # ... and the nearest of the most similar: in a run of copies each copy's own source
        # is the one before it, which the earliest few are not after the fourth copy.
        nearest = max((s for s in ranked if s[0] == ranked[0][0]), key=lambda s: s[1])
        if nearest not in kept:
            kept.append(nearest)
        for _neg, a0, a1 in kept:
            matches.append((a0, a1, b0, b1))
    return matches


def _span(doc: PreparedDoc, lo: PreparedSentence, hi: PreparedSentence, loc: Locator) -> Span:
    return _raw_span(doc, lo.raw_start, hi.raw_end, loc)


def _raw_span(doc: PreparedDoc, start: int, end: int, loc: Locator) -> Span:
    line, col = loc(start)
    d = doc.document
    return Span(d.path, start, end, line, col, d.text[start:end], d.key, d.title, d.date)


def _finding(
    da: PreparedDoc,
    a_norm: tuple[int, int],
    a: Span,
    db: PreparedDoc,
    b_norm: tuple[int, int],
    b: Span,
    similarity: float,
    kind: Literal["near", "phrase"],
    config: CheckConfig,
) -> Finding:
    """The finding of two spans (normalized offsets beside them): texts equal but for
    whitespace have similarity 1 and no changes (a passage is then `exact`), others their word
    changes. Line breaks too: a file of one-line paragraphs keeps them between paragraphs, a
    draft of the same text in one paragraph does not (an identical copy was `near`)."""
    na, nb = da.norm.text[slice(*a_norm)], db.norm.text[slice(*b_norm)]
    if "".join(na.split()) == "".join(nb.split()):
        return Finding(1.0, "exact" if kind == "near" else kind, a, b)
    changes = word_changes(da.norm, a_norm, db.norm, b_norm, config.user_dict)
    return Finding(round(similarity, 4), kind, a, b, changes)


def build_findings(
    docs: Sequence[PreparedDoc], passages: Sequence[Passage], config: CheckConfig
) -> tuple[list[Finding], list[int]]:
    """Findings in report order, and per document the restated (later-side) characters."""
    sents = [s for d in docs for s in d.sentences]
    locators: dict[int, Locator] = {}
    restated: list[set[int]] = [set() for _ in docs]
    findings = []
    for p in passages:
        sa, sb = sents[p.a0], sents[p.b0]
        da, db = docs[sa.doc], docs[sb.doc]
        for d in (sa.doc, sb.doc):
            if d not in locators:  # one newline index per file, not per finding
                locators[d] = Locator(docs[d].document.text)
        la, lb = locators[sa.doc], locators[sb.doc]
        a = _span(da, sa, sents[p.a1], la)
        b = _span(db, sb, sents[p.b1], lb)
        a_norm = (sa.start, sents[p.a1].end)
        b_norm = (sb.start, sents[p.b1].end)
        findings.append(_finding(da, a_norm, a, db, b_norm, b, p.similarity, "near", config))
        restated[sb.doc].update(range(p.b0, p.b1 + 1))
    counts = [sum(sents[g].chars for g in r if sents[g].prose) for r in restated]
    return findings, counts


def check_documents(
    documents: Sequence[Document],
    config: CheckConfig | None = None,
    focus: Iterable[int] | None = None,
    *,
    suppress: bool = True,
    allow: Iterable[str | re.Pattern[str]] | None = None,
) -> CheckResult:
    """Find restated passages within and across the documents (earlier documents are `a`).

    Like `paradup check`, sentences inside `<!-- paradup: off -->` … `on` (or `# paradup:
    off` in plain text) and sentences matching the allow-list are taken out of the comparison:
    neither reported nor counted in the 复制比. `allow` is that list of regexes (str or
    compiled), default the built-in byline list `paradup.DEFAULT_ALLOW`; pass
    `load_settings([path]).allow_patterns()` for a project's `.paradup.toml`, `allow=()` for
    markers only, or `suppress=False` to compare every sentence.
    """
    config = check_config(config)
    patterns = _allow_patterns(allow) if suppress else None
    from . import tokens

    check_sequence(documents)
    fix = "pass paradup.Document(path, text, encoding)"
    documents = [check_document(f"documents[{i}]", d, fix) for i, d in enumerate(documents)]
    focus = check_focus(focus, len(documents))
    # The size of the whole check: `auto` segments a large one with rjieba from the start.
    with tokens.plan(sum(len(d.text) for d in documents)):
        docs = []
        for i, d in enumerate(documents):
            doc = prepare(i, d, config)
            if patterns is not None:
                from .suppress import apply

                doc = apply(doc, patterns)
            docs.append(doc)
        return check_prepared(docs, config, focus)


def _allow_patterns(allow: Iterable[str | re.Pattern[str]] | None) -> list[re.Pattern[str]]:
    """Compiled allow-list patterns (default: the built-in bylines); a bad one is a UsageError."""
    from .settings import DEFAULT_ALLOW, compile_allow

    if allow is None:
        allow = DEFAULT_ALLOW
    elif isinstance(allow, str | re.Pattern):
        allow = [allow]  # one pattern, not its characters
    elif not isinstance(allow, Iterable):
        raise UsageError(f"allow: expected regexes (str or re.Pattern), got {allow!r}")
    return compile_allow(allow)


def check_focus(focus: Iterable[int] | None, n: int) -> list[int] | None:
    """`focus` as document numbers below `n`: a number out of range (or not one) reported
    nothing at all, which read as "no findings"."""
    if focus is None:
        return None
    if not isinstance(focus, Iterable) or isinstance(focus, str | bytes):
        raise UsageError(f"focus: expected document numbers, got {focus!r}")
    import operator

    out = []
    for i in focus:
        try:  # any integer type (numpy's from np.flatnonzero too), not a bool
            k = operator.index(i) if not isinstance(i, bool) else None
        except TypeError:
            k = None
        if k is None or not 0 <= k < n:
            raise UsageError(f"focus: {i!r} is no document number (0 to {n - 1})")
        out.append(k)
    return out


def check_config(config: object) -> CheckConfig:
    """`config`, or the defaults for None; anything else is a UsageError naming it."""
    if config is None:
        return CheckConfig()
    _expect("config", config, CheckConfig, "pass a paradup.CheckConfig")
    assert isinstance(config, CheckConfig)
    return config


def _with_phrases(
    docs: Sequence[PreparedDoc],
    passages: Sequence[Passage],
    wanted: set[int],
    config: CheckConfig,
    findings: list[Finding],
    restated: list[int],
) -> tuple[list[Finding], list[int]]:
    """The findings followed by each checked document's repeated phrases (`phrases.py`), and
    their characters added to the 复制比. A sentence a passage already restates takes no
    phrase (it showed a phrase inside an exact copy's span), nor does a pair of sentences a
    passage holds."""
    from .phrases import phrase_pairs
    from .tokens import tokenizer

    counted = {g for p in passages for g in range(p.b0, p.b1 + 1)}
    restated = list(restated)
    extra: list[Finding] = []
    offset = 0
    for d in docs:
        first, offset = offset, offset + len(d.sentences)
        if d.doc not in wanted:
            continue

        def skip(i: int, j: int, first: int = first) -> bool:
            gi, gj = i + first, j + first
            return gj in counted or any(
                (p.a0 <= gi <= p.a1 and p.b0 <= gj <= p.b1)
                or (p.a0 <= gj <= p.a1 and p.b0 <= gi <= p.b1)
                for p in passages
            )

        def bounds(start: int, end: int, d: PreparedDoc = d) -> set[int]:
            """Word boundaries of the sentence holding [start, end) (normalized offsets)."""
            s = next(s for s in d.sentences if s.start <= start and end <= s.end)
            words = tokenizer(config.user_dict, config.engine)(d.norm.text[s.start : s.end])
            return {s.start + w[1] for w in words} | {s.start + w[2] for w in words}

        loc = Locator(d.document.text)
        starts, ends = d.norm.starts, d.norm.ends
        for (a0, a1), (b0, b1), similarity in phrase_pairs(d, config.phrase_chars, skip, bounds):
            a = _raw_span(d, starts[a0], ends[a1 - 1], loc)
            b = _raw_span(d, starts[b0], ends[b1 - 1], loc)
            extra.append(_finding(d, (a0, a1), a, d, (b0, b1), b, similarity, "phrase", config))
            restated[d.doc] += b1 - b0 - d.norm.text.count(" ", b0, b1)
    return [*findings, *extra], restated


def check_prepared(
    docs: Sequence[PreparedDoc],
    config: CheckConfig,
    focus: Iterable[int] | None = None,
) -> CheckResult:
    """Check already prepared documents (doc ids must be 0..n-1 in order).

    With `focus`, only findings with a side in those documents are reported, and only those
    documents are summarized: the hook compares changed files against a cached repository.
    """
    sents = [s for d in docs for s in d.sentences]
    wanted = set(range(len(docs))) if focus is None else set(focus)
    aligner = Aligner(sents, config.threshold, config.extend_threshold, config.min_chars)
    matches = find_matches(sents, config, None if focus is None else wanted)
    merged = aligner.closer(aligner.merge(matches), matches)
    passages = aligner.select(merged, aligner.singles(matches))
    findings, restated = build_findings(docs, passages, config)
    if config.phrase_chars:
        findings, restated = _with_phrases(docs, passages, wanted, config, findings, restated)
    files = tuple(
        FileSummary(d.document.path, d.prose_chars, r)
        for d, r in zip(docs, restated, strict=True)
        if d.doc in wanted
    )
    return CheckResult(files, tuple(findings))


def check_paths(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    config: CheckConfig | None = None,
    *,
    suppress: bool = True,
    allow: Iterable[str | re.Pattern[str]] | None = None,
) -> CheckResult:
    """Read (expanding directories), then check. Raises InputError on unreadable input (an
    empty file found in a folder is passed over, as `paradup check` does).

    `paths` is one path (str or os.PathLike) or an iterable of them. `config` is used as given:
    no `.paradup.toml` is read (for the command's settings, `s = load_settings(paths)`, then
    `check_paths(paths, s.config, allow=s.allow_patterns())`). `suppress` and `allow` as in
    `check_documents`.
    """
    config = check_config(config)
    if isinstance(paths, str | os.PathLike):
        paths = [paths]  # one path, not its characters
    elif isinstance(paths, bytes) or not isinstance(paths, Iterable):
        raise UsageError(f"paths: expected a path or an iterable of paths, got {paths!r}")
    names = []
    for p in paths:
        if not isinstance(p, str | os.PathLike):
            raise UsageError(f"paths: expected str or os.PathLike, got {type(p).__name__} {p!r}")
        names.append(os.fspath(p))
    files = expand_paths(names, config.include, config.exclude)
    docs = read_found(names, files, config.encoding, config.max_bytes)  # as `paradup check`
    return check_documents(docs, config, suppress=suppress, allow=allow)


def check_text(
    text: str,
    path: str = "<text>",
    config: CheckConfig | None = None,
    *,
    suppress: bool = True,
    allow: Iterable[str | re.Pattern[str]] | None = None,
) -> CheckResult:
    """Check one in-memory text: `path` names it in findings (a Markdown suffix leaves `#
    paradup: off` lines to the text, as in a Markdown file); `config` is the third argument
    or `config=`. `suppress` and `allow` as in `check_documents`."""
    # A config passed second (`check_text(t, CheckConfig(...))`) was taken for the path and
    # silently ignored; a wrong type reached normalize as a bare TypeError.
    _expect("text", text, str, "decode bytes first")
    _expect("path", path, str, "the config goes as config=")
    return check_documents([Document(path, text, "utf-8")], config, suppress=suppress, allow=allow)


def check_sequence(documents: object) -> None:
    """`documents` as a sequence: a path (`check_against("draft.md", idx)`) was iterated
    and named as `documents[0]: expected Document, got str`."""
    if isinstance(documents, str | bytes | os.PathLike):
        got = type(documents).__name__
        raise UsageError(
            f"documents: expected a sequence of Documents, got {got}; "
            "pass [paradup.read_document(path)]"
        )


def check_document(name: str, d: object, fix: str) -> Document:
    """`d` as a Document of a str path (a Path is taken as its string: it failed only in
    `to_dict`), or a UsageError naming what is wrong: not a Document, a text that is not a str
    or holds a lone surrogate (`json.loads('"\\ud800"')` passed or failed deep in the
    segmenter by which engine the process had used before)."""
    _expect(name, d, Document, fix)
    assert isinstance(d, Document)
    if isinstance(d.path, os.PathLike):
        from dataclasses import replace

        d = replace(d, path=os.fspath(d.path))
    _expect(f"{name}.path", d.path, str, "pass str (os.fspath(path))")
    _expect(f"{name}.text", d.text, str, "decode bytes first")
    try:
        d.text.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = f"U+{ord(d.text[exc.start]):04X}"
        raise UsageError(
            f"{d.path}: the text holds a lone surrogate ({code} at offset {exc.start}), which "
            "is no character; decode the source with errors='replace' or fix it"
        ) from None
    return d


def _expect(name: str, value: object, kind: type, fix: str) -> None:
    if not isinstance(value, kind):
        got = type(value).__name__
        raise UsageError(f"{name}: expected {kind.__name__}, got {got}; {fix}")
