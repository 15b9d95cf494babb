"""Fixes from a fresh-user walkthrough of the README (editor, archive auditor, repository)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from paradup import check_text

from .conftest import RESTATED, one_line_error, paradup_exe, run_paradup

QUESTION = "记者：今年以来，我市在稳增长方面采取了哪些举措，这些成绩是如何取得的？"


def test_interview_questions_are_not_bylines() -> None:
    """`记者：` opened the allow-list for every sentence, so a repeated interview question was
    neither reported nor counted; a short byline line still is left out."""
    byline = "记者：张三 李四\n"
    text = f"{QUESTION}\n\n市长：我们抓项目、稳投资。\n\n{QUESTION}\n\n{byline}\n{byline}"
    result = check_text(text)
    assert len(result.findings) == 1
    f = result.findings[0]
    assert text[f.b.start : f.b.end] == QUESTION == f.b.text
    summary = result.files[0]
    assert summary.chars == len(QUESTION) * 2 + len("市长：我们抓项目、稳投资。")
    # (an `编辑：` question was still left out by the parenthesised-byline pattern)
    edit_q = "编辑：今年以来，你们的工作是如何开展的，取得了哪些主要成效？"
    assert len(check_text(f"{edit_q}\n\n市长：我们抓项目。\n\n{edit_q}\n").findings) == 1
    for byline in (
        "时间：2017-10-17 12:00",
        "编辑：王五。",
        "作者：赵六",
        "日期: 2024年7月30日",
        "（编辑：王五）",
    ):
        again = check_text(f"{byline}\n\n正文第一段讲述了本市的新闻。\n\n{byline}\n")
        assert not again.findings and again.files[0].chars == len("正文第一段讲述了本市的新闻。")


def test_quiet_still_writes_the_report_file(tmp_path: Path) -> None:
    """`check -q -o r.txt` wrote no file; -q silences stdout only."""
    (tmp_path / "a.txt").write_text(RESTATED, encoding="utf-8")
    proc = run_paradup("check", "a.txt", "-q", "-o", "r.txt", cwd=tmp_path)
    assert proc.returncode == 1 and proc.stdout == ""
    report = (tmp_path / "r.txt").read_text(encoding="utf-8")
    assert "a.txt: 1 restated passage, 复制比" in report  # not "1 restated passages"


def test_index_messages_are_one_line_in_logs(tmp_path: Path) -> None:
    """stderr that is not a terminal was wrapped at 80 columns, splitting each skip message."""
    bad = '{"id": "x", "body": "没有正文字段的记录，它的文字放在了另一个字段里面，所以会被跳过"}\n'
    name = "content-management-system-export-of-every-article-2024.jsonl"
    (tmp_path / name).write_text(
        json.dumps({"id": "a", "text": RESTATED}, ensure_ascii=False) + "\n" + bad,
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}  # a log, not a terminal
    proc = subprocess.run(
        [paradup_exe(), "index", "build", name, "--index", "i.paradup"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**env, "PYTHONIOENCODING": "utf-8"},
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    skipped = [ln for ln in lines if ln.startswith("skipped: ")]
    assert len(skipped) == 1 and len(skipped[0]) > 80 and skipped[0].endswith("--text-field")
    assert len(lines) == 2  # the skip and the summary


def test_all_blames_the_article_added_last(tmp_path: Path) -> None:
    """`hook --all` (CI) blamed whichever name sorted later: a copy added on a branch as
    `a-new.md` was reported in the untouched, older `z-old.md`."""
    from ._repo import article, git, make_repo, paragraph, write

    repo = make_repo(tmp_path / "content", {"z-old.md": article(1), "m.md": article(2)})
    write(repo, {"a-new.md": article(3) + "\n" + paragraph(1) + "\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "new article")
    proc = run_paradup("hook", "--all", "-f", "json", cwd=repo)
    assert proc.returncode == 1, proc.stderr
    found = json.loads(proc.stdout)["findings"]
    assert [(f["a"]["path"], f["b"]["path"]) for f in found] == [("z-old.md", "a-new.md")]


def test_a_broken_line_keeps_only_its_own_record(tmp_path: Path) -> None:
    """One broken line kept every record of its file the update did not see, so a deleted
    article stayed in the index for good; and the message named none of them."""
    from .test_index import write_jsonl

    src = tmp_path / "a.jsonl"
    write_jsonl(src, 6)
    assert run_paradup("index", "build", "a.jsonl", "--index", "i.paradup", cwd=tmp_path)
    lines = src.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2][: len(lines[2]) // 2]  # a2's line cut in half: its id still readable
    del lines[4]  # a4 deleted from the export
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = run_paradup("index", "update", "a.jsonl", "--index", "i.paradup", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "1 removed" in proc.stderr and "(a.jsonl#a2)" in proc.stderr, proc.stderr
    # a line whose id cannot be read keeps the file's unseen records, and names them
    lines[1] = "{not json"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = run_paradup("index", "update", "a.jsonl", "--index", "i.paradup", cwd=tmp_path)
    assert proc.returncode == 0 and "0 removed" in proc.stderr, proc.stderr
    assert "kept as indexed (a.jsonl#a1, a.jsonl#a2)" in proc.stderr, proc.stderr


def test_update_refuses_to_drop_a_root_left_out(tmp_path: Path) -> None:
    """`index update articles/` after a build of `articles/ cms.jsonl` silently removed every
    record of cms.jsonl; `./cms.jsonl` re-fingerprinted them all as other keys."""
    from .test_index import write_jsonl

    news = tmp_path / "news"
    (news / "articles").mkdir(parents=True)
    (news / "articles" / "a.txt").write_text(RESTATED, encoding="utf-8")
    write_jsonl(news / "cms.jsonl", 5)
    roots = ("news/articles", "news/cms.jsonl")
    built = run_paradup("index", "build", *roots, "-i", "i.paradup", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    same = run_paradup(
        "index", "update", "./news/articles/", "./news/cms.jsonl", "-i", "i.paradup", cwd=tmp_path
    )
    assert same.returncode == 0 and "0 fingerprinted, 6 unchanged" in same.stderr, same.stderr
    left_out = run_paradup("index", "update", roots[0], "-i", "i.paradup", cwd=tmp_path)
    line = one_line_error(left_out, "5 indexed document(s)", "news/cms.jsonl#a0", "--prune")
    assert "outside the archive paths given" in line
    # The same files named from another folder: every key (a path as given) would change.
    elsewhere = run_paradup(
        "index", "update", "articles", "cms.jsonl", "-i", "../i.paradup", cwd=news
    )
    one_line_error(elsewhere, "were given from", str(tmp_path), "--prune")
    # ... also as `.` from inside the root, which looks like every relative key
    dot = run_paradup("index", "update", ".", "-i", "../../i.paradup", cwd=news / "articles")
    one_line_error(dot, "were given from", "--prune")
    pruned = run_paradup("index", "update", roots[0], "-i", "i.paradup", "--prune", cwd=tmp_path)
    assert pruned.returncode == 0 and "5 removed" in pruned.stderr, pruned.stderr


def test_index_uses_the_configs_fingerprint_settings(tmp_path: Path) -> None:
    """`check --against` with a config's shingle/num-perm was refused ("rebuild the index"),
    and no build could make such an index: build ignored the config."""
    project = tmp_path / "p"
    project.mkdir()
    (project / ".git").mkdir()  # bounds config discovery
    (project / ".paradup.toml").write_text("shingle = 3\nnum-perm = 32\n", encoding="utf-8")
    rec = {"id": "a", "text": RESTATED.split("\n\n")[0]}
    (project / "a.jsonl").write_text(json.dumps(rec, ensure_ascii=False) + "\n", "utf-8")
    (project / "d.txt").write_text(RESTATED.split("\n\n")[2], encoding="utf-8")
    built = run_paradup("index", "build", "a.jsonl", "-i", "i.paradup", cwd=project)
    assert built.returncode == 0, built.stderr
    info = run_paradup("index", "info", "-i", "i.paradup", cwd=project).stdout
    assert '"num_perm": 32' in info and '"shingle": 3' in info and '"bands": 10' in info
    proc = run_paradup("check", "d.txt", "--against", "i.paradup", "-f", "json", cwd=project)
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["findings"][0]["a"]["path"] == "a.jsonl:1"
    # Other settings on the command line: the options to pass, not internal field names.
    proc = run_paradup("check", "d.txt", "-i", "i.paradup", "--shingle", "2", cwd=project)
    one_line_error(
        proc,
        "i.paradup: the index was fingerprinted with --shingle 3 (this check: 2);",
        "`paradup index build --force`",
    )
    assert "num_perm" not in proc.stderr and "seed" not in proc.stderr


def test_text_report_keeps_the_gutter_on_every_line(tmp_path: Path) -> None:
    """A passage spanning two lines printed its second line at the left margin."""
    two = "第一段讲述了本市交通建设的最新进展情况。\n第二行继续说明地铁五号线南延段即将开通。\n"
    (tmp_path / "ml.txt").write_text(
        f"{two}\n中间插入一段无关的内容，讲的是天气。\n\n{two}", "utf-8"
    )
    proc = run_paradup("check", "ml.txt", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    block = proc.stdout.split("\n\n")[0].splitlines()
    assert block[0].startswith("#1 ") and len(block) == 5
    assert [ln[:12] for ln in block[1:]] == [
        "  earlier │ ",
        "          │ ",
        "  later   │ ",
        "          │ ",
    ]


def test_a_folder_as_user_dictionary_is_named_as_such(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(RESTATED, encoding="utf-8")
    proc = run_paradup("check", "a.txt", "--user-dict", ".", cwd=tmp_path)
    one_line_error(proc, ".: user dictionary is not a regular file")  # it said "not found"


def test_an_export_with_no_readable_record_is_named(tmp_path: Path) -> None:
    """Beside a good root, an export whose every record was bad (a wrong --text-field for it)
    passed with only its skip lines, exit 0."""
    (tmp_path / "arts").mkdir()
    (tmp_path / "arts" / "a.txt").write_text(RESTATED, encoding="utf-8")
    rows = [{"id": str(i), "body": "正文"} for i in range(3)]
    (tmp_path / "cms.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    proc = run_paradup("index", "build", "arts", "cms.jsonl", "-i", "i.paradup", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "warning: cms.jsonl: none of its records could be read (3 skipped)" in proc.stderr


def test_index_build_reads_utf8_whatever_the_configs_encoding(tmp_path: Path) -> None:
    """The config's `encoding` is for drafts: `index build` took it for the archive too (a UTF-8
    archive failed as gb18030); its fingerprint settings are what the index needs."""
    project = tmp_path / "p"
    (project / "arts").mkdir(parents=True)
    (project / ".git").mkdir()
    (project / ".paradup.toml").write_text('encoding = "gb18030"\n', encoding="utf-8")
    (project / "arts" / "a.md").write_text(RESTATED, encoding="utf-8")
    proc = run_paradup("index", "build", "arts", "-i", "i.paradup", cwd=project)
    assert proc.returncode == 0 and "1 fingerprinted" in proc.stderr, proc.stderr


@pytest.mark.parametrize(
    ("line", "rid"),
    [
        ('{"author":{"id":7,"n":"x"},"id":"n1","text":"ab', "n1"),  # a nested id is not it
        ('{"id": 10', None),  # cut inside the number: 10 of 1024 would name another record
        ('{"id": 1024, "text": "ab', "1024"),
        ('{"text": "a\\"id\\": 5", "id": "z9"', "z9"),  # "id" inside a string is text
        ('{"id": "a\\u00e9b", "t', "aéb"),
        ('{"text": "cut', None),
    ],
)
def test_the_id_read_off_a_broken_line(line: str, rid: str | None) -> None:
    """A nested `"id"` was read as the record's, so the update removed the real record."""
    from paradup.archive import Fields, _broken_key

    want = f"a.jsonl#{rid}" if rid else "a.jsonl"
    assert _broken_key("a.jsonl", line.encode("utf-8") + b"\xff", Fields()) == want


def test_all_keeps_a_moved_article_old(tmp_path: Path) -> None:
    """Moving the old article (`git mv`) made it the newest file, so it was blamed again; and
    a name git quotes (a `"` in it) was never dated."""
    from ._repo import article, git, make_repo, paragraph, write

    repo = make_repo(tmp_path / "content", {'z"old.md': article(1), "m.md": article(2)})
    write(repo, {"a-new.md": article(3) + "\n" + paragraph(1) + "\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "new article")
    (repo / "archive").mkdir()
    git(repo, "mv", 'z"old.md', "archive/")
    git(repo, "commit", "-qm", "move")
    proc = run_paradup("hook", "--all", "-f", "json", cwd=repo)
    found = json.loads(proc.stdout)["findings"]
    assert [(f["a"]["path"], f["b"]["path"]) for f in found] == [('archive/z"old.md', "a-new.md")]
