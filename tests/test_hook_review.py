"""Hook fixes from a review: side order, cache digest, --output, include/exclude, missing paths,
undecodable names, cache-dir, `-` file names, git's own errors, SARIF base URI, linear ensure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ._repo import article, git, make_repo, paragraph, write
from .conftest import paradup_exe

HOOK = str(Path(sys.executable).parent / "paradup-hook")
ENV = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}


def hook(repo: Path, *args: str, exe: list[str] | None = None, **env: str) -> tuple[int, str, str]:
    """Run the installed `paradup-hook` (or `exe`); no traceback, ever."""
    proc = subprocess.run(
        [*(exe or [HOOK]), *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        cwd=repo,
        env={**ENV, **env},
        timeout=300,
    )
    out = proc.stdout.decode("utf-8")
    err = proc.stderr.decode("utf-8")
    assert "Traceback" not in err, err
    return proc.returncode, out, err


def one_line(err: str) -> str:
    (line,) = err.strip().splitlines()
    assert line.startswith("paradup: error:"), line
    return line


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "content", {f"articles/{i:02d}.md": article(i) for i in range(8)})


# 1 -------------------------------------------------------------------------------------------


def test_new_copy_is_blamed_whatever_the_argument_order(repo: Path) -> None:
    """An edited original and a new file holding a copy of one of its paragraphs: the new file
    is the later side (and fails the ratio gate) in either order, even when its name sorts
    first."""
    write(repo, {"articles/03.md": article(3) + "\n末尾补充一句与其他稿件无关的话。\n"})
    write(repo, {"articles/00-copy.md": "本稿导语。\n\n" + paragraph(3) + "\n"})
    git(repo, "add", "-A")
    runs = [
        hook(repo, "--max-ratio", "0.2", "articles/00-copy.md", "articles/03.md"),
        hook(repo, "--max-ratio", "0.2", "articles/03.md", "articles/00-copy.md"),
    ]
    for rc, out, _ in runs:
        assert rc == 1, out
        assert out.splitlines()[0].startswith("articles/00-copy.md:")
        assert "restates articles/03.md:" in out.splitlines()[0]
        assert "failing articles/00-copy.md" in out
    assert runs[0][1] == runs[1][1]


# 2 -------------------------------------------------------------------------------------------


def test_cache_digest_covers_the_version_and_the_pipeline_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import paradup
    from paradup import repo as repo_mod
    from paradup.settings import load_settings

    settings = load_settings([str(tmp_path)])
    before = repo_mod.settings_digest(settings)
    monkeypatch.setattr(paradup, "__version__", "999.0")
    assert repo_mod.settings_digest(settings) != before
    monkeypatch.undo()
    assert repo_mod.settings_digest(settings) == before
    # a changed byte in any pipeline module (normalize.py, ...) is a different cache
    module = tmp_path / "normalize.py"
    module.write_bytes(b"x = 1\n")
    monkeypatch.setattr(repo_mod, "PIPELINE_MODULES", (str(module),))
    monkeypatch.setattr(repo_mod, "_PIPELINE_STAMP", [])
    first = repo_mod.settings_digest(settings)
    module.write_bytes(b"x = 2\n")
    monkeypatch.setattr(repo_mod, "_PIPELINE_STAMP", [])
    assert repo_mod.settings_digest(settings) != first


def test_cache_digest_covers_the_installed_segmenters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another rjieba (or jieba) build cuts words differently: its files are in the digest."""
    import sys

    from paradup import repo as repo_mod
    from paradup.settings import load_settings

    fake = tmp_path / "site" / "rjieba"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("from .rjieba import *\n")
    (fake / "rjieba.abi3.so").write_bytes(b"v1")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.delitem(sys.modules, "rjieba", raising=False)
    settings = load_settings([str(tmp_path)])
    monkeypatch.setattr(repo_mod, "_PIPELINE_STAMP", [])
    first = repo_mod.settings_digest(settings)
    assert "rjieba.abi3.so:2" in repo_mod._segmenter_stamp()
    (fake / "rjieba.abi3.so").write_bytes(b"v2 of the engine")  # an upgrade
    monkeypatch.setattr(repo_mod, "_PIPELINE_STAMP", [])
    assert repo_mod.settings_digest(settings) != first


