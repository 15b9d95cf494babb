"""Fixes from a content-repository maintainer's review (2026-12-04, ninth session): the
hook, `baseline write` and CI under configs that cannot be applied as written."""

from __future__ import annotations

from pathlib import Path

from ._repo import article, git, make_repo, paragraph, write
from .conftest import run_paradup


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
