"""`paradup hook` in temporary git repositories: verdicts, messages, cache, suppression, gates."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ._repo import GIT_ENV, ROOT, article, git, make_repo, paragraph, write
from .conftest import paradup_exe, run_paradup

Hook = Callable[..., tuple[int, str, str]]

# `paradup hook` (typer) and the typer-free entry point pre-commit can run: same behaviour.
ENTRIES = {
    "paradup hook": lambda: [paradup_exe(), "hook"],
    "python -m paradup.cli_hook": lambda: [sys.executable, "-m", "paradup.cli_hook"],
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "content", {f"articles/{i:02d}.md": article(i) for i in range(12)})


@pytest.fixture(params=sorted(ENTRIES))
def hook(request: pytest.FixtureRequest) -> Hook:
    command = ENTRIES[request.param]()

    def run(repo: Path, *args: str) -> tuple[int, str, str]:
        proc = subprocess.run(
            [*command, *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            cwd=repo,
            env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"},
            timeout=300,
        )
        out, err = proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
        assert "Traceback" not in err, err
        return proc.returncode, out, err

    return run


def test_clean_article_passes(repo: Path, hook: Hook) -> None:
    write(repo, {"articles/new.md": article(100)})
    git(repo, "add", "-A")
    rc, out, err = hook(repo, "articles/new.md")
    assert rc == 0, out + err
    assert "0 new restated passages" in out


def test_copy_of_an_unchanged_article_fails_with_both_locations(repo: Path, hook: Hook) -> None:
    write(repo, {"articles/new.md": article(100) + "\n" + paragraph(3) + "\n"})
    git(repo, "add", "-A")
    rc, out, _ = hook(repo, "articles/new.md")
    assert rc == 1
    first = out.splitlines()[0]
    assert first.startswith("articles/new.md:")
    assert "restates articles/03.md:" in first
    assert "复制比" in out and "paradup baseline write" in out


def test_changed_files_compared_with_each_other_and_themselves(repo: Path, hook: Hook) -> None:
    shared = paragraph(200)
    write(repo, {"articles/x.md": article(101) + "\n" + shared, "articles/y.txt": shared})
    write(repo, {"articles/self.md": article(102) + "\n" + paragraph(102, 3) + "\n"})
    git(repo, "add", "-A")
    rc, out, _ = hook(repo, "articles/x.md", "articles/y.txt")
    assert rc == 1 and "articles/y.txt:1:1" in out and "restates articles/x.md:" in out
    rc, out, _ = hook(repo, "articles/self.md")
    assert rc == 1 and "restates articles/self.md:" in out


def test_only_tracked_articles_of_the_configured_types(repo: Path, hook: Hook) -> None:
    write(repo, {"notes/untracked.md": paragraph(4), "data/copy.csv": paragraph(5)})
    git(repo, "add", "data/copy.csv")
    write(repo, {"articles/new.md": article(103) + "\n" + paragraph(4) + "\n" + paragraph(5)})
    git(repo, "add", "articles/new.md")
    rc, out, _ = hook(repo, "articles/new.md")
    # the untracked note and the .csv are not articles; articles 04 and 05 are
    assert rc == 1
    assert "articles/04.md" in out and "articles/05.md" in out
    assert "untracked" not in out and "copy.csv" not in out


def test_cache_is_reused_verified_and_rebuilt_when_corrupt(repo: Path, hook: Hook) -> None:
    write(repo, {"articles/new.md": article(104) + "\n" + paragraph(6) + "\n"})
    git(repo, "add", "-A")
    rc, cold, _ = hook(repo, "articles/new.md")
    assert rc == 1
    cache = repo / ".paradup"
    assert (cache / ".gitignore").read_text().strip().endswith("*")
    assert git(repo, "status", "--porcelain", "--", ".paradup") == ""  # never committed
    (base,) = (cache / "cache").iterdir()
    pickles = sorted((base / "docs").glob("*.pickle"))
    assert len(pickles) == 13
    for p in pickles[:5]:
        p.write_bytes(b"garbage")
    (base / "index.npz").write_bytes(b"\x00" * 10)
    next(iter((base / "keys").glob("*.npy"))).write_bytes(b"nonsense")
    rc, again, _ = hook(repo, "articles/new.md")
    assert (rc, again) == (1, cold)
    # a cache entry whose content hash does not match is stale: rebuilt from the file
    import pickle

    fmt, digest, blob, _sha, doc = pickle.loads(pickles[6].read_bytes())
    pickles[6].write_bytes(pickle.dumps((fmt, digest, blob, "0" * 64, doc)))
    rc, third, _ = hook(repo, "articles/new.md")
    assert (rc, third) == (1, cold)


def test_edit_after_cache_is_seen(repo: Path, hook: Hook) -> None:
    write(repo, {"articles/new.md": article(105)})
    git(repo, "add", "-A")
    assert hook(repo, "articles/new.md")[0] == 0
    # the repository article changes in the work tree (unstaged) to contain new.md's paragraph
    write(repo, {"articles/07.md": article(7) + "\n" + paragraph(105) + "\n"})
    rc, out, _ = hook(repo, "articles/new.md")
    assert rc == 1 and "articles/07.md" in out


def test_markdown_markers_suppress(repo: Path, hook: Hook) -> None:
    quoted = f"<!-- paradup: off -->\n{paragraph(8)}\n<!-- paradup: on -->\n"
    write(repo, {"articles/new.md": article(106) + "\n" + quoted + "\n尾声段落不同。\n"})
    git(repo, "add", "-A")
    rc, out, _ = hook(repo, "articles/new.md")
    assert rc == 0, out


def test_text_line_markers_suppress(repo: Path, hook: Hook) -> None:
    body = f"{paragraph(107)}\n\n# paradup: off\n{paragraph(9)}\n# paradup: on\n"
    write(repo, {"articles/new.txt": body})
    git(repo, "add", "-A")
    assert hook(repo, "articles/new.txt")[0] == 0
    write(repo, {"articles/new.txt": body + "\n" + paragraph(9) + "\n"})
    git(repo, "add", "-A")
    rc, out, _ = hook(repo, "articles/new.txt")
    assert rc == 1 and "restates articles/09.md" in out


def test_bylines_are_allowed_boilerplate(repo: Path, hook: Hook) -> None:
    byline = "发布时间：2025-03-12 10:00　来源：本报记者　责任编辑：王小明\n\n"
    write(
        repo, {"articles/a.md": byline + paragraph(108), "articles/b.md": byline + paragraph(109)}
    )
    git(repo, "add", "-A")
    assert hook(repo, "articles/a.md", "articles/b.md")[0] == 0
    (repo / ".paradup.toml").write_text("allow = []\n", encoding="utf-8")
    rc, out, _ = hook(repo, "articles/a.md", "articles/b.md")
    assert rc == 1 and "articles/b.md:1:1" in out


def test_extend_allow_and_min_chars(repo: Path, hook: Hook) -> None:
    sentence = "本报讯记者从市政府新闻办获悉以下重要消息。"
    write(
        repo,
        {"articles/a.md": sentence + paragraph(110), "articles/b.md": sentence + paragraph(111)},
    )
    git(repo, "add", "-A")
    assert hook(repo, "articles/a.md", "articles/b.md")[0] == 1
    (repo / ".paradup.toml").write_text('extend-allow = ["^本报讯"]\n', encoding="utf-8")
    assert hook(repo, "articles/a.md", "articles/b.md")[0] == 0
    (repo / ".paradup.toml").write_text("min-chars = 40\n", encoding="utf-8")
    assert hook(repo, "articles/a.md", "articles/b.md")[0] == 0
    assert hook(repo, "articles/a.md", "articles/b.md", "--min-chars", "12")[0] == 1


def test_max_ratio_gate(repo: Path, hook: Hook) -> None:
    write(repo, {"articles/new.md": article(112, 8) + "\n" + paragraph(10) + "\n"})
    git(repo, "add", "-A")
    rc, out, _ = hook(repo, "articles/new.md", "--max-ratio", "0.5")
    assert rc == 0 and "1 new restated passage" in out and "passing" in out
    rc, out, _ = hook(repo, "articles/new.md", "--max-ratio", "0.01")
    assert rc == 1 and "failing articles/new.md" in out
    rc, _, err = hook(repo, "articles/new.md", "--max-ratio", "3")
    assert rc == 2 and "max-ratio" in err


def test_github_and_json_formats(repo: Path, hook: Hook) -> None:
    write(repo, {"articles/new.md": article(113) + "\n" + paragraph(11) + "\n"})
    git(repo, "add", "-A")
    rc, out, _ = hook(repo, "articles/new.md", "--format", "github")
    assert rc == 1
    (line,) = out.splitlines()
    assert line.startswith("::error file=articles/new.md,line=")
    assert ",col=1," in line and "::restates articles/11.md:" in line
    rc, out, _ = hook(repo, "articles/new.md", "--format", "json")
    data = json.loads(out)
    assert data["version"] == 1 and len(data["findings"]) == 1
    f = data["findings"][0]
    assert f["b"]["path"] == "articles/new.md" and f["a"]["path"] == "articles/11.md"
    text = (repo / "articles/new.md").read_text(encoding="utf-8")
    assert text[f["b"]["start"] : f["b"]["end"]] == f["b"]["text"]
    # The verdict a review bot reads without parsing the text report.
    verdict = {"failing": ["articles/new.md"], "gate": "any new finding", "new": 1, "known": 0}
    assert data["hook"] == {**verdict, "earlier": 0}

    # Baselined, the finding leaves `findings` but is still counted.
    assert run_paradup("baseline", "write", cwd=repo).returncode == 0
    git(repo, "add", ".paradup-baseline.json")  # the hook counts the baseline the commit holds
    rc, out, _ = hook(repo, "articles/new.md", "--format", "json")
    data = json.loads(out)
    assert rc == 0 and data["findings"] == []
    assert data["hook"] == {**verdict, "failing": [], "new": 0, "known": 1, "earlier": 0}


def test_all_checks_every_article(repo: Path, hook: Hook) -> None:
    assert hook(repo, "--all")[0] == 0
    write(repo, {"articles/05.md": article(5) + "\n" + paragraph(1) + "\n"})
    git(repo, "commit", "-qam", "dup")
    rc, out, _ = hook(repo, "--all")
    assert rc == 1 and "articles/05.md" in out and "articles/01.md" in out


def test_errors_are_one_line(tmp_path: Path, repo: Path, hook: Hook) -> None:
    loose = tmp_path / "loose"
    loose.mkdir()
    (loose / "a.md").write_text(article(1), encoding="utf-8")
    rc, _, err = hook(loose, "a.md")
    assert rc == 2 and len(err.strip().splitlines()) == 1 and "git" in err
    rc, _, err = hook(repo)
    assert rc == 2 and "--all" in err
    (repo / ".paradup.toml").write_text('threshold = "high"\n', encoding="utf-8")
    rc, _, err = hook(repo, "articles/01.md")
    assert rc == 2 and len(err.strip().splitlines()) == 1
    assert "threshold" in err and ".paradup.toml" in err
    (repo / ".paradup.toml").write_text("threshold = [\n", encoding="utf-8")
    rc, _, err = hook(repo, "articles/01.md")
    assert rc == 2 and "invalid TOML" in err


def test_fast_entry_options_and_errors(repo: Path) -> None:
    """The typer-free entry parses like `paradup hook`: options after files, one-line errors."""
    fast = [sys.executable, "-m", "paradup.cli_hook"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*fast, *args], cwd=repo, capture_output=True, text=True)

    write(repo, {"articles/new.md": article(114) + "\n" + paragraph(3) + "\n"})
    git(repo, "add", "-A")
    proc = run("articles/new.md", "--format", "github", "--max-ratio", "0.9")
    # Under a passing gate a new finding is a warning: errors on a green job misled.
    assert proc.returncode == 0 and proc.stdout.startswith("::warning file=articles/new.md,")
    proc = run("articles/new.md", "--format", "github")
    assert proc.returncode == 1 and proc.stdout.startswith("::error file=articles/new.md,")
    for bad, word in (
        (["--format", "bogus", "articles/new.md"], "--format"),
        (["--frobnicate", "articles/new.md"], "--frobnicate"),
        (["--min-chars", "many", "articles/new.md"], "--min-chars"),
    ):
        proc = run(*bad)
        assert proc.returncode == 2 and proc.stdout == ""
        (line,) = proc.stderr.strip().splitlines()
        assert line.startswith("paradup: error:") and word in line and "--help" in line
    proc = run("--help")
    assert proc.returncode == 0 and "--max-ratio" in proc.stdout and "--no-baseline" in proc.stdout


def test_warm_run_imports_no_cli_framework_and_no_segmenter(repo: Path) -> None:
    """On a warm cache a clean file needs no segmentation: jieba is never loaded, nor typer."""
    write(repo, {"articles/new.md": article(115)})
    git(repo, "add", "-A")
    probe = (
        "import sys\n"
        "from paradup.cli_hook import main\n"
        "try:\n"
        "    main(['articles/new.md'])\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        "heavy = ('typer', 'pydantic', 'rich', 'jieba', 'rjieba', 'paradup.mmapseg')\n"
        "loaded = sorted(m for m in sys.modules if m in heavy or m.split('.')[0] in heavy)\n"
        "print('RESULT', code, ','.join(loaded))\n"
    )

    def loaded() -> tuple[str, str]:
        proc = subprocess.run(
            [sys.executable, "-c", probe], cwd=repo, capture_output=True, text=True, check=True
        )
        (line,) = [x for x in proc.stdout.splitlines() if x.startswith("RESULT")]
        _, code, modules = [*line.split(" "), ""][:3]
        return code, modules

    code, cold = loaded()  # cold: builds the cache, which segments every article
    assert code == "0" and any(s in cold for s in ("paradup.mmapseg", "jieba", "rjieba"))
    code, warm = loaded()
    assert code == "0" and warm == ""


# -- the real pre-commit framework ----------------------------------------------------------


def _pre_commit() -> str:
    exe = Path(sys.executable).parent / "pre-commit"
    return str(exe) if exe.exists() else (shutil.which("pre-commit") or "pre-commit")


@pytest.fixture(scope="session")
def hook_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One PRE_COMMIT_HOME for the session, so the hook's environment is installed once."""
    home = tmp_path_factory.mktemp("pre-commit-home")
    return {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A snapshot of this checkout's work tree (committed changes or not) as a hook repository."""
    shadow = tmp_path_factory.mktemp("paradup-hook-repo")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, listed):
        src = ROOT / os.fsdecode(name)
        if src.is_file():
            dst = shadow / os.fsdecode(name)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    git(shadow, "init", "-q")
    git(shadow, "add", "-A")
    git(shadow, "commit", "-qm", "snapshot")
    return str(shadow), git(shadow, "rev-parse", "HEAD").strip()


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


