"""A/B benchmark of `paradup audit` between two git revisions on one index.

Each revision's `src/` is exported with `git archive` and run as `python -m paradup audit
--index IDX -f jsonl -o OUT -q` in a child process under GNU time (wall, CPU, peak RSS). Rounds
alternate A and B, so a drift of the (noisy, 2-core) machine hits both; the outputs are compared
byte for byte. The index must be readable by both revisions.

    python benchmarks/audit_ab.py --index /tmp/m3/synthetic-1000000/index.paradup \
        --old 4fd764f --new HEAD --rounds 1
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def export(rev: str, dest: Path) -> Path:
    """`src/` of `rev`, extracted under `dest`."""
    tar = subprocess.run(["git", "archive", rev, "src"], cwd=ROOT, capture_output=True, check=True)
    dest.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=tar.stdout, check=True)
    return dest / "src"


def run_audit(src: Path, index: Path, out: Path, timeout: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(src), "PYTHONDONTWRITEBYTECODE": "1"}
    argv = [sys.executable, "-m", "paradup", "audit", "--index", str(index)]
    argv += ["-f", "jsonl", "-o", str(out), "-q"]
    cmd = ["/usr/bin/time", "-f", "TIME %e %U %S %M", *argv]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    if r.returncode not in (0, 1):
        raise SystemExit(f"audit failed ({r.returncode}): {r.stderr[-2000:]}")
    m = re.search(r"TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)", r.stderr)
    if not m:
        raise SystemExit(f"no GNU time line in: {r.stderr[-500:]}")
    return {
        "wall_s": float(m[1]),
        "cpu_s": float(m[2]) + float(m[3]),
        "peak_rss_mb": int(m[4]) / 1024,
        "clusters": sum(1 for _ in out.open(encoding="utf-8")),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--old", default="HEAD~1", help="revision A")
    ap.add_argument("--new", default="HEAD", help="revision B")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--timeout", type=int, default=3600, help="limit per audit, s")
    ap.add_argument("--json", type=Path, default=ROOT / "benchmarks/data/audit_ab.json")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="paradup-audit-ab-"))
    srcs = {"old": export(args.old, work / "old"), "new": export(args.new, work / "new")}
    runs: dict[str, list[dict[str, Any]]] = {"old": [], "new": []}
    identical = True
    for r in range(args.rounds):
        for name in ("old", "new") if r % 2 == 0 else ("new", "old"):
            out = work / f"{name}.jsonl"
            got = run_audit(srcs[name], args.index, out, args.timeout)
            runs[name].append(got)
            print(f"round {r + 1} {name}: {got}", file=sys.stderr, flush=True)
        identical &= filecmp.cmp(work / "old.jsonl", work / "new.jsonl", shallow=False)
    summary = {
        name: {
            key: statistics.median(x[key] for x in rs)
            for key in ("wall_s", "cpu_s", "peak_rss_mb", "clusters")
        }
        for name, rs in runs.items()
    }
    result = {
        "index": str(args.index),
        "old": args.old,
        "new": args.new,
        "rounds": args.rounds,
        "runs": runs,
        "median": summary,
        "identical_output": identical,
        "wall_ratio_old_new": summary["old"]["wall_s"] / summary["new"]["wall_s"],
        "rss_ratio_old_new": summary["old"]["peak_rss_mb"] / summary["new"]["peak_rss_mb"],
        "machine": os.uname().nodename + " " + os.uname().release + f", {os.cpu_count()} CPUs",
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "runs"}, indent=2))
    for f in ("old.jsonl", "new.jsonl"):
        (work / f).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
