"""CPU each `index build -j N` worker spends on its first batch, and the build's totals.

The build warms the fingerprinting modules and the segmenter's dictionary in the parent before
forking its workers (`build._warm`). This measures what that buys: the first batch of every
worker (which, without the warm-up, pays for the imports and the dictionary) and the parent's
and children's CPU. Run it against two trees to compare, alternating, because the VM is noisy:

    PYTHONPATH=<tree>/src python benchmarks/worker_warmup.py --jobs 2
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from archive_bench import real_records, write_jsonl
from corpus import load_articles

_ORIGINAL: list[Any] = []  # build._work, replaced by first_batch_timed
_FIRST = [True]


def first_batch_timed(*a: Any, **k: Any) -> Any:
    """Runs in each forked worker, with its own `_FIRST`: each worker reports once."""
    if not _FIRST[0]:
        return _ORIGINAL[0](*a, **k)
    _FIRST[0] = False
    t0 = time.process_time()
    out = _ORIGINAL[0](*a, **k)
    print(
        f"worker {os.getpid()}: first batch {time.process_time() - t0:.3f} CPU-s", file=sys.stderr
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()

    from paradup.index import build

    _ORIGINAL.append(build._work)
    build._work = first_batch_timed  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as tmp:
        arch = Path(tmp) / "a"
        arch.mkdir()
        write_jsonl(arch / "articles.jsonl", real_records(load_articles()))
        t = time.perf_counter()
        build.build_index([str(arch)], str(Path(tmp) / "i.paradup"), jobs=args.jobs)
        wall = time.perf_counter() - t
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"wall {wall:.2f} s, parent {me.ru_utime + me.ru_stime:.2f} CPU-s, "
        f"workers {kids.ru_utime + kids.ru_stime:.2f} CPU-s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
