"""Markup an editor's CMS export carries (from an editor's review, 2026-12-03, fifth session):
HTML character references and setext headings are not prose."""

from __future__ import annotations

import json
from pathlib import Path

from paradup import check_text
from paradup.normalize import normalize

from ._repo import article
from .conftest import run_paradup


def _body(seed: int) -> list[str]:
    return article(seed, paragraphs=6).split("\n\n")[2:]


def test_entity_indents_are_not_sentences(tmp_path: Path) -> None:
    """`&nbsp;&nbsp;&nbsp;&nbsp;` before every paragraph: each `&nbsp;&nbsp;` ended in `;`, a
    12-character "sentence" that every paragraph restated (17 junk findings, 复制比 17 %)."""
    for pad in ("&nbsp;" * 4, "&emsp;&emsp;", "&#12288;&#12288;", "&#x3000;&#x3000;"):
        text = "\n\n".join(pad + p for p in _body(5)) + "\n"
        result = check_text(text)
        assert result.findings == (), (pad, result.findings[:1])
        norm = normalize(text)
        assert "&" not in norm.text and "nbsp" not in norm.text
    draft = tmp_path / "cms.md"
    draft.write_text("\n\n".join("&nbsp;&nbsp;" + p for p in _body(6)) + "\n", encoding="utf-8")
    proc = run_paradup("check", str(draft), "-f", "json")
    assert proc.returncode == 0, proc.stdout
    summary = json.loads(proc.stdout)["files"][0]
    assert summary["chars"] == check_text("\n\n".join(_body(6))).files[0].chars


def test_a_quote_written_as_entities_is_the_same_sentence() -> None:
    body = _body(7)
    quoted = "他说：“" + body[0] + "”"
    entities = "他说：&ldquo;" + body[0] + "&rdquo;"
    text = quoted + "\n\n" + body[1] + "\n\n" + entities + "\n"
    (f,) = check_text(text).findings
    assert f.similarity == 1.0
    assert text[f.b.start : f.b.end] == f.b.text and "&ldquo;" in f.b.text


def test_setext_headings_are_headings() -> None:
    """A title underlined with `===` or `---` was prose (the `=` line part of it): a lede that
    repeats the title was a finding; with `#` it was not."""
    body = _body(8)
    title = body[0].split("。")[0]
    for rule in ("=" * 12, "-" * 12):
        text = f"{title}\n{rule}\n\n{title}。{body[1]}\n"
        result = check_text(text)
        assert result.findings == (), rule
        atx = check_text(f"# {title}\n\n{title}。{body[1]}\n")
        assert result.files[0].chars == atx.files[0].chars
    # Not a heading: a line of dashes under a paragraph's second line, a list, or a table.
    assert normalize("- 条目一\n---\n").headings == frozenset()
    assert normalize("| a | b |\n|---|---|\n").headings == frozenset()


def test_a_sentence_over_a_line_of_dashes_stays_prose() -> None:
    """Plain-text news separates parts with dashes; a sentence above them is prose (one
    real article), while a title underlined with `===` is a heading whatever it ends with."""
    norm = normalize("正文最后一句。\n" + "-" * 30 + "\n下一部分。\n")
    assert norm.headings == frozenset()
    assert "正文最后一句" in norm.text
    assert normalize("标题也可以有句号。\n====\n\n正文。\n").headings


def _wrap(text: str, width: int) -> str:
    out = []
    for par in text.split("\n"):
        out += [par[i : i + width] for i in range(0, len(par), width)]
    return "\n".join(out) + "\n"


def test_hard_wrapped_text_is_joined_into_its_paragraphs() -> None:
    """Plain text wrapped at 30 characters, no blank lines: every line was a paragraph, and a
    restated paragraph fell apart into pieces cut mid-word (4 findings at 0.54-0.67 instead
    of one at 0.97)."""
    body = _body(9)
    plain = "\n".join([body[0], body[1], body[2], body[0].replace("，", "、", 2)])
    whole = check_text(plain)
    wrapped = _wrap(plain, 30)
    result = check_text(wrapped)
    assert len(whole.findings) == len(result.findings) == 1
    (f,) = result.findings
    assert f.similarity >= whole.findings[0].similarity - 0.05
    assert wrapped[f.b.start : f.b.end] == f.b.text and wrapped[f.a.start : f.a.end] == f.a.text
    assert result.files[0].chars == whole.files[0].chars


def test_lines_that_end_sentences_stay_paragraphs() -> None:
    """A list of items of one length, each ending in 。, is one paragraph a line, as before."""
    items = [f"第{i}项：本市今日发布的通知要求各单位按时上报材料，逾期不予受理。" for i in range(6)]
    norm = normalize("\n".join(items) + "\n")
    assert norm.text.count("\n") == 5


def test_footnotes_are_prose_and_their_markers_markup() -> None:
    """`[^1]: …` was dropped whole as a link reference definition, and `[^1]` markers showed
    up as changed words."""
    body = _body(10)
    note = body[1].split("。")[0] + "。"
    text = f"{body[0]}[^1]\n\n{note}\n\n[^1]: {note}\n"
    norm = normalize(text)
    assert "[^" not in norm.text and norm.text.count(note[:10]) == 2
    (f,) = check_text(text).findings
    assert f.similarity == 1.0 and text[f.b.start : f.b.end] == f.b.text
    assert normalize("[ref]: https://example.com\n").text == ""  # a link definition still is not


def test_setext_headings_in_crlf_files_and_after_a_spaced_blank_line() -> None:
    """The blank line before the title had to be empty: a CRLF file's (seen as ` \\n`) or one
    holding spaces missed the heading, and `=====` joined the title as text."""
    lf = normalize("正文第一段落内容在这里。\n\n标题在这里\n=====\n\n正文第二段。")
    for text in (
        "正文第一段落内容在这里。\r\n\r\n标题在这里\r\n=====\r\n\r\n正文第二段。",
        "正文第一段落内容在这里。\n  \n标题在这里\n-----\n\n正文第二段。",
    ):
        norm = normalize(text)
        assert (norm.text, norm.headings) == (lf.text, lf.headings), text


def test_character_references_are_decoded() -> None:
    """Dropped, `AT&amp;T` read `att` and `朱&#38229;基` lost its rare character (pages in
    legacy encodings write such characters as references); each reference is now the
    character it stands for, spanning the whole reference, and `&nbsp;` is a space."""
    cases = {
        "Apple&nbsp;Inc said": "apple inc said",
        "朱&#38229;基说": "朱镕基说",
        "AT&amp;T": "at&t",
        "中文&nbsp;中文": "中文中文",
        "a &foo; b": "a &foo; b",  # not a reference
        "&#0;x&#xD800;": "x",  # invalid numbers would be U+FFFD: markup
        "&#65533;": "\ufffd",
    }
    for raw, text in cases.items():
        norm = normalize(raw)
        assert norm.text == text, raw
        assert all(norm.starts[k] < norm.ends[k] <= len(raw) for k in range(len(norm.text)))
    norm = normalize("朱&#38229;基说")
    assert (norm.starts[1], norm.ends[1]) == (1, 9)
    body = _body(11)
    text = f"{body[0]}\n\n朱镕基说：{body[1]}\n\n朱&#38229;基说：{body[1]}\n"
    f = check_text(text).findings[-1]
    assert f.similarity == 1.0 and text[f.b.start : f.b.end] == f.b.text