def test_cache_of_another_paradup_version_is_not_reused(repo: Path) -> None:
    write(repo, {"articles/new.md": article(120)})
    git(repo, "add", "-A")
    probe = (
        "import sys, paradup\n"
        "paradup.__version__ = sys.argv[1]\n"
        "from paradup.cli_hook import main\n"
        "main(['articles/new.md'])\n"
    )
    for version in ("0.0.1", "0.0.2"):
        proc = subprocess.run([sys.executable, "-c", probe, version], cwd=repo, env=ENV)
        assert proc.returncode == 0
    assert len(list((repo / ".paradup" / "cache").iterdir())) == 2


# 3 -------------------------------------------------------------------------------------------


def test_output_never_replaces_a_repository_file(repo: Path) -> None:
    write(repo, {"notes/list.csv": "a,b\n", ".paradup.toml": "min-chars = 12\n"})
    write(repo, {"articles/new.md": article(121) + "\n" + paragraph(2) + "\n"})
    git(repo, "add", "-A")
    before = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts}
    for target in (
        "articles/new.md",  # the checked file
        "articles/01.md",  # a tracked article
        "./articles/../articles/05.md",  # another spelling
        "notes/list.csv",  # a tracked file that is no article
        ".paradup-baseline.json",  # the baseline, even before it exists
        ".paradup.toml",  # the config
    ):
        rc, out, err = hook(repo, "articles/new.md", "-o", target)
        assert rc == 2 and out == "", target
        assert "--output" in one_line(err), target
    after = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts}
    assert {p: b for p, b in after.items() if ".paradup" not in p.parts} == before
    assert not (repo / ".paradup-baseline.json").exists()
    rc, _, _ = hook(repo, "articles/new.md", "-o", "report.txt")
    assert rc == 1 and "restates articles/02.md" in (repo / "report.txt").read_text("utf-8")
    assert not list(repo.glob(".report.txt*"))  # written atomically, no temporary left


# 4 -------------------------------------------------------------------------------------------


def test_exclude_and_include_apply_to_the_files_given(repo: Path) -> None:
    (repo / ".paradup.toml").write_text('exclude = ["drafts/"]\n', encoding="utf-8")
    write(repo, {"drafts/copy.md": paragraph(4), "articles/new.md": article(122)})
    git(repo, "add", "-A")
    rc, out, _ = hook(repo, "drafts/copy.md", "articles/new.md")
    assert rc == 0 and "drafts" not in out, out
    (repo / ".paradup.toml").write_text('include = ["articles/**"]\n', encoding="utf-8")
    rc, out, _ = hook(repo, "drafts/copy.md")
    assert rc == 0 and "drafts" not in out, out


# 5 -------------------------------------------------------------------------------------------


def test_missing_paths_and_folders_are_errors_deleted_files_are_skipped(repo: Path) -> None:
    rc, _, err = hook(repo, "articles/nosuch.md")
    assert rc == 2 and "articles/nosuch.md" in one_line(err) and "does not exist" in err
    rc, _, err = hook(repo, "articles")
    assert rc == 2 and "articles" in one_line(err) and "folder" in err
    (repo / "sub.md").mkdir()  # a folder with an article's name
    rc, _, err = hook(repo, "sub.md")
    assert rc == 2 and "sub.md" in one_line(err)
    git(repo, "rm", "-q", "articles/01.md")  # staged deletion
    (repo / "articles/02.md").unlink()  # work-tree deletion
    assert hook(repo, "articles/01.md", "articles/02.md")[0] == 0


# 6 -------------------------------------------------------------------------------------------

BAD = os.fsdecode(b"articles/bad\xff.md")


