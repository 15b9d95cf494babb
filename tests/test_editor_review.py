"""Fixes from an editor's review (2026-12-03, sixth session): titles and bylines on the line
above prose, echoes merged into a copy, tables, front matter, reference links, numbers in
the changed words, and a report saved into the folder being checked."""

from __future__ import annotations

import json
from pathlib import Path

from paradup import check_text
from paradup.normalize import PARA, normalize

from ._repo import write
from .conftest import run_paradup

TITLE = "中国联通召开警示教育会议 陈忠岳出席并讲话"
LEAD = (
    "中国联通召开警示教育会议，陈忠岳出席并讲话。会议通报了近年来查处的典型案例，"
    "并组织观看了警示教育片。与会人员纷纷表示深受教育。"
)
MID = "会议指出，全面从严治党永远在路上，各级党组织要切实扛起管党治党政治责任。"
NEWS = (
    "据新华社报道，国务院常务会议研究部署了进一步优化营商环境的若干措施，"
    "会议要求各地区各部门狠抓落实，确保政策红利尽快惠及市场主体。"
)


def _only(text: str, later: str) -> object:
    found = [f for f in check_text(text).findings if f.b.text == later]
    assert len(found) == 1, check_text(text).findings
    return found[0]


def test_a_title_the_lead_restates_stays_out_of_the_leads_copy() -> None:
    """The title, merged in front of the lead's source, made a verbatim copy of the lead
    "similarity 0.94 (near)" with the title shown as a deleted change."""
    f = _only(f"{TITLE}\n\n{LEAD}\n\n{MID}\n\n{LEAD}\n", LEAD)
    assert (f.a.text, f.similarity, f.changes) == (LEAD, 1.0, ())  # type: ignore[attr-defined]


def test_a_closing_sentence_that_echoes_the_copy_is_not_glued_onto_it() -> None:
    para = (
        "会议通报了近年来查处的典型案例，并组织观看了警示教育片。"
        "与会人员纷纷表示深受教育，将以案为鉴、警钟长鸣。"
    )
    close = "总之，与会人员纷纷表示深受教育，将以案为鉴。"
    (f,) = [
        f for f in check_text(f"{para}\n\n{MID}\n\n{para}\n\n{close}\n").findings if not f.a.start
    ]
    assert (f.b.text, f.similarity, f.changes) == (para, 1.0, ())


def test_a_byline_on_the_line_above_the_lead_does_not_hide_it() -> None:
    """`来源：新华社` with the lead on the next line was one sentence with the lead's first
    one: the allow-list dropped it whole, so a copy of the lead was never found (0 %)."""
    for byline in ("来源：新华社", "原标题：国务院部署优化营商环境", "（来源：新华社）"):
        text = f"# 国务院常务会议\n\n{byline}\n{NEWS}\n\n{MID}\n\n{NEWS}\n"
        f = _only(text, NEWS)
        assert f.a.text == NEWS and f.similarity == 1.0, byline  # type: ignore[attr-defined]
        assert check_text(text).files[0].restated_chars == len(NEWS)


def test_a_subheading_line_inside_blank_line_paragraphs_is_a_paragraph() -> None:
    """One blank line (after the title) made every single line break soft: 民警提醒 ran into
    the next sentence and an exact copy was "near"."""
    s = "近日南宁市公安局边阳派出所侦破了一起入室盗窃案，嫌疑人已被刑事拘留。"
    text = f"整栋楼共用一个锁芯\n\n{s}\n民警提醒\n出租屋租客应及时更换门锁\n{s}\n"
    f = _only(text, s)
    assert f.similarity == 1.0  # type: ignore[attr-defined]
    assert "民警提醒\n" in normalize(text).text


def test_lines_of_wrapped_prose_stay_one_sentence() -> None:
    wrapped = (
        "据新华社报道，国务院常务会议研究部署了进一步优化营商环境的若干\n"
        "措施，会议要求各地区各部门狠抓落实，确保政策红利尽快惠及市场主\n"
        "体。\n\n下一段。\n"
    )
    assert normalize(wrapped).text.count(PARA) == 1