@pytest.mark.slow
def test_pre_commit_hook_in_a_fresh_clone(
    tmp_path: Path, hook_env: dict[str, str], hook_repo: tuple[str, str]
) -> None:
    url, rev = hook_repo
    origin = make_repo(tmp_path / "origin", {f"articles/{i:02d}.md": article(i) for i in range(6)})
    config = f"repos:\n- repo: {url}\n  rev: {rev}\n  hooks:\n  - id: paradup\n"
    write(origin, {".pre-commit-config.yaml": config})
    git(origin, "add", "-A")
    git(origin, "commit", "-qm", "hook")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    assert _run([_pre_commit(), "install"], clone, hook_env).returncode == 0

    write(clone, {"articles/clean.md": article(300)})
    git(clone, "add", "-A")
    ok = _run(["git", "commit", "-m", "clean article"], clone, hook_env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "paradup" in ok.stdout + ok.stderr and "Passed" in ok.stdout + ok.stderr

    head = git(clone, "rev-parse", "HEAD")
    write(clone, {"articles/copied.md": article(301) + "\n" + paragraph(2) + "\n"})
    git(clone, "add", "-A")
    bad = _run(["git", "commit", "-m", "copied article"], clone, hook_env)
    out = bad.stdout + bad.stderr
    assert bad.returncode != 0, out
    assert "Failed" in out
    assert "articles/copied.md:" in out and "restates articles/02.md:" in out
    assert git(clone, "rev-parse", "HEAD") == head  # the commit was refused
    assert git(clone, "status", "--porcelain", "--", ".paradup") == ""  # cache not staged

    # the team accepts today's findings: the same content now commits
    base = _run([paradup_exe(), "baseline", "write"], clone, hook_env)
    assert base.returncode == 0, base.stderr
    git(clone, "add", "-A")
    ok = _run(["git", "commit", "-m", "copied article, baselined"], clone, hook_env)
    assert ok.returncode == 0, ok.stdout + ok.stderr

    # `.text` (no type tag of its own in pre-commit) in any case is an article too: it was
    # never passed to the hook, so its copy committed unchecked.
    write(clone, {"articles/copy.TEXT": article(302) + "\n" + paragraph(3) + "\n"})
    git(clone, "add", "-A")
    bad = _run(["git", "commit", "-m", "copied .TEXT article"], clone, hook_env)
    out = bad.stdout + bad.stderr
    assert bad.returncode != 0 and "articles/copy.TEXT:" in out, out

    # Installed for pre-merge-commit too: a merge of a branch that made a copy failed on it
    # (git names no merged commit to that hook); the manifest's stages leave merges to CI.
    git(clone, "reset", "-q", "--hard")
    install = _run([_pre_commit(), "install", "-t", "pre-merge-commit"], clone, hook_env)
    assert install.returncode == 0, install.stdout + install.stderr
    git(clone, "checkout", "-q", "-b", "side")
    write(clone, {"articles/side.md": article(303) + "\n" + paragraph(4) + "\n"})
    git(clone, "add", "-A")
    git(clone, "commit", "-qm", "a copy on a side branch", "--no-verify")
    git(clone, "checkout", "-q", "main")
    write(clone, {"articles/other.md": article(304)})
    git(clone, "add", "-A")
    git(clone, "commit", "-qm", "an article on main")
    merged = _run(["git", "merge", "--no-edit", "side"], clone, hook_env)
    assert merged.returncode == 0, merged.stdout + merged.stderr


@pytest.mark.slow
def test_pre_commit_try_repo_against_this_checkout(
    tmp_path: Path, hook_env: dict[str, str], hook_repo: tuple[str, str]
) -> None:
    # try-repo takes a repository's HEAD plus its uncommitted changes to tracked files; the
    # snapshot also carries untracked files, so this tests exactly the work tree under test.
    repo = make_repo(tmp_path / "content", {f"articles/{i:02d}.md": article(i) for i in range(5)})
    write(repo, {"articles/new.txt": article(400) + "\n" + paragraph(4) + "\n"})
    git(repo, "add", "-A")
    url, rev = hook_repo
    cmd = [_pre_commit(), "try-repo", url, "paradup", "--ref", rev, "--files", "articles/new.txt"]
    proc = _run(cmd, repo, hook_env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "articles/new.txt:" in out and "restates articles/04.md:" in out
    proc = _run([*cmd[:-1], "articles/00.md"], repo, hook_env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # The hook's `files:` pattern passed only .txt/.md/…: a config that includes `*.rst` was
    # never given its files under pre-commit ("no files to check"), while --all failed.
    write(repo, {".paradup.toml": 'include = ["*.rst", "*.md", "*.txt"]\n'})
    write(repo, {"articles/copy.rst": article(401) + "\n" + paragraph(3) + "\n"})
    git(repo, "add", "-A")
    proc = _run([*cmd[:-1], "articles/copy.rst"], repo, hook_env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1 and "restates articles/03.md:" in out, out
    proc = _run([*cmd[:-1], ".paradup.toml"], repo, hook_env)  # not an article: passes
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # Committed, the copy is HEAD's: an edit elsewhere in its file does not fail again, while
    # pre-commit's --from-ref (the commit before the copy) still blames it.
    base = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "commit", "-qm", "copies")
    write(repo, {"articles/new.txt": article(400) + "\n" + paragraph(4) + "\n\n补记一句。\n"})
    git(repo, "add", "-A")
    proc = _run([*cmd[:-1], "articles/new.txt"], repo, hook_env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0 and "Passed" in out, out  # the old pair (quiet when passing)
    ranged = [*cmd[: cmd.index("--files")], "--from-ref", base, "--to-ref", "HEAD"]
    proc = _run(ranged, repo, hook_env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1 and "articles/copy.rst:" in out, out
    assert "articles/new.txt:" in out  # added since the base too
