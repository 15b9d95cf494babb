"""Per-file cost of include/exclude matching (`read._matches`, as `repo.wanted` and
`expand_paths` use it) and of the off/on marker scan (`suppress.off_regions`).

    python benchmarks/glob_bench.py [--label NAME]

Times with time.process_time, best of 5; one JSON line per case. To compare versions, point
PYTHONPATH at another checkout's `src` (e.g. a `git worktree`) and run the same script.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable, Sequence

import paradup
from paradup.read import TEXT_SUFFIXES, _matches
from paradup.suppress import off_regions

N_PATHS = 50_000
TEXT_CHARS = 880_000
REPEAT = 5


def synthetic_paths(n: int = N_PATHS, seed: int = 7) -> list[str]:
    """Relative posix paths 1-4 directories deep, mostly articles, as `git ls-files` lists."""
    rng = random.Random(seed)
    tops = ["archive", "drafts", "docs", "news", "src", "notes", "2023", "2024"]
    subs = ["old", "new", "tmp", "review", "a", "b", "c", "d", "中文", "published"]
    exts = [".md", ".txt", ".md", ".MD", ".py", ".json", ".markdown", ".txt"]
    out = []
    for i in range(n):
        depth = rng.randint(0, 4)
        parts = [rng.choice(tops)] if depth else []
        parts += [rng.choice(subs) for _ in range(depth - 1)]
        parts.append(f"article-{i}{rng.choice(exts)}")
        out.append("/".join(parts))
    return out


def wanted(rel: str, include: Sequence[str], exclude: Sequence[str]) -> bool:
    """repo.wanted's body (without a Settings object, so every version runs it)."""
    ok = _matches(rel, include) if include else rel.lower().endswith(TEXT_SUFFIXES)
    return ok and not _matches(rel, exclude)


def run_wanted(paths: list[str], include: Sequence[str], exclude: Sequence[str]) -> int:
    return sum(wanted(p, include, exclude) for p in paths)


def best_of(fn: Callable[..., object], *args: object) -> float:
    times = []
    for _ in range(REPEAT):
        t0 = time.process_time()
        fn(*args)
        times.append(time.process_time() - t0)
    return min(times)


def text(markers: bool, eol: str = "\n") -> str:
    para = (
        "这是一段用于测试的中文句子，其中包含标点符号。"
        "This is an English sentence: it has a colon, and commas.  "
    )
    lines = []
    size = 0
    i = 0
    while size < TEXT_CHARS:
        line = para * 3
        if markers and i % 200 == 100:
            line = "<!-- paradup: off -->" if (i // 200) % 2 == 0 else "# paradup: on"
        lines.append(line)
        size += len(line) + len(eol)
        i += 1
    return eol.join(lines)[:TEXT_CHARS]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--label", default="")
    args = ap.parse_args()
    label = args.label or paradup.__file__
    paths = synthetic_paths()
    cases: list[tuple[str, Sequence[str], Sequence[str]]] = [
        ("exclude0", (), ()),
        ("exclude1", (), ("archive/*",)),
        ("exclude3", (), ("archive/*", "**/tmp", "drafts/")),
        ("include2", ("*.md", "*.txt"), ()),
        ("include2+exclude3", ("*.md", "*.txt"), ("archive/*", "**/tmp", "drafts/")),
    ]
    for name, include, exclude in cases:
        kept = run_wanted(paths, include, exclude)
        secs = best_of(run_wanted, paths, include, exclude)
        row = {
            "label": label,
            "case": f"wanted/{name}",
            "paths": len(paths),
            "kept": kept,
            "ms": round(secs * 1000, 1),
            "us_per_file": round(secs * 1e6 / len(paths), 2),
        }
        print(json.dumps(row, ensure_ascii=False), flush=True)
    for name, body, path in [
        ("no-markers.md", text(False), "a.md"),
        ("no-markers.txt", text(False), "a.txt"),
        ("markers.txt", text(True), "a.txt"),
        ("markers-crlf.txt", text(True, "\r\n"), "a.txt"),
    ]:
        regions = len(off_regions(body, path))
        secs = best_of(off_regions, body, path)
        row = {
            "label": label,
            "case": f"off_regions/{name}",
            "chars": len(body),
            "regions": regions,
            "ms": round(secs * 1000, 2),
        }
        print(json.dumps(row, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
