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
        # The pair is the later file's (copy.md), also in this commit: a run given a.md alone
        # (pre-commit splitting a long list) leaves it to the run given copy.md.
        held = " (1 already in HEAD, not reported)" if name == "copy.md" else "\n"
        assert f"0 new restated passages{held}" in proc.stdout
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


# -- from a review of the feature -------------------------------------------------------------


def _edit(text: str, parity: int) -> str:
    """Two characters dropped from every other sentence: a light word edit."""
    parts = text.split("。")
    return "。".join(
        x[:3] + x[5:] if x and i % 2 == parity and len(x) > 8 else x for i, x in enumerate(parts)
    )


def test_a_pure_rename_or_mode_change_passes(tmp_path: Path) -> None:
    """A file renamed without an edit (same blob, new path) or made executable was taken for
    "passed unchanged, check it whole" and failed on its old pair."""
    repo = _old_copy(tmp_path)
    (repo / "pub").mkdir()
    git(repo, "mv", "copy.md", "pub/copy.md")
    for staged in ([], ["--staged"]):
        proc = run_paradup("hook", *staged, "pub/copy.md", cwd=repo)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    git(repo, "mv", "a.md", "b.md")  # the source renamed too
    proc = run_paradup("hook", "b.md", "pub/copy.md", cwd=repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    git(repo, "commit", "-qm", "moved")
    (repo / "b.md").chmod(0o755)
    git(repo, "add", "-A")
    proc = run_paradup("hook", "b.md", cwd=repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_second_copy_beside_an_edited_old_one_is_new(tmp_path: Path) -> None:
    """The edited-copy rule matched sentences against a set: an old copy edited and a second
    copy of the same paragraph pasted beside it (one finding) passed."""
    repo = _old_copy(tmp_path)
    old = paragraph(1)
    for pair in ((_edit(old, 1), _edit(old, 0)), (_edit(old, 0), _edit(old, 1))):
        write(repo, {"copy.md": article(3) + "\n" + "\n\n".join(pair) + "\n"})
        git(repo, "add", "-A")
        proc = run_paradup("hook", "copy.md", cwd=repo)
        assert proc.returncode == 1, proc.stdout + proc.stderr
    write(repo, {"copy.md": article(3) + "\n" + _edit(old, 1) + "\n"})
    git(repo, "add", "-A")
    assert run_paradup("hook", "copy.md", cwd=repo).returncode == 0


def test_a_baseline_entry_of_another_file_explains_nothing_here(tmp_path: Path) -> None:
    """HEAD had two copies, the baseline one (copy.md's): the entry of copy.md took c2.md's
    old finding out of what HEAD explains, so a baseline made the hook stricter."""
    repo = _old_copy(tmp_path)
    assert run_paradup("baseline", "write", cwd=repo).returncode == 0
    write(repo, {"c2.md": article(4) + "\n" + paragraph(1) + "\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "baseline, and a second copy")
    write(repo, {"c2.md": article(4) + "\n" + paragraph(1) + "\n\n补充一句。\n"})
    git(repo, "add", "-A")
    proc = run_paradup("hook", "c2.md", cwd=repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_copies_merged_in_from_upstream_are_not_the_branch(tmp_path: Path) -> None:
    """pre-push after merging main: the range's files include main's new copy, which the
    branch did not write (its merge's other parent had it)."""
    repo = _old_copy(tmp_path)
    git(repo, "checkout", "-qb", "feat")
    write(repo, {"f.md": article(20)})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "work")
    pushed = git(repo, "rev-parse", "HEAD").strip()
    git(tmp_path, "init", "-q", "--bare", "origin.git")
    git(repo, "remote", "add", "origin", str(tmp_path / "origin.git"))
    git(repo, "checkout", "-q", "main")
    write(repo, {"mainnew.md": article(21) + "\n" + paragraph(2, 3) + "\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "main's copy")
    git(repo, "push", "-q", "origin", "main")  # upstream's: a remote-tracking branch holds it
    git(repo, "checkout", "-q", "feat")
    git(repo, "merge", "-q", "--no-edit", "main")
    write(repo, {"own.md": article(22) + "\n" + paragraph(2, 4) + "\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "the branch's copy")
    # A local topic branch merged with --no-ff is the author's own work, not upstream's.
    git(repo, "checkout", "-qb", "topic")
    write(repo, {"topic.md": article(23) + "\n" + paragraph(2, 5) + "\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "a copy on a local topic branch")
    git(repo, "checkout", "-q", "feat")
    git(repo, "merge", "-q", "--no-ff", "--no-edit", "topic")
    env = {**os.environ, "PRE_COMMIT_FROM_REF": pushed, "PRE_COMMIT_TO_REF": "HEAD"}
    files = git(repo, "diff", "--name-only", f"{pushed}...HEAD").split()
    proc = run_paradup("hook", "-f", "json", *files, cwd=repo, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert {b for _, b in _json(proc)} == {"own.md", "topic.md"}
    proc = run_paradup("hook", "--all", "--since", pushed, "-f", "json", cwd=repo)
    assert {b for _, b in _json(proc)} == {"own.md", "topic.md"}


def test_a_copy_moved_to_another_file_is_the_old_one(tmp_path: Path) -> None:
    """Whether a copy moved between files passed depended on unrelated copies left in the file
    it left (only files with a finding now were checked as they were)."""
    repo = _old_copy(tmp_path)
    write(repo, {"copy.md": article(3), "m.md": article(2) + "\n" + paragraph(1) + "\n"})
    git(repo, "add", "-A")
    proc = run_paradup("hook", "copy.md", "m.md", cwd=repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_an_earlier_commit_leaves_the_merged_index_alone(tmp_path: Path) -> None:
    """The old commit's check rebuilt and saved the repository's band-key index for the old
    tree when over 64 articles differed, so every later ordinary run rebuilt it back."""
    arts = {f"n{i:03d}.md": article(200 + i) for i in range(70)}
    old = {"a.md": article(1), "old.md": article(5) + "\n" + paragraph(1) + "\n"}
    repo = make_repo(tmp_path / "content", {**arts, **old})
    base = git(repo, "rev-parse", "HEAD").strip()
    write(repo, {k: v + "\n新增一段。\n" for k, v in arts.items()})
    write(repo, {"copy.md": article(3) + "\n" + paragraph(1) + "\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "many edits and a copy")
    assert run_paradup("hook", "n000.md", cwd=repo).returncode == 0  # builds the index
    index = next((repo / ".paradup").rglob("index.json"))
    meta = index.read_text(encoding="utf-8")
    proc = run_paradup("hook", "--all", "--since", base, "-f", "json", cwd=repo)
    assert proc.returncode == 1, proc.stderr
    assert [b for _, b in _json(proc)] == ["copy.md"]  # old.md's pair is the base's
    assert index.read_text(encoding="utf-8") == meta


def test_an_old_path_that_is_a_folder_now(tmp_path: Path) -> None:
    repo = _old_copy(tmp_path)
    git(repo, "mv", "copy.md", "tmp.md")
    (repo / "copy.md").mkdir()
    git(repo, "mv", "tmp.md", "copy.md/index.md")
    edited = (repo / "copy.md/index.md").read_text(encoding="utf-8") + "\n补充。\n"
    write(repo, {"copy.md/index.md": edited})
    git(repo, "add", "-A")
    proc = run_paradup("hook", "copy.md/index.md", cwd=repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_one_old_pair_under_two_configs_counts_once(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "content",
        {
            "docs/a.md": article(1),
            "content/.paradup.toml": "min-chars = 12\n",
            "content/copy.md": article(3) + "\n" + paragraph(1) + "\n",
        },
    )
    write(repo, {"docs/a.md": article(1) + "\n补记一句。\n"})
    write(repo, {"content/copy.md": article(3) + "\n" + paragraph(1) + "\n\n补记。\n"})
    git(repo, "add", "-A")
    proc = run_paradup("hook", "docs/a.md", "content/copy.md", cwd=repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 already in HEAD" in proc.stdout
    proc = run_paradup("hook", "--since", "none", "-f", "json", "docs/a.md", "content/copy.md")
    assert proc.returncode != 0


def test_an_empty_since_is_refused(tmp_path: Path) -> None:
    repo = _old_copy(tmp_path)
    proc = run_paradup("hook", "--since", "", "copy.md", cwd=repo)
    assert proc.returncode == 2 and "--since: empty" in proc.stderr, proc.stderr
    proc = run_paradup("hook", "--since=", "--all", cwd=repo)
    assert proc.returncode == 2 and "--since: empty" in proc.stderr, proc.stderr


def test_the_fresh_copy_is_blamed_not_the_old_one(tmp_path: Path) -> None:
    """The old pair's entry went to whichever finding with its text came first: touching the
    old copy's file while pasting the paragraph into another blamed the old copy."""
    repo = _old_copy(tmp_path)
    write(repo, {"copy.md": article(3) + "\n" + paragraph(1) + "\n\n补记。\n"})
    write(repo, {"m.md": article(2) + "\n" + paragraph(1) + "\n"})
    git(repo, "add", "-A")
    proc = run_paradup("hook", "-f", "json", "copy.md", "m.md", cwd=repo)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert {b for _, b in _json(proc)} == {"m.md"}


def test_moving_an_old_copy_into_a_new_file_passes_a_fresh_one_fails(tmp_path: Path) -> None:
    """Splitting an article moved its old copy into a new file: that failed, though the same
    move into an existing file passed (the new file was not in the earlier commit)."""
    repo = _old_copy(tmp_path)
    write(repo, {"copy.md": article(3) + "\n", "part2.md": "续篇。\n\n" + paragraph(1) + "\n"})
    git(repo, "add", "-A")
    proc = run_paradup("hook", "copy.md", "part2.md", cwd=repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 already in HEAD" in proc.stdout
    # The old copy stays where it was (its file touched, or not): a new file's copy is new.
    for touched in (True, False):
        git(repo, "checkout", "-q", "HEAD", "--", "copy.md")
        if touched:
            write(repo, {"copy.md": article(3) + "\n" + paragraph(1) + "\n新增一句。\n"})
        git(repo, "add", "-A")
        names = ("copy.md", "part2.md") if touched else ("part2.md",)
        proc = run_paradup("hook", *names, "-f", "json", cwd=repo)
        assert proc.returncode == 1, (touched, proc.stdout)
        assert _json(proc) == [("a.md", "part2.md")], touched


def test_all_since_blames_the_file_the_branch_changed(tmp_path: Path) -> None:
    """A branch pasted a newer article's paragraph into an older one: `--all --since main`
    (the README's PR gate) blamed the newer, untouched file, outside the PR's diff."""
    repo = make_repo(tmp_path / "r", {"old.md": article(11), "x.md": article(12)})
    write(repo, {"newer.md": article(13)})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "newer")
    git(repo, "checkout", "-q", "-b", "topic")
    write(repo, {"old.md": article(11) + "\n" + paragraph(13) + "\n"})
    git(repo, "commit", "-qam", "paste")
    proc = run_paradup("hook", "--all", "--since", "main", "-f", "json", cwd=repo)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert _json(proc) == [("newer.md", "old.md")]


def test_a_pull_request_checked_out_as_a_merge_is_not_upstream(tmp_path: Path) -> None:
    """GitHub checks a pull request out as refs/pull/N/merge, a merge of its head into the
    base branch; a remote branch holds the head, so the merge's other parent was taken for
    upstream's work and `hook --all --since origin/main` (the README's gate) passed the pull
    request's own copy: "0 new (1 already in origin/main)". HEAD merging into the base is
    the change itself."""
    origin = make_repo(tmp_path / "origin", {f"{i:02d}.md": article(360 + i) for i in range(3)})
    git(origin, "checkout", "-qb", "feature")
    write(origin, {"pr-copy.md": article(370) + "\n" + paragraph(361) + "\n"})
    git(origin, "add", "-A")
    git(origin, "commit", "-qm", "the pull request's copy")
    git(origin, "checkout", "-q", "main")
    write(origin, {"later.md": article(371)})
    git(origin, "add", "-A")
    git(origin, "commit", "-qm", "main moves on")
    git(origin, "checkout", "-q", "--detach", "main")
    git(origin, "merge", "-q", "--no-ff", "-m", "Merge feature into main", "feature")
    git(origin, "update-ref", "refs/pull/1/merge", "HEAD")
    git(origin, "checkout", "-q", "main")
    ci = tmp_path / "ci"
    ci.mkdir()
    git(ci, "init", "-q")
    git(ci, "remote", "add", "origin", str(origin))
    git(ci, "fetch", "-q", "origin", "+refs/heads/*:refs/remotes/origin/*")
    git(ci, "fetch", "-q", "origin", "+refs/pull/1/merge:refs/remotes/pull/1/merge")
    git(ci, "checkout", "-q", "--detach", "refs/remotes/pull/1/merge")
    proc = run_paradup("hook", "--all", "--since", "origin/main", "-f", "json", cwd=ci)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert {b for _, b in _json(proc)} == {"pr-copy.md"}
    env = {**os.environ, "PRE_COMMIT_FROM_REF": "origin/main", "PRE_COMMIT_TO_REF": "HEAD"}
    proc = run_paradup("hook", "pr-copy.md", "later.md", cwd=ci, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    # The base named by its commit id (`github.event.pull_request.base.sha`), origin/feature
    # still holding the head.
    base = git(ci, "rev-parse", "origin/main").strip()
    proc = run_paradup("hook", "--all", "--since", base, cwd=ci)
    assert proc.returncode == 1, proc.stdout + proc.stderr
