"""The Spark engine's second review: a report file never replaces an article of an input
folder, the config's `max-bytes` applies, a folder without the chosen format is one line, and
the text summary says where the rest of the clusters are (or that nothing kept them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from paradup.audit import audit
from paradup.config import CheckConfig
from paradup.errors import InputError
from paradup.index.build import build_index
from paradup.index.store import IndexStore
from paradup.spark_engine import spark_audit

from ._repo import article, paragraph
from .conftest import one_line_error, run_paradup
from .test_spark_review import SPARK_CLI


def _tree(root: Path) -> Path:
    """a.md (long) shares a paragraph with b.md; b.md shares another with c.md."""
    root.mkdir()
    (root / "a.md").write_text(article(1, paragraphs=14), encoding="utf-8")
    (root / "b.md").write_text(article(2) + "\n\n" + paragraph(1, 3) + "\n", encoding="utf-8")
    (root / "c.md").write_text(article(3) + "\n\n" + paragraph(2) + "\n", encoding="utf-8")
    return root


def test_the_report_file_never_replaces_an_article_of_an_input_folder(tmp_path: Path) -> None:
    """`-o tree/b.md` wrote the report over the article, exit 1 (the local engine refuses)."""
    tree = _tree(tmp_path / "tree")
    before = (tree / "b.md").read_bytes()
    proc = run_paradup(
        *SPARK_CLI, "--input", "tree", "-f", "jsonl", "-o", "tree/b.md", cwd=tmp_path
    )
    one_line_error(proc, "tree/b.md")
    assert (tree / "b.md").read_bytes() == before


def test_max_bytes_applies_as_for_index_build(spark: Any, tmp_path: Path) -> None:
    """The Spark engine read every file whatever the config's max-bytes: its clusters held
    the files `index build` skipped."""
    tree = _tree(tmp_path / "tree")
    limit = (tree / "a.md").stat().st_size - 1
    config = CheckConfig(max_bytes=limit)
    got = spark_audit([str(tree)], spark=spark, config=config, collect=True)
    assert got.collected is not None
    docs = {m.doc for c in got.collected for m in c.members}
    assert docs == {f"{tree}/b.md", f"{tree}/c.md"}, docs
    assert any("a.md" in b and "max-bytes" in b for b in got.bad), got.bad
    build_index([str(tree)], str(tmp_path / "i.paradup"), config, jobs=1)
    with IndexStore.open(tmp_path / "i.paradup") as store:
        local = {m.doc for c in audit(store) for m in c.members}
    assert local == docs


def test_a_folder_without_the_chosen_format_is_one_line(tmp_path: Path) -> None:
    """`--input-format jsonl` over a folder of articles: IndexError from an empty union,
    exit 1 (findings)."""
    tree = _tree(tmp_path / "tree")
    with pytest.raises(InputError, match="holds no jsonl files"):
        spark_audit([str(tree)], input_format="jsonl")
    proc = run_paradup(*SPARK_CLI, "--input", "tree", "--input-format", "jsonl", cwd=tmp_path)
    one_line_error(proc, "holds no jsonl files", "--input-format")


def test_the_summary_says_nothing_kept_the_other_clusters(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    for i in range(44):  # 22 pairs of articles sharing a paragraph: the summary shows 20
        body = [article(100 + i, paragraphs=2), paragraph(50 + i // 2)]
        (tree / f"{i:02d}.md").write_text("\n\n".join(body) + "\n", encoding="utf-8")
    out = tmp_path / "sum.txt"
    proc = run_paradup(*SPARK_CLI, "--input", "tree", "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    last = out.read_text(encoding="utf-8").splitlines()[-1]
    assert last.endswith("more (pass --output-dir or --format jsonl to keep them all)"), last
