"""A CMS developer's review of the library API: mistakes that were silent or raw tracebacks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import paradup
from paradup import CheckConfig, ParadupError, check_documents, check_paths, check_text

from .conftest import run_paradup

S1 = "国家统计局今天发布数据显示，全国规模以上工业增加值同比增长百分之五点六。"
TWICE = f"{S1}\n\n另据了解，本次会议还部署了下一阶段的重点工作。\n\n{S1}\n"


def test_a_config_passed_second_is_refused_not_ignored() -> None:
    """`check_text(text, CheckConfig(...))` took the config for the path: default settings,
    and `Span.path` held a CheckConfig."""
    with pytest.raises(ParadupError, match="path: expected str, got CheckConfig; the config"):
        check_text(TWICE, CheckConfig(min_chars=500))  # type: ignore[arg-type]
    assert check_text(TWICE, config=CheckConfig(min_chars=500)).findings == ()
    assert len(check_text(TWICE, "d.md").findings) == 1


@pytest.mark.parametrize("bad", [S1.encode(), None, 3])
def test_a_text_that_is_not_str_is_a_paradup_error(bad: object) -> None:
    with pytest.raises(ParadupError, match="text: expected str"):
        check_text(bad)  # type: ignore[arg-type]


def test_documents_must_be_documents() -> None:
    with pytest.raises(ParadupError, match=r"documents\[0\]: expected Document, got str"):
        check_documents([S1])  # type: ignore[list-item]
    with pytest.raises(ParadupError, match="config: expected CheckConfig"):
        check_documents([], {"threshold": 0.5})  # type: ignore[arg-type]


def test_paths_as_bytes_are_refused_plainly(tmp_path: Path) -> None:
    with pytest.raises(ParadupError, match=r"paths: expected a path or an iterable of paths"):
        check_paths(os.fsencode(tmp_path))  # type: ignore[arg-type]


def test_an_empty_file_in_a_folder_is_passed_over_as_by_the_command(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(TWICE, encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    result = check_paths(tmp_path)
    assert [f.path for f in result.files] == [str(tmp_path / "a.txt")]
    assert len(result.findings) == 1
    with pytest.raises(paradup.InputError, match="is empty"):  # named: still an error
        check_paths([tmp_path / "empty.txt"])


def test_load_settings_takes_one_path_as_a_string(tmp_path: Path) -> None:
    """A string was iterated character by character: no config found, defaults used."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".paradup.toml").write_text("threshold = 0.9\n", encoding="utf-8")
    draft = str(tmp_path / "sub" / "d.md")
    assert paradup.load_settings(draft).config.threshold == 0.9
    assert paradup.load_settings(Path(draft)).config.threshold == 0.9
    assert paradup.load_settings([draft]).config.threshold == 0.9


def test_markers_inside_a_one_line_html_body_are_honoured() -> None:
    """A CMS stores an HTML body on one line: markers there were ignored (the quotation was
    reported and counted)."""
    body = (
        f"<p>{S1}</p><!-- paradup: off --><blockquote>{S1}</blockquote><!-- paradup: on -->"
        "<p>另据了解，本次会议还部署了下一阶段的重点工作。</p>"
    )
    result = check_text(body, "body.html")
    assert result.findings == () and result.restated_chars == 0
    assert len(check_text(body.replace("paradup", "other"), "body.html").findings) == 1
    # A marker shown in a code span is text about markers, not one.
    shown = f"{S1}\n\n用 `<!-- paradup: off -->` 关掉比较。\n\n{S1}\n"
    assert len(check_text(shown, "doc.md").findings) == 1
    # A double-backtick span is a code span too (an even count of backticks is not the test),
    # and a stray backtick earlier on the line does not hide a real marker.
    shown = f"{S1}\n\n用 ``<!-- paradup: off -->`` 关掉比较。\n\n{S1}\n"
    assert len(check_text(shown, "doc.md").findings) == 1
    real = f"{S1}\n\n符号`在此。<!-- paradup: off -->{S1}<!-- paradup: on -->\n"
    assert check_text(real, "doc.md").findings == ()


