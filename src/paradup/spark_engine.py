"""The archive audit on Apache Spark: the local engine's audit for archives beyond one machine.

Per-document work is `index build`'s own (`paradup.batch.fingerprint_batch`, the batched
`fingerprint_record`), called inside Spark tasks
(`mapPartitions`: the jieba/rjieba dictionary is loaded once per Python worker process, which
Spark reuses across tasks). Candidate pairs come from grouping band keys; every pair is verified
on exact shingle-hash sets (Spark SQL `array_intersect`, no Python); clusters are connected
components computed with Spark itself (alternating large-star / small-star joins until the
edge set is a forest of stars); paragraph members are trimmed at their edges to the sentences
their cluster restates (`_trim_edges`: the clusters holding one to trim, grouped per cluster in
Python tasks), and redundant sentence clusters and boilerplate are handled like the local
engine. Clusters are written as Parquet and JSON Lines (the `paradup audit` contract).

Candidate rule (shared with `paradup.audit`): buckets of at most ALL_PAIRS_UP_TO members verify
every pair; in larger buckets, ordered by (document key, unit start, unit kind), each member is
paired with its PER_BUCKET predecessors. Document keys and paths are the local engine's: the
file for text files, `file#id` (or `file:line` without an id) for JSON Lines records, whose
path is `file:line`, and `file#id` for Parquet rows. Local inputs (plain paths under a local
master, `file:` paths) are listed on the driver with `archive.archive_files`, the local
engine's file set, and named as it names them; other filesystems are listed by Spark with the
same suffix rules, their paths decoded.

pyspark is imported lazily: without it (or without a Java runtime) the engine raises one
ParadupError line naming the install step.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .archive import (
    EVERY_FILE,
    Blank,
    Fields,
    Selection,
    date_key,
    is_export,
    nothing_read,
    stray_json,
    unread_article,
)
from .audit import ALL_PAIRS_UP_TO, PER_BUCKET, REPOST_SHARE, Cluster, Member
from .config import CheckConfig
from .errors import InputError, ParadupError, UsageError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from .index.store import IndexSettings

ALL_PAIRS_MAX = ALL_PAIRS_UP_TO  # buckets up to this size verify every pair; larger a window
FORMATS = ("text", "jsonl", "parquet")
# Files read in a directory on another filesystem: the local engine's (`archive.archive_files`).
# Hadoop's globs are case-sensitive: the usual spellings of `read.TEXT_SUFFIXES` in any case.
REMOTE_GLOB = "*.{txt,md,markdown,text,TXT,MD,MARKDOWN,TEXT,Md,Markdown,jsonl,ndjson}"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")  # two letters at least: not `C:`
MAX_BAD_SHOWN = 100
LOG_CONFIG = Path(__file__).with_name("spark-log4j2.properties")
LOG_LEVELS = ("OFF", "FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE", "ALL")
INSTALL_PYSPARK = (
    "install it with `pip install 'paradup[spark]'` (from a checkout: `pip install '.[spark]'`; "
    "pyspark>=3.5)"
)
INSTALL_JAVA = (
    "install a Java runtime (17 or newer), e.g. `apt-get install default-jre-headless`, "
    "or set JAVA_HOME"
)


class SparkUnavailable(ParadupError):
    """pyspark or the Java runtime it drives is missing; the message names the install step."""


def require_spark() -> None:
    """Fail with one line naming the install step when pyspark or Java is missing."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise SparkUnavailable(
            f"the Spark engine needs pyspark, which is not installed; {INSTALL_PYSPARK}"
        ) from None
    home = os.environ.get("JAVA_HOME")
    if home and Path(home, "bin", "java").exists():
        return
    if shutil.which("java") is None:
        raise SparkUnavailable(
            f"the Spark engine needs a Java runtime and none was found on PATH; {INSTALL_JAVA}"
        )


def parse_conf(pairs: Iterable[str]) -> dict[str, str]:
    """`KEY=VALUE` strings (the --spark-conf pass-through) as a dict."""
    out: dict[str, str] = {}
    for p in pairs:
        key, sep, value = p.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"option spark-conf: expected KEY=VALUE, got {p!r}")
        out[key.strip()] = value
    return out


def spark_session(
    master: str = "local[*]", conf: Mapping[str, str] | None = None, app_name: str = "paradup"
) -> SparkSession:
    """A Spark session for `master` with the pass-through settings (`--spark-conf`).

    Java and pyspark are there (`require_spark`): a session that cannot start is a bad master
    URL or setting, one line naming both."""
    require_spark()
    from pyspark.sql import SparkSession

    def cannot_start(reason: str) -> ParadupError:
        return ParadupError(
            f"Spark could not start with --master {master!r} ({reason}); "
            "check --master and --spark-conf"
        )

    if master != "yarn" and not master.startswith(("spark", "k8s", "local")):
        # spark-submit's own rule; refused here, before its JVM prints a Java stack.
        raise cannot_start("Master must either be yarn or start with spark, k8s, or local")

    conf = dict(conf or {})
    if master.startswith("local"):
        # Workers must run this interpreter (the one paradup is installed in); pyspark reads
        # the worker's interpreter from PYSPARK_PYTHON only.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        conf.setdefault("spark.sql.shuffle.partitions", "16")
        conf.setdefault("spark.ui.showConsoleProgress", "false")
    # Spark's console log is off unless `spark.log.level` asks for it: its banner, WARN lines
    # and Java stacks buried paradup's one-line errors and progress. Set before the driver JVM
    # starts, so the start-up lines follow it too; the user's own Java options come after ours.
    level = conf.get("spark.log.level", "OFF")
    if level.upper() not in LOG_LEVELS:  # log4j would fall back to printing everything
        raise cannot_start(
            f"spark.log.level {level!r} is none of {', '.join(LOG_LEVELS)} (case-insensitive)"
        )
    java_opts = f"-Dlog4j2.configurationFile={LOG_CONFIG.as_uri()} -Dparadup.spark.log={level}"
    user_opts = conf.get("spark.driver.extraJavaOptions")
    conf["spark.driver.extraJavaOptions"] = f"{java_opts} {user_opts}" if user_opts else java_opts
    builder = SparkSession.builder.master(master).appName(app_name)
    for k, v in conf.items():
        builder = builder.config(k, v)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # PySparkRuntimeError when the JVM exits, Py4JJavaError
        reason = spark_reason(exc)
        if "JAVA_GATEWAY" in str(exc):  # the JVM exited and printed why above
            reason += "; see the Java error above, and JAVA_HOME for Java 17 or newer"
        raise cannot_start(reason) from None
    try:
        # SQL settings are checked when the session state is first built: here, not at the
        # first read (`spark.sql.shuffle.partitions=abc`).
        spark.conf.get("spark.sql.shuffle.partitions")
        spark.sparkContext.setLogLevel(level.upper())
    except Exception as exc:
        with contextlib.suppress(Exception):
            spark.stop()
        raise cannot_start(spark_reason(exc)) from None
    return spark


