"""Hook fixes from a maintainer's review (2026-12-03, fourth session)."""

from __future__ import annotations

import json
import os
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


def test_the_later_article_is_blamed_when_both_are_given(tmp_path: Path) -> None:
    """`pre-commit run --all-files` passes the original and its later copy both: name order
    blamed the original (and gated its 复制比); changed files that restate each other are
    ordered by when git added them."""
    repo = _copied_later(tmp_path)
    proc = run_paradup("hook", "-f", "json", "a-new.md", "z-old.md", cwd=repo)
    assert proc.returncode == 1, proc.stderr
    found = json.loads(proc.stdout)["findings"]
    assert [(f["a"]["path"], f["b"]["path"]) for f in found] == [("z-old.md", "a-new.md")]
    gate = run_paradup("hook", "--max-ratio", "0.05", "z-old.md", "a-new.md", cwd=repo)
    assert gate.returncode == 1 and "failing a-new.md" in gate.stdout


def test_text_a_change_brings_is_blamed_on_the_changed_file(tmp_path: Path) -> None:
    """Text pasted into an older file from a newer one is what the change brings: the changed
    file is the later side and its 复制比 is gated (dating every file by age blamed the
    untouched newer file and passed the gate). A path reused for a new file is new."""
    repo = make_repo(tmp_path / "content", {"old.md": article(1)})
    write(repo, {"new.md": article(2)})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "newer article")
    write(repo, {"old.md": article(1) + "\n" + article(2)})
    proc = run_paradup("hook", "--max-ratio", "0.2", "-f", "json", "old.md", cwd=repo)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert {f["b"]["path"] for f in json.loads(proc.stdout)["findings"]} == {"old.md"}
    # draft.md renamed away to pub/, then a new draft.md staged with a copy of news.md
    git(repo, "checkout", "-q", "old.md")
    write(repo, {"draft.md": article(3)})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "draft")
    git(repo, "mv", "draft.md", "pub.md")
    git(repo, "commit", "-qm", "publish")
    write(repo, {"news.md": article(4)})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "news")
    write(repo, {"draft.md": article(5) + "\n" + article(4)})
    git(repo, "add", "-A")
    proc = run_paradup("hook", "-f", "json", "draft.md", "news.md", cwd=repo)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert {f["b"]["path"] for f in json.loads(proc.stdout)["findings"]} == {"draft.md"}


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


def _content_baselined(
    tmp_path: Path, first: str = "content/a.md", other: str = "README.md"
) -> Path:
    """`content/b.md` copies `first` (article 1), a pair in `content/.paradup.toml`'s own
    baseline; `other` holds article 2, and the root no config."""
    repo = make_repo(tmp_path / "site", {first: article(1), other: article(2)})
    write(repo, {"content/.paradup.toml": 'baseline = "content/known.json"\n'})
    write(repo, {"templates/x/pyproject.toml": "[tool.paradup\n"})  # no article's config
    write(repo, {"content/b.md": article(3) + "\n" + paragraph(1) + "\n"})
    git(repo, "add", "-A")
    assert run_paradup("baseline", "write", cwd=repo / "content").returncode == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "content with its config and baseline")
    return repo


def test_each_changed_file_is_judged_under_its_own_config(tmp_path: Path) -> None:
    """`content/.paradup.toml` (its own baseline) was dropped whenever the commit also touched
    the root README.md: the config was sought from the files' common folder."""
    repo = _content_baselined(tmp_path)
    write(repo, {"content/b.md": article(3) + "\n" + paragraph(1) + "\n\n新增一段说明文字。\n"})
    write(repo, {"README.md": article(2) + "\n" + paragraph(4, 3) + "\n"})
    alone = run_paradup("hook", "content/b.md", cwd=repo)
    assert alone.returncode == 0, alone.stdout + alone.stderr
    both = run_paradup("hook", "-f", "json", "content/b.md", "README.md", cwd=repo)
    assert both.returncode == 0, both.stdout + both.stderr
    assert json.loads(both.stdout)["findings"] == []
    # A restatement new in README.md is still caught, under the root's defaults.
    write(repo, {"README.md": article(2) + "\n" + paragraph(1) + "\n"})
    both = run_paradup("hook", "-f", "json", "content/b.md", "README.md", cwd=repo)
    assert both.returncode == 1, both.stdout + both.stderr
    found = json.loads(both.stdout)["findings"]
    assert {f["b"]["path"] for f in found} == {"README.md"}