def test_undecodable_file_name_in_the_baseline_and_the_report(repo: Path) -> None:
    Path(repo, BAD).write_text(article(123) + "\n" + paragraph(5) + "\n", encoding="utf-8")
    git(repo, "add", "-A")
    rc, out, _ = hook(repo, BAD)
    assert rc == 1 and "articles/bad\\xff.md:" in out and "restates articles/05.md" in out
    rc, out, err = hook(repo, "baseline", "write", exe=[paradup_exe()])
    assert rc == 0, err
    data = json.loads((repo / ".paradup-baseline.json").read_text(encoding="utf-8"))
    assert [r["b"] for r in data["findings"]] == ["articles/bad\\xff.md"]
    assert not list(repo.glob("*.tmp"))
    git(repo, "add", ".paradup-baseline.json")
    rc, out, _ = hook(repo, BAD)  # baselined: known, passes
    assert rc == 0 and "1 known" in out, out
    # a baseline path that is a folder: one line, nothing left behind
    (repo / "base").mkdir()
    rc, _, err = hook(repo, "baseline", "write", "--baseline", "base", exe=[paradup_exe()])
    assert rc == 2 and "base" in one_line(err)
    assert sorted(p.name for p in repo.iterdir() if "tmp" in p.name) == []


# 7 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cache_dir", [".", "articles"])
def test_cache_dir_in_a_user_folder_hides_no_article(repo: Path, cache_dir: str) -> None:
    (repo / ".paradup.toml").write_text(f'cache-dir = "{cache_dir}"\n', encoding="utf-8")
    write(repo, {"articles/new.md": article(124)})
    git(repo, "add", "-A")
    assert hook(repo, "articles/new.md")[0] == 0
    assert not (repo / cache_dir / ".gitignore").exists()
    write(repo, {"articles/later.md": article(125)})
    status = git(repo, "status", "--porcelain", "--untracked-files=all")
    assert "?? articles/later.md" in status  # a new article is still seen by git
    assert "cache/" not in status  # and the cache is still hidden


# 8 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", ["paradup-hook", "paradup hook"])
def test_file_names_starting_with_a_dash(repo: Path, entry: str) -> None:
    write(repo, {"-draft.md": article(126) + "\n" + paragraph(6) + "\n"})
    git(repo, "add", "-A")
    exe = [HOOK] if entry == "paradup-hook" else [paradup_exe(), "hook"]
    rc, out, err = hook(repo, "--", "-draft.md", exe=exe)
    assert rc == 1 and out.startswith("-draft.md:"), out + err
    if entry == "paradup-hook":  # what pre-commit runs: names come without `--`
        rc, out, err = hook(repo, "-draft.md", "--max-ratio", "0.9", exe=exe)
        assert rc == 0 and out.startswith("-draft.md:"), out + err
        rc, _, err = hook(repo, "-nosuch.md", exe=exe)
        assert rc == 2 and "-nosuch.md" in one_line(err)


# 9 -------------------------------------------------------------------------------------------


def test_git_refusal_keeps_gits_reason(repo: Path) -> None:
    rc, _, err = hook(repo, "articles/01.md", GIT_TEST_ASSUME_DIFFERENT_OWNER="1")
    line = one_line(err)
    assert rc == 2 and "dubious ownership" in line and "safe.directory" in line
    assert "not inside a git repository" not in line


# 10 ------------------------------------------------------------------------------------------


def test_sarif_base_uri_is_absolute(repo: Path) -> None:
    write(repo, {"articles/new.md": article(127) + "\n" + paragraph(7) + "\n"})
    git(repo, "add", "-A")
    (repo / "sub").mkdir()
    rc, out, _ = hook(repo / "sub", "../articles/new.md", "-f", "sarif")
    assert rc == 1
    run = json.loads(out)["runs"][0]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": repo.resolve().as_uri() + "/"}}
    uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "articles/new.md"
    # `check` in a subfolder of the checkout places results from the repository's top too,
    # as code scanning reads them (it gave `new.md` against `articles/`: no such file there).
    rc, out, _ = hook(repo / "articles", "check", "-f", "sarif", ".", exe=[paradup_exe()])
    run = json.loads(out)["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for r in run["results"]
        for loc in r["locations"]
    }
    assert "articles/new.md" in uris and all(u.startswith("articles/") for u in uris), uris
    rc, out, _ = hook(repo / "articles", "check", "-f", "github", ".", exe=[paradup_exe()])
    assert "::error file=articles/new.md," in out, out


