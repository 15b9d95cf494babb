"""Where an audit's time goes: its phases with elapsed seconds, then cProfile's top functions.

    python benchmarks/audit_profile.py INDEX [N]

Consumes `audit_stream` on the index (no report is written) and prints the N (default 25)
functions with the most time of their own.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import time

from paradup.audit import audit_stream
from paradup.index.store import IndexStore


def main() -> None:
    index = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    t0 = time.perf_counter()

    def say(msg: str) -> None:
        print(f"{time.perf_counter() - t0:7.1f} s  {msg}", flush=True)

    store = IndexStore.open(index)
    prof = cProfile.Profile()
    prof.enable()
    with store.snapshot():
        n = sum(1 for _ in audit_stream(store, progress=say))
    prof.disable()
    say(f"{n} clusters")
    pstats.Stats(prof).sort_stats("tottime").print_stats(top)


if __name__ == "__main__":
    main()
