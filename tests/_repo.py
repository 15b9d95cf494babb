"""Temporary git repositories of generated articles, for the hook, baseline and SARIF tests."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent

GIT_ENV = {
    "GIT_AUTHOR_NAME": "paradup tests",
    "GIT_AUTHOR_EMAIL": "tests@example.com",
    "GIT_COMMITTER_NAME": "paradup tests",
    "GIT_COMMITTER_EMAIL": "tests@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "hook_bench", ROOT / "benchmarks" / "hook_bench.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


_BENCH = _bench()


def article(seed: int, paragraphs: int = 4) -> str:
    """A generated article (title, byline, paragraphs) that shares no passage with others."""
    text: str = _BENCH.article(seed, paragraphs)
    return text


def paragraph(seed: int, index: int = 2) -> str:
    """One body paragraph of article(seed) (index 2 is the first body paragraph)."""
    return article(seed).split("\n\n")[index]


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV},
        check=True,
    )
    return proc.stdout


def make_repo(path: Path, articles: dict[str, str]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    write(path, articles)
    git(path, "add", "-A")
    git(path, "commit", "-qm", "articles")
    return path


def write(repo: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = repo / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


def built_archive(tmp_path: Path, seeds: range, index: str = "x.paradup") -> Path:
    """A folder `arc` of generated articles (one per seed), indexed as `index`."""
    from .conftest import run_paradup

    arc = tmp_path / "arc"
    arc.mkdir()
    for seed in seeds:
        (arc / f"a{seed}.md").write_text(article(seed), encoding="utf-8")
    built = run_paradup("index", "build", "arc", "-i", index, "-q", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    return tmp_path / index
