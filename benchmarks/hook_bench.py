"""Measure the pre-commit hook on a generated repository of news articles (cold and warm cache).

    python benchmarks/hook_bench.py --articles 2000 --runs 5

Generates N distinct Chinese articles (seeded, so runs are reproducible) into a temporary git
repository, commits them, then times `paradup hook <one changed article>`: the first run builds
the `.paradup/` fingerprint cache (cold), later runs reuse it (warm). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _vocabulary() -> tuple[list[str], list[int]]:
    """Chinese words and cumulative frequencies from jieba's dictionary (30,000 most frequent)."""
    import itertools

    import jieba

    path = Path(jieba.__file__).parent / "dict.txt"
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and all("\u4e00" <= c <= "\u9fff" for c in parts[0]):
            rows.append((int(parts[1]), parts[0]))
    rows.sort(reverse=True)
    top = rows[:30000]
    return [w for _, w in top], list(itertools.accumulate(f for f, _ in top))


_VOCAB: tuple[list[str], list[int]] | None = None


def _sentence(rng: random.Random) -> str:
    global _VOCAB
    if _VOCAB is None:
        _VOCAB = _vocabulary()
    words, cum = _VOCAB
    clauses = [
        "".join(rng.choices(words, cum_weights=cum, k=rng.randint(4, 9)))
        for _ in range(rng.randint(1, 3))
    ]
    return "，".join(clauses) + "。"


def article(seed: int, paragraphs: int = 6) -> str:
    """One generated article in Markdown: title, byline, paragraphs of 3-5 random sentences.

    Words are drawn by frequency from jieba's dictionary, so the token statistics are those of
    Chinese prose while no two articles share a passage by accident.
    """
    rng = random.Random(seed)
    title = f"# {_sentence(rng)[:-1]}（{seed}）"
    byline = f"发布时间：2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}　来源：本报记者"
    body = ["".join(_sentence(rng) for _ in range(rng.randint(3, 5))) for _ in range(paragraphs)]
    return "\n\n".join([title, byline, *body]) + "\n"


def make_repo(root: Path, articles: int) -> None:
    """A git repository with `articles` generated Markdown files committed."""
    (root / "articles").mkdir(parents=True)
    for i in range(articles):
        (root / "articles" / f"{i:05d}.md").write_text(article(i), encoding="utf-8")
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@example.com"}
    env |= {"GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "b@example.com"}
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "articles"]):
        subprocess.run(cmd, cwd=root, check=True, env=env)


def paradup_exe() -> str:
    here = Path(sys.executable).parent / "paradup"
    return str(here) if here.exists() else (shutil.which("paradup") or "paradup")


def time_hook(root: Path, files: list[str]) -> tuple[float, float, int]:
    """Wall-clock and CPU (user + system) seconds of one `paradup hook` process, and its exit."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [paradup_exe(), "hook", *files], cwd=root, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"hook failed ({proc.returncode}): {proc.stderr.strip()}")
    return elapsed, cpu, proc.returncode


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=5, help="warm runs to time")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="paradup-bench-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        make_repo(root, args.articles)
        gen = time.perf_counter() - t0
        # The change: one new article, plus one that copies a paragraph of an existing one.
        (root / "articles" / "new.md").write_text(article(10**6), encoding="utf-8")
        copied = article(7).split("\n\n")[3]
        dup = article(10**6 + 1) + "\n" + copied + "\n"
        (root / "articles" / "dup.md").write_text(dup, encoding="utf-8")
        subprocess.run(["git", "add", "-A"], cwd=root, check=True)
        cold = time_hook(root, ["articles/new.md"])
        warm = [time_hook(root, ["articles/new.md"]) for _ in range(args.runs)]
        dup_run = time_hook(root, ["articles/dup.md"])
        dup_warm = time_hook(root, ["articles/dup.md"])
        walls = [w for w, _, _ in warm]
        cpus = [c for _, c, _ in warm]
        print(f"repository: {args.articles} generated articles (made in {gen:.1f} s)")
        print("| run | wall s | CPU s (user+sys) | exit |")
        print("|---|---|---|---|")
        print(
            f"| cold: builds .paradup/ cache, clean new article | {cold[0]:.2f} | "
            f"{cold[1]:.2f} | {cold[2]} |"
        )
        print(
            f"| warm: clean new article, median of {args.runs} | {statistics.median(walls):.2f} "
            f"(min {min(walls):.2f}) | {statistics.median(cpus):.2f} | {warm[0][2]} |"
        )
        print(
            f"| warm cache, first run on an article with a copied paragraph | {dup_run[0]:.2f} | "
            f"{dup_run[1]:.2f} | {dup_run[2]} |"
        )
        print(
            f"| same article again (its own entry cached) | {dup_warm[0]:.2f} | "
            f"{dup_warm[1]:.2f} | {dup_warm[2]} |"
        )


if __name__ == "__main__":
    main()
