"""`check` fixes from the 2026-12-03 fourth session: a sentence pasted again right after its
restatement is a finding of its own (not part of a passage `S S` that restates `S` with the
change `∅ → S`); a bad file inside a folder does not stop the check."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
from pathlib import Path

from paradup import check_text

from .conftest import paradup_exe, run_paradup

S = "会议要求各单位加强安全生产管理，落实主体责任。"
LEAD = "据悉" + S  # the first copy carries two more words


def _spans(text: str) -> list[tuple[str, str]]:
    result = check_text(text)
    for f in result.findings:
        assert text[f.a.start : f.a.end] == f.a.text
        assert text[f.b.start : f.b.end] == f.b.text
    return [(f.a.text, f.b.text) for f in result.findings]


def test_two_copies_after_a_restated_sentence_are_two_findings() -> None:
    text = f"{LEAD}\n\n{S}\n\n{S}\n"
    assert _spans(text) == [(LEAD, S), (S, S)]
    result = check_text(text)
    first, second = result.findings
    assert first.changes and all(c.op == "delete" for c in first.changes)
    assert second.kind == "exact"
    assert result.files[0].restated_chars == 2 * len(S)  # both copies counted, as before


def test_a_run_of_copies_counts_every_copy() -> None:
    """The chain `S` ← `LEAD`, `S S` ← `LEAD S`: the second finding's source holds the first
    finding's later span, which is no templated list item next to a shared source (the copy
    in between was dropped from the count)."""
    text = f"{LEAD}\n\n{S}\n\n{S}\n\n{S}\n"
    result = check_text(text)
    assert result.files[0].restated_chars == 3 * len(S)
    later = sorted((f.b.start, f.b.end) for f in result.findings)
    assert all(e1 <= s2 for (_s1, e1), (s2, _e2) in itertools.pairwise(later))
    for f in result.findings:
        assert not any(c.op == "insert" and S in c.b for c in f.changes)


def test_a_copy_that_repeats_like_its_source_stays_one_passage() -> None:
    """X Y X restated as X Y X: both sides repeat X at the same end, so nothing is dropped."""
    x = "市委书记强调要坚持以人民为中心的发展思想不动摇。"
    y = "各级干部要深入基层调查研究，切实解决群众急难愁盼问题。"
    block = f"{x}{y}{x}"
    text = f"{block}\n\n今天的天气非常晴朗，适合外出散步和锻炼身体。\n\n{block}\n"
    # (X inside each block is a restatement too)
    assert (block, block) in _spans(text)


def test_the_cli_reports_the_extra_copy_on_its_own(tmp_path: Path) -> None:
    draft = tmp_path / "draft.md"
    draft.write_text(f"{LEAD}\n\n{S}\n\n{S}\n", encoding="utf-8")
    proc = run_paradup("check", str(draft), "--format", "json")
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert [(f["a"]["line"], f["b"]["line"]) for f in report["findings"]] == [(1, 3), (3, 5)]
    assert [f["b"]["text"] for f in report["findings"]] == [S, S]


def test_a_bad_file_in_a_folder_does_not_stop_the_check(tmp_path: Path) -> None:
    """`check archive/` stopped at the first binary or GBK file among hundreds: the others are
    checked and reported, each bad one named with its fix, exit 2; an empty one is no error."""
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "a.md").write_text(f"{LEAD}\n\n{S}\n", encoding="utf-8")
    (folder / "b.txt").write_bytes(f"{S}\n".encode("gb18030"))
    (folder / "c.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    (folder / "d.md").write_bytes(b"")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    proc = run_paradup("check", str(folder), "--format", "json")
    assert proc.returncode == 2, proc.stderr
    report = json.loads(proc.stdout)
    assert [Path(f["path"]).name for f in report["files"]] == ["a.md"]
    assert len(report["findings"]) == 1
    lines = proc.stderr.splitlines()
    assert len(lines) == 2 and "Traceback" not in proc.stderr
    assert lines[0].startswith(f"paradup: error: {folder / 'b.txt'}: ") and "gb18030" in lines[0]
    assert lines[1].startswith(f"paradup: error: {folder / 'c.md'}: ")
    assert all(line.endswith("; skipped") for line in lines)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    # A file named on the command line is still refused outright.
    named = run_paradup("check", str(folder / "a.md"), str(folder / "b.txt"))
    assert named.returncode == 2 and named.stdout == ""
    assert named.stderr.count("\n") == 1 and "skipped" not in named.stderr
    # Only empty files beside the good one: no error.
    (folder / "b.txt").unlink()
    (folder / "c.md").unlink()
    assert run_paradup("check", str(folder)).returncode == 1


def test_stdin_name_reports_and_configures_like_the_file(tmp_path: Path) -> None:
    """An editor pipes its unsaved buffer: `--stdin-name` is the path the reports give it, and
    its folder's config applies (min-chars 40 here leaves the 23-character copy out)."""
    project = tmp_path / "site"
    (project / "news").mkdir(parents=True)
    text = f"{S}{S}\n".encode()
    got = run_paradup("check", "-", "--stdin-name", "news/x.md", "-f", "sarif", stdin=text)
    assert got.returncode == 1, got.stderr
    loc = json.loads(got.stdout)["runs"][0]["results"][0]["locations"][0]
    assert loc["physicalLocation"]["artifactLocation"] == {
        "uri": "news/x.md",
        "uriBaseId": "%SRCROOT%",
    }
    plain = run_paradup("check", "-", "-f", "sarif", stdin=text)
    artifact = json.loads(plain.stdout)["runs"][0]["results"][0]["locations"][0]
    # No file under %SRCROOT% holds standard input's text.
    assert "uriBaseId" not in artifact["physicalLocation"]["artifactLocation"]
    (project / ".paradup.toml").write_text("min-chars = 40\n", encoding="utf-8")
    quiet = run_paradup("check", "-", "--stdin-name", "news/x.md", stdin=text, cwd=project)
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    loud = run_paradup("check", "-", "-f", "json", "--stdin-name", "news/x.md", stdin=text)
    assert loud.returncode == 1 and json.loads(loud.stdout)["files"][0]["path"] == "news/x.md"


