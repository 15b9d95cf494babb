"""Measure the pre-commit hook on a generated repository of news articles (cold and warm cache).

    python benchmarks/hook_bench.py --articles 2000 --runs 5
    git archive REV src | tar x -C /tmp/base
    python benchmarks/hook_bench.py --articles 2000 --runs 5 --baseline-src /tmp/base/src

Generates N distinct Chinese articles (seeded, so runs are reproducible) into a temporary git
repository, commits them, stages one new clean article and, per variant, one new article that
copies a paragraph of `articles/00007.md`, then times hook processes the way pre-commit runs
them: the first run builds the `.paradup/` fingerprint cache (cold), later runs reuse it (warm).

Variants: `paradup hook` (the typer CLI) and `python -m paradup.cli_hook` (the typer-free entry
point) from this checkout, and with --baseline-src also `paradup hook` from another source tree
(put first on PYTHONPATH), so before/after figures come from the same run on the same machine.
Warm runs alternate between the variants, so a change in machine load hits all of them alike.
Every variant's package is byte-compiled first (an installed package is; a checkout run with
PYTHONDONTWRITEBYTECODE would otherwise recompile paradup on every run). Prints a Markdown table
with the machine, its load average before and after, and each variant's ratio to the first.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
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


@dataclass
class Variant:
    name: str
    command: list[str]
    env: dict[str, str]
    dup: str = ""  # this variant's own article with a copied paragraph
    cold: list[tuple[float, float, int]] = field(default_factory=list)
    warm: list[tuple[float, float, int]] = field(default_factory=list)
    dup_first: tuple[float, float, int] = (0.0, 0.0, 0)
    dup_warm: list[tuple[float, float, int]] = field(default_factory=list)


def variants(baseline_src: Path | None, extra: list[tuple[str, str, Path]]) -> list[Variant]:
    """The baseline first (if any), this checkout's two entry points, then the extra trees."""
    env = dict(os.environ)

    def tree(path: Path) -> dict[str, str]:
        return {**env, "PYTHONPATH": os.pathsep.join([str(path), *_pythonpath()])}

    out = []
    if baseline_src is not None:
        out.append(Variant(f"before ({baseline_src}): paradup hook", HOOK, tree(baseline_src)))
    out.append(Variant("paradup hook", HOOK, env))
    out.append(Variant("python -m paradup.cli_hook", FAST, env))
    for label, entry, path in extra:
        command = FAST if entry == "fast" else HOOK
        name = "python -m paradup.cli_hook" if entry == "fast" else "paradup hook"
        out.append(Variant(f"{label} ({path}): {name}", command, tree(path)))
    return out


def _pythonpath() -> list[str]:
    current = os.environ.get("PYTHONPATH", "")
    return [p for p in current.split(os.pathsep) if p]


HOOK = [sys.executable, "-m", "paradup", "hook"]  # what the `paradup` console script runs
FAST = [sys.executable, "-m", "paradup.cli_hook"]  # the typer-free entry point


def _extra(spec: str) -> tuple[str, str, Path]:
    """LABEL=DIR (its `paradup hook`) or LABEL=DIR:fast (its `python -m paradup.cli_hook`)."""
    label, _, rest = spec.partition("=")
    entry = "fast" if rest.endswith(":fast") else "hook"
    path = Path(rest.removesuffix(":fast")).resolve()
    if not label or not (path / "paradup").is_dir():
        raise SystemExit(f"--variant {spec}: expected LABEL=DIR[:fast], DIR containing paradup/")
    return label, entry, path


def byte_compile(v: Variant) -> str:
    """Compile the variant's paradup package, as installing it would; returns its directory."""
    where = subprocess.run(
        [sys.executable, "-c", "import os, paradup; print(os.path.dirname(paradup.__file__))"],
        env=v.env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    env = {k: val for k, val in v.env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "compileall", "-q", where], env=env, check=True)
    return where


