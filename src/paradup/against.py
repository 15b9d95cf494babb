"""check --against: a draft's restatements inside itself and of passages already archived."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import replace

from .align import union
from .check import _allow_patterns, check_prepared, sentence_units, unit_band_keys
from .config import CheckConfig
from .index.store import IndexStore, database_failure
from .lsh import index_keys
from .model import CheckResult
from .prepare import PreparedDoc, prepare
from .read import Document

MAX_SOURCES = 20  # archive documents re-checked in full per run, best first


def _candidate_docs(
    store: IndexStore, drafts: Sequence[PreparedDoc], config: CheckConfig
) -> list[tuple[int, list[tuple[int, int]]]]:
    """Archive documents with at least one unit verified against a draft unit, best first,
    each with the raw spans of its verified units."""
    import numpy as np

    st = store.settings
    best: dict[int, float] = {}
    spans: dict[int, list[tuple[int, int]]] = {}
    for d in drafts:
        sents = d.sentences
        units = sentence_units(sents, config)
        if not units:
            continue
        keys = index_keys(unit_band_keys(sents, units, st.num_perm, st.seed, st.bands, st.rows))
        unit_sets = [union(sents, lo, hi) for lo, hi in units]
        key_to_units: dict[int, list[int]] = {}
        for u, row in enumerate(keys):
            for k in row:
                key_to_units.setdefault(int(k), []).append(u)
        # Verify each indexed unit only against the draft units it shares a band key with.
        partners: dict[int, set[int]] = {}
        for key, hits in store.units_for_keys(key_to_units).items():
            for uid in hits:
                partners.setdefault(uid, set()).update(key_to_units[key])
        for uid, doc, _kind, start, end, blob in store.unit_rows(sorted(partners)):
            theirs = set(np.frombuffer(blob, dtype=np.uint32).tolist())
            sim = 0.0
            for u in partners[uid]:
                mine = unit_sets[u]
                inter = len(mine & theirs)
                sim = max(sim, inter / (len(mine) + len(theirs) - inter))
            if sim >= config.threshold:
                best[doc] = max(sim, best.get(doc, 0.0))
                spans.setdefault(doc, []).append((start, end))
    ranked = sorted(best, key=lambda doc: -best[doc])[:MAX_SOURCES]
    return [(doc, spans[doc]) for doc in ranked]


def require_compatible(store: IndexStore, index_path: str, config: CheckConfig) -> None:
    """Refuse an index whose fingerprints a check with `config` cannot compare against."""
    st = store.settings
    mine = (config.num_perm, config.seed, config.shingle, config.ngram, config.user_dict)
    theirs = (st.num_perm, st.seed, st.shingle, st.ngram, st.user_dict)
    if mine != theirs:
        from .index.store import IndexError_

        raise IndexError_(
            f"{index_path}: index fingerprints use num_perm/seed/shingle/ngram/user_dict "
            f"{theirs}, this check {mine}; pass the index's settings or rebuild the index"
        )


def check_against(
    documents: Sequence[Document],
    index_path: str,
    config: CheckConfig | None = None,
    allow: Iterable[str | re.Pattern[str]] | None = None,
    *,
    suppress: bool = True,
) -> CheckResult:
    """Findings inside the drafts and between drafts and archived documents (archive is `a`).

    The drafts' off/on markers and allow-listed sentences are taken out of the comparison as
    in `check_documents` (same `allow` default, the built-in bylines, and `suppress=False`
    to compare every sentence), so a plain check and an `--against` check agree."""
    config = config or CheckConfig()
    # Compiled before the index is opened: a bad pattern is a UsageError, not a held file.
    patterns = _allow_patterns(allow) if suppress else None
    store = IndexStore.open(index_path)
    try:
        require_compatible(store, index_path, config)
        drafts = [prepare(i, d, config) for i, d in enumerate(documents)]
        if patterns is not None:
            from .suppress import apply

            drafts = [apply(d, patterns) for d in drafts]
        with store.snapshot():  # one state throughout, even while a writer converts or merges
            found = _candidate_docs(store, drafts, config)
            sources = [store.doc(i) for i, _ in found]
    except sqlite3.DatabaseError as exc:  # damaged pages, a failing disk: one line
        raise database_failure(index_path, exc) from None
    finally:
        store.close()
    archived = [
        Document(
            str(s["path"]),
            str(s["text"]),
            "utf-8",
            str(s["key"]),
            s["title"] if isinstance(s["title"], str) else None,
            s["date"] if isinstance(s["date"], str) else None,
        )
        for s in sources
    ]
    n = len(archived)
    # Only the paragraphs around the verified units are segmented: a source is re-read for its
    # matches, and most of an archived article matches nothing.
    docs = [
        prepare(i, d, config, spans)
        for i, (d, (_, spans)) in enumerate(zip(archived, found, strict=True))
    ]
    docs += [
        replace(d, doc=n + i, sentences=tuple(replace(s, doc=n + i) for s in d.sentences))
        for i, d in enumerate(drafts)
    ]
    return check_prepared(docs, config, focus=range(n, n + len(drafts)))
