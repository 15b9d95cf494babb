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


BASELINE = ".paradup-baseline.json"


def _baselined_pair(tmp_path: Path) -> Path:
    """`c.md` copies a paragraph of `a.md`; the pair is in a committed baseline."""
    repo = make_repo(tmp_path / "content", {"a.md": article(1), "m.md": article(2)})
    write(repo, {"c.md": article(3) + "\n" + paragraph(1) + "\n"})
    git(repo, "add", "-A")
    assert "wrote 1 finding" in run_paradup("baseline", "write", cwd=repo).stdout
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "copy, baselined")
    assert run_paradup("hook", "c.md", cwd=repo).returncode == 0
    return repo


def test_a_renamed_copy_keeps_its_baseline_entry_to_itself(tmp_path: Path) -> None:
    """After `git mv c.md c2.md` the entry (a.md, c.md) named a vanished file, so it was free
    to explain any finding: a fresh copy in e.md passed the hook (and failed `--all`)."""
    repo = _baselined_pair(tmp_path)
    git(repo, "mv", "c.md", "c2.md")
    git(repo, "commit", "-qm", "rename")
    assert run_paradup("hook", "c2.md", cwd=repo).returncode == 0  # the moved copy: known
    write(repo, {"e.md": article(4) + "\n" + paragraph(1) + "\n"})
    git(repo, "add", "e.md")
    proc = run_paradup("hook", "-f", "json", "e.md", cwd=repo)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert {f["b"]["path"] for f in json.loads(proc.stdout)["findings"]} == {"e.md"}
    # Text moved out of a deleted file into a new one is still not new.
    git(repo, "rm", "-q", "c2.md")
    git(repo, "reset", "-q", "e.md")
    (repo / "e.md").unlink()
    write(repo, {"f.md": article(3) + "\n" + paragraph(1) + "\n"})
    git(repo, "add", "f.md")
    assert run_paradup("hook", "f.md", cwd=repo).returncode == 0


def test_the_baseline_counts_only_as_the_commit_holds_it(tmp_path: Path) -> None:
    """A baseline written and not added passed the commit, which left it out, and CI failed
    after; `--staged` read the work tree's baseline, not the staged one."""
    repo = make_repo(tmp_path / "content", {"a.md": article(1), "m.md": article(2)})
    write(repo, {"c.md": article(3) + "\n" + paragraph(1) + "\n"})
    git(repo, "add", "c.md")
    assert run_paradup("baseline", "write", cwd=repo).returncode == 0
    proc = run_paradup("hook", "c.md", cwd=repo)
    assert proc.returncode == 1
    assert "the baseline is not in git" in proc.stderr and "git add it" in proc.stderr
    git(repo, "add", BASELINE)
    assert run_paradup("hook", "c.md", cwd=repo).returncode == 0
    assert run_paradup("hook", "--staged", "c.md", cwd=repo).returncode == 0
    # Staged: the work tree's edit of the baseline is not what the commit holds.
    saved = (repo / BASELINE).read_text(encoding="utf-8")
    (repo / BASELINE).write_text('{"version": 2, "tool": "paradup", "findings": []}\n')
    assert run_paradup("hook", "--staged", "c.md", cwd=repo).returncode == 0
    git(repo, "add", BASELINE)
    (repo / BASELINE).write_text(saved, encoding="utf-8")
    assert run_paradup("hook", "--staged", "c.md", cwd=repo).returncode == 1
    # A baseline the repository ignores on purpose is the user's own: used, no warning.
    git(repo, "rm", "-q", "-f", "--cached", BASELINE)
    write(repo, {".gitignore": f"{BASELINE}\n"})
    proc = run_paradup("hook", "c.md", cwd=repo)
    assert proc.returncode == 0 and "warning" not in proc.stderr
