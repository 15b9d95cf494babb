"""How `check` scales on text that repeats one piece many times (a template gone wrong, a
bulletin pasted over and over): CPU seconds of `check_text` for n and 2n copies.

A linear check doubles its time when n doubles; the old merge of matched units re-registered a
passage's whole range at every step and grew quadratically. Compare two trees, alternating:

    PYTHONPATH=<tree>/src python benchmarks/repeats_bench.py --sizes 1000,2000,4000
"""

from __future__ import annotations

import argparse
import json
import time

PIECES = {
    "short sentence": "好。",
    "sentence": "市政府今天召开新闻发布会。",
    "paragraph": "全市今年新建城市书房二十座，每座书房藏书不少于五千册，全年免费向市民开放。\n\n",
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1000,2000,4000,8000")
    ap.add_argument("--pieces", default=",".join(PIECES), help="Which of: " + ", ".join(PIECES))
    args = ap.parse_args()

    from paradup import check_text

    check_text("预热。" * 3)  # imports and the segmenter's dictionary, outside the timings
    for name in args.pieces.split(","):
        for n in (int(s) for s in args.sizes.split(",")):
            text = PIECES[name] * n
            t0 = time.process_time()
            result = check_text(text)
            cpu = time.process_time() - t0
            row = {"piece": name, "copies": n, "cpu_s": round(cpu, 2)}
            print(json.dumps({**row, "findings": len(result.findings)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
