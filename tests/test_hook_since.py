"""The hook fails only on restated passages a change brings: findings the earlier commit
already had (HEAD, pre-commit's --from-ref, or `--since REF`) are not new."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ._repo import article, git, make_repo, paragraph, write
from .conftest import run_paradup


def _old_copy(tmp_path: Path) -> Path:
    """`copy.md` restates a paragraph of `a.md` since the first commit (no baseline)."""
    return make_repo(
        tmp_path / "content",
        {
            "a.md": article(1),
            "m.md": article(2),
            "copy.md": article(3) + "\n" + paragraph(1) + "\n",
        },
    )


def _json(proc: object) -> list[tuple[str, str]]:
    out = json.loads(proc.stdout)["findings"]  # type: ignore[attr-defined]
    return [(f["a"]["path"], f["b"]["path"]) for f in out]


def test_touching_a_file_with_an_old_copy_passes(tmp_path: Path) -> None:
    """An edit elsewhere in a file that restated a passage before the change: the old pair is
    not the change's (it failed until baselined, blaming whoever touched either file)."""
    repo = _old_copy(tmp_path)
    edited = article(3) + "\n" + paragraph(1) + "\n" + "新增一句说明，与他文无关。\n"
    write(repo, {"copy.md": edited})
    write(repo, {"a.md": article(1) + "\n补充一段本地记者的采访记录，内容全新。\n"})
    git(repo, "add", "-A")
    for name in ("copy.md", "a.md"):
        proc = run_paradup("hook", name, cwd=repo)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "0 new restated passages (1 already in HEAD, not reported)" in proc.stdout
    # The content semantics stay one option away.
    proc = run_paradup("hook", "--since", "none", "-f", "json", "copy.md", cwd=repo)
    assert proc.returncode == 1
    assert _json(proc) == [("a.md", "copy.md")]
    # SARIF keeps the old pair as unchanged, not as a new result.
    proc = run_paradup("hook", "-f", "sarif", "copy.md", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)["runs"][0]["results"]
    assert [r.get("baselineState") for r in results] == ["unchanged"]


def test_a_fresh_copy_of_an_old_passage_is_new(tmp_path: Path) -> None:
    """What the earlier commit had explains as many findings as it had: one more copy of the
    same paragraph, in the same file or another, fails."""
    repo = _old_copy(tmp_path)
    again = article(3) + "\n" + paragraph(1) + "\n\n" + article(4) + "\n" + paragraph(1) + "\n"
    write(repo, {"copy.md": again})
    git(repo, "add", "-A")
    proc = run_paradup("hook", "-f", "json", "copy.md", cwd=repo)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert len(_json(proc)) == 1
    write(repo, {"copy.md": article(3) + "\n" + paragraph(1) + "\n"})
    write(repo, {"other.md": article(5) + "\n" + paragraph(1) + "\n"})
    git(repo, "add", "-A")
    proc = run_paradup("hook", "-f", "json", "other.md", cwd=repo)
    assert proc.returncode == 1
    assert {b for _, b in _json(proc)} == {"other.md"}
    # A file passed unchanged (`pre-commit run --all-files`) is checked whole: its old pair
    # fails as before, until baselined.
    proc = run_paradup("hook", "-f", "json", "copy.md", cwd=repo)
    assert proc.returncode == 1
    assert _json(proc) == [("a.md", "copy.md")]