def test_each_table_cell_is_its_own_paragraph() -> None:
    """Rows ran together into one sentence: a cell restating the body came with the other
    cells as changes (`会议 -> 时间 | 2024年6月18日`)."""
    text = (
        f"# 纪要\n\n{NEWS}\n\n| 项目 | 内容 |\n|---|---|\n| 时间 | 6月18日 |\n| 要求 | {NEWS} |\n"
    )
    f = _only(text, NEWS)
    assert f.similarity == 1.0 and f.changes == ()  # type: ignore[attr-defined]


def test_a_draft_opening_with_a_separator_line_keeps_its_text() -> None:
    """`---` at the top of a .txt draft hid everything up to the next `---` as front matter."""
    text = f"---\n{NEWS}\n\n{MID}\n---\n{NEWS}\n"
    assert len(check_text(text).findings) == 1
    assert normalize("---\ntitle: 标题\ntags:\n  - 新闻\n---\n正文。").text == "正文。"


def test_reference_links_are_markup() -> None:
    assert normalize("见[若干措施][1]和[细则][]。").text == "见若干措施和细则。"
    assert normalize("见[若干措施](https://x.cn/a)。").text == "见若干措施。"


def test_changed_numbers_are_shown_whole() -> None:
    a = "据统计，2023年全市GDP达到1.25万亿元，同比增长5.6%，其中第三产业增加值为7800亿元。"
    b = a.replace("1.25", "1.32").replace("5.6", "6.1").replace("7800", "8100")
    (f,) = check_text(f"{a}\n\n{MID}\n\n{b}\n").findings
    assert [(c.a, c.b) for c in f.changes] == [("1.25", "1.32"), ("5.6", "6.1"), ("7800", "8100")]
    # With thousands separators too (`000 → 500` for 3,000,000 → 3,500,000), and only those.
    a = "本次活动共吸引1,250名选手参赛，赛事总奖金达到3,000,000元，创历届新高，参赛队伍来自全国。"
    b = a.replace("1,250", "1,380").replace("3,000,000", "3,500,000")
    (f,) = check_text(f"{a}\n\n{MID}\n\n{b}\n").findings
    assert [(c.a, c.b) for c in f.changes] == [("1,250", "1,380"), ("3,000,000", "3,500,000")]
    assert all(f.b.text[c.b_start - f.b.start : c.b_end - f.b.start] == c.b for c in f.changes)
    a = "该市今年共建成保障房5,6个片区，新增学位1,20个，较去年增长5,占全省首位。"
    b = a.replace("5,6", "5,7").replace("1,20", "1,30").replace("增长5,", "增长6,")
    (f,) = check_text(f"{a}\n\n{MID}\n\n{b}\n").findings
    assert [(c.a, c.b) for c in f.changes] == [("6", "7"), ("20", "30"), ("5", "6")]
    # A full-width comma is a clause break, though NFKC folds it to ",": `5，250家` is no number.
    a = "今年以来全市同比增长5，250家企业参与了这次专项行动，覆盖全市十二个区县和开发区。"
    (f,) = check_text(f"{a}\n\n{MID}\n\n{a.replace('增长5', '增长6')}\n").findings
    assert [(c.a, c.b) for c in f.changes] == [("5", "6")]


def test_a_change_is_shown_on_one_line() -> None:
    from paradup.report.text import change_side as _change

    assert _change("扩大内需。\n\n下一段") == "扩大内需。⏎下一段"
    long = "一二三四五六七八九十" * 6
    assert len(_change(long)) == 39 and "…" in _change(long)
    assert _change("") == "∅"


