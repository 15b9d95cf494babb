"""What the hook's earlier-commit check costs (`paradup hook --since`, HEAD by default).

Warm runs of `python -m paradup.cli_hook` (what pre-commit runs) on a generated repository of
3,000 articles in which 20 files restate a paragraph of another since its first commits: a
commit that touches one of them (HEAD's pair is checked again as HEAD holds it, and passes)
and one that adds a clean article (no finding: nothing more to do). Variants alternate, 7 runs
each after a warm-up: this code, this code with `--since none`, and an older tree.

    git worktree add /tmp/wt0 <older commit>
    python benchmarks/hook_since_bench.py --old /tmp/wt0/src
"""

import argparse
import importlib.util
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("hook_bench", HERE / "hook_bench.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["hook_bench"] = mod
    spec.loader.exec_module(mod)
    return mod


def make_repo(root: Path, articles: int) -> None:
    hb = _bench()
    hb.make_repo(root, articles)
    for i in range(20):  # old copies: each file restates a paragraph of another
        p = root / "articles" / f"{100 + i:05d}.md"
        extra = hb.article(2000 + i).split("\n\n")[3]
        p.write_text(hb.article(100 + i) + "\n" + extra + "\n", encoding="utf-8")
    subprocess.run(["git", "commit", "-qam", "old copies"], cwd=root, check=True)


def run(repo: Path, src: str, extra: list[str], files: list[str]) -> tuple[float, float, int]:
    env = {**os.environ, "PYTHONPATH": src}
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run(
        [sys.executable, "-m", "paradup.cli_hook", *extra, *files],
        cwd=repo,
        env=env,
        capture_output=True,
    )
    wall = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return wall, cpu, p.returncode


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", required=True, help="an older tree's src/ to compare with")
    ap.add_argument("--articles", type=int, default=3000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/paradup-hook-since"))
    args = ap.parse_args()
    repo = args.workdir / "repo"
    if repo.exists():
        shutil.rmtree(repo)
    repo.parent.mkdir(parents=True, exist_ok=True)
    make_repo(repo, args.articles)
    new = str(HERE.parent / "src")
    variants = {"new": (new, []), "new --since none": (new, ["--since", "none"])}
    variants["old"] = (args.old, [])
    f = repo / "articles/00105.md"
    f.write_text(f.read_text(encoding="utf-8") + "\n补记一句，与他文无关。\n", encoding="utf-8")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    cases = {"touch a file with an old copy": ["articles/00105.md"]}
    (repo / "articles/new-clean.md").write_text(_bench().article(9999), encoding="utf-8")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    cases["add a clean article"] = ["articles/new-clean.md"]
    for name, files in cases.items():
        for src, extra in variants.values():
            run(repo, src, extra, files)  # warm the cache
        res: dict[str, list[tuple[float, float, int]]] = {k: [] for k in variants}
        for _ in range(args.runs):
            for label, (src, extra) in variants.items():
                res[label].append(run(repo, src, extra, files))
        print(f"## {name}")
        for label, rows in res.items():
            wall = [r[0] for r in rows]
            cpu = [r[1] for r in rows]
            print(
                f"  {label:18s} wall min {min(wall):.3f} median {statistics.median(wall):.3f}"
                f"  CPU median {statistics.median(cpu):.3f}  exit {rows[0][2]}"
            )


if __name__ == "__main__":
    main()