def test_a_file_moved_away_and_back_keeps_its_entry_to_itself(tmp_path: Path) -> None:
    """With one stale entry (a deleted file) every entry was mapped through renames, so
    `c.md -> c2.md -> c.md` made the pair's entry name a gone path, free for any copy."""
    repo = _baselined_pair(tmp_path)
    write(repo, {"n.md": article(6) + "\n" + paragraph(2) + "\n"})  # copies m.md
    git(repo, "add", "-A")
    assert "wrote 2 findings" in run_paradup("baseline", "write", cwd=repo).stdout
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "second baselined pair")
    git(repo, "rm", "-q", "n.md")
    git(repo, "commit", "-qm", "n.md deleted: its entry is stale")
    git(repo, "mv", "c.md", "c2.md")
    git(repo, "commit", "-qm", "away")
    git(repo, "mv", "c2.md", "c.md")
    git(repo, "commit", "-qm", "back")
    write(repo, {"e.md": article(4) + "\n" + paragraph(1) + "\n"})
    git(repo, "add", "e.md")
    proc = run_paradup("hook", "-f", "json", "e.md", cwd=repo)
    assert proc.returncode == 1, proc.stdout + proc.stderr


def test_markup_and_punctuation_edits_keep_a_baselined_copy_known(tmp_path: Path) -> None:
    """Emphasis, a block quote or `。` → `！` inside a baselined copy made it a new finding:
    the baseline (version 3) hashes letters, digits and ideographs only. A version 2 baseline
    is still read, its entries matched as they were written."""
    from paradup.baseline import Entry, fingerprint, parts, split
    from paradup.model import Finding, Span

    def finding(a: str, b: str) -> Finding:
        return Finding(
            1.0, "exact", Span("a.md", 0, len(a), 1, 1, a), Span("b.md", 0, len(b), 1, 1, b)
        )

    text = "会议要求各单位加强安全生产管理，落实主体责任。确保不出现任何安全事故。"
    was = finding(text, text)
    edited = finding(
        text, "> 会议要求各单位**加强**安全生产管理，落实主体责任！确保不出现任何安全事故。"
    )
    v3 = [Entry(fingerprint(was), ("a.md", "b.md"), (parts(text), parts(text)))]
    assert split([edited], v3, ["b.md"], {"a.md", "b.md"}).new == ()
    v2 = [Entry(fingerprint(was, 2), ("a.md", "b.md"), (parts(text, 2), parts(text, 2)), 2)]
    assert split([was], v2, ["b.md"], {"a.md", "b.md"}).new == ()
    assert split([edited], v2, ["b.md"], {"a.md", "b.md"}).new == (edited,)
    # End to end: the written baseline, then emphasis added inside the copy.
    repo = _baselined_pair(tmp_path)
    data = json.loads((repo / BASELINE).read_text(encoding="utf-8"))
    assert data["version"] == 4
    copy = (repo / "c.md").read_text(encoding="utf-8")
    line = paragraph(1).split("，")[0]
    write(repo, {"c.md": copy.replace(line, f"**{line}**", 1)})
    assert "**" in (repo / "c.md").read_text(encoding="utf-8")
    proc = run_paradup("hook", "c.md", cwd=repo)
    assert proc.returncode == 0, proc.stdout


