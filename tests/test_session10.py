"""Fixes of the tenth session (2026-12-04): archive folders, configs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ._repo import article
from .conftest import run_paradup


def _export(path: Path, first: int, n: int) -> None:
    rows = [{"id": f"r{i}", "text": article(700 + i)} for i in range(first, first + n)]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")


def test_a_json_file_beside_json_lines_exports_is_named_not_passed_over(tmp_path: Path) -> None:
    """A folder with `a.jsonl` and `b.json` indexed `a.jsonl` and passed `b.json` over without
    a word (exit 0): its records were missing from every later answer. It is a skipped
    line with the fix, in both engines; the config's `exclude` quiets it (metadata files)."""
    arc = tmp_path / "arc"
    arc.mkdir()
    _export(arc / "a.jsonl", 0, 3)
    _export(arc / "b.json", 3, 2)
    proc = run_paradup("index", "build", "arc", "-i", "x.paradup", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    flat = " ".join(proc.stderr.split())
    assert "skipped: arc/b.json: a .json file is not read" in flat
    assert "jq -c '.[]'" in flat and "1 bad records skipped" in flat
    assert "3 documents seen" in flat
    strict = run_paradup("index", "build", "arc", "-i", "y.paradup", "--strict", cwd=tmp_path)
    assert strict.returncode == 1, strict.stderr
    (tmp_path / "quiet.toml").write_text('exclude = ["*.json"]\n', encoding="utf-8")
    quiet = run_paradup(
        "index", "build", "arc", "-i", "z.paradup", "--config", "quiet.toml", cwd=tmp_path
    )
    assert quiet.returncode == 0 and "b.json" not in quiet.stderr, quiet.stderr

    from paradup.archive import Fields
    from paradup.spark_engine import _local_files, local_sources

    sources = local_sources([str(arc)], "text", None)
    parsed = list(_local_files(Fields(), None)(sources))
    bad = [p[5] for p in parsed if p[5]]
    assert len(bad) == 1 and "b.json: a .json file is not read" in bad[0], bad
    assert sorted(p[0] for p in parsed if p[0]) == [f"{arc}/a.jsonl#r{i}" for i in range(3)]


def test_a_first_build_stopped_before_its_first_batch_is_named_unfinished(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build killed (Ctrl-C, SIGTERM, a full disk) before its first batch committed left
    an empty index that `index info`, `check --against` and `audit` took for a complete
    one: "0 restated passages", exit 0. It is marked until a build or update completes."""
    from paradup.index.build import build_index
    from paradup.index.store import IndexStore

    arc = tmp_path / "arc"
    arc.mkdir()
    for i in range(3):
        (arc / f"a{i}.md").write_text(article(720 + i), encoding="utf-8")
    (tmp_path / "draft.md").write_text(article(720), encoding="utf-8")

    def stop(*_args: object, **_kw: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.chdir(tmp_path)
    with monkeypatch.context() as m:
        m.setattr(IndexStore, "write_batch", stop)
        with pytest.raises(KeyboardInterrupt):
            build_index(["arc"], "x.paradup", jobs=1)
    assert (tmp_path / "x.paradup").is_file()
    info = run_paradup("index", "info", "-i", "x.paradup", cwd=tmp_path)
    assert "first build was interrupted" in " ".join(info.stdout.split()), info.stdout
    check = run_paradup("check", "draft.md", "--against", "x.paradup", cwd=tmp_path)
    flat = " ".join(check.stderr.split())
    assert "warning" in flat and "first build was interrupted" in flat, check.stderr
    update = run_paradup("index", "update", "-i", "x.paradup", "-q", cwd=tmp_path)
    assert update.returncode == 0, update.stderr
    info = run_paradup("index", "info", "-i", "x.paradup", cwd=tmp_path)
    assert "interrupted" not in info.stdout and "3 documents" in info.stdout, info.stdout
    check = run_paradup("check", "draft.md", "--against", "x.paradup", cwd=tmp_path)
    assert check.returncode == 1 and "interrupted" not in check.stderr, check.stderr
