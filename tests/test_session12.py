"""Fixes of the twelfth session (2026-12-05)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from ._repo import GIT_ENV, article
from .conftest import RESTATED, run_paradup


def test_sarif_from_check_names_files_from_the_checkout_top_everywhere(tmp_path: Path) -> None:
    """The artifact URIs were relative to the checkout, but the message and the per-file
    summary carried the runner's absolute path into every code-scanning alert."""
    import os

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, env={**os.environ, **GIT_ENV})
    sub = tmp_path / "news" / "sub"
    sub.mkdir(parents=True)
    (sub / "a.md").write_text(RESTATED, encoding="utf-8")
    (sub / "b.md").write_text(article(1201), encoding="utf-8")
    proc = run_paradup("check", "a.md", "b.md", "-f", "sarif", cwd=sub)
    assert proc.returncode == 1, proc.stderr
    assert str(tmp_path) not in proc.stdout.replace(tmp_path.as_uri(), "")
    run = json.loads(proc.stdout)["runs"][0]
    texts = [r["message"]["text"] for r in run["results"]]
    assert texts and all("news/sub/a.md:1:1" in t for t in texts), texts
    assert [f["path"] for f in run["properties"]["files"]] == ["news/sub/a.md", "news/sub/b.md"]
    assert "informationUri" not in run["tool"]["driver"]  # no made-up project page


def test_the_mixed_config_warning_is_grammatical(tmp_path: Path) -> None:
    """The warning said "the defaults applies to all of them"."""
    for name in ("p1", "p2"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "a.md").write_text(article(1210), encoding="utf-8")
    (tmp_path / "p1" / ".paradup.toml").write_text("threshold = 0.5\n", encoding="utf-8")
    proc = run_paradup("check", "p1/a.md", "p2/a.md", cwd=tmp_path)
    assert "; the defaults apply to all of them:" in proc.stderr, proc.stderr


def test_build_help_does_not_speak_of_an_update_only() -> None:
    proc = run_paradup("index", "build", "--help")
    assert proc.returncode == 0
    flat = " ".join(proc.stdout.split())
    assert "an update:" not in flat and "an existing index: the one it records" in flat, flat
    audit = " ".join(run_paradup("audit", "--help").stdout.split())
    assert "[max(10, 0.5% of the archive)]" in audit, audit


def test_traditional_hou_and_yu_fold_like_the_rest() -> None:
    """後 and 於 are in GB2312, so they were never folded: a traditional copy of a sentence
    with 后/于 scored 0.36 and was missed, and longer ones listed `后车 → 後車` as edits."""
    from paradup import check_text

    simp = "事故发生后，交警随后赶到现场，之后将伤者送往医院救治，目前伤者情况稳定，处于观察之中。"
    trad = "事故發生後，交警隨後趕到現場，之後將傷者送往醫院救治，目前傷者情況穩定，處於觀察之中。"
    other = "据介绍，新线路主要覆盖大型居住区和产业园区，票价按里程计算，乘客可以提前预约。"
    text = f"{simp}\n\n{other}\n\n{trad}\n"
    found = check_text(text).findings
    assert len(found) == 1 and found[0].similarity == 1.0, found
    assert text[found[0].b.start : found[0].b.end] == trad


def test_one_copy_beyond_the_shown_ones_is_shown_not_summarised(tmp_path: Path) -> None:
    """Five exact copies of a footer (four findings) ended in "… 1 more exact copies of 「…」
    at 9:1": a line as long as the finding, and ungrammatical. Six and more still fold."""
    footer = "本文内容由市政府新闻办提供，未经许可不得转载，违者必究。"
    parts = [article(1230 + i, 1) + footer for i in range(5)]
    (tmp_path / "five.md").write_text("\n\n".join(parts), encoding="utf-8")
    (tmp_path / "six.md").write_text("\n\n".join([*parts, footer]), encoding="utf-8")
    five = run_paradup("check", "five.md", cwd=tmp_path).stdout
    assert "more exact cop" not in five and five.count("(exact)") == 4, five
    six = run_paradup("check", "six.md", cwd=tmp_path).stdout
    assert "… 2 more exact copies of 「本文内容由" in six and six.count("(exact)") == 3, six


def test_a_commit_split_over_several_hook_runs_judges_each_file_as_one_run_would(
    tmp_path: Path,
) -> None:
    """pre-commit splits a long list of files (a folder of 2,000 articles moved) over several
    runs of the hook. Each run took the commit's files given to the others for older
    articles: a baselined pair across two runs was new, and an original moved in one run was
    blamed for a fresh copy of it given to the other."""
    from ._repo import git, make_repo, paragraph, write

    copy = paragraph(1240)
    old = {
        "old/o.md": article(1240),
        "old/p.md": article(1241),
        "old/q.md": article(1242) + "\n\n" + paragraph(1241) + "\n",  # q restates p
    }
    repo = make_repo(tmp_path / "r", old)
    assert run_paradup("baseline", "write", cwd=repo).returncode == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "baseline")
    git(repo, "mv", "old", "new")
    write(repo, {"zz.md": article(1243) + "\n\n" + copy + "\n"})
    git(repo, "add", "-A")
    # One run over every file: only the fresh copy fails.
    whole = run_paradup("hook", "new/o.md", "new/p.md", "new/q.md", "zz.md", cwd=repo)
    assert whole.returncode == 1 and "zz.md" in whole.stdout, whole.stdout
    assert "new/o.md:" not in whole.stdout.replace("restates new/o.md", "")
    # The same commit in batches, as pre-commit runs it: each file judged the same way.
    for batch in (["new/o.md"], ["new/p.md"], ["new/q.md"], ["new/o.md", "new/q.md"]):
        run = run_paradup("hook", *batch, cwd=repo)
        assert run.returncode == 0, (batch, run.stdout, run.stderr)
    last = run_paradup("hook", "new/p.md", "zz.md", cwd=repo)
    assert last.returncode == 1 and "zz.md:" in last.stdout, last.stdout