def test_rjieba_with_a_user_dictionary_uses_it(tmp_path: Path) -> None:
    """`engine="rjieba"` with a user dictionary ignored the dictionary: other tokens, another
    similarity than every other engine."""
    pytest.importorskip("rjieba")
    words = tmp_path / "words.txt"
    words.write_text("联通二级机构 100 n\n", encoding="utf-8")
    text = (
        "中国联通二级机构主要负责人参加了本次警示教育会议并讲话。\n\n无关的一段话在这里。\n\n"
        "中国联通二级机构负责人参加了本次警示教育会议并讲话。\n"
    )
    got = {
        engine: check_text(text, config=CheckConfig(user_dict=str(words), engine=engine))
        .findings[0]
        .similarity
        for engine in ("jieba", "rjieba")
    }
    assert got["rjieba"] == got["jieba"], got


def test_an_edited_user_dictionary_is_read_again_in_the_same_process(tmp_path: Path) -> None:
    """A long-running process (a CMS, `paradup serve`) kept the words of the dictionary as
    first loaded."""
    from paradup.tokens import words

    ud = tmp_path / "words.txt"
    ud.write_text("甲乙 10 n\n", encoding="utf-8")
    assert "联通二级机构" not in words("中国联通二级机构负责人", str(ud), "jieba")
    ud.write_text("甲乙 10 n\n联通二级机构 100 n\n", encoding="utf-8")
    st = ud.stat()
    os.utime(ud, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # coarse clocks
    assert "联通二级机构" in words("中国联通二级机构负责人", str(ud), "jieba")


def test_check_against_and_to_dict_are_public_and_agree_with_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CMS checking a draft against the archive had only the private
    `paradup.against.check_against`, and no public way to the JSON contract."""
    import json

    (tmp_path / "arc").mkdir()
    (tmp_path / "arc" / "old.txt").write_text(TWICE.split("\n\n")[0] + "\n", encoding="utf-8")
    (tmp_path / "draft.txt").write_text("新的导语在这里。\n\n" + S1 + "\n", encoding="utf-8")
    build = run_paradup("index", "build", "arc", "--index", "a.paradup", cwd=tmp_path)
    assert build.returncode == 0, build.stderr
    cli = run_paradup("check", "draft.txt", "--against", "a.paradup", "-f", "json", cwd=tmp_path)
    short = run_paradup("check", "draft.txt", "-i", "a.paradup", "-f", "json", cwd=tmp_path)
    assert short.stdout == cli.stdout  # -i/--index, as index, audit and serve name it
    monkeypatch.chdir(tmp_path)
    result = paradup.check_against(paradup.read_document("draft.txt"), Path("a.paradup"))
    assert paradup.to_dict(result) == json.loads(cli.stdout)
    assert result.findings[0].a.path.endswith("old.txt")
    with pytest.raises(ParadupError, match=r"documents\[0\]: expected Document"):
        paradup.check_against(["draft.txt"], "a.paradup")  # type: ignore[list-item]


def test_sarif_and_annotations_place_an_absolute_path_in_the_checkout(tmp_path: Path) -> None:
    """`check /abs/draft.md -f sarif` gave the URI `/abs/…` against %SRCROOT% (and the
    annotation `file=/abs/…`): code scanning and GitHub place results by repository path."""
    import json

    (tmp_path / "sub").mkdir()
    draft = tmp_path / "sub" / "d.txt"
    draft.write_text(TWICE, encoding="utf-8")
    proc = run_paradup("check", str(draft), "-f", "sarif", cwd=tmp_path)
    loc = json.loads(proc.stdout)["runs"][0]["results"][0]["locations"][0]
    assert loc["physicalLocation"]["artifactLocation"] == {
        "uri": "sub/d.txt",
        "uriBaseId": "%SRCROOT%",
    }
    proc = run_paradup("check", str(draft), "-f", "github", cwd=tmp_path)
    assert proc.stdout.startswith("::error file=sub/d.txt,"), proc.stdout
    elsewhere = tmp_path / "other"
    elsewhere.mkdir()
    proc = run_paradup("check", str(draft), "-f", "sarif", cwd=elsewhere)
    loc = json.loads(proc.stdout)["runs"][0]["results"][0]["locations"][0]
    uri = loc["physicalLocation"]["artifactLocation"]
    assert uri == {"uri": draft.as_uri()}, uri
