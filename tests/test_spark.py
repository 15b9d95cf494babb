"""The audit on Apache Spark: a real local[2] session, compared with the local engine."""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from paradup.archive import Fields
from paradup.audit import Cluster, audit
from paradup.errors import ParadupError
from paradup.index.build import build_index
from paradup.index.store import IndexStore
from paradup.spark_engine import (
    SparkUnavailable,
    connected_components,
    parse_conf,
    require_spark,
    spark_audit,
)

from .conftest import run_paradup
from .graph import smallest_in_component
from .inews import inews_articles
from .test_index import SHARED, article


def _write_jsonl(path: Path, rows: Sequence[dict[str, str]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")


def _shape(clusters: Sequence[Cluster]) -> set[tuple[Any, ...]]:
    """Clusters as comparable values; documents by record id (the part after '#')."""
    return {
        (
            c.kind,
            c.size,
            c.similarity,
            frozenset((m.doc.rsplit("#", 1)[-1], m.start, m.end, m.text) for m in c.members),
        )
        for c in clusters
    }


def _both_engines(
    spark: Any, tmp_path: Path, rows: list[dict[str, str]]
) -> tuple[list[Cluster], list[Cluster]]:
    """The local engine's clusters of an index of the records, and the Spark engine's."""
    src = tmp_path / "recs.jsonl"
    _write_jsonl(src, rows)
    idx = tmp_path / "recs.paradup"
    build_index([str(src)], str(idx), jobs=1)
    with IndexStore.open(idx) as store:
        local = audit(store)
    res = spark_audit([str(src)], spark=spark, collect=True)
    assert res.collected is not None
    return list(local), list(res.collected)


def _ordered(clusters: Sequence[Cluster], full: bool = False) -> list[Any]:
    """Clusters in order, members as (record id, start, end[, text, kind])."""
    return [
        (
            c.kind,
            c.size,
            c.similarity,
            [
                (m.doc.rsplit("#", 1)[-1], m.start, m.end, *((m.text, m.kind) if full else ()))
                for m in c.members
            ],
        )
        for c in clusters
    ]


def test_same_clusters_as_local_engine_on_real_news(spark: Any, tmp_path: Path) -> None:
    rows = [
        {"id": f"dev-{i}", "title": t, "text": c, "date": f"2019-{i % 12 + 1:02d}-{i % 28 + 1:02d}"}
        for i, (t, c) in enumerate(inews_articles("dev"))
    ]
    src = tmp_path / "news.jsonl"
    _write_jsonl(src, rows)
    idx = tmp_path / "news.paradup"
    build_index([str(src)], str(idx), jobs=2)
    with IndexStore.open(idx) as store:
        local = audit(store)
        n_docs = store.counts()["docs"]
    out = tmp_path / "out"
    res = spark_audit([str(src)], spark=spark, output_dir=str(out), collect=True)
    assert res.collected is not None
    assert res.docs == n_docs and res.blank_count == len(rows) - n_docs  # empty texts
    assert res.bad_count == 0
    assert len(local) > 50  # a real comparison: real news restates itself
    assert _shape(res.collected) == _shape(local)
    assert res.clusters == len(local)
    assert res.duplicate == sum(c.kind == "duplicate" for c in local)
    # Cluster order agrees too where the ranking has no ties.
    assert [c.size for c in res.collected] == [c.size for c in local]
    # The JSON Lines output is the `paradup audit` contract; spans index the source text.
    parts = sorted((out / "clusters.jsonl").glob("part-*"))
    written = [json.loads(line) for p in parts for line in p.read_text("utf-8").splitlines()]
    assert len(written) == res.clusters
    assert [c["cluster"] for c in sorted(written, key=lambda c: c["cluster"])] == list(
        range(1, res.clusters + 1)
    )
    texts = {r["id"]: r["text"] for r in rows}
    for c in written:
        assert {"cluster", "kind", "size", "similarity", "members"} == c.keys()
        for m in c["members"]:
            assert {"doc", "path", "start", "end", "text", "date", "title"} >= m.keys()
            assert texts[m["doc"].rsplit("#", 1)[1]][m["start"] : m["end"]] == m["text"]
    parquet = spark.read.parquet(str(out / "clusters.parquet"))
    assert parquet.count() == res.clusters
    assert parquet.columns == ["cluster", "kind", "size", "similarity", "members"]


def test_connected_components_match_union_find(spark: Any) -> None:
    rng = random.Random(7)
    edges = [(rng.randrange(300), rng.randrange(300)) for _ in range(220)]
    edges += [(i, i + 1) for i in range(1000, 1060)]  # a long chain: diameter 60
    smallest = smallest_in_component(edges)
    df = spark.createDataFrame(edges, "src long, dst long")
    labels, rounds = connected_components(df)
    got = {r["node"]: r["comp"] for r in labels.collect()}
    nodes = {n for e in edges for n in e if e[0] != e[1]}
    assert set(got) == nodes
    for n in nodes:
        assert got[n] == smallest[n]
    assert rounds <= 12  # logarithmic, not the chain's diameter


def test_text_and_parquet_inputs(spark: Any, tmp_path: Path) -> None:
    tree = tmp_path / "tree" / "sub"
    tree.mkdir(parents=True)
    for i in range(12):
        (tree / f"a{i}.md").write_text(article(i, shared=i % 3 == 0), encoding="utf-8")
    (tree / "skip.bin").write_bytes(b"\x00\x01binary")
    res = spark_audit([str(tmp_path / "tree")], spark=spark, collect=True)
    assert res.docs == 12 and res.collected
    shared = [c for c in res.collected if c.members[0].text == SHARED]
    assert len(shared) == 1 and shared[0].size == 4
    for m in shared[0].members:
        # The file as the local engine names it (`archive.archive_files`): no `file:` URI.
        assert m.doc == m.path and m.doc.startswith(str(tree)) and m.doc.endswith(".md")
    # Parquet with other column names.
    rows = [(f"p{i}", article(i, shared=i % 2 == 0), f"标题{i}") for i in range(10)]
    pq = str(tmp_path / "arch.parquet")
    spark.createDataFrame(rows, "aid string, body string, headline string").write.parquet(pq)
    fields = Fields(id="aid", text="body", title="headline")
    res = spark_audit([pq], spark=spark, fields=fields, collect=True)
    assert res.docs == 10 and res.collected
    shared = [c for c in res.collected if c.members[0].text == SHARED]
    assert shared[0].size == 5
    assert {m.title for m in shared[0].members} == {f"标题{i}" for i in range(0, 10, 2)}
    with pytest.raises(ParadupError, match="pass --id-field"):
        spark_audit([pq], spark=spark, input_format="parquet")


def test_missing_pyspark_or_java_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)
    with pytest.raises(SparkUnavailable, match=r"pip install 'paradup\[spark\]'"):
        require_spark()
    monkeypatch.delitem(sys.modules, "pyspark")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(SparkUnavailable, match="apt-get install default-jre-headless"):
        require_spark()
    with pytest.raises(ParadupError, match="KEY=VALUE"):
        parse_conf(["spark.executor.memory"])
    assert parse_conf(["a.b=1", "c=x=y"]) == {"a.b": "1", "c": "x=y"}


def test_cli_engine_spark(tmp_path: Path) -> None:
    src = tmp_path / "a.jsonl"
    _write_jsonl(
        src,
        [{"id": f"a{i}", "text": article(i, shared=i % 3 == 0)} for i in range(15)]
        + [{"id": "x", "body": "no text"}],
    )
    out = tmp_path / "out"
    proc = run_paradup(
        "audit",
        "--engine",
        "spark",
        "--input",
        str(src),
        "--output-dir",
        str(out),
        "--master",
        "local[2]",
        "--spark-conf",
        "spark.sql.shuffle.partitions=4",
        "-f",
        "jsonl",
    )
    assert proc.returncode == 1, proc.stderr
    clusters = [json.loads(line) for line in proc.stdout.splitlines()]
    assert any(c["members"][0]["text"] == SHARED and c["size"] == 5 for c in clusters)
    assert "skipped:" in proc.stderr and "no text in field 'text'" in proc.stderr
    assert list((out / "clusters.parquet").glob("*.parquet"))
    assert list((out / "clusters.jsonl").glob("part-*"))
    proc = run_paradup("audit", "--engine", "spark")
    assert proc.returncode == 2 and "pass --input" in proc.stderr
    proc = run_paradup("audit")
    assert proc.returncode == 2 and "pass --index" in proc.stderr


def test_passages_and_order_as_the_local_engine(spark: Any, tmp_path: Path) -> None:
    """Paragraphs copied together are joined into one passage cluster by both engines, a
    different short sentence between them keeps them apart, and members and clusters come in
    the same order (first occurrence by date, then archive order)."""
    from .test_audit_review import PARAS

    a, b, c = PARAS
    block = "\n\n".join(PARAS)
    same = f"{a}\n\n据悉如此。\n\n{b}"
    texts = [  # r0 and r1 hold all three paragraphs as one block
        f"本报讯 今日天气早知道。\n\n{block}\n\n记者 张三",
        f"据了解，情况如下。\n\n{block}\n\n完",
        f"{same}\n\n{c}",
        f"开头不同。\n\n{same}\n\n{c}",
        f"{a}\n\n另有说法。\n\n{b}\n\n{c}",
    ]
    dates = ["2024-03-05", "2024-03-01", "2024-03-03", None, "2024-03-02"]
    rows = [
        {"id": f"r{i}", "text": t, **({"date": d} if d else {})}
        for i, (t, d) in enumerate(zip(texts, dates, strict=True))
    ]
    local, collected = _both_engines(spark, tmp_path, rows)
    assert _ordered(collected) == _ordered(local)
    # b and c follow one another in all five: one passage; a is followed by b after three
    # different texts (blank, 据悉如此。, 另有说法。): a cluster of its own.
    assert sorted([m.text for m in x.members] for x in local) == [[a] * 5, [f"{b}\n\n{c}"] * 5]


def test_passages_around_a_quoted_sentence_as_the_local_engine(spark: Any, tmp_path: Path) -> None:
    """A sentence cluster inside a paragraph (the sentence also quoted elsewhere): both
    engines join the paragraphs into one passage and keep the sentence's own cluster."""
    from .test_audit_review import quoted_reposts

    texts, block, quoted = quoted_reposts()
    src = tmp_path / "q.jsonl"
    _write_jsonl(src, [{"id": f"q{i}", "text": t} for i, t in enumerate(texts)])
    idx = tmp_path / "q.paradup"
    build_index([str(src)], str(idx), jobs=1)
    with IndexStore.open(idx) as store:
        local = audit(store)
    res = spark_audit([str(src)], spark=spark, collect=True)
    assert res.collected is not None
    assert _shape(res.collected) == _shape(local)
    assert sorted([m.text for m in c.members] for c in local) == sorted([[quoted] * 5, [block] * 3])


def test_a_repost_is_a_duplicate_as_in_the_local_engine(spark: Any, tmp_path: Path) -> None:
    """A story reposted whole by as many sites as boilerplate is a duplicate in both engines;
    the footer under them stays boilerplate (`audit._boilerplate`)."""
    from .test_audit_review import repost_texts

    rows = [{"id": k, "text": t} for k, t in repost_texts().items()]
    local, collected = _both_engines(spark, tmp_path, rows)
    assert _ordered(collected) == _ordered(local)
    got = [(c.kind, c.size) for c in collected]
    assert got == [("boilerplate", 20), ("duplicate", 12), ("duplicate", 2)]


def test_a_quoted_lead_of_a_repost_is_a_duplicate_as_in_the_local_engine(
    spark: Any, tmp_path: Path
) -> None:
    """The lead of a story reposted whole, quoted by round-ups, is one family with the rest
    of the story (`audit.repost_families`, run on the driver): a duplicate in both engines."""
    from .test_audit_review import lead_texts

    rows = [{"id": k, "text": t} for k, t in lead_texts().items()]
    local, collected = _both_engines(spark, tmp_path, rows)
    assert _ordered(collected) == _ordered(local)
    got = [(c.kind, c.size) for c in collected if c.size >= 8]
    assert got == [("boilerplate", 22), ("duplicate", 14), ("duplicate", 8), ("duplicate", 8)]


def test_trimmed_members_as_the_local_engine(spark: Any, tmp_path: Path) -> None:
    """Paragraph members trimmed at their edges (`audit._trim_edges`) by both engines: a
    one-line article restated with unrelated sentences of its own after it (a blank between)
    or before it ends or starts where the article's text does; a restated sentence trimmed
    off a member keeps its own cluster; a passage whose last paragraph is trimmed ends where
    that paragraph's restated text does; an exact copy keeps its span."""
    from .test_audit_trim import _body, _extra, _sentences

    a, after, before = _body(11, 5), _extra(12), _extra(13)
    p, q = _body(51), _body(52)
    x = max(_sentences(_body(53)), key=len)
    p1, p2, tail = _body(71, 2), _body(72), _extra(73)
    texts = {
        "a": a,
        "b": f"{a}\u3000{after}",
        "c": before + a,
        "p": p,
        "pb": p + x,
        "qc": q + x,
        "qd": q + x,
        "r": f"{p1}\n\n{p2}",
        "s": f"{p1}\n\n{p2}{tail}",
        "e": f"{p1}\n\n{p2}",
    }
    local, collected = _both_engines(
        spark, tmp_path, [{"id": k, "text": t} for k, t in texts.items()]
    )
    assert _ordered(collected, full=True) == _ordered(local, full=True)
    spans: dict[frozenset[str], dict[str, tuple[int, int]]] = {}
    for c in collected:
        got = {m.doc.rsplit("#", 1)[-1]: (m.start, m.end) for m in c.members}
        spans[frozenset(got)] = got
        for m in c.members:
            assert texts[m.doc.rsplit("#", 1)[-1]][m.start : m.end] == m.text
    assert spans[frozenset("abc")] == {
        "a": (0, len(a)),
        "b": (0, len(a)),
        "c": (len(before), len(before + a)),
    }
    assert spans[frozenset(["p", "pb"])] == {"p": (0, len(p)), "pb": (0, len(p))}
    assert spans[frozenset(["pb", "qc", "qd"])] == {
        d: (len(texts[d]) - len(x), len(texts[d])) for d in ("pb", "qc", "qd")
    }
    whole = (0, len(texts["r"]))
    assert spans[frozenset("rse")] == {"r": whole, "s": whole, "e": whole}


def test_a_repost_wrapped_in_html_is_one_passage_as_in_the_local_engine(
    spark: Any, tmp_path: Path
) -> None:
    """A repost whose paragraphs are `<p>…</p>` (or split by `<br>`) was one cluster per
    paragraph: the markup between them counted as text only the copy had (`audit.gap_key`)."""
    from .test_audit_trim import _body

    paras = [_body(90 + i, 2) for i in range(6)]
    rows = [
        {"id": "plain", "text": "\n\n".join(paras)},
        {"id": "html", "text": "\n".join(f"<p>{p}</p>" for p in paras)},
        {"id": "br", "text": "<br>\n".join(paras)},
        *({"id": f"x{i}", "text": _body(200 + i, 3)} for i in range(5)),
    ]
    local, collected = _both_engines(spark, tmp_path, rows)
    assert _ordered(collected, full=True) == _ordered(local, full=True)
    ours = [c for c in local if {m.doc.rsplit("#", 1)[-1] for m in c.members} & {"plain"}]
    assert len(ours) == 1 and ours[0].size == 3, _ordered(local)


def test_members_ordered_by_parsed_dates_as_in_the_local_engine(spark: Any, tmp_path: Path) -> None:
    """Dates without zero padding or in Chinese order (`2019年12月3日`) sort by time in both
    engines (`archive.date_key`): as text the December repost came first."""
    from .test_audit_trim import _body

    body = _body(95, 3)
    rows = [
        {"id": "dec", "text": body, "date": "2019年12月3日"},
        {"id": "feb", "text": body, "date": "2019年2月3日"},
        {"id": "mar", "text": body, "date": "2019-3-1"},
        {"id": "none", "text": body},
        *({"id": f"x{i}", "text": _body(210 + i, 3)} for i in range(4)),
    ]
    local, collected = _both_engines(spark, tmp_path, rows)
    assert _ordered(collected, full=True) == _ordered(local, full=True)
    (c,) = [c for c in local if c.size == 4]
    assert [m.doc.rsplit("#", 1)[-1] for m in c.members] == ["feb", "mar", "dec", "none"]
