"""Hook fixes from a maintainer's review (2026-12-03, fourth session)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ._repo import article, git, make_repo, paragraph, write
from .conftest import run_paradup


def _copied_later(tmp_path: Path) -> Path:
    """`z-old.md` committed first; `a-new.md`, committed later, copies a paragraph of it."""
    repo = make_repo(tmp_path / "content", {"z-old.md": article(1), "m.md": article(2)})
    write(repo, {"a-new.md": article(3) + "\n" + paragraph(1) + "\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "a later copy")
    return repo


@pytest.mark.parametrize(
    "files",
    [
        ["a-new.md", "z-old.md"],  # `pre-commit run --all-files` passes every file
        ["z-old.md"],  # a typo fixed in the original
    ],
)
def test_the_later_article_is_blamed_whatever_files_are_given(
    tmp_path: Path, files: list[str]
) -> None:
    """Changed files were put after every other article, so the original was reported as
    restating its own later copy and its 复制比 gated instead of the copy's."""
    repo = _copied_later(tmp_path)
    if files == ["z-old.md"]:
        write(repo, {"z-old.md": article(1).replace("。", "。\n", 1)})
    proc = run_paradup("hook", "-f", "json", "--", *files, cwd=repo)
    assert proc.returncode == 1, proc.stderr
    found = json.loads(proc.stdout)["findings"]
    assert [(f["a"]["path"], f["b"]["path"]) for f in found] == [("z-old.md", "a-new.md")]
    gate = run_paradup("hook", "--max-ratio", "0.05", "--", *files, cwd=repo)
    if "a-new.md" in files:  # the copy's 复制比 is gated (the original's is 0)
        assert gate.returncode == 1 and "failing a-new.md" in gate.stdout + gate.stderr
