"""Fixes of the tenth session (2026-12-04): archive folders, configs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ._repo import article
from .conftest import one_line_error, run_paradup


def _export(path: Path, first: int, n: int) -> None:
    rows = [{"id": f"r{i}", "text": article(700 + i)} for i in range(first, first + n)]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")


def test_a_json_file_beside_json_lines_exports_is_named_not_passed_over(tmp_path: Path) -> None:
    """A folder with `a.jsonl` and `b.json` indexed `a.jsonl` and passed `b.json` over without
    a word (exit 0): its records were missing from every later answer. It is a skipped
    line with the fix, in both engines; the config's `exclude` quiets it (metadata files)."""
    arc = tmp_path / "arc"
    arc.mkdir()
    _export(arc / "a.jsonl", 0, 3)
    _export(arc / "b.json", 3, 2)
    proc = run_paradup("index", "build", "arc", "-i", "x.paradup", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    flat = " ".join(proc.stderr.split())
    assert "skipped: arc/b.json: a .json file is not read" in flat
    assert "jq -c '.[]'" in flat and "1 bad records skipped" in flat
    assert "3 documents seen" in flat
    strict = run_paradup("index", "build", "arc", "-i", "y.paradup", "--strict", cwd=tmp_path)
    assert strict.returncode == 1, strict.stderr
    (tmp_path / "quiet.toml").write_text('exclude = ["*.json"]\n', encoding="utf-8")
    quiet = run_paradup(
        "index", "build", "arc", "-i", "z.paradup", "--config", "quiet.toml", cwd=tmp_path
    )
    assert quiet.returncode == 0 and "b.json" not in quiet.stderr, quiet.stderr

    from paradup.archive import Fields
    from paradup.spark_engine import _local_files, local_sources

    sources = local_sources([str(arc)], "text", None)
    parsed = list(_local_files(Fields(), None)(sources))
    bad = [p[5] for p in parsed if p[5]]
    assert len(bad) == 1 and "b.json: a .json file is not read" in bad[0], bad
    assert sorted(p[0] for p in parsed if p[0]) == [f"{arc}/a.jsonl#r{i}" for i in range(3)]


def test_a_first_build_stopped_before_its_first_batch_is_named_unfinished(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build killed (Ctrl-C, SIGTERM, a full disk) before its first batch committed left
    an empty index that `index info`, `check --against` and `audit` took for a complete
    one: "0 restated passages", exit 0. It is marked until a build or update completes."""
    from paradup.index.build import build_index
    from paradup.index.store import IndexStore

    arc = tmp_path / "arc"
    arc.mkdir()
    for i in range(3):
        (arc / f"a{i}.md").write_text(article(720 + i), encoding="utf-8")
    (tmp_path / "draft.md").write_text(article(720), encoding="utf-8")

    def stop(*_args: object, **_kw: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.chdir(tmp_path)
    with monkeypatch.context() as m:
        m.setattr(IndexStore, "write_batch", stop)
        with pytest.raises(KeyboardInterrupt):
            build_index(["arc"], "x.paradup", jobs=1)
    assert (tmp_path / "x.paradup").is_file()
    info = run_paradup("index", "info", "-i", "x.paradup", cwd=tmp_path)
    assert "interrupted build (its first)" in " ".join(info.stdout.split()), info.stdout
    check = run_paradup("check", "draft.md", "--against", "x.paradup", cwd=tmp_path)
    flat = " ".join(check.stderr.split())
    assert "warning" in flat and "interrupted build (its first)" in flat, check.stderr
    update = run_paradup("index", "update", "-i", "x.paradup", "-q", cwd=tmp_path)
    assert update.returncode == 0, update.stderr
    info = run_paradup("index", "info", "-i", "x.paradup", cwd=tmp_path)
    assert "interrupted" not in info.stdout and "3 documents" in info.stdout, info.stdout
    check = run_paradup("check", "draft.md", "--against", "x.paradup", cwd=tmp_path)
    assert check.returncode == 1 and "interrupted" not in check.stderr, check.stderr


def _damaged_index(tmp_path: Path) -> Path:
    from ._repo import built_archive

    index = built_archive(tmp_path, range(740, 760))
    import sqlite3

    with sqlite3.connect(index) as con:  # the page of meta's key index: met after the probe
        (page,) = con.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'sqlite_autoindex_meta_1'"
        ).fetchone()
        (size,) = con.execute("PRAGMA page_size").fetchone()
    con.close()
    data = bytearray(index.read_bytes())
    at = (page - 1) * size
    data[at : at + size] = bytes((i * 37 + 11) % 256 for i in range(size))
    index.write_bytes(bytes(data))
    return index


def test_a_damaged_index_is_one_line_for_check_against_and_update(tmp_path: Path) -> None:
    """`check --against` and `index update` met the damage while reading the index's
    metadata: a traceback and exit 1 (`check`'s code for findings) where `index info` said
    "damaged; delete it and build it again"."""
    index = _damaged_index(tmp_path)
    (tmp_path / "draft.md").write_text(article(740), encoding="utf-8")
    before = index.read_bytes()
    for args in (
        ("check", "draft.md", "--against", "x.paradup"),
        ("index", "update", "-i", "x.paradup"),
    ):
        proc = run_paradup(*args, cwd=tmp_path)
        one_line_error(proc, "x.paradup", "damaged", "build it again")
    assert index.read_bytes() == before


def test_small_cli_answers(tmp_path: Path) -> None:
    """A group without its subcommand printed nothing (exit 2); `config` of a missing file
    printed the defaults (exit 0); `-o /dev/full` was named "stdout"."""
    for group, word in (("index", "build"), ("baseline", "write")):
        proc = run_paradup(group, cwd=tmp_path)
        assert proc.returncode == 2 and "Usage: paradup" in proc.stderr and word in proc.stderr
    one_line_error(run_paradup("config", "nope.md", cwd=tmp_path), "nope.md: does not exist")
    (tmp_path / "a.md").write_text(article(741) + "\n\n" + article(741), encoding="utf-8")
    if Path("/dev/full").exists():
        proc = run_paradup("check", "a.md", "-o", "/dev/full", cwd=tmp_path)
        one_line_error(proc, "/dev/full: cannot write the report", "check --output")


def test_files_under_different_configs_are_warned_about(tmp_path: Path) -> None:
    """`check outer/a.md outer/repo/b.md` used the config above both for both: the repo's
    own config was dropped without a word."""
    (tmp_path / ".git").mkdir()
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (tmp_path / ".paradup.toml").write_text("min-chars = 99\n", encoding="utf-8")
    (repo / ".paradup.toml").write_text("min-chars = 60\n", encoding="utf-8")
    text = article(742) + "\n\n" + article(742)
    (tmp_path / "a.md").write_text(text, encoding="utf-8")
    (repo / "b.md").write_text(text, encoding="utf-8")
    for args in (("check", "a.md", "repo/b.md", "-q"), ("config", "a.md", "repo/b.md")):
        proc = run_paradup(*args, cwd=tmp_path)
        flat = " ".join(proc.stderr.split())
        assert "configured by different files" in flat and "repo/.paradup.toml" in flat, flat
    alone = run_paradup("check", "repo/b.md", "-q", cwd=tmp_path)
    assert "different files" not in alone.stderr


def test_line_numbers_are_not_emoji(tmp_path: Path) -> None:
    """rich replaced `:100:` in `e.jsonl:100: field 'text' is empty` with 💯 (its emoji
    codes were on in the consoles that print file:line places)."""
    rows = [{"id": f"r{i}", "text": "" if i == 99 else article(750 + i)} for i in range(101)]
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    (tmp_path / "e.jsonl").write_text(lines, encoding="utf-8")
    proc = run_paradup("index", "build", "e.jsonl", "-i", "e.paradup", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "e.jsonl:100: field 'text' is empty" in proc.stderr and "💯" not in proc.stderr


def test_a_users_file_named_like_a_rebuild_is_not_called_one(tmp_path: Path) -> None:
    """`index info` told the user to delete `x.paradup.rebuild`, their own notes, as "what an
    interrupted `index build --force` left" (the rebuild itself refuses to replace it)."""
    arc = tmp_path / "arc"
    arc.mkdir()
    (arc / "a.md").write_text(article(760), encoding="utf-8")
    assert (
        run_paradup("index", "build", "arc", "-i", "x.paradup", "-q", cwd=tmp_path).returncode == 0
    )
    (tmp_path / "x.paradup.rebuild").write_text("my notes\n", encoding="utf-8")
    info = run_paradup("index", "info", "-i", "x.paradup", cwd=tmp_path)
    assert info.returncode == 0 and "rebuild" not in info.stdout, info.stdout
    assert (tmp_path / "x.paradup.rebuild").read_text(encoding="utf-8") == "my notes\n"


def test_library_arguments_of_the_wrong_type_are_usage_errors(tmp_path: Path) -> None:
    """The README promises a UsageError naming the argument; these raised AttributeError or
    TypeError, `read_document(5)` read file descriptor 5, and a focus out of range
    reported nothing, which read as "no findings"."""
    from paradup import (
        CheckConfig,
        UsageError,
        check_against,
        check_documents,
        check_paths,
        read_document,
        to_dict,
    )

    draft = tmp_path / "d.md"
    draft.write_text(article(770) + "\n\n" + article(770), encoding="utf-8")
    docs = [read_document(str(draft))]
    calls = {
        "config": lambda: check_paths([str(draft)], "x"),  # type: ignore[arg-type]
        "index_path": lambda: check_against(docs, 5),  # type: ignore[arg-type]
        "allow": lambda: check_paths([str(draft)], allow=5),  # type: ignore[arg-type]
        "focus": lambda: check_documents(docs, CheckConfig(), focus=[5]),
        "result": lambda: to_dict("x"),  # type: ignore[arg-type]
        "path": lambda: read_document(5),  # type: ignore[arg-type]
    }
    for name, call in calls.items():
        with pytest.raises(UsageError, match=name):
            call()
    with pytest.raises(UsageError, match="focus"):
        check_documents(docs, CheckConfig(), focus=0)  # type: ignore[arg-type]
    assert check_documents(docs, CheckConfig(), focus=[0]).findings
    assert read_document(draft).text == docs[0].text  # a Path is a path


def test_two_edited_copies_of_a_paragraph_each_show_their_own_edit() -> None:
    """A paragraph of four sentences, then two edited copies back to back: one finding paired
    the source with the first copy and most of the second (shown as a whole paragraph
    inserted), and the second copy's own edit (下月 → 下个月) appeared nowhere."""
    from paradup import check_text

    p = (
        "市交通运输局表示，为缓解早晚高峰拥堵，我市将于下月起在主城区新开通8条定制公交线路。"
        "新线路主要覆盖大型居住区与产业园区之间的通勤走廊。票价将根据里程分段计算，最高不超过"
        "十元。乘客可通过手机应用提前一天预订座位。"
    )
    other = "今年以来，我市持续推进公共交通优先发展战略，公交分担率稳步提升，市民满意度不断提高。"
    one, two = p.replace("十元", "十二元"), p.replace("下月", "下个月")
    text = "\n\n".join([p, other, one, two]) + "\n"
    result = check_text(text)
    assert sorted(text[f.b.start : f.b.end] for f in result.findings) == sorted([one, two])
    shown = {(c.a, c.b) for f in result.findings for c in f.changes}
    assert ("十", "十二") in shown or ("十元", "十二元") in shown, shown
    assert any("个" in b and len(b) <= 3 for _a, b in shown), shown


@pytest.mark.parametrize("head", ["摄影：王五 ", "审核：赵六 ", "（编辑：王五）", "记者：张三　"])
def test_a_lead_after_any_default_byline_label_is_compared(head: str) -> None:
    """Only `来源`/`原标题` bylines were cut from the lead on their line: `摄影：王五 今年以来，…`
    (or `（编辑：王五）今年以来，…`) was one sentence the allow-list took out whole, so a
    verbatim copy of the lead two paragraphs later was 0 restated passages, 复制比 0 %."""
    from paradup import check_text

    lead = (
        "今年以来，全市上下深入贯彻落实市委市政府决策部署，统筹推进稳增长、促改革、调结构、"
        "惠民生、防风险各项工作，经济运行总体平稳、稳中有进。"
    )
    text = f"{head}{lead}\n\n据统计，前三季度全市地区生产总值同比增长5.6%。\n\n{lead}\n"
    (f,) = check_text(text).findings
    assert f.kind == "exact" and text[f.a.start : f.a.end] == lead == f.b.text


def test_an_index_reached_through_a_symlink_stays_one(tmp_path: Path) -> None:
    """`-i current.paradup -> store/real.paradup`: `build --force` replaced the link with a
    regular file (the target, which other paths name, kept the old index)."""
    from paradup.index.store import IndexStore

    arc = tmp_path / "arc"
    arc.mkdir()
    (arc / "a.md").write_text(article(780), encoding="utf-8")
    (tmp_path / "store").mkdir()
    link = tmp_path / "current.paradup"
    link.symlink_to("store/real.paradup")
    assert run_paradup("index", "build", "arc", "-i", str(link), "-q", cwd=tmp_path).returncode == 0
    (arc / "b.md").write_text(article(781), encoding="utf-8")
    forced = run_paradup("index", "build", "arc", "-i", str(link), "--force", "-q", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert link.is_symlink() and os.readlink(link) == "store/real.paradup"
    with IndexStore.open(tmp_path / "store" / "real.paradup") as store:
        assert store.counts()["docs"] == 2
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith("current.paradup.")]


def test_exact_copies_of_one_text_beyond_a_few_are_one_line_in_the_terminal(
    tmp_path: Path,
) -> None:
    """A footer or table cell repeated on every row was a finding per row in the terminal
    (1,999 for a 2,000-row table); the JSON still lists every one."""
    cell = "已按规定完成资金拨付并公示，请各单位知悉。"
    rows = [f"{article(790 + i).split('。')[0]}。\n\n{cell}" for i in range(20)]
    (tmp_path / "t.md").write_text("\n\n".join(rows) + "\n", encoding="utf-8")
    text = run_paradup("check", "t.md", cwd=tmp_path)
    assert text.returncode == 1
    assert text.stdout.count("restates") == 3, text.stdout
    assert (
        "… 16 more exact copies of 「已按规定完成资金拨付并公示，请各单位知悉。」 at" in text.stdout
    )
    assert "19 restated passages" in text.stdout
    data = json.loads(run_paradup("check", "t.md", "-f", "json", cwd=tmp_path).stdout)
    assert len(data["findings"]) == 19


def test_a_name_git_quoted_is_named_with_the_fix(tmp_path: Path) -> None:
    """`git diff --cached --name-only | xargs paradup hook` passes a Chinese name as git
    quotes it (`articles/\\346\\226\\260.md`): "does not exist … check the file name" named
    no way out."""
    from ._repo import make_repo

    repo = make_repo(tmp_path / "r", {"articles/新.md": article(800)})
    quoted = "articles/\\346\\226\\260.md"
    proc = run_paradup("hook", quoted, cwd=repo)
    one_line_error(proc, quoted, "core.quotePath=false", "-z")


def test_a_restatement_that_splits_sentences_stays_one_finding() -> None:
    """Each split moves the later sentences one place further along: after three, matches
    stopped joining the passage (a sentence copied word for word was shown as deleted, 复制比
    92.5 % for a full copy). The alignment follows the passage's drift."""
    from paradup import check_text

    a = (
        "今年以来，全市新开工重大项目一百二十个，完成投资比去年同期增长百分之十五。其中，交通"
        "基础设施项目完成投资四百亿元，占全部投资的三成以上。市发展改革委有关负责人表示，下半年"
        "将继续加快项目审批，推动一批新项目尽早落地。与此同时，全市将加大对民间投资的支持力度，"
        "鼓励社会资本参与城市更新。专家认为，稳投资对于稳增长具有重要意义，但也要防范地方债务风险。"
    )
    b = a
    for clause in ("一百二十个，", "四百亿元，", "负责人表示，", "支持力度，"):
        b = b.replace(clause, clause[:-1] + "。")
    text = f"{a}\n\n{b}\n"
    (f,) = check_text(text).findings
    assert f.b.text == b and f.a.text == a
    assert check_text(text).files[0].restated_chars == len(b)  # every character of b


def test_a_run_of_bylines_before_the_lead_is_cut_after_the_last() -> None:
    """`记者：王五 摄影：赵六 今年以来，…`: cut after the first byline only, the second
    (`摄影：…`, an allow-listed label) took the lead out with it: 0 restated, 0 of 0."""
    from paradup import check_text

    lead = "今年以来，全市上下深入贯彻落实市委市政府决策部署，统筹推进各项工作，经济运行总体平稳。"
    for head in (
        "记者：王五 摄影：赵六 ",
        "作者：张三 来源：新华社 ",
        "（编辑：王五）来源：新华社 ",
    ):
        text = f"{lead}\n\n{head}{lead}\n"
        (f,) = check_text(text).findings
        assert f.kind == "exact" and f.b.text == lead, head


def test_numpy_integers_are_document_numbers() -> None:
    import numpy as np

    from paradup import CheckConfig, Document, check_documents

    text = article(810) + "\n\n" + article(810)
    docs = [Document("a.md", "第一篇文章。\n", "utf-8"), Document("b.md", text, "utf-8")]
    for focus in (np.array([1]), [np.int64(1)], np.flatnonzero([False, True])):
        assert check_documents(docs, CheckConfig(), focus=focus).findings


def test_an_upper_case_json_suffix_is_named_as_written(tmp_path: Path) -> None:
    """The fix said to exclude "*.json", which does not match `UP.JSON` (globs match case)."""
    arc = tmp_path / "arc"
    arc.mkdir()
    _export(arc / "a.jsonl", 0, 2)
    _export(arc / "UP.JSON", 2, 1)
    proc = run_paradup("index", "build", "arc", "-i", "x.paradup", cwd=tmp_path)
    assert "a .JSON file is not read" in proc.stderr and 'add "*.JSON"' in proc.stderr
    (tmp_path / "q.toml").write_text('exclude = ["*.JSON"]\n', encoding="utf-8")
    quiet = run_paradup(
        "index", "build", "arc", "-i", "y.paradup", "--config", "q.toml", cwd=tmp_path
    )
    assert quiet.returncode == 0 and "UP.JSON" not in quiet.stderr, quiet.stderr


def test_an_audit_report_is_not_written_into_the_archive(tmp_path: Path) -> None:
    """`audit -f jsonl -o arc/clusters.jsonl`: the next `index update` read the report as an
    export (a .txt one as an article), and the audit found its own report restating the
    archive."""
    arc = tmp_path / "arc"
    arc.mkdir()
    for i in range(3):
        (arc / f"a{i}.md").write_text(article(820) if i < 2 else article(821), encoding="utf-8")
    assert (
        run_paradup("index", "build", "arc", "-i", "x.paradup", "-q", cwd=tmp_path).returncode == 0
    )
    for name in ("arc/clusters.jsonl", "arc/sub/../report.txt"):
        proc = run_paradup("audit", "-i", "x.paradup", "-f", "jsonl", "-o", name, cwd=tmp_path)
        one_line_error(proc, name, "inside the archive folder arc", "write it outside")
    assert sorted(p.name for p in arc.iterdir()) == ["a0.md", "a1.md", "a2.md"]
    ok = run_paradup("audit", "-i", "x.paradup", "-f", "jsonl", "-o", "c.jsonl", cwd=tmp_path)
    assert ok.returncode == 1 and (tmp_path / "c.jsonl").is_file(), ok.stderr
