"""CLI commands for archives: `index build|update|info` and `audit`."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from enum import Enum
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .errors import EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, ParadupError
from .shown import one_line

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import TextIO

    from rich.console import Console

    from .config import CheckConfig
    from .families import Family
    from .index.build import BuildStats
    from .index.store import IndexStore

index_app = typer.Typer(help="Build and update a persistent archive index.", no_args_is_help=True)

IndexOpt = Annotated[Path, typer.Option("--index", "-i", help="The index file (SQLite).")]


def _fail(message: str) -> typer.Exit:
    typer.echo(f"paradup: error: {one_line(message)}", err=True)
    return typer.Exit(EXIT_USAGE)


def _check_encoding(encoding: str | None) -> None:
    """--encoding names a text codec (not rot13, hex, zlib), or a one-line exit 2."""
    from .read import is_text_encoding

    if encoding is not None and not is_text_encoding(encoding):
        raise _fail(f"--encoding {encoding!r}: unknown text encoding; pass e.g. gb18030")


def _build(
    archive: list[str],
    index: Path,
    jobs: int | None,
    force: bool,
    quiet: bool,
    id_field: str | None,
    text_field: str | None,
    title_field: str | None,
    date_field: str | None,
    must_exist: bool,
    encoding: str | None = None,
    prune: bool = False,
    config_file: Path | None = None,
    *,
    strict: bool = False,
) -> None:
    import sqlite3

    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from .index.build import build_index
    from .index.store import IndexStore, database_failure, missing_index

    if jobs is not None and jobs < 1:
        raise _fail(f"option --jobs: must be at least 1, got {jobs}; leave it out for all cores")
    if must_exist and not index.is_file():
        raise _fail(missing_index(index))
    if must_exist:  # an update never turns another file (an empty one too) into an index
        try:
            with IndexStore.open(index) as store:
                recorded, folder = store.roots(), store.archive_folder()
                unfinished = store.first_build_unfinished()
                # An archive of GB18030 files built with --encoding: its updates read them so
                # too (each article was "kept unread", and its edits never indexed).
                encoding = encoding or store.encoding()
        except ParadupError as exc:
            raise _fail(str(exc)) from None
        except sqlite3.DatabaseError as exc:  # damaged pages under the metadata
            raise _fail(str(database_failure(index, exc))) from None
        if not archive:  # `index update -i X`: the roots the build or last update was given
            if recorded is None:
                why = (
                    "its first build was interrupted before it recorded them"
                    if unfinished
                    else "written by an earlier paradup"
                )
                raise _fail(
                    f"{index}: it records no archive paths ({why}); "
                    "name them: `paradup index update <paths> -i INDEX`"
                )
            if prune:
                raise _fail("--prune re-keys the index to the paths given: name them")
            relative = [r for r in recorded if not os.path.isabs(r)]
            if relative and folder is not None and folder != os.getcwd():
                raise _fail(
                    f"{index}: its archive paths ({', '.join(relative)}) are relative to "
                    f"{folder}; run the update from there, or, for an archive moved or copied "
                    "here, name its paths and re-key it: `paradup index update <paths> -i "
                    "INDEX --prune`"
                )
            archive = recorded
    elif encoding is None and not force and index.is_file():  # a build resumed or redone
        try:
            with IndexStore.open(index) as store:
                encoding = store.encoding()
        except ParadupError:
            pass  # the build itself says what is wrong with the file
    _check_encoding(encoding)
    config = _archive_config(config_file, encoding)
    err = Console(stderr=True, soft_wrap=True, emoji=False)  # one grep-able line a message
    # Only the fields named: the others are the index's own (or the defaults for a new one).
    given = {"id": id_field, "text": text_field, "title": title_field, "date": date_field}
    fields = {k: v for k, v in given.items() if v is not None}
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TransferSpeedColumn(),  # source bytes per second
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=quiet or not err.is_terminal,  # scripts and CI get the summary line only
        transient=True,
    ) as bar:
        task = bar.add_task("indexing", total=None)
        t0 = time.perf_counter()

        def progress(s: BuildStats) -> None:
            rate = s.indexed / (time.perf_counter() - t0 or 1.0)
            bar.update(
                task,
                total=s.total_bytes or None,
                completed=s.read_bytes,
                description=f"{s.phase} {s.indexed:,} docs {rate:.0f}/s, {s.unchanged:,} same",
            )

        try:
            stats = build_index(
                archive,
                str(index),
                config,
                fields=fields,
                jobs=jobs,
                force=force,
                progress=progress,
                prune=prune,
            )
        except ParadupError as exc:
            raise _fail(str(exc)) from None
        except sqlite3.DatabaseError as exc:  # a damaged file met half-way (a delete, a merge)
            raise _fail(str(database_failure(index, exc))) from None
    _print_unread(err, stats.bad, stats.blank)
    if not stats.seen:
        err.print(
            f"warning: {', '.join(archive)}: no documents in it; the index holds none",
            highlight=False,
            markup=False,
        )
    if stats.seen:  # (with nothing seen at all, the warning above or an error says it)
        for root, bad in stats.empty_roots:
            if os.path.isdir(root):  # articles: the skipped lines say why each was unread
                what, fix = "articles", "see the skipped lines (another --encoding, perhaps)"
            else:
                what, fix = "records", "check --text-field/--id-field for it, or its encoding"
            err.print(
                f"warning: {root}: none of its {what} could be read ({bad} skipped); {fix}",
                highlight=False,
                markup=False,
            )
    # A date field named wrong changed nothing visible but the order of reposts (families and
    # `--against` named a repost the original).
    if stats.records and stats.undated == stats.records:
        like = stats.date_like
        err.print(
            f"warning: {', '.join(archive)}: no record has a {stats.fields.date!r} field, but "
            f"they have {like!r}: reposts are not ordered by time; pass --date-field {like} "
            "(an existing index: build it again with --force)",
            highlight=False,
            markup=False,
        )
    if stats.kept:
        err.print(
            f"{index}: {stats.kept} indexed article(s) could not be read this time (see skipped) "
            f"and are kept as indexed ({', '.join(stats.kept_keys)}"
            f"{', …' if stats.kept > len(stats.kept_keys) else ''}); fix them and update again",
            highlight=False,
            markup=False,
        )
    if stats.refreshed and not quiet:
        err.print(
            f"{index}: written by an earlier paradup that split texts differently; every "
            "document was fingerprinted again",
            highlight=False,
            markup=False,
        )
    if not quiet:
        rate = stats.bytes / 1e6 / stats.seconds if stats.seconds else 0.0
        sort = stats.finish_seconds
        err.print(
            f"{index}: {stats.seen} documents seen, {stats.indexed} fingerprinted, "
            f"{stats.unchanged} unchanged"
            + (f" ({stats.moved} under a new key)" if stats.moved else "")
            + f", {stats.deleted} removed, {len(stats.bad)} bad records skipped"
            + (f", {len(stats.blank)} empty (not indexed)" if stats.blank else "")
            + f"; {stats.seconds:.1f} s"
            + (f" ({rate:.2f} MB/s)" if stats.indexed else "")  # no rate for a no-op update
            + (f", {sort:.1f} s of it merging band keys" if sort >= 0.1 else ""),
            highlight=False,
            markup=False,
        )
    if strict and (stats.bad or stats.kept):
        kept = f", {stats.kept} indexed article(s) kept unread" if stats.kept else ""
        typer.echo(
            f"paradup: error: {index}: {len(stats.bad)} bad record(s) or unreadable file(s) "
            f"skipped{kept} (listed above); the rest is indexed; exit 1 under --strict",
            err=True,
        )
        raise typer.Exit(EXIT_FINDINGS)


# None: the index's recorded field (an update or a resumed build names none), else the
# default in brackets.
_RECORDED = "an existing index: the one it records"
_FIELD_OPTS = dict(
    id_field=typer.Option(
        None, help=f"JSON Lines field holding the document id [id; {_RECORDED}]."
    ),
    text_field=typer.Option(
        None, help=f"JSON Lines field holding the article text [text; {_RECORDED}]."
    ),
    title_field=typer.Option(
        None, help=f"JSON Lines field holding the title [title; {_RECORDED}]."
    ),
    date_field=typer.Option(None, help=f"JSON Lines field holding the date [date; {_RECORDED}]."),
)
EncodingOpt = Annotated[
    str | None,
    typer.Option(
        help="Encoding of .txt/.md articles, e.g. gb18030 [utf-8; "
        f"{_RECORDED}]; JSON Lines is UTF-8."
    ),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Config file whose fingerprint settings the index uses (else .paradup.toml / "
        "[tool.paradup] discovered from the current directory).",
    ),
]
StrictOpt = Annotated[
    bool,
    typer.Option(
        help="Exit 1 when any record or file was skipped as bad or unreadable (the rest is "
        "still indexed), so a scheduled job notices."
    ),
]
PruneOpt = Annotated[
    bool,
    typer.Option(
        help="On an existing index: remove the documents of files outside the paths given "
        "(left out, or named from another folder); without it that is refused."
    ),
]


@index_app.command("build")
def build(
    archive: Annotated[list[str], typer.Argument(help="Directories of .txt/.md, or .jsonl files.")],
    index: IndexOpt,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", help="Worker processes, at most the cores [all cores]."),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(help="Build a new index from scratch; it replaces the old one once complete."),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
    id_field: str | None = _FIELD_OPTS["id_field"],
    text_field: str | None = _FIELD_OPTS["text_field"],
    title_field: str | None = _FIELD_OPTS["title_field"],
    date_field: str | None = _FIELD_OPTS["date_field"],
    encoding: EncodingOpt = None,
    prune: PruneOpt = False,
    config_file: ConfigOpt = None,
    strict: StrictOpt = False,
) -> None:
    """Fingerprint an archive into an index (resumes an interrupted build)."""
    _build(
        archive,
        index,
        jobs,
        force,
        quiet,
        id_field,
        text_field,
        title_field,
        date_field,
        False,
        encoding,
        prune,
        config_file,
        strict=strict,
    )


@index_app.command("update")
def update(
    index: IndexOpt,
    archive: Annotated[
        list[str] | None,
        typer.Argument(
            help="The archive roots, as the build named them [the ones the index records]."
        ),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", help="Worker processes, at most the cores [all cores]."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
    id_field: str | None = _FIELD_OPTS["id_field"],
    text_field: str | None = _FIELD_OPTS["text_field"],
    title_field: str | None = _FIELD_OPTS["title_field"],
    date_field: str | None = _FIELD_OPTS["date_field"],
    encoding: EncodingOpt = None,
    prune: PruneOpt = False,
    config_file: ConfigOpt = None,
    strict: StrictOpt = False,
) -> None:
    """Fingerprint only new or changed documents; remove deleted ones."""
    _build(
        archive or [],
        index,
        jobs,
        False,
        quiet,
        id_field,
        text_field,
        title_field,
        date_field,
        True,
        encoding,
        prune,
        config_file,
        strict=strict,
    )


def _archive_config(config_file: Path | None, encoding: str | None) -> CheckConfig:
    """The fingerprint settings (shingle, ngram, num-perm, seed, min-chars, user-dict) of the
    config `check --against` will use, so that it can compare against an index, and its file
    selection (include, exclude, max-bytes): for `index build`/`update` and the Spark audit
    (which used the defaults, so its clusters differed from the local engine's)."""
    from .config import CheckConfig
    from .settings import load_settings

    try:
        c = load_settings([], config_file).config  # its `encoding` is check's, not the archive's
        return CheckConfig(
            shingle=c.shingle,
            ngram=c.ngram,
            num_perm=c.num_perm,
            seed=c.seed,
            min_chars=c.min_chars,
            user_dict=c.user_dict,
            encoding=encoding,
            include=c.include,
            exclude=c.exclude,
            max_bytes=c.max_bytes,
        )
    except ParadupError as exc:
        raise _fail(str(exc)) from None


def _print_unread(err: Console, bad: Iterable[str], blank: Iterable[str]) -> None:
    """One stderr line per bad record (`skipped:`) and per retraction (`retracted:`: an
    emptied article or a blanked record, removed from an index that held it)."""
    for prefix, messages in (("skipped", bad), ("retracted", blank)):
        for msg in messages:
            err.print(f"{prefix}: {one_line(msg)}", highlight=False, markup=False)


def _rebuild_note(index: Path | str) -> list[tuple[str, str]]:
    """`index build --force` at work beside the index, or the file one left when killed."""
    from .index.store import leftover_rebuild, writer_active

    side = leftover_rebuild(index)
    if side is None:
        return []
    if writer_active(index):
        why = f"`index build --force` is building {side}; it replaces this index when complete"
    else:
        files = [f for f in side.parent.glob(side.name + "*") if f.suffix != ".lock"]
        mb = sum(f.stat().st_size for f in files) / 1e6
        why = (
            f"{side} ({mb:.1f} MB) is what an interrupted `index build --force` left; this "
            f"index is as it was: run the rebuild again (it starts over), or delete {side}*"
        )
    return [("rebuild", one_line(why))]


def index_notes(store: IndexStore, index: Path | str) -> list[tuple[str, str]]:
    """Why answers from this index may be incomplete: a build or update still writing it or
    interrupted (documents it had not reached are missing), texts cut by an earlier paradup.
    `index info` prints them; `check --against` and `audit` warn with them (they answered
    "0 restated passages" from a build killed at 7 %)."""
    from .index.store import writer_active

    notes = []
    if store.bands_pending():
        if writer_active(index):
            why = (
                "a build or update is writing this index now; documents it has not reached "
                "are missing until it finishes"
            )
        else:
            why = (
                "an interrupted build or update left some unmerged: documents it had not "
                "reached are missing and queries are slower; run `paradup index update` to "
                "finish"
            )
        notes.append(("band keys", why))
    elif store.first_build_unfinished():  # none committed: it looked complete, and empty
        if writer_active(index):
            why = (
                "its first build is writing it now; documents it has not reached are missing "
                "until it finishes"
            )
        else:
            why = (
                "an interrupted build (its first) left it incomplete: documents it had not "
                "reached are missing; run `paradup index update` to finish it"
            )
        notes.append(("build", why))
    if store.text_pipeline_stale():
        why = (
            "the texts were split by an earlier paradup; `paradup index update` fingerprints "
            "them again (until then restatements may be missed)"
        )
        notes.append(("texts", why))
    return notes


def _shell_word(path: str) -> str:
    """A root as a shell word (spaces quoted), on one line."""
    import shlex

    return one_line(shlex.quote(path))


class InfoFormat(str, Enum):
    text = "text"
    json = "json"


@index_app.command("info")
def info(
    index: IndexOpt,
    format: Annotated[
        InfoFormat,
        typer.Option("--format", "-f", help="text, or json for scripts and monitoring."),
    ] = InfoFormat.text,
) -> None:
    """Counts and fingerprint settings of an index, and what an update must match."""
    import json
    import sqlite3

    from .index.store import IndexStore, database_failure
    from .output import stdout_report

    try:
        with IndexStore.open(index) as store, stdout_report("free space where it goes"):
            counts = store.counts()
            notes = index_notes(store, index) + _rebuild_note(index)
            # What an update must match: the roots, the folder relative archive paths were
            # given from, and the JSON Lines fields the documents were read with.
            roots, folder, fields = store.roots(), store.archive_folder(), store.fields()
            encoding = store.encoding()
            if format is InfoFormat.json:
                disk = sum(
                    os.path.getsize(f"{index}{s}")
                    for s in ("", "-wal")
                    if os.path.isfile(f"{index}{s}")
                )
                about = {
                    "index": str(index),
                    **counts,
                    "bytes": disk,
                    "settings": json.loads(store.settings.to_json()),
                    "roots": roots,
                    "archive_folder": folder,
                    "fields": fields,
                    "encoding": encoding,
                    "notes": dict(notes),
                }
                typer.echo(json.dumps(about, ensure_ascii=False, indent=2))
                return
            typer.echo(
                f"{index}: {counts['docs']} documents, {counts['units']} units, "
                f"{counts['bands']} band keys"
            )
            for topic, note in notes:
                if topic in ("build", "band keys"):  # right under the counts they question
                    typer.echo(f"{topic}: {note}")
            typer.echo(f"settings: {store.settings.to_json()}")
            if roots is not None:
                typer.echo("archive: " + " ".join(map(_shell_word, roots)))
            if folder is not None:
                typer.echo(f"archive paths from: {one_line(folder)}")
            if fields is not None:
                typer.echo(
                    "fields: " + " ".join(f"--{k}-field {v}" for k, v in sorted(fields.items()))
                )
            if encoding is not None:
                typer.echo(f"articles read as: --encoding {_shell_word(encoding)}")
            for topic, note in notes:
                if topic in ("texts", "rebuild"):
                    typer.echo(f"{topic}: {note}")
    except ParadupError as exc:
        raise _fail(str(exc)) from None
    except sqlite3.DatabaseError as exc:
        raise _fail(str(database_failure(index, exc))) from None


class AuditFormat(str, Enum):
    text = "text"
    jsonl = "jsonl"
    csv = "csv"
    html = "html"


class AuditEngine(str, Enum):
    local = "local"
    spark = "spark"


class InputFormat(str, Enum):
    text = "text"
    jsonl = "jsonl"
    parquet = "parquet"


def _refuse_output_in_archive(output: Path, roots: list[str] | None, folder: str | None) -> None:
    """A report written into an archive folder (`audit -f jsonl -o archive/clusters.jsonl`)
    was read by the next `index update` as an export or an article: the audit then found its
    own report restating the archive."""
    from .archive import FOLDER_SUFFIXES, is_export
    from .read import TEXT_SUFFIXES

    name = output.name.lower()
    if not name.endswith((*TEXT_SUFFIXES, *FOLDER_SUFFIXES)):
        return
    real = os.path.realpath(output)
    for root in roots or []:
        full = os.path.realpath(os.path.join(folder or os.getcwd(), root))
        if os.path.isdir(full) and real.startswith(full.rstrip(os.sep) + os.sep):
            what = "an export" if is_export(name) else "an article"
            raise _fail(
                f"{output}: is inside the archive folder {root}: the next `paradup index "
                f"update` would read the report as {what}; write it outside the archive"
            )


def _refuse_index_as_output(output: Path, index: Path, archive: Iterable[str] = ()) -> None:
    """`--output` must never replace the index (or its WAL, shared-memory or lock file) nor an
    archive file the index was built from. The index names those as the build spelled them,
    relative to where it ran: a relative one is matched as the tail of the output's real path
    too, so an audit run from another directory cannot overwrite an article either."""
    from .output import refuse_input_as_output

    own = [str(index) + suffix for suffix in ("", "-wal", "-shm", ".lock")]
    archive = list(archive)
    try:
        refuse_input_as_output(output, own)
        refuse_input_as_output(output, archive, "the archive file {} of " + str(index))
    except ParadupError as exc:
        raise _fail(str(exc)) from None
    target = os.path.realpath(output)
    for f in archive:
        tail = os.path.normpath(f)
        if not os.path.isabs(f) and not tail.startswith("..") and target.endswith(os.sep + tail):
            raise _fail(
                f"{output}: --output is the archive file {f} of {index}; "
                "write the report to another path"
            )


def audit_command(
    index: Annotated[
        Path | None,
        typer.Option("--index", "-i", help="The index file (SQLite); local engine only."),
    ] = None,
    format: Annotated[
        AuditFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="text (a summary), jsonl, csv or html (every member) [text; with -o, its "
            "suffix's: .jsonl, .csv, .html].",
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report here, not stdout.")
    ] = None,
    threshold: Annotated[
        float,
        typer.Option(
            help="Jaccard similarity for cluster edges: stricter than check's 0.4, for "
            "copies rather than rewrites."
        ),
    ] = 0.7,
    boilerplate_docs: Annotated[
        int | None,
        typer.Option(
            help="Documents a unit must recur in to be boilerplate [max(10, 0.5% of the archive)]."
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress lines (and no text summary).")
    ] = False,
    engine: Annotated[
        AuditEngine, typer.Option(help="local: an index file; spark: the archive on Spark.")
    ] = AuditEngine.local,
    input: Annotated[
        list[str] | None,
        typer.Option(
            "--input", help="Spark: archive paths Spark reads (file:, hdfs:, s3a:; repeatable)."
        ),
    ] = None,
    input_format: Annotated[
        InputFormat | None,
        typer.Option(help="Spark: text (.txt/.md trees), jsonl or parquet [by suffix]."),
    ] = None,
    id_field: Annotated[str, typer.Option(help="Spark: field/column of the record id.")] = "id",
    text_field: Annotated[str, typer.Option(help="Spark: field/column of the text.")] = "text",
    title_field: Annotated[str, typer.Option(help="Spark: field/column of the title.")] = "title",
    date_field: Annotated[str, typer.Option(help="Spark: field/column of the date.")] = "date",
    output_dir: Annotated[
        str | None,
        typer.Option(help="Spark: write clusters.parquet/ and clusters.jsonl/ here."),
    ] = None,
    master: Annotated[str, typer.Option(help="Spark: the master URL.")] = "local[*]",
    spark_conf: Annotated[
        list[str] | None,
        typer.Option("--spark-conf", help="Spark: KEY=VALUE setting (repeatable)."),
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(help="Spark: encoding of .txt/.md articles, e.g. gb18030 [utf-8]."),
    ] = None,
    documents: Annotated[
        bool,
        typer.Option(
            "--documents",
            help="Families of near-duplicate documents (reposts) instead of passage clusters.",
        ),
    ] = False,
    doc_share: Annotated[
        float | None,
        typer.Option(
            help="--documents: share of each document's text the other must restate [0.5]."
        ),
    ] = None,
) -> None:
    """Duplicate clusters and boilerplate templates across the archive."""
    from .output import by_suffix

    suffixes = {".jsonl": AuditFormat.jsonl, ".csv": AuditFormat.csv, ".html": AuditFormat.html}
    format = format or by_suffix(output, {**suffixes, ".htm": AuditFormat.html}, AuditFormat.text)
    from rich.console import Console

    from .audit import Cluster, archive_files, audit_stream
    from .report import audit as rep

    if not 0 < threshold <= 1:
        raise _fail(f"option --threshold: must be in (0, 1], got {threshold}")
    if boilerplate_docs is not None and boilerplate_docs < 2:
        raise _fail(
            f"option --boilerplate-docs: must be at least 2 (documents), got {boilerplate_docs}; "
            "leave it out for max(10, 0.5% of the archive)"
        )
    # An option of the other engine was ignored: `--input other.jsonl` audited the index.
    spark_only = {
        "--input": bool(input),
        "--input-format": input_format is not None,
        "--output-dir": output_dir is not None,
        "--spark-conf": bool(spark_conf),
        "--master": master != "local[*]",
        "--id-field": id_field != "id",
        "--text-field": text_field != "text",
        "--title-field": title_field != "title",
        "--date-field": date_field != "date",
    }
    if doc_share is not None and not documents:
        raise _fail("--doc-share is for --documents (families of near-duplicate documents)")
    share = 0.5 if doc_share is None else doc_share
    if not 0 < share <= 1:
        raise _fail(f"option --doc-share: must be in (0, 1], got {share}")
    if documents and engine is AuditEngine.spark:
        raise _fail("--documents runs on the local engine only: audit an index (--index PATH)")
    if documents and format is AuditFormat.html:
        raise _fail("--documents writes text, jsonl or csv; pass --format jsonl or csv")
    if engine is AuditEngine.spark and index is not None:
        raise _fail("--index is the local engine's: --engine spark reads --input PATH itself")
    if engine is not AuditEngine.spark and any(spark_only.values()):
        given = next(name for name, on in spark_only.items() if on)
        raise _fail(f"{given} is for --engine spark; the local engine audits --index INDEX")
    if output is not None:
        from .output import writable

        try:
            writable(output)  # now, not after minutes of clustering
        except ParadupError as exc:
            raise _fail(str(exc)) from None
    err = Console(stderr=True, soft_wrap=True, emoji=False)  # one grep-able line a message
    say = None if quiet else (lambda m: err.print(m, highlight=False, markup=False))

    def emit(clusters: Iterable[Cluster], dup: int, bp: int, name: str, more: str) -> None:
        """Write the report as the clusters come: at a million paragraphs they would not fit
        in memory at once."""

        def write(out: TextIO) -> None:
            if format is AuditFormat.text:
                out.write("\n".join(rep.summary_lines(clusters, dup, bp, more=more)) + "\n")
            elif format is AuditFormat.jsonl:
                rep.write_jsonl(clusters, out)
            elif format is AuditFormat.csv:
                rep.write_csv(clusters, out)
            else:
                rep.write_html(clusters, out, dup, bp, f"paradup audit of {name}")

        report(write)

    def report(write: Callable[[TextIO], None]) -> None:
        """Run `write` on stdout or the report file, with one line for a failed write."""
        if output is None and quiet and format is AuditFormat.text:
            return
        from .output import discard_stdout, report_file

        first: list[str] = []  # the write error; closing the file then fails as well
        try:
            with contextlib.ExitStack() as stack:
                out = sys.stdout if output is None else stack.enter_context(report_file(output))
                try:
                    if output is not None and format is AuditFormat.csv:
                        # Excel reads a CSV without a byte-order mark in the system's code
                        # page (GBK on Chinese Windows): every Chinese cell was mojibake.
                        # Standard output has none, for pipes (`csv` reads it with utf-8-sig).
                        out.write("\ufeff")
                    write(out)
                    out.flush()
                except BrokenPipeError:
                    if output is not None:
                        first.append(f"{output}: cannot write (broken pipe)")
                        raise
                    discard_stdout()  # the reader has what it wanted (`| head`): stop quietly
                except OSError as exc:
                    first.append(f"{output or 'stdout'}: cannot write ({exc.strerror})")
                    raise
        except (ParadupError, OSError) as exc:  # the report file's: open, last flush, rename
            raise _fail(first[0] if first else str(exc)) from None

    if engine is AuditEngine.spark:
        from .archive import Fields
        from .spark_engine import parse_conf, spark_audit, spark_failure

        if not input:
            raise _fail("--engine spark reads the archive itself: pass --input PATH")
        _check_encoding(encoding)
        if output is not None:
            from .output import refuse_input_as_output

            local = [i.removeprefix("file://").removeprefix("file:") for i in input]
            try:
                refuse_input_as_output(output, local)
            except ParadupError as exc:
                raise _fail(str(exc)) from None
        config = _archive_config(None, encoding)  # the settings `index build` would use
        phase = [""]

        def track(message: str) -> None:
            phase[0] = message  # which step a Spark error comes from
            if say:
                say(message)

        try:
            result = spark_audit(
                input,
                input_format=input_format.value if input_format else None,
                fields=Fields(id_field, text_field, title_field, date_field),
                threshold=threshold,
                boilerplate_docs=boilerplate_docs,
                output_dir=output_dir,
                config=config,
                master=master,
                conf=parse_conf(spark_conf or ()),
                # The text summary needs only the top clusters, to a file or not.
                collect=format is not AuditFormat.text,
                progress=track,
                output=output,
            )
        except ParadupError as exc:
            raise _fail(str(exc)) from None
        except Exception as exc:  # Spark's own (Py4JJavaError, AnalysisException): one line
            writing = output_dir if phase[0].startswith("writing") else None
            failure = spark_failure(exc, writing)
            if failure is None:
                raise
            raise _fail(str(failure)) from None
        _print_unread(err, result.bad, result.blank)
        if not result.docs:
            err.print(
                f"warning: {', '.join(input)}: no documents in it; nothing to audit",
                highlight=False,
                markup=False,
            )
        if say:
            say(
                f"{result.docs} documents, {result.clusters} clusters "
                f"({result.bad_count} bad records skipped"
                + (f", {result.blank_count} empty" if result.blank_count else "")
                + f"); {result.seconds:.1f} s"
            )
        clusters = result.collected if result.collected is not None else result.top
        if result.collected is not None:
            more = "use --format jsonl/csv/html"
        elif output_dir is not None:
            more = f"every cluster is in {output_dir}"
        else:
            more = "pass --output-dir or --format jsonl to keep them all"
        emit(clusters, result.duplicate, result.boilerplate, ", ".join(input), more)
        raise typer.Exit(EXIT_FINDINGS if result.clusters > 0 else EXIT_CLEAN)

    import sqlite3

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from .index.store import IndexStore, database_failure

    if index is None:
        raise _fail("--engine local audits an index: pass --index PATH")
    if encoding is not None:
        raise _fail(
            "--encoding is for --engine spark; the local engine audits the index, which "
            "`paradup index build --encoding` read"
        )
    if output is not None:
        _refuse_index_as_output(output, index)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=quiet or not err.is_terminal,
        transient=True,
    ) as bar:
        task = bar.add_task("opening the index", total=None)
        current = [""]

        def step(phase: str, done: int, total: int) -> None:
            if phase != current[0]:  # a new phase: its own rate and ETA
                current[0] = phase
                bar.reset(task, description=phase, total=total)
            bar.update(task, completed=done, total=total)

        try:
            with IndexStore.open(index) as store, store.snapshot():
                if output is not None and output.is_file():
                    _refuse_index_as_output(output, index, archive_files(store))
                if output is not None:
                    _refuse_output_in_archive(output, store.roots(), store.archive_folder())
                for _topic, note in index_notes(store, index):
                    typer.echo(f"paradup: warning: {one_line(str(index))}: {note}", err=True)
                if documents:
                    from .families import document_families

                    families = document_families(
                        store, threshold, share, boilerplate_docs, progress=say, step=step
                    )
                    report(partial(_write_families, families, format))
                    raise typer.Exit(EXIT_FINDINGS if families else EXIT_CLEAN)
                found = audit_stream(store, threshold, boilerplate_docs, progress=say, step=step)
                # The clusters are built while they are written, so the index stays open.
                more = "use --format jsonl/csv/html"
                emit(found, found.duplicate, found.boilerplate, index.name, more)
        except ParadupError as exc:
            raise _fail(str(exc)) from None
        except sqlite3.DatabaseError as exc:  # damaged pages met while reading
            raise _fail(str(database_failure(index, exc))) from None
    raise typer.Exit(EXIT_FINDINGS if len(found) else EXIT_CLEAN)


def _write_families(families: list[Family], format: AuditFormat, out: TextIO) -> None:
    from .report import audit as rep

    if format is AuditFormat.jsonl:
        rep.write_families_jsonl(families, out)
    elif format is AuditFormat.csv:
        rep.write_families_csv(families, out)
    else:
        out.write("\n".join(rep.family_lines(families)) + "\n")


def register(app: typer.Typer) -> None:
    app.add_typer(index_app, name="index")
    app.command("audit")(audit_command)
