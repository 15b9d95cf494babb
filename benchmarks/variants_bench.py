"""How much of a traditional-script restatement `check` finds (reports/ACCURACY.md).

Each of the first N corpus articles is converted by OpenCC (the reference converter, `pip
install opencc`: a benchmark-only dependency) to traditional script three ways — `s2t`
(characters and phrases), `s2hk` (Hong Kong forms) and `s2twp` (Taiwan forms and Taiwan
vocabulary: 软件 -> 軟體) — and pasted after the original. The figure is the share of the
converted copy's characters inside the later side of a finding: 1.0 means all of it was
reported as a restatement of the original. Run with `PYTHONPATH=<tree>/src` to measure
another version.

    python benchmarks/variants_bench.py --articles 300
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def coverage(simp: str, trad: str) -> float:
    from paradup import check_text

    text = simp + "\n\n" + trad
    lo = len(simp) + 2
    covered = bytearray(len(text))
    for f in check_text(text).findings:
        for side in (f.a, f.b):
            s, e = max(side.start, lo), side.end
            if e > s:
                covered[s:e] = b"\x01" * (e - s)
    body = [i for i in range(lo, len(text)) if not text[i].isspace()]
    return sum(covered[i] for i in body) / max(1, len(body))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--min-chars", type=int, default=200)
    args = ap.parse_args()
    import opencc

    import paradup
    from corpus import load_articles

    arts = [a for a in load_articles() if len(a.text) >= args.min_chars][: args.articles]
    out: dict[str, object] = {"paradup": str(Path(paradup.__file__).parent), "articles": len(arts)}
    for conf in ("s2t", "s2hk", "s2twp"):
        cc = opencc.OpenCC(conf)
        t0 = time.perf_counter()
        covs = [coverage(a.text, cc.convert(a.text)) for a in arts]
        out[conf] = {
            "mean": round(statistics.fmean(covs), 4),
            "median": round(statistics.median(covs), 4),
            "at_least_0.9": round(sum(c >= 0.9 for c in covs) / len(covs), 4),
            "none_found": round(sum(c == 0 for c in covs) / len(covs), 4),
            "seconds": round(time.perf_counter() - t0, 1),
        }
        print(conf, out[conf], flush=True)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
