"""check --against: a draft's restatements inside itself and of passages already archived."""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import replace

from .align import union
from .archive import date_key, shown_path_from
from .check import (
    _allow_patterns,
    check_config,
    check_document,
    check_prepared,
    check_sequence,
    sentence_units,
    unit_band_keys,
)
from .config import CheckConfig
from .errors import UsageError
from .index.store import IndexStore, database_failure
from .lsh import index_keys
from .model import CheckResult
from .prepare import PreparedDoc, prepare
from .read import STDIN_DOC, STDIN_NAME, Document

MAX_SOURCES = 20  # archive documents re-checked in full per run, best first, ...
# ... or more while each adds draft text no earlier one covers: a digest of 30 archived
# paragraphs reported 20 of them, silently.
MAX_COVERING = 500


def _candidate_docs(
    store: IndexStore,
    drafts: Sequence[PreparedDoc],
    config: CheckConfig,
    skip: frozenset[int] = frozenset(),
) -> list[tuple[int, list[tuple[int, int]]]]:
    """Archive documents with at least one unit verified against a draft unit, each with the
    raw spans of its verified units, chosen by how much of the drafts they cover
    (`_covering`). `skip`: the drafts' own archived copies."""
    import numpy as np

    st = store.settings
    best: dict[int, float] = {}
    spans: dict[int, list[tuple[int, int]]] = {}
    hit: dict[int, set[tuple[int, int]]] = {}  # doc -> draft units it verified (draft, unit)
    weight: dict[tuple[int, int], int] = {}  # (draft, sentence) -> its characters
    unit_of: dict[tuple[int, int], tuple[int, int]] = {}  # (draft, unit) -> its sentences
    for di, d in enumerate(drafts):
        sents = d.sentences
        units = sentence_units(sents, config)
        if not units:
            continue
        keys = index_keys(unit_band_keys(sents, units, st.num_perm, st.seed, st.bands, st.rows))
        unit_sets = [union(sents, lo, hi) for lo, hi in units]
        unit_of.update(((di, u), r) for u, r in enumerate(units))
        weight.update(((di, g), s.chars) for g, s in enumerate(sents))
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
            if doc in skip:
                continue
            theirs = set(np.frombuffer(blob, dtype=np.uint32).tolist())
            sim = 0.0
            for u in partners[uid]:
                mine = unit_sets[u]
                inter = len(mine & theirs)
                jac = inter / (len(mine) + len(theirs) - inter)
                if jac >= config.threshold:
                    hit.setdefault(doc, set()).add((di, u))
                sim = max(sim, jac)
            if sim >= config.threshold:
                best[doc] = max(sim, best.get(doc, 0.0))
                spans.setdefault(doc, []).append((start, end))
    # Draft sentences each document covers, once per unit (not once per archived unit).
    covers = {
        doc: {(di, g) for di, u in got for g in range(unit_of[di, u][0], unit_of[di, u][1] + 1)}
        for doc, got in hit.items()
    }
    dates = store.dates(sorted(best))
    chosen = _covering(best, covers, weight, dates)
    # Earliest first: a draft passage is reported against one source, the first among equals
    # (an article and its later repost both hold the draft's text: the repost, indexed first,
    # was named, with its date, as where the text was published).
    chosen.sort(key=lambda d: date_key(dates.get(d)))
    return [(doc, spans[doc]) for doc in chosen]


def _covering(
    best: dict[int, float],
    covers: dict[int, set[tuple[int, int]]],
    weight: dict[tuple[int, int], int],
    dates: dict[int, str] | None = None,
) -> list[int]:
    """Greedily the document covering the most draft characters not covered yet (ties: the
    more similar, the earlier dated, the earlier indexed), while one adds any (up to
    MAX_COVERING), then the most similar, up to MAX_SOURCES in all.
    Ranking by best similarity alone let a footer shared by twenty archived articles fill
    every place, and the article a draft's paragraph came from was never compared."""
    import heapq

    chosen: list[int] = []
    covered: set[tuple[int, int]] = set()
    left = set(best)

    def gain(doc: int) -> int:
        return sum(weight[s] for s in covers.get(doc, ()) if s not in covered)

    # Lazy greedy: a document's gain only shrinks as others are chosen, so a stale entry is
    # re-scored when it reaches the top (every gain each round was quadratic at 500 rounds).
    when = {d: date_key((dates or {}).get(d)) for d in left}
    heap = [(-gain(d), -best[d], when[d], d) for d in left]
    heapq.heapify(heap)
    while heap and len(chosen) < MAX_COVERING:
        _stale, b, w, doc = heapq.heappop(heap)
        now = gain(doc)
        if now <= 0:
            continue
        if heap and (-now, b, w, doc) > heap[0]:
            heapq.heappush(heap, (-now, b, w, doc))  # another may gain more now
            continue
        chosen.append(doc)
        covered |= covers[doc]
        left.discard(doc)
    rest = sorted(left, key=lambda x: (-best[x], when[x], x))
    return chosen + rest[: max(0, MAX_SOURCES - len(chosen))]


