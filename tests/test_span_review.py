"""From a review of the machine-readable outputs: a file name or article text must never start
a line of its own in a log (GitHub runs a line beginning `::` as a workflow command) nor drive
the terminal; annotations and SARIF place results from the repository's top."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from ._repo import article, git, make_repo, paragraph, write
from .conftest import run_paradup

FORGED = "x\n::error file=README.md,line=1::forged annotation\n.md"


def _forging_repo(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path / "repo", {"articles/a.md": article(1)})
    write(repo, {f"articles/{FORGED}": article(2) + "\n\n" + paragraph(1) + "\n"})
    git(repo, "add", "-A")
    return repo


@pytest.mark.parametrize(
    "args",
    [("hook", "--all"), ("check", "articles"), ("hook", "--all", "-f", "github")],
)
def test_a_file_name_cannot_forge_a_log_line(tmp_path: Path, args: tuple[str, ...]) -> None:
    repo = _forging_repo(tmp_path)
    proc = run_paradup(*args, cwd=repo)
    assert proc.returncode == 1, proc.stderr
    lines = (proc.stdout + proc.stderr).splitlines()
    assert not [ln for ln in lines if ln.lstrip().startswith("::error file=README.md")], lines
    assert any("x␊::error file=README.md" in ln or "x%0A" in ln for ln in lines), lines


def test_an_error_naming_such_a_file_is_one_line(tmp_path: Path) -> None:
    proc = run_paradup("check", FORGED, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "x␊::error" in proc.stderr, proc.stderr


def test_escape_sequences_in_an_article_stay_off_the_terminal(tmp_path: Path) -> None:
    noisy = paragraph(1).replace("，", "，\x1b]0;PWNED\x07\x1b[2J", 1)
    repo = make_repo(tmp_path / "repo", {"articles/a.md": article(1)})
    write(repo, {"articles/b.md": article(2) + "\n\n" + noisy + "\n"})
    git(repo, "add", "-A")
    for args in (("hook", "--all", "--no-baseline"), ("hook", "--all", "-f", "github")):
        proc = run_paradup(*args, cwd=repo)
        assert proc.returncode == 1, proc.stderr
        assert "\x1b" not in proc.stdout and "\x07" not in proc.stdout, args
    text = run_paradup("check", "articles", cwd=repo).stdout
    assert "\x1b" not in text


def test_multi_line_annotation_has_no_columns(tmp_path: Path) -> None:
    two_lines = paragraph(3).replace("，", "，\n", 1)
    (tmp_path / "a.md").write_text(article(3), encoding="utf-8")
    (tmp_path / "b.md").write_text(article(4) + "\n\n" + two_lines + "\n", encoding="utf-8")
    out = run_paradup("check", "a.md", "b.md", "-f", "github", cwd=tmp_path).stdout
    multi = [ln for ln in out.splitlines() if "file=b.md" in ln]
    assert multi, out
    for ln in multi:
        props = ln.split("::")[1]
        line = int(props.split("line=")[1].split(",")[0])
        end = int(props.split("endLine=")[1].split(",")[0])
        assert (",col=" in props) == (line == end), ln


def test_windows_separators_become_posix(monkeypatch: pytest.MonkeyPatch) -> None:
    from paradup.report import relative_to

    monkeypatch.setattr(os, "sep", "\\")
    assert relative_to("articles\\sub\\a.md", "C:\\repo") == "articles/sub/a.md"


def test_check_in_a_subfolder_places_paths_from_the_top(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "articles" / "sub").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "articles" / "old.md").write_text(article(5), encoding="utf-8")
    copy = article(6) + "\n\n" + paragraph(5) + "\n"
    (repo / "articles" / "sub" / "new,copy.md").write_text(copy, encoding="utf-8")
    here = repo / "articles"
    gh = run_paradup("check", "old.md", "./sub/new,copy.md", "-f", "github", cwd=here).stdout
    assert gh.startswith("::error file=articles/sub/new%2Ccopy.md,"), gh
    assert "restates articles/old.md:" in gh
    outside = run_paradup("check", "../articles/old.md", "sub", "-f", "github", cwd=here).stdout
    assert outside.startswith("::error file=articles/sub/new%2Ccopy.md,"), outside


def test_sarif_places_an_archived_record_at_its_line(tmp_path: Path) -> None:
    """An archived JSON Lines record was an artifact `cms.jsonl%3A1` (no such file) with a
    region measured inside the record's text."""
    import json

    from .test_sarif import validate

    rows = [{"id": "r0", "text": article(8)}, {"id": "r1", "text": "导语。\n" + paragraph(9)}]
    (tmp_path / "cms.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    built = run_paradup("index", "build", "cms.jsonl", "-i", "a.paradup", "-q", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    (tmp_path / "draft.md").write_text(article(10) + "\n\n" + paragraph(9) + "\n", "utf-8")
    proc = run_paradup("check", "draft.md", "--against", "a.paradup", "-f", "sarif", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    log = json.loads(proc.stdout)
    validate(log)
    (related,) = log["runs"][0]["results"][0]["relatedLocations"]
    where = related["physicalLocation"]
    assert where["artifactLocation"]["uri"] == "cms.jsonl"
    assert where["region"] == {"startLine": 2}
    record = related["properties"]["record"]
    text = rows[1]["text"]
    assert text[record["start"] : record["end"]] == paragraph(9)
    assert (record["line"], record["column"]) == (2, 1)


def test_sarif_says_which_files_were_not_checked(tmp_path: Path) -> None:
    """A skipped file went to stderr only: a SARIF consumer saw a clean, successful run."""
    import json

    from .test_sarif import validate

    (tmp_path / "mix").mkdir()
    (tmp_path / "mix" / "a.md").write_text(article(11), encoding="utf-8")
    (tmp_path / "mix" / "b.md").write_text(article(12) + "\n\n" + paragraph(11), "utf-8")
    (tmp_path / "mix" / "c.md").write_bytes("用GBK编码保存的一篇稿件。".encode("gbk"))
    proc = run_paradup("check", "mix", "-f", "sarif", cwd=tmp_path)
    assert proc.returncode == 2
    log = json.loads(proc.stdout)
    validate(log)
    (inv,) = log["runs"][0]["invocations"]
    assert inv["executionSuccessful"] is False
    (note,) = inv["toolExecutionNotifications"]
    assert note["level"] == "error" and "c.md" in note["message"]["text"]
    assert log["runs"][0]["results"]  # the findings of the files read stand
    (tmp_path / "mix" / "c.md").unlink()
    clean = json.loads(run_paradup("check", "mix", "-f", "sarif", cwd=tmp_path).stdout)
    assert clean["runs"][0]["invocations"] == [
        {"executionSuccessful": True, "toolExecutionNotifications": []}
    ]


def test_the_same_lines_as_one_paragraph_are_an_exact_copy(tmp_path: Path) -> None:
    """A file of one-line paragraphs keeps a line break between them; the same lines inside
    one paragraph of a draft do not: an identical copy was `near` with no changes listed."""
    import json

    lines = [paragraph(70 + k).split("。")[0] + "。" for k in range(4)]
    (tmp_path / "a.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    draft = "另起的导语一段话，与上文无关。\n\n" + "\n".join(lines) + "\n"
    (tmp_path / "b.md").write_text(draft, encoding="utf-8")
    out = run_paradup("check", "a.txt", "b.md", "-f", "json", cwd=tmp_path).stdout
    (f,) = [f for f in json.loads(out)["findings"] if f["b"]["path"] == "b.md"]
    assert f["a"]["text"] == f["b"]["text"]
    assert (f["kind"], f["similarity"], f["changes"]) == ("exact", 1.0, [])
