"""The archive audit on Apache Spark: the local engine's audit for archives beyond one machine.

Per-document work is `index build`'s own (`paradup.batch.fingerprint_batch`, the batched
`fingerprint_record`), called inside Spark tasks
(`mapPartitions`: the jieba/rjieba dictionary is loaded once per Python worker process, which
Spark reuses across tasks). Candidate pairs come from grouping band keys; every pair is verified
on exact shingle-hash sets (Spark SQL `array_intersect`, no Python); clusters are connected
components computed with Spark itself (alternating large-star / small-star joins until the
edge set is a forest of stars); redundant sentence clusters and boilerplate are handled like the
local engine. Clusters are written as Parquet and JSON Lines (the `paradup audit` contract).

Candidate rule (shared with `paradup.audit`): buckets of at most ALL_PAIRS_UP_TO members verify
every pair; in larger buckets, ordered by (document key, unit start, unit kind), each member is
paired with its PER_BUCKET predecessors. Document keys are the local engine's: the file for
text files, `file#id` for JSON Lines and Parquet records (the file as Spark names it).

pyspark is imported lazily: without it (or without a Java runtime) the engine raises one
ParadupError line naming the install step.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .archive import JSONL_SUFFIXES, Fields
from .audit import ALL_PAIRS_UP_TO, PER_BUCKET, Cluster, Member
from .config import CheckConfig
from .errors import ParadupError, UsageError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from .index.store import IndexSettings

ALL_PAIRS_MAX = ALL_PAIRS_UP_TO  # buckets up to this size verify every pair; larger a window
FORMATS = ("text", "jsonl", "parquet")
TEXT_GLOB = "*.{txt,md,markdown,text}"
MAX_BAD_SHOWN = 100
INSTALL_PYSPARK = "install it with `pip install 'paradup[spark]'` (pyspark>=3.5)"
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
    """A Spark session for `master` with the pass-through settings (`--spark-conf`)."""
    require_spark()
    from pyspark.sql import SparkSession

    conf = dict(conf or {})
    if master.startswith("local"):
        # Workers must run this interpreter (the one paradup is installed in); pyspark reads
        # the worker's interpreter from PYSPARK_PYTHON only.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        conf.setdefault("spark.sql.shuffle.partitions", "16")
        conf.setdefault("spark.ui.showConsoleProgress", "false")
    builder = SparkSession.builder.master(master).appName(app_name)
    for k, v in conf.items():
        builder = builder.config(k, v)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # pyspark raises PySparkRuntimeError when the JVM cannot start
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "JAVA_GATEWAY" in msg or "Java" in msg or "java" in msg:
            raise SparkUnavailable(
                f"Spark could not start its JVM ({msg}); {INSTALL_JAVA}"
            ) from None
        raise ParadupError(
            f"Spark could not start ({msg}); check --master and --spark-conf"
        ) from None
    spark.sparkContext.setLogLevel("WARN")
    return spark


def infer_format(paths: Sequence[str]) -> str:
    """jsonl or parquet by suffix, else text (directories of .txt/.md)."""
    low = [p.lower().rstrip("/") for p in paths]
    if low and all(p.endswith(JSONL_SUFFIXES) for p in low):
        return "jsonl"
    if low and all(p.endswith(".parquet") for p in low):
        return "parquet"
    return "text"


# -- per-record work (runs in Spark's Python workers) ----------------------------------------

Parsed = tuple[str | None, str, str | None, str | None, str | None, str | None]
# key, path, title, date, text, bad message


def _jsonl_lines(fields: Fields) -> Callable[[Iterable[Any]], Iterator[Parsed]]:
    import json

    from .archive import SURROGATE_MSG, _scalar, has_surrogate

    def parse(rows: Iterable[Any]) -> Iterator[Parsed]:
        for line, path in rows:
            if not line or not line.strip():
                continue
            line = line.lstrip("\ufeff")
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                yield None, path, None, None, None, f"{path}: invalid JSON ({exc.msg})"
                continue
            if not isinstance(rec, dict):
                yield None, path, None, None, None, f"{path}: not a JSON object"
                continue
            text = rec.get(fields.text)
            if not isinstance(text, str) or not text.strip():
                msg = f"{path}: no text in field {fields.text!r}; pass --text-field"
                yield None, path, None, None, None, msg
                continue
            rid = _scalar(rec.get(fields.id))
            if not rid:
                msg = f"{path}: no id in field {fields.id!r}; pass --id-field"
                yield None, path, None, None, None, msg
                continue
            title, date = _scalar(rec.get(fields.title)), _scalar(rec.get(fields.date))
            if has_surrogate(text, title, date, rid):
                yield None, path, None, None, None, f"{path}: {SURROGATE_MSG}"
                continue
            yield f"{path}#{rid}", path, title, date, text, None

    return parse


def _text_files(encoding: str | None) -> Callable[[Iterable[Any]], Iterator[Parsed]]:
    from .errors import InputError
    from .read import decode

    def parse(rows: Iterable[Any]) -> Iterator[Parsed]:
        for path, content in rows:
            try:
                doc = decode(bytes(content), path, encoding)
            except InputError as exc:
                yield None, path, None, None, None, str(exc)
                continue
            yield path, path, None, None, doc.text, None

    return parse


def _table_rows(fields: Fields) -> Callable[[Iterable[Any]], Iterator[Parsed]]:
    def parse(rows: Iterable[Any]) -> Iterator[Parsed]:
        for rid, text, title, date, path in rows:
            if not isinstance(text, str) or not text.strip():
                yield None, path, None, None, None, f"{path}: no text in {fields.text!r}"
            elif not rid:
                yield None, path, None, None, None, f"{path}: no id in {fields.id!r}"
            else:
                yield f"{path}#{rid}", path, title, date, text, None

    return parse


def _fingerprinter(
    config: CheckConfig, settings: IndexSettings
) -> Callable[[int, Iterable[Parsed]], Iterator[tuple[Any, ...]]]:
    def work(pid: int, rows: Iterable[Parsed]) -> Iterator[tuple[Any, ...]]:
        import numpy as np

        from .archive import ArchiveRecord, content_hash
        from .batch import fingerprint_batch

        n = 0  # units numbered in record order: unique and deterministic for an input split

        def emit(batch: list[ArchiveRecord]) -> Iterator[tuple[Any, ...]]:
            nonlocal n
            for d in fingerprint_batch(batch, config, settings):  # as `index build` does
                units = []
                for u in d.units:
                    uid = (pid << 32) | n
                    n += 1
                    hashes = np.frombuffer(u.hashes, dtype=np.int32).tolist()
                    units.append((uid, u.kind, u.start, u.end, hashes, sorted(set(u.band_keys))))
                yield (d.key, d.path, d.title, d.date, d.content_hash, d.chars, d.text, None, units)

        batch: list[ArchiveRecord] = []
        for key, path, title, date, text, bad in rows:
            if bad is not None or key is None or text is None:
                yield (None, path, None, None, None, 0, None, bad or "bad record", [])
                continue
            batch.append(ArchiveRecord(key, path, text, title, date, content_hash(text)))
            if len(batch) >= 256:
                yield from emit(batch)
                batch = []
        yield from emit(batch)

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
        ]
    )


def _read(
    spark: SparkSession, paths: Sequence[str], fmt: str, fields: Fields, encoding: str | None
) -> Any:
    """An RDD of Parsed tuples from any path Spark reads (local, HDFS, object stores)."""
    from pyspark.sql import functions as F

    if fmt == "text":
        df = (
            spark.read.format("binaryFile")
            .option("pathGlobFilter", TEXT_GLOB)
            .option("recursiveFileLookup", "true")
            .load(list(paths))
            .select("path", "content")
        )
        return df.rdd.mapPartitions(_text_files(encoding))
    if fmt == "jsonl":
        df = spark.read.text(list(paths)).select(
            F.col("value"), F.col("_metadata.file_path").alias("path")
        )
        return df.rdd.mapPartitions(_jsonl_lines(fields))
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
    raise UsageError(f"option input-format: must be one of {', '.join(FORMATS)}, got {fmt!r}")


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
    bad: list[str] = field(default_factory=list)
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
) -> SparkAudit:
    """Audit an archive on Spark; write clusters to `output_dir` (Parquet and JSON Lines).

    `inputs` are any paths Spark reads (file:, hdfs:, s3a:, ...). `collect=True` also returns
    every cluster as `audit.Cluster` objects (small archives and tests); `top` clusters are
    always returned for the summary.
    """
    if not inputs:
        raise UsageError("the Spark engine needs --input: the archive's files or directories")
    if not 0 < threshold <= 1:
        raise UsageError(f"option threshold: must be in (0, 1], got {threshold}")
    fmt = input_format or infer_format(inputs)
    if fmt not in FORMATS:
        raise UsageError(f"option input-format: must be one of {', '.join(FORMATS)}, got {fmt!r}")
    require_spark()
    from pyspark import StorageLevel
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from .index.build import index_settings

    say = progress or (lambda _msg: None)
    t0 = time.perf_counter()
    config = config or CheckConfig()
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
        parsed = _read(spark, inputs, fmt, fields, config.encoding)
        want = partitions or sc.defaultParallelism * 4
        if parsed.getNumPartitions() < want:
            parsed = parsed.repartition(want)
        say("fingerprinting (paradup.batch.fingerprint_batch in Spark tasks)")
        fp = parsed.mapPartitionsWithIndex(_fingerprinter(config, settings))
        all_docs = keep(spark.createDataFrame(fp, _doc_schema()))
        bad = all_docs.where(F.col("bad").isNotNull())
        result.bad_count = bad.count()
        result.bad = [r["bad"] for r in bad.select("bad").limit(MAX_BAD_SHOWN).collect()]
        docs = all_docs.where(F.col("bad").isNull())
        dup = docs.groupBy("key").count().where(F.col("count") > 1)
        n_dup = dup.count()
        if n_dup:
            result.bad_count += n_dup
            result.bad += [
                f"duplicate id {r['key']!r}: ids must be unique; one record kept"
                for r in dup.limit(MAX_BAD_SHOWN).collect()
            ]
            first = Window.partitionBy("key").orderBy("path", "content_hash")
            docs = docs.withColumn("_r", F.row_number().over(first)).where("_r = 1").drop("_r")
        docs = keep(docs.drop("bad"))
        result.docs = docs.count()
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
        # Drop sentence clusters whose members all lie inside paragraph-cluster members.
        para = members.where(F.col("kind") == "p").select(
            F.col("doc").alias("pdoc"), F.col("start").alias("ps"), F.col("end").alias("pe")
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
        dinfo = docs.select(F.col("key").alias("doc"), "path", "title", "date", "text")
        full = kept.join(dinfo, "doc").select(
            "comp",
            F.struct(
                F.col("date").isNull().alias("undated"),
                F.coalesce("date", F.lit("")).alias("d"),
                "doc",
                "start",
                "end",
                "path",
                F.expr("substring(text, start + 1, end - start)").alias("text"),
                "date",
                "title",
                "uid",
                "kind",
            ).alias("m"),
        )
        clusters = (
            full.groupBy("comp")
            .agg(F.sort_array(F.collect_list("m")).alias("members"))
            .join(sims, "comp")
            .withColumn("size", F.size(F.array_distinct(F.col("members.doc"))))
            .withColumn(
                "kind",
                F.when(F.col("size") >= bp_min, "boilerplate").otherwise("duplicate"),
            )
            .withColumn("first_len", F.length(F.col("members")[0]["text"]))
            .orderBy(
                F.col("size").desc(),
                F.col("first_len").desc(),
                F.col("members")[0]["doc"],
                F.col("members")[0]["start"],
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
