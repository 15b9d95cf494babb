"""Clause reuse on real news: how often `check` finds a clause of an earlier sentence put into a
differently framed later sentence, with `phrase-chars` off, 20 and 16, and how many untouched
real articles get a phrase finding at all.

    python benchmarks/phrases_bench.py --cases 400 --untouched 800

Each case is a draft: a real sentence (24-110 characters, two or more clauses, its longest
clause at least 15), three paragraphs of another article, then the longest clause reframed
(`会议指出，<clause>。`, `<frame>，<clause>，<short sentence>。` or `<clause>，<short sentence>。`).
A case is found when a finding's earlier side overlaps the real sentence and its later side the
reframed one. Prints one JSON line per setting.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import load_articles

FRAMES = [
    "会议指出",
    "他强调",
    "与此同时",
    "报道称",
    "业内人士认为",
    "据介绍",
    "对此",
    "值得注意的是",
]
_SENTENCE = re.compile(r"[^。！？\n]+[。！？]")


def _sentences(texts: list[str]) -> list[str]:
    return [m.group().strip() for t in texts for m in _SENTENCE.finditer(t)]


def cases(n: int, seed: int) -> list[tuple[str, str, str]]:
    """(draft, source sentence, reframed sentence)."""
    rng = random.Random(seed)
    texts = [a.text for a in load_articles()]
    sents = _sentences(texts)
    sources = [
        s
        for s in sents
        if 24 <= len(s) <= 110 and s.count("，") >= 1 and max(map(len, s[:-1].split("，"))) >= 15
    ]
    hosts = [s for s in sents if 10 <= len(s) <= 40 and "，" not in s]
    rng.shuffle(sources)
    out = []
    for s in sources[:n]:
        clause = max(s[:-1].split("，"), key=len)
        tail = rng.choice(hosts)[:-1]
        mode = rng.randrange(3)
        if mode == 0:
            v = f"{rng.choice(FRAMES)}，{clause}。"
        elif mode == 1:
            v = f"{rng.choice(FRAMES)}，{clause}，{tail}。"
        else:
            v = f"{clause}，{tail}。"
        filler = [p for p in rng.choice(texts).split("\n") if len(p.strip()) > 20][:3]
        out.append(("\n\n".join([s, *filler, v]) + "\n", s, v))
    return out


def found(draft: str, source: str, restated: str, phrase_chars: int) -> bool:
    from paradup import CheckConfig, check_text

    a0 = draft.index(source)
    b0 = draft.rindex(restated)
    a1, b1 = a0 + len(source), b0 + len(restated)
    result = check_text(draft, "draft.txt", config=CheckConfig(phrase_chars=phrase_chars))
    return any(
        f.a.start < a1 and a0 < f.a.end and f.b.start < b1 and b0 < f.b.end for f in result.findings
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=400)
    ap.add_argument("--untouched", type=int, default=800)
    ap.add_argument("--seed", type=int, default=21)
    args = ap.parse_args()
    from paradup import CheckConfig, check_text

    planted = cases(args.cases, args.seed)
    articles = load_articles()
    rng = random.Random(args.seed)
    untouched = rng.sample(articles, min(args.untouched, len(articles)))
    for pc in (0, 20, 16):
        t0 = time.process_time()
        hits = sum(found(d, s, v, pc) for d, s, v in planted)
        with_phrase = 0
        for n, a in enumerate(untouched):
            result = check_text(a.text, f"{n}.txt", config=CheckConfig(phrase_chars=pc))
            with_phrase += any(f.kind == "phrase" for f in result.findings)
        row = {
            "phrase_chars": pc,
            "cases": len(planted),
            "found_pct": round(100 * hits / len(planted), 1),
            "untouched": len(untouched),
            "untouched_with_phrase": with_phrase,
            "cpu_s": round(time.process_time() - t0, 1),
        }
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