def _own_keys(documents: Sequence[Document], folder: str | None) -> list[str]:
    """The index keys a draft file would have if it is archived: its path as given from the
    archive's folder, and its absolute path. A published article checked again (corrected,
    or asked about by an auditor) restated itself in full and hid its real sources."""
    keys: list[str] = []
    folders = [] if folder is None else list(dict.fromkeys((folder, os.path.realpath(folder))))
    for d in documents:
        if d.path in ("", STDIN_NAME, STDIN_DOC):
            continue
        try:
            # Through a symlink too: the index may hold the real path or the linked one.
            names = dict.fromkeys((os.path.abspath(d.path), os.path.realpath(d.path)))
        except OSError:  # no current folder any more: only an absolute path is known
            names = dict.fromkeys([d.path] if os.path.isabs(d.path) else [])
        for full in names:
            keys.append(full)
            keys += [os.path.normpath(os.path.relpath(full, f)) for f in folders]
    return keys


def require_compatible(store: IndexStore, index_path: str, config: CheckConfig) -> None:
    """Refuse an index whose fingerprints a check with `config` cannot compare against."""
    from .tokens import user_dict_id

    st = store.settings
    # An index before content hashes recorded the dictionary's path.
    legacy = st.user_dict is not None and not st.user_dict.startswith("sha256:")
    words = config.user_dict if legacy else user_dict_id(config.user_dict)
    differ = [
        f"--{name} {theirs} (this check: {mine})"
        for name, theirs, mine in (
            ("num-perm", st.num_perm, config.num_perm),
            ("shingle", st.shingle, config.shingle),
            ("ngram", st.ngram, config.ngram),
        )
        if theirs != mine
    ]
    if words != st.user_dict:
        differ.append(
            "another --user-dict"
            if st.user_dict and words
            else "a --user-dict (this check: none)"
            if st.user_dict
            else "no --user-dict (this check: one)"
        )
    if st.seed != config.seed:
        differ.append(f"seed {st.seed} (this check: {config.seed})")
    if differ:
        from .index.store import IndexError_

        raise IndexError_(
            f"{index_path}: the index was fingerprinted with {', '.join(differ)}; pass the "
            "index's settings (or set them in the config), or set this check's in the config "
            "and rebuild the index (`paradup index build --force`)"
        )


def check_against(
    documents: Sequence[Document],
    index_path: str | os.PathLike[str],
    config: CheckConfig | None = None,
    allow: Iterable[str | re.Pattern[str]] | None = None,
    *,
    suppress: bool = True,
    by_path: bool = True,
) -> CheckResult:
    """Findings inside the drafts and between drafts and archived documents (archive is `a`).

    The drafts' off/on markers and allow-listed sentences are taken out of the comparison as
    in `check_documents` (same `allow` default, the built-in bylines, and `suppress=False`
    to compare every sentence), so a plain check and an `--against` check agree. A draft whose
    path is an archived document's key is not compared with that document (it would restate
    itself in full); `by_path=False` when paths are only labels (an upload's file name)."""
    if isinstance(documents, Document):
        documents = [documents]
    check_sequence(documents)
    fix = "pass paradup.read_document(path)"
    documents = [check_document(f"documents[{i}]", d, fix) for i, d in enumerate(documents)]
    if not isinstance(index_path, str | os.PathLike):
        raise UsageError(f"index_path: expected a path, got {type(index_path).__name__}")
    index_path = os.fspath(index_path)
    config = check_config(config)
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
            folder = store.archive_folder()
            own = store.ids_for_keys(_own_keys(documents, folder)) if by_path else []
            found = _candidate_docs(store, drafts, config, frozenset(own))
            sources = [store.doc(i) for i, _ in found]
    except sqlite3.DatabaseError as exc:  # damaged pages, a failing disk: one line
        raise database_failure(index_path, exc) from None
    finally:
        store.close()
    shown = shown_path_from(folder)
    archived = [
        Document(
            shown(str(s["path"])),
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