def spark_reason(exc: BaseException) -> str:
    """The line of a Spark or Py4J exception that says what went wrong: Spark's first message
    with an error class (`[PATH_NOT_FOUND] ...`), else the innermost Java cause, without the
    exception's class name, error-class tag or SQLSTATE."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    tagged = [m.group(0) for ln in lines if (m := re.search(r"\[[A-Z][A-Z_.]+\] .*", ln))]
    causes = [ln.removeprefix("Caused by: ") for ln in lines if ln.startswith("Caused by: ")]
    java = [ln.lstrip(": ") for ln in lines if re.match(r"^:? ?[\w.$]+(Exception|Error): ", ln)]
    pick = next(iter(tagged + causes[::-1] + java + lines), type(exc).__name__)
    pick = re.sub(r"^[\w.$]+(Exception|Error): ", "", pick)
    pick = re.sub(r"^\[[A-Z_.]+\] ", "", pick)
    pick = re.sub(r"\s*SQLSTATE: \w+\.?$", "", pick).strip()
    return pick if len(pick) <= 300 else pick[:297] + "..."


def _udf(fn: Any) -> Any:
    """A str -> str Python UDF, called row by row: not Arrow-optimized (pyspark 4's default
    wants pandas and pyarrow, and warned twice per job without them)."""
    from pyspark.sql import functions as F

    return F.udf(lambda value: fn(value), "string", useArrow=False)


def infer_format(paths: Sequence[str]) -> str:
    """jsonl or parquet by suffix, else text (directories of .txt/.md)."""
    low = [p.lower().rstrip("/") for p in paths]
    if low and all(is_export(p) for p in low):
        return "jsonl"
    if low and all(p.endswith(".parquet") for p in low):
        return "parquet"
    return "text"


# -- where the archive is ----------------------------------------------------------------


def local_path(path: str, plain_is_local: bool = True) -> str | None:
    """The local filesystem path an input or output names (`file:` URIs, and plain paths when
    `plain_is_local`: Spark's default filesystem under a local master), else None."""
    if path.startswith("file://"):
        rest = path[len("file://") :]
        return rest if rest.startswith("/") else None  # file://host/...: Spark's business
    if path.startswith("file:"):
        return path[len("file:") :]
    if _SCHEME.match(path):
        return None
    return path if plain_is_local else None


def shown_path(uri: str) -> str:
    """A file as Spark names it (`file:/a%20b/c.txt`), as a user names it (`/a b/c.txt`)."""
    from urllib.parse import unquote

    if uri.startswith("file:"):
        rest = uri[len("file:") :]
        uri = rest[2:] if rest.startswith("///") else rest
    return unquote(uri)


OUTPUTS = ("clusters.parquet", "clusters.jsonl")  # under --output-dir, replaced whole


def check_output_dir(
    output_dir: str,
    local_inputs: Iterable[str],
    remote_inputs: Iterable[str] = (),
    plain_is_local: bool = True,
) -> None:
    """Refuse, before Spark starts, an `output_dir` whose clusters.parquet/ or clusters.jsonl/
    (Spark's overwrite mode deletes them first) is or holds an input, is a file no run wrote,
    or, on the local filesystem, that is a file or lies under one."""
    local = local_path(output_dir, plain_is_local)
    if local is None:  # another filesystem: compared as written
        base = output_dir.rstrip("/")
        for i in remote_inputs:
            for name in OUTPUTS:
                target = f"{base}/{name}"
                if i.rstrip("/") == target or i.startswith(target + "/"):
                    raise UsageError(
                        f"{output_dir}: --output-dir would replace {target}, which holds the "
                        f"input {i}; write the clusters to another directory"
                    )
        return
    real = os.path.realpath(local)
    probe = real
    while not os.path.exists(probe) and os.path.dirname(probe) != probe:
        probe = os.path.dirname(probe)
    if not os.path.isdir(probe):
        where = "is a file" if probe == real else f"lies under the file {probe}"
        raise UsageError(f"{output_dir}: --output-dir {where}; pass a directory")
    targets = [os.path.join(real, name) for name in OUTPUTS]
    for f in local_inputs:
        r = os.path.realpath(f)
        for target in targets:
            if r == target or r.startswith(target + os.sep):
                raise UsageError(
                    f"{output_dir}: --output-dir would replace {target}, which holds the input "
                    f"{f}; write the clusters to another directory"
                )
    for target in targets:
        if os.path.lexists(target) and not os.path.isdir(target):
            raise UsageError(
                f"{target}: a file where --output-dir writes a directory (it would be deleted); "
                "move it or pass another --output-dir"
            )


def _spark_error(exc: BaseException) -> bool:
    """An error Spark or the JVM raised (not a bug in a Python task: that keeps its trace)."""
    from py4j.protocol import Py4JJavaError  # type: ignore[import-untyped]
    from pyspark.errors import PySparkException, PythonException

    return isinstance(exc, Py4JJavaError | PySparkException) and not isinstance(
        exc, PythonException
    )


def read_failure(exc: BaseException, paths: Sequence[str], fmt: str) -> ParadupError | None:
    """Reading the archive failed: one line naming it and the fix, or None (not Spark's)."""
    if isinstance(exc, ParadupError):
        return exc
    if not _spark_error(exc):
        return None
    return ParadupError(
        f"{', '.join(paths)}: Spark could not read it as {fmt} ({spark_reason(exc)}); "
        "check the path and --input-format"
    )


def spark_failure(exc: BaseException, writing_to: str | None = None) -> ParadupError | None:
    """A Spark error after the archive was read, as one line (None: not Spark's): writing the
    clusters to `writing_to`, or the run itself."""
    if not _spark_error(exc):
        return None
    if writing_to is not None:
        return ParadupError(
            f"{writing_to}: cannot write the clusters there ({spark_reason(exc)}); "
            "check --output-dir"
        )
    return ParadupError(f"Spark failed ({spark_reason(exc)}); check --master and --spark-conf")


# A file the driver listed: (its number in archive order, its path as the local engine names
# it, the path to open, read as JSON Lines).
Source = tuple[int, str, str, bool]


def local_sources(
    roots: Sequence[str], fmt: str, encoding: str | None, select: Selection = EVERY_FILE
) -> list[Source]:
    """The local engine's files under local archive roots (`archive.archive_files`: .txt, .md,
    .markdown and JSON Lines, `_` and `.` files included), checked as `index build` checks
    them: a missing root, an empty directory, or a named file that cannot be read (an article)
    or opened (JSON Lines) is an InputError. `fmt` jsonl reads named files as JSON Lines
    whatever their suffix, and only the JSON Lines files of a directory. `select`: the
    config's include/exclude, as for the local engine."""
    from .archive import archive_files, refuse_json
    from .read import read_document

    out: list[Source] = []
    for root, paths in archive_files(roots, select):
        for path in paths:
            jsonl = is_export(path) or (fmt == "jsonl" and path == root)
            if fmt == "jsonl" and not jsonl:
                continue
            if path == root:  # a named file: refused now, as `index build` does
                if not jsonl:
                    refuse_json(path)
                    read_document(path, encoding, select.max_bytes, select.limit_fix)
                else:
                    try:
                        open(path, "rb").close()
                    except OSError as exc:
                        raise InputError(
                            path, f"cannot be read ({exc.strerror})", "check the path"
                        ) from None
            out.append((len(out), path, os.path.abspath(path), jsonl))
    return out


# -- per-record work (runs in Spark's Python workers) ----------------------------------------

Parsed = tuple[str | None, str, str | None, str | None, str | None, str | None, int, str, int]
# key, path, title, date, text, bad message; file number (archive order), file, line


def _bad(msg: str, path: str, fno: int, file: str, line: int) -> Parsed:
    # A plain str: the JVM cannot unpickle a str subclass (archive.Blank) in a row; a
    # retraction keeps an empty text instead, so that it is counted as one.
    return None, path, None, None, "" if isinstance(msg, Blank) else None, str(msg), fno, file, line


def _jsonl_parsed(file: str, lines: Iterable[bytes], fields: Fields, fno: int) -> Iterator[Parsed]:
    """One JSON Lines file's records, keyed and reported as the local engine does
    (`archive.jsonl_lines`): `file#id`, or `file:line` without an id; strict UTF-8."""
    from .archive import jsonl_lines

    for line, rec, bad, _unreadable in jsonl_lines(file, lines, fields):
        if rec is None:
            yield _bad(bad or "bad record", f"{file}:{line}", fno, file, line)
        else:
            yield rec.key, rec.path, rec.title, rec.date, rec.text, None, fno, file, line


def _local_files(
    fields: Fields, encoding: str | None, select: Selection = EVERY_FILE
) -> Callable[[Iterable[Source]], Iterator[Parsed]]:
    """Records of the files the driver listed. Each file is read whole by one task (a JSON
    Lines file streamed line by line, for its line numbers); the records are spread over the
    cluster after. An article over the config's `max-bytes` is a bad record, as for `index
    build` (the Spark engine read every file, so its clusters differed)."""

    def parse(rows: Iterable[Source]) -> Iterator[Parsed]:
        from .errors import InputError
        from .read import read_document

        for fno, file, real, jsonl in rows:
            stray = None if jsonl else stray_json(file, None)  # named ones were refused
            if stray:
                yield _bad(stray, file, fno, file, 0)
                continue
            if not jsonl:
                try:
                    doc = read_document(real, encoding, select.max_bytes, select.limit_fix)
                except InputError as exc:
                    yield _bad(unread_article(file, exc), file, fno, file, 0)
                    continue
                yield file, file, None, None, doc.text, None, fno, file, 0
                continue
            try:
                fh = open(real, "rb")  # noqa: SIM115 - closed below; streamed line by line
            except OSError as exc:
                msg = f"{file}: cannot be read ({exc.strerror}); check the path"
                yield _bad(msg, file, fno, file, 0)
                continue
            with fh:
                yield from _jsonl_parsed(file, fh, fields, fno)

    return parse


def _remote_files(
    fields: Fields, encoding: str | None, fmt: str, select: Selection = EVERY_FILE
) -> Callable[[Iterable[Any]], Iterator[Parsed]]:
    """Records of (path, content) rows of Spark's binaryFile source: every file whole, in one
    task; JSON Lines by suffix (every file for `fmt` jsonl), parsed with line numbers."""

    def parse(rows: Iterable[Any]) -> Iterator[Parsed]:
        import io

        from .errors import InputError
        from .read import decode_capped

        for uri, content in rows:
            file = shown_path(uri)
            if fmt == "jsonl" or is_export(file):
                yield from _jsonl_parsed(file, io.BytesIO(bytes(content)), fields, 0)
                continue
            try:
                doc = decode_capped(
                    bytes(content), file, encoding, select.max_bytes, select.limit_fix
                )
            except InputError as exc:
                yield _bad(unread_article(file, exc), file, 0, file, 0)
                continue
            yield file, file, None, None, doc.text, None, 0, file, 0

    return parse


def _table_rows(fields: Fields) -> Callable[[Iterable[Any]], Iterator[Parsed]]:
    def parse(rows: Iterable[Any]) -> Iterator[Parsed]:
        for rid, text, title, date, uri in rows:
            path = shown_path(uri)
            if not isinstance(text, str) or not text.strip():
                yield _bad(f"{path}: no text in {fields.text!r}", path, 0, path, 0)
            elif not rid:
                yield _bad(f"{path}: no id in {fields.id!r}", path, 0, path, 0)
            else:
                yield f"{path}#{rid}", path, title, date, text, None, 0, path, 0

    return parse


def _fingerprinter(
    config: CheckConfig, settings: IndexSettings
) -> Callable[[int, Iterable[Parsed]], Iterator[tuple[Any, ...]]]:
    def work(pid: int, rows: Iterable[Parsed]) -> Iterator[tuple[Any, ...]]:
        import numpy as np

        from .archive import ArchiveRecord, content_hash
        from .batch import fingerprint_batch

        n = 0  # units numbered in record order: unique and deterministic for an input split

        def emit(
            batch: list[ArchiveRecord], where: list[tuple[int, str, int]]
        ) -> Iterator[tuple[Any, ...]]:
            nonlocal n
            docs = fingerprint_batch(batch, config, settings)  # as `index build` does
            for d, (fno, file, line) in zip(docs, where, strict=True):
                units = []
                for u in d.units:
                    uid = (pid << 32) | n
                    n += 1
                    hashes = np.frombuffer(u.hashes, dtype=np.int32).tolist()
                    units.append((uid, u.kind, u.start, u.end, hashes, sorted(set(u.band_keys))))
                yield (
                    d.key, d.path, d.title, d.date, d.content_hash, d.chars, d.text, None,
                    units, fno, file, line,
                )  # fmt: skip

        batch: list[ArchiveRecord] = []
        where: list[tuple[int, str, int]] = []
        for key, path, title, date, text, bad, fno, file, line in rows:
            if bad is not None or key is None or text is None:
                msg = bad or "bad record"
                blank = "" if bad is not None and text == "" else None  # a retraction (`_bad`)
                yield (None, path, None, None, None, 0, blank, msg, [], fno, file, line)
                continue
            batch.append(ArchiveRecord(key, path, text, title, date, content_hash(text)))
            where.append((fno, file, line))
            if len(batch) >= 256:
                yield from emit(batch, where)
                batch, where = [], []
        yield from emit(batch, where)

    return work


def _doc_schema() -> Any:
    from pyspark.sql import types as T

    unit = T.StructType(
        [
            T.StructField("uid", T.LongType(), False),
            T.StructField("kind", T.StringType(), False),
            T.StructField("start", T.IntegerType(), False),
            T.StructField("end", T.IntegerType(), False),
            T.StructField("hashes", T.ArrayType(T.IntegerType(), False), False),
            T.StructField("band_keys", T.ArrayType(T.LongType(), False), False),
        ]
    )
    return T.StructType(
        [
            T.StructField("key", T.StringType()),
            T.StructField("path", T.StringType()),
            T.StructField("title", T.StringType()),
            T.StructField("date", T.StringType()),
            T.StructField("content_hash", T.StringType()),
            T.StructField("chars", T.IntegerType()),
            T.StructField("text", T.StringType()),
            T.StructField("bad", T.StringType()),
            T.StructField("units", T.ArrayType(unit, False)),
            # Archive order (the local engine's): the file's number in the driver's listing
            # (0 for files Spark lists), the file, the line of a JSON Lines record (else 0).
            T.StructField("fno", T.IntegerType(), False),
            T.StructField("file", T.StringType(), False),
            T.StructField("line", T.IntegerType(), False),
        ]
    )


def _read(
    spark: SparkSession,
    paths: Sequence[str],
    fmt: str,
    fields: Fields,
    encoding: str | None,
    sources: Sequence[Source] = (),
    partitions: int = 1,
    select: Selection = EVERY_FILE,
) -> Any:
    """An RDD of Parsed tuples: `sources` (local files the driver listed) read by Python
    tasks, `paths` (any other path Spark reads: HDFS, object stores) by Spark."""
    from pyspark.sql import functions as F

    if fmt == "parquet":
        df = spark.read.parquet(*paths)
        cols = set(df.columns)
        for opt, name in (("--id-field", fields.id), ("--text-field", fields.text)):
            if name not in cols:
                raise UsageError(
                    f"{', '.join(paths)}: no column {name!r} (columns: {', '.join(sorted(cols))});"
                    f" pass {opt}"
                )

        def col(name: str) -> Any:
            return F.col(name).cast("string") if name in cols else F.lit(None).cast("string")

        df = df.select(
            col(fields.id),
            col(fields.text),
            col(fields.title),
            col(fields.date),
            F.col("_metadata.file_path"),
        )
        return df.rdd.mapPartitions(_table_rows(fields))
    if fmt not in ("text", "jsonl"):
        raise UsageError(f"option input-format: must be one of {', '.join(FORMATS)}, got {fmt!r}")
    sc = spark.sparkContext
    parts = []
    if sources:
        files = sc.parallelize(list(sources), max(1, min(len(sources), partitions)))
        parts.append(files.mapPartitions(_local_files(fields, encoding, select)))
    if paths:
        reader = spark.read.format("binaryFile").option("recursiveFileLookup", "true")
        if fmt == "text":
            reader = reader.option("pathGlobFilter", REMOTE_GLOB)
        df = reader.load(list(paths)).select("path", "content")
        parts.append(df.rdd.mapPartitions(_remote_files(fields, encoding, fmt, select)))
    if not parts:  # `--input-format jsonl` over a folder of articles: nothing to read
        shown = ", ".join([*(s[1] for s in sources), *paths]) or "the input"
        raise InputError(shown, f"holds no {fmt} files", "check --input and --input-format")
    return parts[0] if len(parts) == 1 else sc.union(parts)


def _families(spark: Any, spans: Any, bp_min: int) -> Any:
    """(comp, fam) for the clusters `audit.repost_families` may join: those in `bp_min`
    documents or more (wide), and those in half as many or more whose documents are all among
    the wide ones'; fam names a cluster of its family. Their (cluster, document) pairs are
    collected to the driver: a row per document of those clusters."""
    import numpy as np
    from pyspark.sql import functions as F

    from .audit import repost_families

    pairs = spans.select("comp", "mdoc").distinct()
    sizes = pairs.groupBy("comp").agg(F.count("*").alias("n"))
    wide = sizes.where(F.col("n") >= bp_min).select("comp", F.lit(True).alias("wide"))
    docs = pairs.join(wide, "comp").select("mdoc").distinct().withColumn("in_wide", F.lit(1))
    inside = (
        pairs.join(docs, "mdoc", "left")
        .groupBy("comp")
        .agg(F.count("*").alias("n"), F.sum(F.coalesce("in_wide", F.lit(0))).alias("k"))
        # (one in fewer than half the wide clusters' least documents nests in none)
        .where((F.col("n") == F.col("k")) & (2 * F.col("n") >= bp_min))
        .select("comp")
    )
    rows = (
        pairs.join(inside, "comp")
        .join(wide, "comp", "left")
        .select("comp", "mdoc", F.coalesce("wide", F.lit(False)).alias("wide"))
        .collect()
    )
    schema = "comp long, fam long"
    if not rows:
        return spark.createDataFrame([], schema)
    comps, cidx = np.unique(np.array([r[0] for r in rows], dtype=np.int64), return_inverse=True)
    number: dict[Any, int] = {}  # documents by any numbering: nesting does not depend on it
    didx = np.array([number.setdefault(r[1], len(number)) for r in rows], dtype=np.int64)
    flag = np.zeros(len(comps), dtype=bool)
    flag[cidx[np.array([r[2] for r in rows], dtype=bool)]] = True
    family = repost_families(cidx.astype(np.int64), didx, flag)
    out = [(int(c), int(comps[f])) for c, f in zip(comps, family, strict=True)]
    return spark.createDataFrame(out, schema)


# -- connected components ---------------------------------------------------------------


def _truncate(df: DataFrame) -> DataFrame:
    """Cut the lineage of an iterative plan (reliable checkpoint when a directory is set)."""
    if df.sparkSession.sparkContext.getCheckpointDir():
        return df.checkpoint(eager=True)
    return df.localCheckpoint(eager=True)


def connected_components(
    edges: DataFrame, src: str = "src", dst: str = "dst", max_iterations: int = 100
) -> tuple[DataFrame, int]:
    """(node, comp) for every node of the undirected edges; comp is the smallest node id.

    Alternating large-star and small-star (Kiveris et al., "Connected Components in MapReduce
    and Beyond", 2014) as DataFrame joins, until the graph is a forest of stars each centred
    on its component's minimum: O(log n) rounds, no single-machine state, no extra jar.
    """
    from pyspark.sql import functions as F

    e = (
        edges.select(F.greatest(src, dst).alias("u"), F.least(src, dst).alias("v"))
        .where(F.col("u") != F.col("v"))
        .distinct()
    )
    e = _truncate(e)
    rounds = 0
    while True:
        rounds += 1
        if rounds > max_iterations:
            raise ParadupError(
                f"connected components did not converge in {max_iterations} rounds; "
                "this is a bug, please report it"
            )
        # Large star: every node links its larger neighbours to the minimum of its neighbourhood.
        both = e.select(F.col("u").alias("x"), F.col("v").alias("y")).unionByName(
            e.select(F.col("v").alias("x"), F.col("u").alias("y"))
        )
        mins = both.groupBy("x").agg(F.least(F.min("y"), F.col("x")).alias("m"))
        large = (
            both.where(F.col("y") > F.col("x"))
            .join(mins, "x")
            .select(F.col("y").alias("u"), F.col("m").alias("v"))
            .distinct()
        )
        # Small star: every node links itself and its smaller neighbours to their minimum.
        smin = large.groupBy("u").agg(F.min("v").alias("m"))
        small = (
            large.join(smin, "u")
            .where(F.col("v") != F.col("m"))
            .select(F.col("v").alias("u"), F.col("m").alias("v"))
            .unionByName(smin.select("u", F.col("m").alias("v")))
            .distinct()
        )
        e = _truncate(small)
        # Converged when every edge joins a leaf (seen once, never a centre) to its centre.
        multi = e.groupBy("u").count().where(F.col("count") > 1).limit(1).count()
        if multi == 0 and e.select("u").intersect(e.select("v")).limit(1).count() == 0:
            break
    labels = e.select(F.col("u").alias("node"), F.col("v").alias("comp")).unionByName(
        e.select(F.col("v").alias("node"), F.col("v").alias("comp")).distinct()
    )
    return labels, rounds


# -- the audit -----------------------------------------------------------------------------


@dataclass
class SparkAudit:
    """What a Spark audit did; `clusters` is filled when asked to collect them."""

    docs: int = 0
    units: int = 0
    candidate_pairs: int = 0
    edges: int = 0
    clusters: int = 0
    duplicate: int = 0
    boilerplate: int = 0
    rounds: int = 0
    bad_count: int = 0
    bad: list[str] = field(default_factory=list)  # the first MAX_BAD_SHOWN, archive order
    blank_count: int = 0  # retractions: emptied articles, blanked records
    blank: list[str] = field(default_factory=list)
    seconds: float = 0.0
    fingerprint_seconds: float = 0.0
    output_dir: str | None = None
    collected: list[Cluster] | None = None
    top: list[Cluster] = field(default_factory=list)


def _member_struct(row: Any) -> Member:
    return Member(
        row["doc"],
        row["path"],
        row["start"],
        row["end"],
        row["text"],
        row["date"],
        row["title"],
        row["uid"],
        row["kind"],
    )


def spark_audit(
    inputs: Sequence[str],
    *,
    input_format: str | None = None,
    fields: Fields | None = None,
    threshold: float = 0.7,
    boilerplate_docs: int | None = None,
    output_dir: str | None = None,
    config: CheckConfig | None = None,
    spark: SparkSession | None = None,
    master: str = "local[*]",
    conf: Mapping[str, str] | None = None,
    collect: bool = False,
    top: int = 20,
    partitions: int | None = None,
    progress: Callable[[str], None] | None = None,
    output: str | os.PathLike[str] | None = None,
) -> SparkAudit:
    """Audit an archive on Spark; write clusters to `output_dir` (Parquet and JSON Lines).

    `inputs` are any paths Spark reads (file:, hdfs:, s3a:, ...). `collect=True` also returns
    every cluster as `audit.Cluster` objects (small archives and tests); `top` clusters are
    always returned for the summary. Local inputs and a local `output_dir` are checked before
    Spark starts (`local_sources`, `check_output_dir`); an archive where no document could be
    read is an InputError, as for `index build`. `output`: the report file the caller will
    write, refused when it is one of the local input files.
    """
    if not inputs:
        raise UsageError("the Spark engine needs --input: the archive's files or directories")
    if not 0 < threshold <= 1:
        raise UsageError(f"option threshold: must be in (0, 1], got {threshold}")
    fmt = input_format or infer_format(inputs)
    if fmt not in FORMATS:
        raise UsageError(f"option input-format: must be one of {', '.join(FORMATS)}, got {fmt!r}")
    config = config or CheckConfig()
    if config.encoding is not None:
        from .read import is_text_encoding

        if not is_text_encoding(config.encoding):
            raise UsageError(
                f"--encoding {config.encoding!r}: unknown text encoding; pass e.g. gb18030"
            )
    # Plain paths are the local filesystem's under a local master (Spark's default one).
    plain_local = ((spark.sparkContext.master or "") if spark else master).startswith("local")
    local = {i: local_path(i, plain_local) for i in inputs}
    roots = [lp for lp in local.values() if lp is not None]
    sources: list[Source] = []
    remote = [i for i in inputs if local[i] is None]
    select = Selection(config.include, config.exclude, config.max_bytes)
    if fmt == "parquet":
        for i in inputs:
            lp = local[i]
            if lp is not None and not os.path.exists(lp):
                raise InputError(i, "does not exist", "check the archive path")
        remote = list(inputs)  # Spark reads every Parquet input
    else:
        sources = local_sources(roots, fmt, config.encoding, select)
        if not sources and not remote:
            raise InputError(
                ", ".join(inputs), f"holds no {fmt} files", "check --input and --input-format"
            )
    if output is not None:  # a report file inside a local input folder: never an article
        from .output import refuse_input_as_output

        refuse_input_as_output(Path(output), [s[1] for s in sources])
    if output_dir is not None:
        inside = roots + [s[1] for s in sources]
        check_output_dir(output_dir, inside, remote, plain_local)
    require_spark()
    from pyspark import StorageLevel
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from .index.build import index_settings

    say = progress or (lambda _msg: None)
    t0 = time.perf_counter()
    settings = index_settings(config)
    fields = fields or Fields()
    spark = spark or spark_session(master, conf)
    sc = spark.sparkContext
    result = SparkAudit(output_dir=output_dir)
    cache: list[DataFrame] = []

    def keep(df: DataFrame) -> DataFrame:
        df = df.persist(StorageLevel.MEMORY_AND_DISK)
        cache.append(df)
        return df

    try:
        say(f"reading {fmt} input")
        want = partitions or sc.defaultParallelism * 4
        archive_order = ("fno", "file", "line")
        try:
            parsed = _read(spark, remote, fmt, fields, config.encoding, sources, want, select)
            if parsed.getNumPartitions() < want:
                parsed = parsed.repartition(want)
            say("fingerprinting (paradup.batch.fingerprint_batch in Spark tasks)")
            fp = parsed.mapPartitionsWithIndex(_fingerprinter(config, settings))
            all_docs = keep(spark.createDataFrame(fp, _doc_schema()))
            # Retractions (an emptied article, a blanked record: an empty text, `_bad`) apart
            # from bad records, as `index build` counts them.
            bad = all_docs.where(F.col("bad").isNotNull() & F.col("text").isNull())
            blank = all_docs.where(F.col("bad").isNotNull() & (F.col("text") == ""))
            result.bad_count = bad.count()  # the first action: the archive is read here
            result.blank_count = blank.count()
        except Exception as exc:
            failure = read_failure(exc, remote or inputs, fmt)
            if failure is None:
                raise
            raise failure from None
        result.bad, result.blank = (
            [
                r["bad"]
                for r in df.orderBy(*archive_order).select("bad").limit(MAX_BAD_SHOWN).collect()
            ]
            for df in (bad, blank)
        )
        docs = all_docs.where(F.col("bad").isNull())
        dup = docs.groupBy("key").count().where(F.col("count") > 1)
        if dup.limit(1).count():
            # The first record of an id in archive order is kept, as `index build` keeps it.
            first = Window.partitionBy("key").orderBy(*archive_order, "content_hash")
            ranked = docs.withColumn("_r", F.row_number().over(first))
            extra = ranked.where("_r > 1")
            result.bad_count += extra.count()
            result.bad += [
                f"{r['path']}: duplicate id {r['key'].rpartition('#')[2]!r}; ids must be "
                "unique, the first record with it is audited"
                for r in extra.orderBy(*archive_order).limit(MAX_BAD_SHOWN).collect()
            ]
            docs = ranked.where("_r = 1").drop("_r")
        docs = keep(docs.drop("bad"))
        result.docs = docs.count()
        if not result.docs and (result.bad_count or result.blank_count):
            first_msg = (result.bad or result.blank)[0]
            raise nothing_read(", ".join(inputs), result.bad_count, result.blank_count, first_msg)
        result.fingerprint_seconds = time.perf_counter() - t0

        units = keep(
            docs.select(F.col("key").alias("doc"), F.explode("units").alias("u")).select(
                "doc", "u.*"
            )
        )
        result.units = units.count()
        say(f"{result.docs} documents, {result.units} units; grouping band keys")

        bands = units.select("uid", "doc", "kind", "start", F.explode("band_keys").alias("bkey"))
        order = Window.partitionBy("bkey").orderBy("doc", "start", "kind")
        ranked = keep(
            bands.withColumn("rn", F.row_number().over(order))
            .withColumn("n", F.count(F.lit(1)).over(Window.partitionBy("bkey")))
            .where(F.col("n") > 1)
            .select("bkey", "rn", "n", "uid", "doc", "kind")
        )
        left = ranked.select(
            "bkey",
            "rn",
            "n",
            F.col("uid").alias("a_uid"),
            F.col("doc").alias("a_doc"),
            F.col("kind").alias("a_kind"),
        )
        right = ranked.select(
            "bkey",
            F.col("rn").alias("b_rn"),
            F.col("n").alias("b_n"),
            F.col("uid").alias("b_uid"),
            F.col("doc").alias("b_doc"),
            F.col("kind").alias("b_kind"),
        )
        small = (
            left.where(F.col("n") <= ALL_PAIRS_MAX)
            .join(right.where(F.col("b_n") <= ALL_PAIRS_MAX), "bkey")
            .where(F.col("rn") < F.col("b_rn"))
        )
        big = (
            left.where((F.col("n") > ALL_PAIRS_MAX) & (F.col("rn") < F.col("n")))
            .withColumn(
                "b_rn",
                F.explode(F.sequence(F.col("rn") + 1, F.least(F.col("rn") + PER_BUCKET, "n"))),
            )
            .join(right.where(F.col("b_n") > ALL_PAIRS_MAX), ["bkey", "b_rn"])
        )
        cols = [F.least("a_uid", "b_uid").alias("x"), F.greatest("a_uid", "b_uid").alias("y")]
        same = (F.col("a_doc") != F.col("b_doc")) & (F.col("a_kind") == F.col("b_kind"))
        pairs = (
            small.where(same).select(*cols).unionByName(big.where(same).select(*cols)).distinct()
        )
        h = units.select("uid", "hashes")
        hx = h.select(F.col("uid").alias("x"), F.col("hashes").alias("hx"))
        hy = h.select(F.col("uid").alias("y"), F.col("hashes").alias("hy"))
        inter = F.size(F.array_intersect("hx", "hy"))
        union = F.size("hx") + F.size("hy") - inter
        sim = F.when((F.size("hx") > 0) & (F.size("hy") > 0), inter / union).otherwise(F.lit(0.0))
        verified = keep(pairs.join(hx, "x").join(hy, "y").select("x", "y", sim.alias("sim")))
        result.candidate_pairs = verified.count()
        edges = keep(verified.where(F.col("sim") >= threshold))
        result.edges = edges.count()
        say(f"verified {result.candidate_pairs} candidate pairs: {result.edges} edges")

        labels, result.rounds = connected_components(edges, "x", "y")
        labels = keep(labels)
        say(f"connected components in {result.rounds} large-star/small-star rounds")
        sims = (
            edges.join(labels, F.col("x") == F.col("node"))
            .groupBy("comp")
            .agg(F.min("sim").alias("sim_min"), F.max("sim").alias("sim_max"))
        )
        members = keep(
            labels.join(
                units.select("uid", "doc", "kind", "start", "end"), F.col("node") == F.col("uid")
            ).select("comp", "uid", "doc", "kind", "start", "end")
        )
        dinfo = docs.select(F.col("key").alias("doc"), "path", "title", "date", "text")
        # Paragraph members trimmed to the sentences their cluster restates (`audit._trim_edges`);
        # a member with an exact copy in another document keeps its span.
        exact = edges.where(F.col("sim") >= 1.0)
        whole = exact.select(F.col("x").alias("uid")).union(exact.select(F.col("y").alias("uid")))
        trims = _trim_edges(spark, members, units, whole.distinct(), dinfo)
        members = keep(
            members.join(trims, "uid", "left")
            .withColumn("tstart", F.coalesce("tstart", "start"))
            .withColumn("tend", F.coalesce("tend", "end"))
        )
        # Drop sentence clusters whose members all lie inside (trimmed) paragraph-cluster members.
        para = members.where(F.col("kind") == "p").select(
            F.col("doc").alias("pdoc"), F.col("tstart").alias("ps"), F.col("tend").alias("pe")
        )
        sent = members.where(F.col("kind") == "s")
        covered = (
            sent.join(
                para,
                (F.col("doc") == F.col("pdoc"))
                & (F.col("ps") <= F.col("start"))
                & (F.col("end") <= F.col("pe")),
                "left_semi",
            )
            .groupBy("comp")
            .count()
            .withColumnRenamed("count", "covered")
        )
        sizes = sent.groupBy("comp").count().withColumnRenamed("count", "n")
        redundant = sizes.join(covered, "comp").where(F.col("n") == F.col("covered"))
        kept = members.join(redundant.select("comp"), "comp", "left_anti")
        bp_min = boilerplate_docs or max(10, result.docs // 200)
        kept, sims = _passages(kept, sims, dinfo, keep)
        # Archive order of a document, as the local engine's `_source_key`: its file, then the
        # line of a JSON Lines record (a path `file:line`).
        numbered_path = F.col("path").rlike(":[0-9]+$")
        sfile = F.when(numbered_path, F.regexp_extract("path", "^(.*):([0-9]+)$", 1)).otherwise(
            F.col("path")
        )
        sline = F.when(
            numbered_path, F.regexp_extract("path", "^(.*):([0-9]+)$", 2).cast("long")
        ).otherwise(F.lit(0).cast("long"))
        full = kept.join(dinfo, "doc").select(
            "comp",
            F.col("doc").alias("mdoc"),
            # Members by first occurrence (date; undated last), then archive order: file, line,
            # the first unit's kind (sentences first), start; as `audit.audit_stream` orders.
            F.struct(
                _udf(date_key)(F.col("date")).alias("d"),
                sfile.alias("sfile"),
                sline.alias("sline"),
                "okind",
                "ostart",
                "start",
                "end",
                "doc",
                "path",
                F.expr("substring(text, start + 1, end - start)").alias("text"),
                "date",
                "title",
                "uid",
                "kind",
            ).alias("m"),
        )
        # Boilerplate unless most of its documents are mostly it (`audit._boilerplate`): the
        # sentence units inside the members against all of the document's.
        sents = units.where(F.col("kind") == "s").select(
            F.col("doc").alias("mdoc"), F.col("start").alias("sstart")
        )
        total = sents.groupBy("mdoc").count().withColumnRenamed("count", "total")
        # Kept: `_families` collects from them and the held counts read them again.
        spans = keep(
            full.select("comp", "mdoc", F.col("m.start").alias("ms"), F.col("m.end").alias("me"))
        )
        # Clusters whose documents nest are one family (`audit.repost_families`, on the
        # driver over the widespread clusters' (cluster, document) pairs).
        spans = spans.join(_families(spark, spans, bp_min), "comp", "left").withColumn(
            "fam", F.coalesce("fam", "comp")
        )
        held = (
            spans.join(sents, "mdoc")
            .where((F.col("sstart") >= F.col("ms")) & (F.col("sstart") < F.col("me")))
            .select("fam", "mdoc", "sstart")
            .distinct()  # a unit two members of a family hold counts once
            .groupBy("fam", "mdoc")
            .count()
            .withColumnRenamed("count", "held")
        )
        mostly = (
            spans.select("comp", "fam", "mdoc")
            .distinct()
            .join(held, ["fam", "mdoc"], "left")
            .join(total, "mdoc", "left")
            .groupBy("comp")
            .agg(
                F.count_if(
                    (F.coalesce("total", F.lit(0)) > 0)
                    & (F.coalesce("held", F.lit(0)) >= REPOST_SHARE * F.col("total"))
                ).alias("mostly")
            )
        )
        head = F.col("members")[0]
        clusters = (
            full.groupBy("comp")
            .agg(F.sort_array(F.collect_list("m")).alias("members"))
            .join(sims, "comp")
            .join(mostly, "comp")
            .withColumn("size", F.size(F.array_distinct(F.col("members.doc"))))
            .withColumn(
                "kind",
                F.when(
                    (F.col("size") >= bp_min) & (2 * F.col("mostly") < F.col("size")),
                    "boilerplate",
                ).otherwise("duplicate"),
            )
            .drop("mostly")
            .withColumn("first_len", head["end"] - head["start"])
            .orderBy(
                F.col("size").desc(),
                F.col("first_len").desc(),
                head["sfile"],
                head["sline"],
                head["okind"],
                head["ostart"],
            )
        )
        numbered = clusters.rdd.zipWithIndex().map(_out_row)
        out = keep(spark.createDataFrame(numbered, _cluster_schema()))
        result.clusters = out.count()
        counts = {r["kind"]: r["count"] for r in out.groupBy("kind").count().collect()}
        result.duplicate = counts.get("duplicate", 0)
        result.boilerplate = counts.get("boilerplate", 0)
        if output_dir is not None:
            say(f"writing {result.clusters} clusters to {output_dir}")
            base = output_dir.rstrip("/")
            public = out.select(
                "cluster",
                "kind",
                "size",
                "similarity",
                F.transform(
                    "members",
                    lambda m: F.struct(
                        m["doc"].alias("doc"),
                        m["path"].alias("path"),
                        m["start"].alias("start"),
                        m["end"].alias("end"),
                        m["text"].alias("text"),
                        m["date"].alias("date"),
                        m["title"].alias("title"),
                    ),
                ).alias("members"),
            ).orderBy("cluster")
            public.write.mode("overwrite").parquet(f"{base}/clusters.parquet")
            public.write.mode("overwrite").option("ignoreNullFields", "true").json(
                f"{base}/clusters.jsonl"
            )
        rows = out.orderBy("cluster").collect() if collect else out.orderBy("cluster").take(top)
        built = [_cluster(r) for r in rows]
        result.top = built[:top]
        result.collected = built if collect else None
    finally:
        for df in cache:
            df.unpersist()
    result.seconds = time.perf_counter() - t0
    return result


def _passages(
    kept: DataFrame, sims: DataFrame, dinfo: DataFrame, keep: Callable[[DataFrame], DataFrame]
) -> tuple[DataFrame, DataFrame]:
    """`audit._passages` on DataFrames: clusters that continue one another in every document
    they share (the next paragraph of a reposted article) become one passage cluster.

    `kept` is (comp, uid, doc, kind, start, end, tstart, tend) per member (tstart, tend: the
    trimmed span, `_trim_edges`), `sims` (comp, sim_min, sim_max). Members pair up both ways
    as in `audit._neighbours`, on their units' own spans: a member's successor is the longest
    member starting first at or after its end (within GAP_CHARS), and it must be that one's
    predecessor (the longest member ending last at or before its start). Returns the members
    joined into runs, from the first row's trimmed start to the last one's trimmed end, with
    `okind` (0 sentence, 1 paragraph) and `ostart` (the first row's unit start) added for
    ordering, as the local engine orders by unit; and the similarity range per joined cluster."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from .audit import GAP_CHARS, gap_key

    r = kept.select(
        "doc",
        F.col("uid").alias("r_uid"),
        F.col("comp").alias("r_comp"),
        F.col("start").alias("r_start"),
        F.col("end").alias("r_end"),
    )
    q = kept.select(
        "doc",
        F.col("uid").alias("q_uid"),
        F.col("comp").alias("q_comp"),
        F.col("start").alias("q_start"),
        F.col("end").alias("q_end"),
    )
    near = r.join(q, "doc").where(
        (F.col("q_start") >= F.col("r_end")) & (F.col("q_start") - F.col("r_end") <= GAP_CHARS)
    )
    succ = Window.partitionBy("r_uid").orderBy("q_start", F.col("q_end").desc())
    pred = Window.partitionBy("q_uid").orderBy(F.col("r_end").desc(), "r_start")
    pairs = (
        near.withColumn("s", F.row_number().over(succ))
        .withColumn("p", F.row_number().over(pred))
        .where((F.col("s") == 1) & (F.col("p") == 1) & (F.col("r_comp") != F.col("q_comp")))
    )
    gaps = keep(
        pairs.join(dinfo.select("doc", "text"), "doc").select(
            "r_uid",
            "q_uid",
            F.col("r_comp").alias("comp"),
            F.col("q_comp").alias("n_comp"),
            _udf(gap_key)(F.expr("substring(text, r_end + 1, q_start - r_end)")).alias("gap"),
        )
    )
    rows_of = kept.groupBy("comp").agg(F.count(F.lit(1)).alias("rows"))
    links = gaps.groupBy("comp", "n_comp").agg(
        F.count(F.lit(1)).alias("times"), F.countDistinct("gap").alias("texts")
    )
    ok = keep(
        links.join(rows_of, "comp")
        .join(
            rows_of.select(F.col("comp").alias("n_comp"), F.col("rows").alias("n_rows")),
            "n_comp",
        )
        .where(
            (F.col("times") == F.col("rows"))
            & (F.col("times") == F.col("n_rows"))
            & (F.col("texts") == 1)
        )
        .select("comp", "n_comp")
    )
    chains, _rounds = connected_components(ok, "comp", "n_comp")
    label = chains.select(F.col("node").alias("comp"), F.col("comp").alias("chain"))
    # Members joined the same way: the row links whose cluster pair was taken.
    row_links = gaps.join(ok, ["comp", "n_comp"]).select("r_uid", "q_uid")
    runs, _rounds = connected_components(row_links, "r_uid", "q_uid")
    run_of = runs.select(F.col("node").alias("uid"), F.col("comp").alias("run"))
    joined = (
        kept.join(label, "comp", "left")
        .withColumn("chain", F.coalesce("chain", "comp"))
        .join(run_of, "uid", "left")
        .withColumn("run", F.coalesce("run", "uid"))
        .groupBy("run")
        .agg(
            F.min(F.struct("start", "uid", "kind", "tstart")).alias("f"),
            F.max("tend").alias("end"),
            F.first("doc").alias("doc"),
            F.min("chain").alias("comp"),
        )
        .select(
            "comp",
            F.col("f.uid").alias("uid"),
            "doc",
            F.col("f.kind").alias("kind"),
            F.when(F.col("f.kind") == "p", 1).otherwise(0).alias("okind"),
            F.col("f.start").alias("ostart"),
            F.col("f.tstart").alias("start"),
            "end",
        )
    )
    joined_sims = (
        sims.join(label, "comp", "left")
        .withColumn("chain", F.coalesce("chain", "comp"))
        .groupBy("chain")
        .agg(F.min("sim_min").alias("sim_min"), F.max("sim_max").alias("sim_max"))
        .withColumnRenamed("chain", "comp")
    )
    return keep(joined), joined_sims


def _trim_edges(
    spark: SparkSession,
    members: DataFrame,
    units: DataFrame,
    whole: DataFrame,
    dinfo: DataFrame,
) -> DataFrame:
    """`audit._trim_edges` on DataFrames: (uid, tstart, tend) for the paragraph members whose
    span is trimmed to the sentences their cluster's other documents restate (the others
    keep theirs: not listed).

    `members` is (comp, uid, doc, kind, start, end), `whole` (uid) the units with an exact
    copy in another document (kept whole). A paragraph to trim gets its sentence units (those
    of its document starting inside it) and its own text (for the blanks at a cut edge); the
    rows of the clusters holding one are grouped per cluster and judged by `_trim_cluster`.
    Clusters without a paragraph to trim are never grouped: exact reposts cost nothing."""
    from pyspark.sql import functions as F

    cand = (
        members.where(F.col("kind") == "p")
        .join(whole, "uid", "left_anti")
        .select("uid", "comp", "doc", F.col("start").alias("ps"), F.col("end").alias("pe"))
    )
    sents = units.where(F.col("kind") == "s").select(
        F.col("doc").alias("sdoc"),
        F.col("start").alias("ss"),
        F.col("end").alias("se"),
        F.col("hashes").alias("sh"),
    )
    inside = (F.col("ss") >= F.col("ps")) & (F.col("ss") < F.col("pe"))
    per_para = (
        cand.join(sents, (F.col("doc") == F.col("sdoc")) & inside)
        .groupBy("uid", "comp", "doc", "ps", "pe")
        .agg(F.sort_array(F.collect_list(F.struct("ss", "se", "sh"))).alias("sents"))
        .where(F.size("sents") >= 2)
    )
    per_para = per_para.join(dinfo.select("doc", "text"), "doc").select(
        "uid",
        "comp",
        "sents",
        F.expr("substring(text, ps + 1, pe - ps)").alias("ptext"),
    )
    todo = per_para.select("comp").distinct()
    rows = (
        members.join(todo, "comp")
        .join(units.select("uid", "hashes"), "uid")
        .join(per_para.drop("comp"), "uid", "left")
        .select("comp", "uid", "doc", "start", "end", "hashes", "sents", "ptext")
    )
    out = (
        rows.rdd.map(lambda r: (r[0], tuple(r[1:])))
        .groupByKey()
        .flatMap(lambda item: _trim_cluster(item[1]))
    )
    return spark.createDataFrame(out, "uid long, tstart int, tend int")


def _trim_cluster(rows: Iterable[tuple[Any, ...]]) -> list[tuple[int, int, int]]:
    """One cluster's rows (uid, doc, start, end, hashes, sentences, text): (uid, start, end) of
    each paragraph trimmed at its edges, as `audit._trim_edges` trims it. `sentences` (sorted
    (start, end, hashes) of its sentence units, two or more) and `text` (its own text) are
    given for the paragraphs to trim, None for the other rows.

    The shingles that two or more documents of the cluster hold are the restated ones; an
    edge sentence unit is dropped while less than `audit.SHARED_SENTENCE` of its shingles
    are (one without shingles counts as restated), up to the first restated one from each
    edge; none restated: the span stays. A cut edge is where the last dropped unit ends (the
    first dropped one starts), the `BLANK`s between it and the kept unit left out."""
    from collections import Counter

    from .audit import SHARED_SENTENCE, edge_blanks

    rows = list(rows)
    held: dict[str, set[int]] = {}
    for _uid, doc, _start, _end, hashes, _sents, _text in rows:
        held.setdefault(doc, set()).update(hashes)
    counts = Counter(h for hs in held.values() for h in hs)
    shared = {h for h, n in counts.items() if n >= 2}

    def restated(hashes: Sequence[int]) -> bool:
        hs = set(hashes)
        return not hs or len(hs & shared) / len(hs) >= SHARED_SENTENCE

    out = []
    for uid, _doc, start, end, _hashes, sents, text in rows:
        if sents is None:
            continue
        ok = [i for i, s in enumerate(sents) if restated(s[2])]
        if not ok:
            continue
        first, last = ok[0], ok[-1]
        tstart, tend = start, end
        if first > 0:
            a, b = sents[first - 1][1], sents[first][0]
            tstart = a + edge_blanks(text[a - start : b - start], head=True)
        if last < len(sents) - 1:
            a, b = sents[last][1], sents[last + 1][0]
            tend = b - edge_blanks(text[a - start : b - start], head=False)
        if (tstart, tend) != (start, end):
            out.append((uid, tstart, tend))
    return out


def _cluster_schema() -> Any:
    from pyspark.sql import types as T

    member = T.StructType(
        [
            T.StructField("doc", T.StringType()),
            T.StructField("path", T.StringType()),
            T.StructField("start", T.IntegerType()),
            T.StructField("end", T.IntegerType()),
            T.StructField("text", T.StringType()),
            T.StructField("date", T.StringType()),
            T.StructField("title", T.StringType()),
            T.StructField("uid", T.LongType()),
            T.StructField("kind", T.StringType()),
        ]
    )
    return T.StructType(
        [
            T.StructField("cluster", T.LongType(), False),
            T.StructField("kind", T.StringType(), False),
            T.StructField("size", T.IntegerType(), False),
            T.StructField("similarity", T.ArrayType(T.DoubleType(), False), False),
            T.StructField("members", T.ArrayType(member, False), False),
        ]
    )


def _out_row(item: tuple[Any, int]) -> tuple[Any, ...]:
    row, i = item
    members = [
        (
            m["doc"],
            m["path"],
            m["start"],
            m["end"],
            m["text"],
            m["date"],
            m["title"],
            m["uid"],
            m["kind"],
        )
        for m in row["members"]
    ]
    # Python's round, like the local engine (Spark's round is half-up on the decimal repr).
    sim = [round(row["sim_min"], 4), round(row["sim_max"], 4)]
    return (i + 1, row["kind"], row["size"], sim, members)


def _cluster(row: Any) -> Cluster:
    sim = row["similarity"]
    return Cluster(
        row["cluster"],
        row["kind"],
        row["size"],
        (sim[0], sim[1]),
        tuple(_member_struct(m) for m in row["members"]),
    )