def test_a_moved_original_is_still_older_than_its_copy(tmp_path: Path) -> None:
    """Dating the changed files by a log limited to their paths took the original's move
    (`old/orig.md` -> `orig.md`) for an add, so the original was blamed as the copy."""
    repo = make_repo(tmp_path / "content", {"old/orig.md": article(1)})
    write(repo, {"copy.md": article(2) + "\n" + paragraph(1) + "\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "copy")
    git(repo, "mv", "old/orig.md", "orig.md")
    git(repo, "commit", "-qm", "move the original")
    for rel in ("orig.md", "copy.md"):
        write(repo, {rel: (repo / rel).read_text(encoding="utf-8") + "\n补记一句。\n"})
    proc = run_paradup("hook", "--no-baseline", "-f", "json", "orig.md", "copy.md", cwd=repo)
    assert proc.returncode == 1, proc.stderr
    found = json.loads(proc.stdout)["findings"]
    assert [(f["a"]["path"], f["b"]["path"]) for f in found] == [("orig.md", "copy.md")]


def test_a_linked_worktree_is_checked_like_the_main_one(tmp_path: Path) -> None:
    """git runs hooks in a linked worktree with GIT_DIR set: the hook took the changed file's
    folder for the repository's top, no tracked path matched, and every copy passed."""
    repo = make_repo(tmp_path / "r", {f"articles/{i:02d}.md": article(300 + i) for i in range(4)})
    wt = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", str(wt), "-b", "topic")
    write(
        wt, {"articles/copy.md": "导语。\n\n" + paragraph(301) + "\n\n" + paragraph(301, 3) + "\n"}
    )
    git(wt, "add", "-A")
    git_dir = git(wt, "rev-parse", "--absolute-git-dir").strip()
    proc = run_paradup("hook", "articles/copy.md", cwd=wt, env={**os.environ, "GIT_DIR": git_dir})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "articles/copy.md" in proc.stdout
    assert not (wt / "articles" / ".paradup").exists()


def test_all_names_the_articles_it_cannot_read_and_exits_2(tmp_path: Path) -> None:
    """`hook --all` (the CI command) and `baseline write` dropped an undecodable article with
    no word and exit 0, while `check` of the same folder said why and exited 2."""
    repo = make_repo(tmp_path / "r", {f"articles/{i:02d}.md": article(320 + i) for i in range(3)})
    (repo / "articles" / "gbk.md").write_bytes(article(320).encode("gb18030"))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "gbk")
    for args in (("hook", "--all"), ("baseline", "write")):
        proc = run_paradup(*args, cwd=repo)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert "articles/gbk.md: is not valid UTF-8" in proc.stderr and "skipped" in proc.stderr


def test_a_nested_configs_globs_are_matched_from_its_folder(tmp_path: Path) -> None:
    """`exclude = ["drafts/*"]` in `articles/.paradup.toml` kept `articles/drafts/d.md` out of
    `check articles/` but not out of the hook (it matched the repository-relative path)."""
    repo = make_repo(tmp_path / "r", {f"articles/{i:02d}.md": article(340 + i) for i in range(3)})
    write(repo, {"articles/.paradup.toml": 'exclude = ["drafts/*"]\n'})
    write(repo, {"articles/drafts/d.md": "草稿。\n\n" + paragraph(341) + "\n"})
    git(repo, "add", "-A")
    check = run_paradup("check", "articles", "-f", "json", cwd=repo)
    assert "articles/drafts/d.md" not in check.stdout
    hook = run_paradup("hook", "articles/drafts/d.md", cwd=repo)
    assert hook.returncode == 0, hook.stdout + hook.stderr
    write(repo, {"articles/new.md": "新稿。\n\n" + paragraph(341) + "\n"})
    git(repo, "add", "-A")
    assert run_paradup("hook", "articles/new.md", cwd=repo).returncode == 1


def test_all_judges_each_file_under_its_own_config(tmp_path: Path) -> None:
    """`hook --all` (the CI command) used the working directory's config for every file, so
    `content/.paradup.toml` and its baseline were dropped: a pair it had accepted failed CI
    while `pre-commit run --all-files` (files grouped by the config each discovers) passed."""
    repo = _content_baselined(tmp_path)
    for cwd in (repo, repo / "content"):
        proc = run_paradup("hook", "--all", cwd=cwd)
        assert proc.returncode == 0, (cwd, proc.stdout, proc.stderr)
    # A third copy, in the top file (which git saw first: the earlier side), fails; each pair
    # is judged once, by its later side's config (content's baseline explains one of them).
    write(repo, {"README.md": article(2) + "\n" + paragraph(1) + "\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "copy in README")
    proc = run_paradup("hook", "--all", "-f", "json", cwd=repo)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    pairs = [(f["a"]["path"], f["b"]["path"]) for f in json.loads(proc.stdout)["findings"]]
    assert len(pairs) == 1, pairs
    assert pairs[0] in [("README.md", "content/a.md"), ("README.md", "content/b.md")]
    # One config named for all: content's baseline is not read, its pair is new.
    (tmp_path / "one.toml").write_text("", encoding="utf-8")
    git(repo, "revert", "--no-edit", "HEAD")
    proc = run_paradup("hook", "--all", "--config", str(tmp_path / "one.toml"), cwd=repo)
    assert proc.returncode == 1, proc.stdout + proc.stderr


def test_a_typo_fixed_inside_a_baselined_copy_passes(tmp_path: Path) -> None:
    """The earlier commit's pair was taken out as "explained by the baseline then", but the
    edited pair no longer matched the entry: fixing one character inside a baselined copy
    failed the commit (without a baseline it passed), blaming the original article."""
    repo = _baselined_pair(tmp_path)
    copied = paragraph(1)
    fixed = copied[: len(copied) // 2] + "的" + copied[len(copied) // 2 + 1 :]
    assert copied in article(1) and fixed != copied
    for name, text in (
        ("a.md", article(1).replace(copied, fixed)),
        ("c.md", article(3) + "\n" + fixed + "\n"),
    ):
        write(repo, {name: text})
        git(repo, "add", "-A")
        proc = run_paradup("hook", name, cwd=repo)
        assert proc.returncode == 0, (name, proc.stdout, proc.stderr)
        assert "1 already in HEAD" in proc.stdout
        git(repo, "checkout", "-q", "HEAD", "--", name)  # back to the baselined text
    # Committed, CI's range check passes too; a fresh copy of the passage still fails.
    write(repo, {"a.md": article(1).replace(copied, fixed)})
    git(repo, "commit", "-qam", "typo fixed")
    proc = run_paradup("hook", "--all", "--since", "HEAD~1", cwd=repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    write(repo, {"e.md": article(5) + "\n" + fixed + "\n"})
    git(repo, "add", "-A")
    assert run_paradup("hook", "e.md", cwd=repo).returncode == 1


def test_github_annotations_follow_the_gate(tmp_path: Path) -> None:
    """A baselined pair printed a `::notice` on every run (the text report says "not
    reported"); a new finding under a passing `--max-ratio` was an `::error` on a green job."""
    repo = _baselined_pair(tmp_path)
    write(repo, {"c.md": article(3) + "\n" + paragraph(1) + "\n\n补记一句。\n"})
    git(repo, "add", "-A")
    proc = run_paradup("hook", "--format", "github", "c.md", cwd=repo)
    assert proc.returncode == 0 and proc.stdout == "", proc.stdout
    proc = run_paradup("hook", "--all", "--format", "github", cwd=repo)
    assert proc.returncode == 0 and proc.stdout == "", proc.stdout
    write(repo, {"e.md": article(5) + "\n" + paragraph(1) + "\n"})
    git(repo, "add", "-A")
    proc = run_paradup("hook", "--format", "github", "--max-ratio", "0.9", "e.md", cwd=repo)
    assert proc.returncode == 0 and proc.stdout.startswith("::warning file=e.md,"), proc.stdout
    proc = run_paradup("hook", "--format", "github", "e.md", cwd=repo)
    assert proc.returncode == 1 and proc.stdout.startswith("::error file=e.md,"), proc.stdout


def test_a_deleted_baselined_copy_explains_no_later_copy(tmp_path: Path) -> None:
    """The entry of a deleted copy was free to explain a fresh copy of the passage anywhere,
    for good. Moving the copy in the very commit that deletes its file still passes."""
    repo = _baselined_pair(tmp_path)
    git(repo, "rm", "-q", "c.md")
    write(repo, {"moved.md": article(7) + "\n" + paragraph(1) + "\n"})
    git(repo, "add", "-A")
    proc = run_paradup("hook", "moved.md", cwd=repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    git(repo, "rm", "-q", "-f", "moved.md")
    git(repo, "commit", "-qm", "the copy deleted")
    write(repo, {"fresh.md": article(8) + "\n" + paragraph(1) + "\n"})
    git(repo, "add", "-A")
    proc = run_paradup("hook", "fresh.md", cwd=repo)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    git(repo, "commit", "-qm", "a fresh copy, months later")
    proc = run_paradup("hook", "--all", "--since", "HEAD~1", cwd=repo)
    assert proc.returncode == 1, proc.stdout + proc.stderr


def test_a_cache_folder_unused_for_a_month_is_removed(tmp_path: Path) -> None:
    """An upgrade (or a config change) starts a new settings folder in the cache and left the
    old one (138 MB for 3,000 articles) for good."""
    import os
    import time

    repo = make_repo(tmp_path / "r", {f"{i:02d}.md": article(380 + i) for i in range(3)})
    write(repo, {"new.md": article(390)})
    git(repo, "add", "-A")
    assert run_paradup("hook", "new.md", cwd=repo).returncode == 0
    cache = repo / ".paradup" / "cache"
    (current,) = [p for p in cache.iterdir() if p.is_dir()]
    old, recent = cache / ("0" * 16), cache / ("1" * 16)
    for folder in (old, recent):
        (folder / "docs").mkdir(parents=True)
        (folder / "docs" / "x.pickle").write_bytes(b"x")
    month_ago = time.time() - 31 * 86400
    os.utime(old, (month_ago, month_ago))
    assert run_paradup("hook", "new.md", cwd=repo).returncode == 0
    assert not old.exists() and recent.exists() and current.exists()
    assert (current / "used").is_file()
    assert run_paradup("hook", "new.md", cwd=repo).returncode == 0
    assert git(repo, "status", "--porcelain", "--ignored", "--", ".paradup").startswith("!!")


@pytest.mark.parametrize("top", ["README.md", "zz.md"])
def test_all_judges_a_pair_across_configs_once_by_its_later_side(tmp_path: Path, top: str) -> None:
    """Both configs' groups found a pair across them: the first group's verdict was reported
    and the union of failing files gated, so with the root file named zz.md CI failed
    showing nothing ("0 new ... failing content/b.md"); a broken pyproject.toml among
    templates (no article there) made `--all` exit 2."""
    repo = _content_baselined(tmp_path, first=top, other="content/a.md")
    proc = run_paradup("hook", "--all", cwd=repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 known in the baseline" in proc.stdout


def test_an_undecodable_article_names_the_config_key(tmp_path: Path) -> None:
    """The hook said "pass --encoding gb18030", an option it does not have."""
    repo = make_repo(tmp_path / "content", {"a.md": article(1)})
    (repo / "gb.md").write_bytes(article(2).encode("gb18030"))
    git(repo, "add", "-A")
    proc = run_paradup("hook", "gb.md", cwd=repo)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert 'set encoding = "gb18030" in .paradup.toml' in proc.stderr, proc.stderr
    assert "--encoding" not in proc.stderr
    # The config file the repository has, as it spells the key (it always said .paradup.toml).
    (repo / "pyproject.toml").write_text("[tool.paradup]\nthreshold = 0.5\n", encoding="utf-8")
    proc = run_paradup("hook", "gb.md", cwd=repo)
    assert proc.returncode == 2, proc.stderr
    assert '[tool.paradup] encoding = "gb18030" in ' in proc.stderr, proc.stderr
    assert "pyproject.toml" in proc.stderr and ".paradup.toml" not in proc.stderr
    (repo / "pyproject.toml").unlink()
    (repo / ".paradup.toml").write_text('encoding = "gb18030"\n', encoding="utf-8")
    assert run_paradup("hook", "gb.md", cwd=repo).returncode == 0


def test_json_gate_of_two_configs(tmp_path: Path) -> None:
    """The hook object's `gate` kept a "gate: " inside when two configs gated the files
    (`any new finding; gate: 复制比 above 50.0%`)."""
    repo = _content_baselined(tmp_path)
    write(repo, {"content/.paradup.toml": 'baseline = "content/known.json"\nmax-ratio = 0.5\n'})
    write(repo, {"README.md": article(2) + "\n" + paragraph(1) + "\n"})
    proc = run_paradup("hook", "-f", "json", "content/b.md", "README.md", cwd=repo)
    hook = json.loads(proc.stdout)["hook"]
    assert hook["gate"] == "复制比 above 50.0%, any new finding", hook
    text = run_paradup("hook", "content/b.md", "README.md", cwd=repo).stdout
    assert "; gate: 复制比 above 50.0%, any new finding: failing README.md" in text, text
