"""Warm `check --against` latency of the library in one process (the archive_bench measure,
on an index and draft that already exist). Run it with each checkout's interpreter, interleaved,
to compare two versions on the same index:

    python benchmarks/against_latency.py /tmp/m2/synthetic-1000000/index.paradup \
        /tmp/m2/synthetic-1000000/draft.txt --runs 8
"""

from __future__ import annotations

import argparse
import json
import statistics
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("index")
    ap.add_argument("draft")
    ap.add_argument("--runs", type=int, default=8, help="warm calls after the first")
    args = ap.parse_args()
    from paradup.against import check_against
    from paradup.config import CheckConfig
    from paradup.read import read_document

    doc, config, times = read_document(args.draft), CheckConfig(), []
    for _ in range(args.runs + 1):
        t = time.perf_counter()
        result = check_against([doc], args.index, config)
        times.append(time.perf_counter() - t)
    warm = times[1:]
    print(
        json.dumps(
            {
                "first_s": round(times[0], 3),
                "warm_min_s": round(min(warm), 3),
                "warm_median_s": round(statistics.median(warm), 3),
                "findings": len(result.findings),
            }
        )
    )


if __name__ == "__main__":
    main()