def test_a_renamed_file_keeps_its_old_pairs(tmp_path: Path) -> None:
    """`git mv copy.md pub/copy.md` plus an edit: the pair is found under the old path at HEAD."""
    repo = _old_copy(tmp_path)
    (repo / "pub").mkdir()
    git(repo, "mv", "copy.md", "pub/copy.md")
    write(repo, {"pub/copy.md": article(3) + "\n" + paragraph(1) + "\n\n文末补充一句。\n"})
    git(repo, "add", "-A")
    proc = run_paradup("hook", "pub/copy.md", cwd=repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 already in HEAD" in proc.stdout
    proc = run_paradup("hook", "--staged", "pub/copy.md", cwd=repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ci_since_the_base_of_a_branch(tmp_path: Path) -> None:
    """`--all --since BASE`: a branch is blamed only for the copies it adds; pre-commit's
    `--from-ref` (PRE_COMMIT_FROM_REF) is the same for changed files."""
    repo = _old_copy(tmp_path)
    base = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-qb", "feature")
    write(repo, {"new.md": article(6) + "\n" + paragraph(2) + "\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "a copy of m.md")
    proc = run_paradup("hook", "--all", "-f", "json", cwd=repo)
    assert proc.returncode == 1
    assert sorted(_json(proc)) == [("a.md", "copy.md"), ("m.md", "new.md")]
    proc = run_paradup("hook", "--all", "--since", base, "-f", "json", cwd=repo)
    assert proc.returncode == 1, proc.stderr
    assert _json(proc) == [("m.md", "new.md")]
    proc = run_paradup("hook", "--all", "--since", "HEAD", cwd=repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 already in HEAD" in proc.stdout
    env = {**os.environ, "PRE_COMMIT_FROM_REF": base, "PRE_COMMIT_TO_REF": "HEAD"}
    proc = run_paradup("hook", "-f", "json", "new.md", "copy.md", cwd=repo, env=env)
    assert proc.returncode == 1
    assert _json(proc) == [("m.md", "new.md")]
    # Back on main, the old pair alone: the branch's base explains it.
    git(repo, "checkout", "-q", "main")
    write(repo, {"copy.md": article(3) + "\n" + paragraph(1) + "\n\n末段。\n"})
    proc = run_paradup("hook", "copy.md", cwd=repo, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_bad_since_is_one_line(tmp_path: Path) -> None:
    repo = _old_copy(tmp_path)
    for args in (["--since", "no-such-branch", "copy.md"], ["--all", "--since", "v9"]):
        proc = run_paradup("hook", *args, cwd=repo)
        assert proc.returncode == 2, proc.stdout
        assert proc.stderr.count("\n") == 1 and "not a commit" in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr
    env = {**os.environ, "PRE_COMMIT_FROM_REF": "0" * 40}
    proc = run_paradup("hook", "copy.md", cwd=repo, env=env)
    assert proc.returncode == 2 and "PRE_COMMIT_FROM_REF" in proc.stderr, proc.stderr


def test_before_the_first_commit_everything_is_new(tmp_path: Path) -> None:
    repo = tmp_path / "fresh"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write(repo, {"a.md": article(1), "copy.md": article(3) + "\n" + paragraph(1) + "\n"})
    git(repo, "add", "-A")
    proc = run_paradup("hook", "-f", "json", "copy.md", "a.md", cwd=repo)
    assert proc.returncode == 1, proc.stderr
    assert _json(proc) == [("a.md", "copy.md")]


def test_words_edited_in_an_old_copy_pass(tmp_path: Path) -> None:
    """An editor rewording a few words inside a copy HEAD already had (to make it less of a
    copy) is not blamed for it; pasting more of the source next to it still fails."""
    repo = _old_copy(tmp_path)
    old = paragraph(1)
    edited = old.replace("基本无耻查出为", "基本查出", 1).replace("孩子眼睛", "孩子们的眼睛", 1)
    assert edited != old
    write(repo, {"copy.md": article(3) + "\n" + edited + "\n"})
    git(repo, "add", "-A")
    proc = run_paradup("hook", "copy.md", cwd=repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 already in HEAD" in proc.stdout
    # More of a.md pasted right after the old copy: one longer passage, with new sentences.
    more = edited + "\n\n" + paragraph(1, 3)
    write(repo, {"copy.md": article(3) + "\n" + more + "\n"})
    git(repo, "add", "-A")
    proc = run_paradup("hook", "-f", "json", "copy.md", cwd=repo)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert {b for _, b in _json(proc)} == {"copy.md"}
