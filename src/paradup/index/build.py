"""Build and incrementally update an index: stream records, fingerprint in worker processes,
write each batch in its own transaction. Re-running on an unchanged archive fingerprints nothing."""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field, replace

from ..archive import (
    ArchiveRecord,
    Blank,
    Fields,
    Selection,
    archive_bytes,
    is_export,
    iter_records,
    key_in_file,
    nothing_read,
    record_place,
    refuse_json,
)
from ..config import CheckConfig
from ..errors import InputError
from ..read import Document, read_document
from .store import (
    DocRow,
    IndexError_,
    IndexSettings,
    IndexStore,
    UnitColumns,
    UnitRow,
    compress_text,
    doc_label,
)

INDEX_BANDS = 20
INDEX_ROWS = 3


def index_settings(
    config: CheckConfig, bands: int = INDEX_BANDS, rows: int = INDEX_ROWS
) -> IndexSettings:
    from ..fingerprint import SCHEME
    from ..tokens import user_dict_id

    # Fewer permutations than bands x rows (a config's num-perm 32): fewer bands, same rows.
    rows = min(rows, config.num_perm)
    bands = max(1, min(bands, config.num_perm // rows))
    return IndexSettings(
        num_perm=config.num_perm,
        seed=config.seed,
        scheme=SCHEME,
        hashfunc="sha1_hash32",
        shingle=config.shingle,
        ngram=config.ngram,
        bands=bands,
        rows=rows,
        min_chars=config.min_chars,
        user_dict=user_dict_id(config.user_dict),
    )


def norm_hash(text: str) -> int:
    """Signed 64-bit digest of normalized text without spaces (SQLite INTEGER)."""
    d = hashlib.blake2b(text.replace(" ", "").encode("utf-8", "surrogatepass"), digest_size=8)
    return int.from_bytes(d.digest(), "little", signed=True)


def fingerprint_record(rec: ArchiveRecord, config: CheckConfig, settings: IndexSettings) -> DocRow:
    """Sentences and multi-sentence paragraphs of one record, with signatures and band keys."""
    import numpy as np

    from ..fingerprint import signatures
    from ..lsh import band_keys, index_keys
    from ..prepare import prepare

    prep = prepare(0, Document(rec.path, rec.text, "utf-8"), config)
    sents = [s for s in prep.sentences if s.prose and s.hashes]
    units: list[tuple[str, list[int]]] = []  # (kind, sentence positions in `sents`)
    by_para: dict[int, list[int]] = {}
    for i, s in enumerate(sents):
        by_para.setdefault(s.paragraph, []).append(i)
        if s.chars >= settings.min_chars:
            units.append(("s", [i]))
    for members in by_para.values():
        if len(members) > 1:
            units.append(("p", members))
    rows: list[UnitRow] = []
    if units:
        sent_sigs = signatures([list(s.hashes) for s in sents], settings.num_perm, settings.seed)
        sigs = np.stack([sent_sigs[m].min(axis=0) for _, m in units])
        keys = index_keys(band_keys(sigs, settings.bands, settings.rows))
        text = prep.norm.text
        for u, (kind, members) in enumerate(units):
            first, last = sents[members[0]], sents[members[-1]]
            hashes = sorted({h for m in members for h in sents[m].hashes})
            rows.append(
                UnitRow(
                    kind,
                    first.raw_start,
                    last.raw_end,
                    norm_hash(text[first.start : last.end]),
                    sigs[u].tobytes(),
                    np.asarray(hashes, dtype=np.uint32).tobytes(),
                    keys[u].tobytes(),
                )
            )
    return DocRow(
        rec.key,
        rec.path,
        rec.title,
        rec.date,
        rec.content_hash,
        prep.prose_chars,
        rec.text,
        UnitColumns.from_rows(rows),
        compress_text(rec.text),
        len(rec.text.encode("utf-8", "surrogatepass")),
    )


def _ignore_sigint(parent: int) -> None:
    """Workers leave Ctrl-C to the parent, which rolls back its batch and stops them; and die
    with the parent: a parent killed by SIGKILL or SIGTERM cannot stop them, and orphaned
    workers would hold the inherited writer lock (and the caller's pipes) for ever."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Forked while the parent held SIGTERM (`signals_deferred`): its holding handler came
    # along, and the pool's terminate() would not have stopped the worker.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)


def _warm(config: CheckConfig) -> None:
    """Load in the parent what every worker loads before its first batch (the fingerprinting
    modules, the segmenter's dictionary: 0.3 CPU-s a worker), so that forked workers share it."""
    from ..batch import fingerprint_batch  # noqa: F401  (the import is the point)
    from ..normalize import normalize
    from ..tokens import cutter

    cutter(config.user_dict, config.engine)("预热")
    normalize("预热")


def _work(batch: list[ArchiveRecord], config: CheckConfig, settings: IndexSettings) -> list[DocRow]:
    import gc

    from ..batch import fingerprint_batch

    # A batch allocates some 10^5 container objects and frees them on return, none of them in
    # reference cycles: the collector's passes over them found nothing and cost 5-8 % of the
    # fingerprinting time (three on/off pairs on the real corpus).
    enabled = gc.isenabled()
    gc.disable()
    try:
        # The writer stores only the compressed text: the plain copy would double the pickling.
        return [replace(d, text="") for d in fingerprint_batch(batch, config, settings)]
    finally:
        if enabled:
            gc.enable()


@dataclass
class BuildStats:
    seen: int = 0
    indexed: int = 0
    unchanged: int = 0
    deleted: int = 0
    units: int = 0
    bytes: int = 0
    bad: list[str] = field(default_factory=list)
    blank: list[str] = field(default_factory=list)  # blanked records, emptied articles
    seconds: float = 0.0
    phase: str = "indexing"
    read_bytes: int = 0  # source bytes read so far, unchanged documents included
    total_bytes: int = 0  # source bytes in all (0 when the archive cannot be sized)
    finish_seconds: float = 0.0  # merging band runs into blocks at the end
    kept: int = 0  # indexed articles unreadable this time, kept as they were
    kept_keys: list[str] = field(default_factory=list)  # the first few of them, for the message
    empty_roots: list[tuple[str, int]] = field(default_factory=list)  # (root, bad records)
    refreshed: bool = False  # every document fingerprinted again: another text pipeline's units
    moved: int = 0  # unchanged texts under a new key (a line shift, a renamed file): re-keyed
    records: int = 0  # JSON Lines records seen, and those without the date field but with
    undated: int = 0  # one that looks like a date (`date_like`, the first such name)
    date_like: str | None = None
    fields: Fields = field(default_factory=Fields)


_HOLD_BYTES = 256 << 20  # records held back as possible moves (their texts are in memory)


def _rekey(
    store: IndexStore,
    existing: dict[str, tuple[str, int]],
    held: list[ArchiveRecord],
    in_place: set[str],
    unreadable: set[str],
    relabeled: list[tuple[str, str | None, str | None, str]],
    stats: BuildStats,
) -> Iterator[ArchiveRecord]:
    """Re-key indexed documents whose text came back under another key instead of
    fingerprinting it again: one record put on top of an id-less export shifted every
    `file:line` key, and every document was fingerprinted anew (2,000 of 2,000). A held
    record (a new or changed key whose text the index holds) takes the key of a document with
    its text that is no longer under its own key (`in_place`: keys seen with their text, or
    already fingerprinted again; nor kept as unreadable); the rest are yielded to be
    fingerprinted."""
    if not held:  # the usual update: no pass over every indexed key
        return
    broken = [u for u in unreadable if is_export(u)]
    free: dict[str, list[str]] = {}
    for key, (content, _label) in existing.items():
        if key in in_place or key in unreadable or any(key_in_file(key, b) for b in broken):
            continue
        free.setdefault(content, []).append(key)
    moves: list[tuple[str, str]] = []
    for rec in held:
        gone = free.get(rec.content_hash)
        if not gone:
            yield rec
            continue
        moves.append((gone.pop(0), rec.key))
        relabeled.append((rec.path, rec.title, rec.date, rec.key))
    if not moves:
        return
    sources = {old for old, _ in moves}
    # A destination that held another text, not moved elsewhere, is replaced.
    replaced = [new for _, new in moves if new in existing and new not in sources]
    store.rekey(moves, replaced)
    stats.deleted += len(replaced)  # their texts left the archive (lines cut from an export)
    states = {new: existing[old] for old, new in moves}
    for key in (*sources, *replaced):
        existing.pop(key, None)
    existing.update(states)
    stats.moved += len(moves)
    stats.unchanged += len(moves)


def _refuse_outside(keys: Iterable[str], roots: Sequence[str], index_path: str) -> None:
    """Refuse an update that would remove every document of files outside `roots`: keys are
    paths as the build was given them, so they are compared as spelled (normalized), which
    also catches the archive named from another folder (except from inside the root itself)."""
    from ..archive import key_in_file

    dirs = [r for r in roots if os.path.isdir(r)]
    files = [r for r in roots if not os.path.isdir(r)]
    prefixes = tuple(d + os.sep for d in dirs if d != ".")
    outside = 0
    example = ""
    for k in keys:
        nk = os.path.normpath(k)
        if (
            nk.startswith(prefixes)
            or ("." in dirs and not os.path.isabs(nk) and not nk.startswith(".."))
            or any(nk == f or key_in_file(nk, f) for f in files)
        ):
            continue
        outside += 1
        example = example or k
    if outside:
        raise IndexError_(
            f"{index_path}: {outside} indexed document(s) come from files outside the archive "
            f"paths given (e.g. {example}), and this update would remove them; pass every path "
            "the index was built from, as it was given then (from the same folder), or "
            "--prune to remove them"
        )


def _batches(records: Iterable[ArchiveRecord], size: int) -> Iterator[list[ArchiveRecord]]:
    batch: list[ArchiveRecord] = []
    for r in records:
        batch.append(r)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _fields_of(
    store: IndexStore, fields: Fields | Mapping[str, str] | None, existing: bool, index_path: str
) -> Fields:
    """The JSON Lines fields to read: the index's own when none are named (an update that left
    `--text-field body` off read the `text` summaries, replaced every document and exited 0),
    refused when others are named for an index that holds documents; recorded when new. A
    mapping names some of them (`{"text": "body"}`), the others the index's or the defaults."""
    recorded = store.fields()
    if isinstance(fields, Mapping):
        fields = replace(Fields(**recorded) if recorded else Fields(), **fields) if fields else None
    if fields is None:
        if recorded is not None:
            return Fields(**recorded)
        if not existing:  # a new index: its defaults are what later runs must match
            store.set_fields(asdict(Fields()))
        return Fields()
    named = asdict(fields)
    if recorded is not None and existing and named != recorded:
        was = " ".join(f"--{k}-field {v}" for k, v in sorted(recorded.items()))
        now = " ".join(f"--{k}-field {v}" for k, v in sorted(named.items()))
        raise IndexError_(
            f"{index_path}: its documents were read with {was}; this run names {now}: "
            "leave the field options out (the index's are used), or build it again with the "
            "new ones (`paradup index build --force`)"
        )
    if named != recorded:
        store.set_fields(named)
    return fields


def build_index(
    roots: Iterable[str],
    index_path: str,
    config: CheckConfig | None = None,
    *,
    fields: Fields | Mapping[str, str] | None = None,
    jobs: int | None = None,
    force: bool = False,
    batch_size: int = 256,
    progress: Callable[[BuildStats], None] | None = None,
    bands: int = INDEX_BANDS,
    rows: int = INDEX_ROWS,
    prune: bool = False,
) -> BuildStats:
    """Create or update the index at `index_path` from the archive roots (incremental).

    Indexed documents of files outside the roots would all be removed as deleted: an update
    that leaves out a root, or names the archive from another folder (keys are paths as
    given), is refused unless `prune`."""
    config = config or CheckConfig()
    settings = index_settings(config, bands, rows)
    stats = BuildStats()
    t0 = time.perf_counter()
    cores = os.cpu_count() or 1
    # More workers than cores only costs memory, and a fork pool starts every one of them at
    # once: `-j 100000` forked until the machine ran out of processes.
    jobs = min(jobs, max(2, cores)) if jobs and jobs > 0 else cores
    # `./a.jsonl` keys as `a.jsonl`; a root named twice is read once (each of its records was
    # a "duplicate id" bad record the second time, and --strict failed the job).
    roots = list(dict.fromkeys(os.path.normpath(r) for r in roots))
    # Walks every root first: a missing path is refused before an index file is created.
    select = Selection(config.include, config.exclude, config.max_bytes)
    stats.total_bytes = archive_bytes(roots, select)
    for root in roots:
        refuse_json(root)
        if os.path.isfile(root) and not is_export(root):
            # An article named as a root that cannot be read (empty, binary, another
            # encoding) is an error: raise it before the index file exists, not after.
            read_document(root, config.encoding)
    if config.user_dict is not None:
        # Loaded now (the first batch would): a missing one failed the build after it had
        # created an index recording it, which then refused the corrected command.
        from ..tokens import cutter

        cutter(config.user_dict, config.engine)
    with IndexStore.create_or_open(index_path, settings, force=force) as store:
        existing = store.doc_states()
        here = os.getcwd()
        folder = store.archive_folder()
        if existing and not prune:
            if folder is not None and folder != here and not all(map(os.path.isabs, roots)):
                raise IndexError_(
                    f"{index_path}: its archive paths were given from {folder}, this update "
                    f"runs in {here}: every relative path would name other documents; run it "
                    "from that folder, or pass --prune to re-key the index from here"
                )
            _refuse_outside(existing, roots, index_path)
        if folder != here:
            store.set_archive_folder(here)
        if store.roots() != roots:  # what a later `index update` without paths reads
            store.set_roots(roots)
        if store.encoding() != config.encoding:  # and the encoding it reads articles with
            store.set_encoding(config.encoding)
        fields = _fields_of(store, fields, bool(existing), index_path)
        stats.fields = fields
        # Units cut by another version of normalize/units: unchanged texts are fingerprinted
        # again, and the version is recorded only once all of them are (a kill redoes it).
        stats.refreshed = bool(existing) and store.text_pipeline_stale()
        seen: set[str] = set()
        # Articles that could not be read this time (permissions, a broken save): what the
        # index holds of them is kept, not deleted as if they had left the archive.
        unreadable: set[str] = set()
        relabeled: list[tuple[str, str | None, str | None, str]] = []
        old_hashes = {state[0] for state in existing.values()}
        held: list[ArchiveRecord] = []
        held_bytes = [0]
        in_place: set[str] = set()  # keys seen with the text they had
        rewritten: set[str] = set()  # keys whose document is fingerprinted again

        def todo() -> Iterator[ArchiveRecord]:
            records = iter_records(
                roots,
                fields or Fields(),
                config.encoding,
                lambda msg: (stats.blank if isinstance(msg, Blank) else stats.bad).append(msg),
                unreadable.add,
                lambda root, bad: stats.empty_roots.append((root, bad)),
                select,
            )
            for rec in records:
                if rec.key in seen:
                    rid = rec.key.rpartition("#")[2]  # the key is `file#id`
                    stats.bad.append(
                        f"{rec.path}: duplicate id {rid!r}; ids must be unique, the first "
                        "record with it is indexed"
                    )
                    continue
                seen.add(rec.key)
                stats.seen += 1
                if record_place(rec.path) is not None:  # a record, not an article file
                    stats.records += 1
                    if rec.date_like is not None:
                        stats.undated += 1
                        stats.date_like = stats.date_like or rec.date_like
                stats.read_bytes += rec.size
                state = existing.get(rec.key)
                same = state is not None and state[0] == rec.content_hash
                if not same and rec.content_hash in old_hashes and not stats.refreshed:
                    # Perhaps an indexed text under another key (an id-less export's line keys
                    # shift when a record is put on top): decided once every key is seen.
                    held.append(rec)
                    held_bytes[0] += rec.size
                    if held_bytes[0] > _HOLD_BYTES:  # bounded: fingerprint the oldest instead
                        held_bytes[0] -= held[0].size
                        rewritten.add(held[0].key)
                        yield held.pop(0)
                    continue
                if state is not None and same and not stats.refreshed:
                    stats.unchanged += 1
                    in_place.add(rec.key)
                    if state[1] != doc_label(rec.path, rec.title, rec.date):
                        # Same text, new path/title/date (a line moved, a retitled article):
                        # the row is corrected without fingerprinting it again.
                        relabeled.append((rec.path, rec.title, rec.date, rec.key))
                        if len(relabeled) >= batch_size:
                            store.relabel(relabeled)
                            relabeled.clear()
                    continue
                rewritten.add(rec.key)  # its document is replaced: not a text to move
                yield rec
            in_place.update(rewritten)
            yield from _rekey(store, existing, held, in_place, unreadable, relabeled, stats)

        def commit(docs: list[DocRow]) -> None:
            store.write_batch(docs)
            stats.indexed += len(docs)
            stats.units += sum(len(d.units) for d in docs)
            stats.bytes += sum(d.nbytes for d in docs)
            if progress:
                progress(stats)

        if jobs <= 1:
            for batch in _batches(todo(), batch_size):
                commit(_work(batch, config, settings))
        else:
            import multiprocessing

            context = multiprocessing.get_context()
            if context.get_start_method() == "fork":
                _warm(config)
            from contextlib import nullcontext

            from ..stdio import signals_deferred

            pool_started = False
            with ProcessPoolExecutor(
                max_workers=jobs,
                initializer=_ignore_sigint,
                initargs=(os.getpid(),),
                mp_context=context,
            ) as pool:
                window: deque[Future[list[DocRow]]] = deque()
                try:
                    for batch in _batches(todo(), batch_size):
                        # The first submit forks the workers: Ctrl-C or SIGTERM then ran its
                        # handler inside os.fork's callbacks, where Python ignores the
                        # exception ("Exception ignored in _releaseLock"): the run went on
                        # and exited 0. Held until the workers exist, it acts after.
                        with nullcontext() if pool_started else signals_deferred():
                            window.append(pool.submit(_work, batch, config, settings))
                        pool_started = True
                        if len(window) >= 2 * jobs:  # bounded: the corpus is streamed
                            commit(window.popleft().result())
                    while window:
                        commit(window.popleft().result())
                except BaseException as exc:
                    # Ctrl-C reaches the parent only; queued batches are dropped, not waited on.
                    pool.shutdown(wait=False, cancel_futures=True)
                    if isinstance(exc, BrokenProcessPool):  # the OOM killer, or a kill -9
                        fix = (
                            "run the build again (the old index is unchanged), with fewer "
                            "--jobs if memory is short"
                            if store.rebuilding
                            else "run `paradup index update` to resume, with fewer --jobs if "
                            "memory is short (what was committed is kept)"
                        )
                        raise IndexError_(
                            f"{index_path}: a worker process died (killed, or out of memory?); "
                            + fix
                        ) from None
                    raise
        if relabeled:
            store.relabel(relabeled)
        if not stats.seen and (stats.bad or stats.blank):
            # Every record bad (a wrong field name, not JSON Lines at all): an error, not an
            # empty index, and never a reason to remove every document an update finds missing.
            # (An archive with no records at all gives an empty index; the CLI warns.)
            if store.created:
                store.discard()
            raise nothing_read(
                ", ".join(roots), len(stats.bad), len(stats.blank), (stats.bad or stats.blank)[0]
            )
        if not stats.seen and store.rebuilding:
            # A `--force` rebuild of an export that came out empty would leave an empty index
            # where a good one was: refused, the old index kept.
            raise InputError(
                ", ".join(roots),
                "no documents in it",
                "the old index is kept; check the archive (to empty the index, delete it)",
            )
        broken = {u for u in unreadable if is_export(u)}  # partly unreadable

        def keep(k: str) -> bool:
            if k in unreadable:
                return True
            # The file a key may belong to ends before one of its `#` or `:` (a set lookup
            # each, not a scan of every broken file per key).
            return any(
                c in "#:" and k[:i] in broken and key_in_file(k, k[:i]) for i, c in enumerate(k)
            )

        gone: list[str] = []
        kept: list[str] = []
        for k in existing:
            if k not in seen:
                (kept if keep(k) else gone).append(k)
        stats.kept = len(kept)
        stats.kept_keys = kept[:3]
        if gone:
            store.write_batch([], delete_keys=gone)
            stats.deleted += len(gone)
        if store.text_pipeline_stale():
            store.set_text_pipeline()
        if store.merge_due():  # runs to merge, or enough deleted codes to compact
            stats.phase = "merging band keys"
            if progress:
                progress(stats)
            t1 = time.perf_counter()
            store.finish()
            stats.finish_seconds = time.perf_counter() - t1
        store.mark_built()
    stats.seconds = time.perf_counter() - t0
    if progress:
        progress(stats)
    return stats