def test_a_report_saved_into_the_checked_folder_names_the_way_out(tmp_path: Path) -> None:
    write(tmp_path / "desk", {"a.md": f"{NEWS}\n\n{MID}\n\n{NEWS}\n"})
    first = run_paradup("check", "desk", "-o", "desk/report.md", cwd=tmp_path)
    assert first.returncode == 1, first.stderr
    again = run_paradup("check", "desk", "-o", "desk/report.md", cwd=tmp_path)
    assert again.returncode == 2 and "--exclude report.md" in again.stderr, again.stderr
    fixed = run_paradup(
        "check",
        "desk",
        "-o",
        "desk/report.md",
        "--exclude",
        "report.md",
        "-f",
        "json",
        cwd=tmp_path,
    )
    assert fixed.returncode == 1, fixed.stderr
    out = json.loads((tmp_path / "desk" / "report.md").read_text(encoding="utf-8"))
    assert [f["path"] for f in out["files"]] == ["desk/a.md"]


def test_a_stray_pipe_inside_a_sentence_does_not_cut_it() -> None:
    s = "部队向集中在孝义阳泉曲、兑九峪一带|的敌军发起总攻击，经过三天激战，歼敌两万余人。"
    assert PARA not in normalize(s).text
    (f,) = check_text(f"{s}\n\n{MID}\n\n{s.replace('|', '')}\n").findings
    assert f.similarity == 1.0
    assert normalize("甲 | 乙\n---|---\n一 | 二\n\n后文。").text == "甲\n乙\n一\n二\n后文。"


def test_toml_front_matter_and_transcripts_after_a_separator() -> None:
    toml = '+++\ntitle = "x"\n[params]\nauthor = "y"\ntags = [\n"a",\n]\n+++\n正文。'
    assert normalize(toml).text == "正文。"
    talk = "---\n记者: 今年前三季度经济运行情况如何?\n---\n正文。"
    assert normalize(talk).text.startswith("记者:")
    assert normalize("---\n  缩进的段落。\n---\n正文。").text.startswith("缩进的段落")


def test_an_archived_source_is_named_by_its_title_in_the_text_report(tmp_path: Path) -> None:
    """`check --against` named the source only as `arch.jsonl:672:1:1`; the JSON and HTML
    reports had its title and date."""
    line = "国家统计局今天发布数据显示，全国规模以上工业增加值同比增长百分之五点六。"
    (tmp_path / "a.jsonl").write_text(
        json.dumps({"id": "n1", "title": "统计局发布数据", "date": "2024-03-01", "text": line})
        + "\n",
        encoding="utf-8",
    )
    assert (
        run_paradup("index", "build", "a.jsonl", "-i", "a.idx", "-q", cwd=tmp_path).returncode == 0
    )
    (tmp_path / "d.txt").write_text(f"新的导语。\n\n{line}\n", encoding="utf-8")
    proc = run_paradup("check", "d.txt", "-i", "a.idx", cwd=tmp_path)
    assert "restates a.jsonl:1:1:1 (id n1) 《统计局发布数据》 2024-03-01  similarity" in proc.stdout


def test_an_exact_copy_is_reported_against_its_exact_source() -> None:
    """Paragraph 3 ends with an exact copy of paragraph 2, which restates paragraph 1 with one
    word changed: the merge stitched paragraphs 1 and 2 into the source and reported the copy
    as `similarity 0.92` with made-up changes (扎实 → 持续, a sentence moved)."""
    s1 = "会议强调，要坚持以习近平新时代中国特色社会主义思想为指导，深入贯彻落实党的二十大精神，"
    p1 = s1 + "扎实推进全面从严治党向纵深发展。"
    p2 = "各单位负责人作了交流发言。" + s1 + "持续推进全面从严治党向纵深发展。"
    text = f"{p1}\n\n{p2}\n\n与会人员一致表示赞同。{p2}\n"
    first, second = check_text(text).findings
    assert (first.kind, first.b.line, first.a.line) == ("near", 3, 1)
    assert [(c.a, c.b) for c in first.changes] == [("扎实", "持续")]
    assert (second.kind, second.similarity, second.a.text, second.b.text) == ("exact", 1.0, p2, p2)