# 11 ------------------------------------------------------------------------------------------


def test_ensure_builds_each_blob_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every missing blob is built once, a blob shared by two paths once. (The lookup of blobs
    already seen was a scan of a list per file, quadratic: 50,000 files took 22 s before any
    work; that is measured, not asserted here.)"""
    from paradup.repo import RepoCache
    from paradup.settings import load_settings

    cache = RepoCache(tmp_path, load_settings([str(tmp_path)]))
    built: list[str] = []
    monkeypatch.setattr(cache, "build", lambda rel, blob: built.append(blob))
    files = {f"a/{i}.md": f"{i:040x}" for i in range(30000)}
    files["copy.md"] = files["a/1.md"]  # the same content twice is built once
    cache.ensure(files, jobs=1)
    assert len(built) == 30000


# 12 ------------------------------------------------------------------------------------------


def test_staged_reads_what_the_commit_holds(repo: Path) -> None:
    """A plain git hook sees unstaged edits in the work tree; --staged checks the index: a copy
    staged and then removed from the work tree only is still caught, a copy only in the work
    tree is not, and a staged file deleted from the work tree is checked as staged."""
    copy = "本稿导语。\n\n" + paragraph(3) + "\n"
    clean = "本稿导语。\n\n一篇与其他稿件无关的短讯，讲述城市公园改造工程顺利完工。\n"
    write(repo, {"articles/new.md": copy})
    git(repo, "add", "-A")
    write(repo, {"articles/new.md": clean})  # unstaged: the commit still holds the copy
    assert hook(repo, "articles/new.md")[0] == 0
    code, out, _ = hook(repo, "--staged", "articles/new.md")
    assert code == 1 and "articles/new.md" in out
    code, _, _ = hook(repo, "--staged", "articles/new.md", exe=[paradup_exe(), "hook"])
    assert code == 1
    (repo / "articles" / "new.md").unlink()  # gone from the work tree, still staged
    assert hook(repo, "--staged", "articles/new.md")[0] == 1
    write(repo, {"articles/new.md": clean})
    git(repo, "add", "-A")
    write(repo, {"articles/new.md": copy})  # the copy is only in the work tree now
    assert hook(repo, "articles/new.md")[0] == 1
    assert hook(repo, "--staged", "articles/new.md")[0] == 0
    write(repo, {"articles/untracked.md": copy})  # not in the index: not part of the commit
    assert hook(repo, "--staged", "articles/untracked.md")[0] == 0


def test_staged_refuses_a_name_git_does_not_know(repo: Path) -> None:
    """`--staged` passed over a name that is neither staged, deleted nor on disk (a typo, or
    `git diff --name-only`'s octal-quoted Chinese name) as "0 new restated passages", exit 0."""
    copy = "本稿导语。\n\n" + paragraph(3) + "\n"
    write(repo, {"articles/地铁新闻.md": copy})
    git(repo, "add", "-A")
    quoted = git(repo, "diff", "--cached", "--name-only").strip()  # core.quotePath's default
    assert quoted.startswith('"articles/\\')
    code, _out, err = hook(repo, "--staged", quoted)
    assert code == 2 and "does not exist" in err and "Traceback" not in err
    assert hook(repo, "--staged", "articles/地铁新闻.md")[0] == 1
    listed = git(repo, "-c", "core.quotePath=false", "diff", "--cached", "--name-only").strip()
    assert hook(repo, "--staged", listed)[0] == 1  # the README's recipe