def test_stdin_named_twice_or_a_name_without_stdin_is_refused() -> None:
    twice = run_paradup("check", "-", "-", stdin=f"{S}{S}\n".encode())
    assert twice.returncode == 2 and "named twice" in twice.stderr
    assert twice.stderr.count("\n") == 1
    orphan = run_paradup("check", "samples/unicom_warning_meeting.txt", "--stdin-name", "a.md")
    assert orphan.returncode == 2 and "--stdin-name a.md" in orphan.stderr


def test_invisible_format_characters_do_not_hide_a_copy(tmp_path: Path) -> None:
    """A zero-width space between every character took a verbatim copy to 0 % and counted the
    invisible characters as prose."""
    for mark in ("\u200b", "\u00ad", "\u2060", "\ufeff", "\u200d"):
        text = f"{S}\n\n{mark.join(S)}\n"
        result = check_text(text)
        assert [f.kind for f in result.findings] == ["exact"], repr(mark)
        f = result.findings[0]
        assert text[f.b.start : f.b.end] == f.b.text == mark.join(S)
        assert result.files[0].chars == 2 * len(S)


def test_a_stdout_that_cannot_encode_everything_still_gets_the_report(tmp_path: Path) -> None:
    """A GBK console (or PYTHONIOENCODING=ascii) ended the run with a UnicodeEncodeError
    traceback at `∅` and exit 1, which reads as "findings"."""
    draft = tmp_path / "a.txt"
    draft.write_text(f"{LEAD}\n\n{S}\n\n{S}{S}\n", encoding="utf-8")

    def run(*args: str, encoding: str) -> subprocess.CompletedProcess[bytes]:
        # (run_paradup sets PYTHONIOENCODING=utf-8 itself)
        env = {**os.environ, "PYTHONIOENCODING": encoding, "COLUMNS": "200"}
        return subprocess.run([paradup_exe(), *args], capture_output=True, env=env)

    for encoding in ("gbk", "ascii"):
        for fmt in ("text", "json", "sarif"):
            proc = run("check", str(draft), "-f", fmt, encoding=encoding)
            assert proc.returncode == 1 and b"Traceback" not in proc.stderr, proc.stderr
        assert b"Traceback" not in run("hook", "--help", encoding=encoding).stderr
    shown = run("check", str(draft), encoding="gbk").stdout.decode("gbk")
    assert "\\u2205" in shown  # `∅`, which GBK lacks, shown as its escape
    report = json.loads(run("check", str(draft), "-f", "json", encoding="ascii").stdout)
    assert report["findings"][0]["b"]["text"] == S  # escapes JSON reads back


def test_closed_stdin_and_stdout_are_one_line(tmp_path: Path) -> None:
    draft = tmp_path / "a.txt"
    draft.write_text(f"{S}{S}\n", encoding="utf-8")
    for redirect, args in (("0<&-", ["check", "-"]), ("1>&-", ["check", str(draft)])):
        proc = subprocess.run(
            ["bash", "-c", f'"$0" "$@" {redirect}', paradup_exe(), *args],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL if redirect == "0<&-" else None,
            text=True,
        )
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.count("\n") == 1 and "is closed" in proc.stderr


def test_terminal_controls_in_a_file_are_shown_not_obeyed(tmp_path: Path) -> None:
    draft = tmp_path / "e.txt"
    draft.write_text(f"{S}\n\n{S[:7]}\x1b[2J\x1b[8m{S[7:]}\n", encoding="utf-8")
    proc = run_paradup("check", str(draft))
    assert proc.returncode == 1
    assert "\x1b" not in proc.stdout and "\u241b[2J" in proc.stdout


def test_a_lone_cr_passage_keeps_its_lines_in_the_text_report(tmp_path: Path) -> None:
    other = S.replace("会议", "大会")
    draft = tmp_path / "c.txt"
    draft.write_bytes(f"导语。\r{S}\r{other}\r\r无关的句子放在这里。\r\r{S}\r{other}\r".encode())
    out = run_paradup("check", str(draft)).stdout
    assert f"  later   │ {S}\n          │ {other}\n" in out


