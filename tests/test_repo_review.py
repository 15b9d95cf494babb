"""Fixes from a content-repository maintainer's review (2026-12-04, ninth session): the
hook, `baseline write` and CI under configs that cannot be applied as written."""

from __future__ import annotations

from pathlib import Path

from ._repo import article, git, make_repo, paragraph, write
from .conftest import run_paradup
from .test_hook_since import _old_copy


def _baselined(tmp_path: Path) -> tuple[Path, bytes]:
    """A repository whose committed baseline holds one old copy."""
    repo = make_repo(
        tmp_path / "r",
        {"articles/a.md": article(501), "articles/b.md": article(502) + "\n" + paragraph(501)},
    )
    assert "wrote 1 finding" in run_paradup("baseline", "write", cwd=repo).stdout
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "baseline")
    return repo, (repo / ".paradup-baseline.json").read_bytes()


def test_a_missing_user_dictionary_is_one_error_and_keeps_the_baseline(tmp_path: Path) -> None:
    """`user-dict` naming a file that is not there: `baseline write` skipped every article,
    replaced the good baseline with an empty one and exited 2; `hook --all` printed one
    `skipped` line per article after "0 new restated passages"."""
    repo, before = _baselined(tmp_path)
    write(repo, {".paradup.toml": 'user-dict = "words.txt"\n'})
    for args in (("baseline", "write"), ("hook", "--all"), ("hook", "articles/b.md")):
        proc = run_paradup(*args, cwd=repo)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "words.txt: user dictionary not found" in lines[0], lines
        assert ".paradup.toml" in lines[0] and "restated" not in proc.stdout
    assert (repo / ".paradup-baseline.json").read_bytes() == before
    shown = run_paradup("config", cwd=repo)  # shown all the same, with a warning
    assert shown.returncode == 0 and "user dictionary not found" in shown.stderr
    write(repo, {"words.txt": "警示教育 10 n\n"})
    assert run_paradup("hook", "--all", cwd=repo).returncode == 0


def test_baseline_write_keeps_the_old_file_when_an_article_is_unread(tmp_path: Path) -> None:
    """An undecodable article's findings would be missing from the new baseline (and fail
    later as new): the old file is kept and the command says why."""
    repo, before = _baselined(tmp_path)
    (repo / "articles" / "gbk.md").write_bytes(article(503).encode("gb18030"))
    git(repo, "add", "-A")
    proc = run_paradup("baseline", "write", cwd=repo)
    assert proc.returncode == 2
    assert "articles/gbk.md: is not valid UTF-8" in proc.stderr
    assert "not written: 1 article could not be read" in proc.stderr
    assert (repo / ".paradup-baseline.json").read_bytes() == before


def test_a_copy_between_folders_of_two_encodings_is_found(tmp_path: Path) -> None:
    """`legacy/.paradup.toml` reads its GBK articles as gb18030; the rest are UTF-8. Each
    config's check read every article in its own encoding and dropped those that failed: a
    copy between the two folders passed the hook, `hook --all` and CI, silently."""
    repo = make_repo(tmp_path / "r", {"articles/a.md": article(511)})
    (repo / "legacy").mkdir()
    (repo / "legacy" / "old.txt").write_bytes(article(512).encode("gb18030"))
    write(repo, {"legacy/.paradup.toml": 'encoding = "gb18030"\n'})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "legacy")
    (repo / "legacy" / "new.txt").write_bytes((article(513) + paragraph(511)).encode("gb18030"))
    write(repo, {"articles/new.md": article(514) + "\n" + paragraph(512) + "\n"})
    git(repo, "add", "-A")
    for _ in range(2):  # cold, then from the cache
        for rel, source in (
            ("legacy/new.txt", "articles/a.md"),
            ("articles/new.md", "legacy/old.txt"),
        ):
            proc = run_paradup("hook", rel, cwd=repo)
            assert proc.returncode == 1, (rel, proc.stdout, proc.stderr)
            assert f"restates {source}" in proc.stdout
    every = run_paradup("hook", "--all", cwd=repo)
    assert every.returncode == 1, every.stdout + every.stderr
    assert "restates articles/a.md" in every.stdout and "restates legacy/old.txt" in every.stdout