def time_hook(root: Path, v: Variant, files: list[str]) -> tuple[float, float, int]:
    """Wall-clock and CPU (user + system) seconds of one hook process, and its exit code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [*v.command, *files], cwd=root, env=v.env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{v.name}: hook failed ({proc.returncode}): {proc.stderr.strip()}")
    return elapsed, cpu, proc.returncode


def machine() -> str:
    model = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} CPU cores ({model}), Python {platform.python_version()}"


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _medians(runs: list[tuple[float, float, int]]) -> tuple[float, float, float]:
    """Median wall, minimum wall and median CPU seconds."""
    walls = [w for w, _, _ in runs]
    return statistics.median(walls), min(walls), statistics.median(c for _, c, _ in runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=5, help="warm runs to time per variant")
    ap.add_argument("--cold-runs", type=int, default=1, help="cold runs to time per variant")
    ap.add_argument(
        "--baseline-src",
        type=Path,
        help="a source tree (containing paradup/) to time as 'before', e.g. a git archive",
    )
    ap.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="LABEL=DIR[:fast]",
        help="also time another source tree's `paradup hook` (`:fast`: its cli_hook entry)",
    )
    args = ap.parse_args()
    baseline = args.baseline_src.resolve() if args.baseline_src else None
    vs = variants(baseline, [_extra(spec) for spec in args.variant])
    for v in vs:
        print(f"{v.name}: paradup from {byte_compile(v)}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="paradup-bench-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        make_repo(root, args.articles)
        gen = time.perf_counter() - t0
        (root / "articles" / "new.md").write_text(article(10**6), encoding="utf-8")
        copied = article(7).split("\n\n")[3]
        for i, v in enumerate(vs):
            v.dup = f"articles/dup{i}.md"
            dup = article(10**6 + 1 + i) + "\n" + copied + "\n"
            (root / v.dup).write_text(dup, encoding="utf-8")
        subprocess.run(["git", "add", "-A"], cwd=root, check=True)
        load_before = _load()
        for r in range(args.cold_runs):  # each variant builds the cache from nothing
            for v in vs[r % len(vs) :] + vs[: r % len(vs)]:  # rotate who goes first
                shutil.rmtree(root / ".paradup", ignore_errors=True)
                v.cold.append(time_hook(root, v, ["articles/new.md"]))
        for v in vs:  # untimed: every variant's cache (if their formats differ) is warm
            time_hook(root, v, ["articles/new.md"])
        for _ in range(args.runs):
            for v in vs:
                v.warm.append(time_hook(root, v, ["articles/new.md"]))
        for v in vs:
            v.dup_first = time_hook(root, v, [v.dup])
        for _ in range(args.runs):
            for v in vs:
                v.dup_warm.append(time_hook(root, v, [v.dup]))
        load_after = _load()
    print(f"repository: {args.articles} generated articles (made in {gen:.1f} s)")
    print(f"machine: {machine()}")
    print(f"load average (1, 5, 15 min): {load_before} before, {load_after} after")
    print()
    print("| run | variant | wall s (min) | CPU s | wall vs first | CPU vs first | exit |")
    print("|---|---|---|---|---|---|---|")

    rows = [
        (
            f"cold: builds .paradup/ cache, clean new article, median of {args.cold_runs}",
            lambda v: v.cold,
        ),
        (f"warm: clean new article, median of {args.runs}", lambda v: v.warm),
        ("warm cache, first run on an article with a copied paragraph", lambda v: [v.dup_first]),
        (f"same article again (its own entry cached), median of {args.runs}", lambda v: v.dup_warm),
    ]
    for label, get in rows:
        wall0, _, cpu0 = _medians(get(vs[0]))
        for v in vs:
            wall, low, cpu = _medians(get(v))
            print(
                f"| {label} | {v.name} | {wall:.2f} ({low:.2f}) | {cpu:.2f} | "
                f"{wall / wall0:.2f}× | {cpu / cpu0:.2f}× | {get(v)[0][2]} |"
            )


if __name__ == "__main__":
    main()