def test_bomless_utf16_names_the_encoding(tmp_path: Path) -> None:
    for name in ("utf-16-le", "utf-16-be"):
        draft = tmp_path / f"{name}.txt"
        draft.write_bytes(f"{S}\n{S}\n".encode(name))
        proc = run_paradup("check", str(draft))
        assert proc.returncode == 2 and proc.stderr.strip().endswith(f"pass --encoding {name}")
        assert run_paradup("check", str(draft), "--encoding", name).returncode == 1


def test_a_marker_shown_in_code_is_not_a_marker(tmp_path: Path) -> None:
    """A style guide that shows `<!-- paradup: off -->` in a code fence (or inside another
    comment) switched off the rest of the file."""
    for shown in ("```\n<!-- paradup: off -->\n```", "<!-- a note:\n<!-- paradup: off -->"):
        draft = tmp_path / "guide.md"
        draft.write_text(f"{S}\n\n用法示例：\n\n{shown}\n\n{S}\n", encoding="utf-8")
        proc = run_paradup("check", str(draft), "-f", "json")
        assert proc.returncode == 1, shown
        assert [f["b"]["text"] for f in json.loads(proc.stdout)["findings"]] == [S]
    real = tmp_path / "real.md"
    real.write_text(f"{S}\n\n<!-- paradup: off -->\n\n{S}\n\n<!-- paradup: on -->\n", "utf-8")
    assert run_paradup("check", str(real)).returncode == 0


def test_a_long_run_of_pasted_paragraphs_counts_every_copy_in_whole_copies() -> None:
    """Each copy's sources were the earliest four copies, so after the fourth the chain broke
    into pieces against the first copy and a short sentence went uncounted. Now every copy
    is counted, in at most n - 1 findings, each pairing whole copies with as many whole
    copies (copy 2 restates 1, copies 4-6 restate 1-3)."""
    s1 = "国务院总理今天在北京主持召开国务院常务会议，部署进一步推进简政放权工作。"
    s2 = "会议指出，要持续优化营商环境，激发市场主体活力和社会创造力。"
    para = s1 + "经核实，情况属实。" + s2
    for n in (3, 6, 8):
        text = "\n\n".join([para] * n)
        result = check_text(text)
        assert result.files[0].restated_chars == (n - 1) * len(para)
        assert 1 <= len(result.findings) <= n - 1
        step = len(para) + 2
        for f in result.findings:
            assert f.a.start % step == 0 and f.b.start % step == 0
            assert (f.a.end + 2) % step == 0 and (f.b.end + 2) % step == 0
            assert f.a.end - f.a.start == f.b.end - f.b.start, (n, f.a, f.b)


def test_machine_reports_stay_valid_on_a_non_utf8_stdout(tmp_path: Path) -> None:
    """`backslashreplace` wrote `\\U00020bb7` into JSON strings on a GBK stdout: not JSON."""
    draft = tmp_path / "ext.txt"
    line = "会议要求各单位加强安全生产管理，落实主体责任𠮷。"
    draft.write_text(f"{line}\n\n{line}\n", encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": "gbk"}
    for fmt in ("json", "sarif"):
        proc = subprocess.run(
            [paradup_exe(), "check", str(draft), "-f", fmt], capture_output=True, env=env
        )
        assert proc.returncode == 1, proc.stderr
        assert line in proc.stdout.decode("utf-8")  # UTF-8, as JSON readers expect
        json.loads(proc.stdout)


def test_stdin_name_replaces_the_saved_copy_it_names(tmp_path: Path) -> None:
    (tmp_path / "draft.md").write_text(f"{S}\n", encoding="utf-8")
    proc = run_paradup(
        "check",
        str(tmp_path),
        "-",
        "--stdin-name",
        str(tmp_path / "draft.md"),
        "-f",
        "json",
        stdin=f"{S}\n\n今天天气晴朗。\n".encode(),
    )
    assert proc.returncode == 0, proc.stdout  # not reported against its own saved copy
    assert [f["path"] for f in json.loads(proc.stdout)["files"]] == [str(tmp_path / "draft.md")]


def test_a_folder_of_empty_files_and_a_fifo_in_a_folder(tmp_path: Path) -> None:
    (tmp_path / "e.txt").write_bytes(b"")
    proc = run_paradup("check", str(tmp_path))
    assert proc.returncode == 2 and "every file found is empty" in proc.stderr
    os.mkfifo(tmp_path / "pipe.md")  # opening it would wait for a writer forever
    (tmp_path / "a.md").write_text(f"{S}{S}\n", encoding="utf-8")
    assert run_paradup("check", str(tmp_path)).returncode == 1


def test_control_characters_in_a_file_name_are_shown_not_obeyed(tmp_path: Path) -> None:
    draft = tmp_path / "ev\x1b[7mil.txt"
    draft.write_text(f"{S}{S}\n", encoding="utf-8")
    out = run_paradup("check", str(draft)).stdout
    assert "\x1b" not in out and "ev\u241b[7mil.txt" in out