def test_a_copy_moved_out_of_a_deleted_file_is_not_new(tmp_path: Path) -> None:
    """`git rm copy.md` with its copied paragraph pasted into `m.md` (or a rename git sees as a
    delete and an add) failed the commit: HEAD's pair was looked for only in the files
    pre-commit passes, and the deleted one is not among them. A committed baseline passed."""
    repo = _old_copy(tmp_path)  # copy.md restates a paragraph of a.md, in HEAD
    git(repo, "rm", "-q", "copy.md")
    write(repo, {"m.md": article(2) + "\n" + paragraph(1) + "\n"})
    git(repo, "add", "-A")
    proc = run_paradup("hook", "m.md", cwd=repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "(1 already in HEAD, not reported)" in proc.stdout, proc.stdout
    # One old pair explains one copy: a second, fresh one still fails.
    write(repo, {"c.md": article(524) + "\n" + paragraph(1) + "\n"})
    git(repo, "add", "-A")
    two = run_paradup("hook", "m.md", "c.md", cwd=repo)
    assert two.returncode == 1 and "1 new restated passage" in two.stdout, two.stdout


def test_a_rename_with_a_rewrite_keeps_its_old_copy(tmp_path: Path) -> None:
    repo = _old_copy(tmp_path)
    git(repo, "mv", "copy.md", "g.md")
    write(repo, {"g.md": article(525) + "\n" + paragraph(1) + "\n" + paragraph(526) + "\n"})
    git(repo, "add", "-A")
    proc = run_paradup("hook", "g.md", cwd=repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ci_and_the_hook_agree_on_a_stale_baseline_entry(tmp_path: Path) -> None:
    """A baselined pair whose copy a later commit removed from `f.md` explained a fresh copy
    of the passage in a new file under `hook --all --since` (CI passed) while the pre-commit
    hook on the same change failed it."""
    repo, _ = _baselined(tmp_path)  # b.md copies a paragraph of a.md, baselined
    write(repo, {"articles/b.md": article(502)})
    git(repo, "commit", "-qam", "the copy removed from b.md")
    write(repo, {"articles/h.md": article(503) + "\n" + paragraph(501) + "\n"})
    git(repo, "add", "-A")
    hook = run_paradup("hook", "articles/h.md", cwd=repo)
    assert hook.returncode == 1, hook.stdout + hook.stderr
    git(repo, "commit", "-qm", "a fresh copy")
    ci = run_paradup("hook", "--all", "--since", "HEAD~1", cwd=repo)
    assert ci.returncode == 1 and "1 new restated passage" in ci.stdout, ci.stdout + ci.stderr
    # The baselined pair itself, untouched since, still passes CI.
    write(repo, {"articles/b.md": article(502) + "\n" + paragraph(501) + "\n"})
    write(repo, {"articles/h.md": article(503)})
    git(repo, "commit", "-qam", "the old copy back, the fresh one gone")
    git(repo, "commit", "-q", "--allow-empty", "-m", "later")
    again = run_paradup("hook", "--all", "--since", "HEAD~1", cwd=repo)
    assert again.returncode == 0, again.stdout + again.stderr


def test_a_broken_baseline_is_named_for_what_is_wrong(tmp_path: Path) -> None:
    """Truncated JSON, merge-conflict markers and a newer paradup's baseline all said "not a
    paradup baseline (version 3); regenerate it": regenerating a newer one downgrades it."""
    repo, good = _baselined(tmp_path)
    text = good.decode("utf-8")
    conflict = f"<<<<<<< HEAD\n{text}=======\n{text}>>>>>>> topic\n"
    cases = {
        text[: len(text) // 2]: "is not valid JSON (line ",
        conflict: "has git merge conflict markers; resolve them",
        text.replace('"version": 4', '"version": 99'): "written by a newer paradup (baseline "
        "version 99; this one reads up to 4); upgrade paradup",
        "[]": "not a paradup baseline (version 4); regenerate it",
    }
    assert '"version": 4' in text
    for body, words in cases.items():
        (repo / ".paradup-baseline.json").write_text(body, encoding="utf-8")
        git(repo, "add", "-A")
        for args in (("hook", "articles/b.md"), ("hook", "--all")):
            proc = run_paradup(*args, cwd=repo)
            assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
            lines = proc.stderr.strip().splitlines()
            assert len(lines) == 1 and words in lines[0], (args, lines)


def test_a_symlink_given_by_name_is_no_article(tmp_path: Path) -> None:
    """`paradup hook link.md` (a link to `a.md`) read the target under the target's name: the
    old pair of `a.md` failed as new, with `a.md` blamed. git lists a link as a
    link, and `--all` skips it."""
    import os

    repo = _old_copy(tmp_path)
    os.symlink("a.md", repo / "link.md")
    git(repo, "add", "-A")
    proc = run_paradup("hook", "link.md", cwd=repo)
    assert proc.returncode == 0 and "restates" not in proc.stdout, proc.stdout + proc.stderr


def test_another_folders_config_decides_which_of_its_files_are_articles(tmp_path: Path) -> None:
    """A file `legacy/.paradup.toml` excludes, undecodable, stopped `baseline write` (run under
    the root's config, which read it as an article); and that config's unknown-key warning
    was printed by every hook run on other folders' files."""
    repo = make_repo(tmp_path / "r", {"articles/a.md": article(531)})
    (repo / "legacy").mkdir()
    (repo / "legacy" / "old.txt").write_bytes(article(532).encode("gb18030"))
    (repo / "legacy" / "skip.txt").write_bytes(b"\xff\xfe\x00binary-ish \xff")
    write(repo, {"legacy/.paradup.toml": 'encoding = "gb18030"\nexclude = ["skip.txt"]\nx = 1\n'})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "legacy")
    wrote = run_paradup("baseline", "write", cwd=repo)
    assert wrote.returncode == 0 and "among 2 articles" in wrote.stdout, wrote.stdout + wrote.stderr
    write(repo, {"articles/new.md": article(533) + "\n" + paragraph(532) + "\n"})
    git(repo, "add", "-A")
    proc = run_paradup("hook", "articles/new.md", cwd=repo)
    assert proc.returncode == 1 and "restates legacy/old.txt" in proc.stdout, proc.stdout
    assert "warning" not in proc.stderr, proc.stderr
