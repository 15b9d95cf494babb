"""Review fixes for `paradup check`: output safety, odd file names, config, globs, line breaks."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from paradup.model import Span
from paradup.read import expand_paths
from paradup.report.sarif import end_position

from .conftest import RESTATED, SAMPLE, bounded_project, one_line_error, paradup_exe, run_paradup

# -- 1. --output never replaces an input; writes are atomic ---------------------------------


@pytest.mark.parametrize("spelling", ["same", "dot", "symlink", "hardlink", "directory"])
def test_output_that_is_an_input_is_refused(tmp_path: Path, spelling: str) -> None:
    article = tmp_path / "a.md"
    article.write_text(RESTATED, encoding="utf-8")
    out = {
        "same": article,
        "dot": tmp_path / "." / "a.md",
        "symlink": tmp_path / "link.md",
        "hardlink": tmp_path / "hard.md",
        "directory": article,
    }[spelling]
    if spelling == "symlink":
        out.symlink_to(article)
    elif spelling == "hardlink":
        os.link(article, out)
    target = str(tmp_path) if spelling == "directory" else str(article)
    for fmt in ("text", "json"):
        proc = run_paradup("check", target, "-f", fmt, "-o", str(out))
        one_line_error(proc, str(out), "--output", "another path")
    assert article.read_text(encoding="utf-8") == RESTATED


def _limit_file_size() -> None:
    # Writes past 1500 bytes fail with EFBIG (a stand-in for a full disk); the report is larger.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1500, 1500))


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX resource limits")
def test_failed_write_keeps_the_previous_report(tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    out.write_text("previous report\n", encoding="utf-8")
    proc = subprocess.run(
        [paradup_exe(), "check", str(SAMPLE), "-o", str(out)],
        capture_output=True,
        text=True,
        preexec_fn=_limit_file_size,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        timeout=300,
    )
    one_line_error(proc, str(out), "cannot write the report")
    assert out.read_text(encoding="utf-8") == "previous report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.txt"]  # no temporary file left


def test_report_written_with_usual_permissions(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    assert run_paradup("check", str(SAMPLE), "-f", "json", "-o", str(out)).returncode == 1
    assert json.loads(out.read_text(encoding="utf-8"))["findings"]
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask
    out.chmod(0o600)  # replacing a report keeps its mode
    assert run_paradup("check", str(SAMPLE), "-f", "json", "-o", str(out)).returncode == 1
    assert out.stat().st_mode & 0o777 == 0o600


# -- 2. file names that are not UTF-8 --------------------------------------------------------


@pytest.mark.skipif(sys.platform != "linux", reason="byte file names")
def test_undecodable_file_name_in_every_format(tmp_path: Path) -> None:
    raw = os.path.join(os.fsencode(tmp_path), b"\xff.txt")
    Path(os.fsdecode(raw)).write_text(RESTATED, encoding="utf-8")
    name = os.fsdecode(raw)  # surrogate-escaped, as Python gives it
    shown = str(tmp_path) + "/\\xff.txt"
    for fmt in ("text", "json", "sarif", "github", "html"):
        proc = run_paradup("check", name, "-f", fmt)
        assert proc.returncode == 1, (fmt, proc.stderr)
        assert "Traceback" not in proc.stderr
    data = json.loads(run_paradup("check", name, "-f", "json").stdout)
    assert data["files"][0]["path"] == shown
    assert {f[s]["path"] for f in data["findings"] for s in "ab"} == {shown}
    sarif = json.loads(run_paradup("check", name, "-f", "sarif").stdout)
    run = sarif["runs"][0]
    uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.endswith("/%FF.txt")
    assert run["properties"]["files"][0]["path"] == shown
    assert shown in run["results"][0]["message"]["text"]
    assert f"{shown}: " in run_paradup("check", name).stdout


# -- 3. check honours the hook's configuration and suppression ------------------------------


def test_config_file_applies_and_command_line_wins(tmp_path: Path) -> None:
    root = bounded_project(tmp_path)
    article = root / "a.md"
    article.write_text(RESTATED, encoding="utf-8")
    assert run_paradup("check", str(article)).returncode == 1
    (root / ".paradup.toml").write_text("min-chars = 1000\n", encoding="utf-8")
    assert run_paradup("check", str(article)).returncode == 0  # the file's value is used
    assert run_paradup("check", str(article), "--min-chars", "12").returncode == 1
    (root / ".paradup.toml").unlink()
    (root / "pyproject.toml").write_text("[tool.paradup]\nthreshold = 0.99\n", encoding="utf-8")
    assert run_paradup("check", str(article)).returncode == 0


def test_explicit_config_option(tmp_path: Path) -> None:
    root = bounded_project(tmp_path)
    article = root / "a.md"
    article.write_text(RESTATED, encoding="utf-8")
    cfg = root / "strict.toml"
    cfg.write_text("min-chars = 1000\n", encoding="utf-8")
    assert run_paradup("check", str(article), "--config", str(cfg)).returncode == 0
    proc = run_paradup("check", str(article), "--config", str(root / "nope.toml"))
    one_line_error(proc, "nope.toml", "--config")
    cfg.write_text('threshold = "high"\n', encoding="utf-8")
    one_line_error(run_paradup("check", str(article), "--config", str(cfg)), "threshold")


def test_config_exclude_applies_to_directories(tmp_path: Path) -> None:
    root = bounded_project(tmp_path)
    (root / "drafts").mkdir()
    (root / "a.md").write_text("会后大家进行了讨论。\n", encoding="utf-8")
    (root / "drafts" / "b.md").write_text(RESTATED, encoding="utf-8")
    (root / ".paradup.toml").write_text('exclude = ["drafts"]\n', encoding="utf-8")
    proc = run_paradup("check", str(root), "-f", "json")
    assert proc.returncode == 0, proc.stderr
    assert [f["path"] for f in json.loads(proc.stdout)["files"]] == [str(root / "a.md")]


# A byline line long enough to be reported without the allow-list (no comma: a lead glued
# to `来源：` is the lead's sentence, compared).
BYLINE = "来源：新华社客户端 记者张三李四 二〇二四年三月一日电"


def test_suppression_markers_and_allow_list(tmp_path: Path) -> None:
    root = bounded_project(tmp_path)
    first, middle, last = RESTATED.strip().split("\n\n")
    quoted = root / "quoted.md"
    quoted.write_text(
        f"{first}\n\n{middle}\n\n<!-- paradup: off -->\n{last}\n<!-- paradup: on -->\n", "utf-8"
    )
    assert run_paradup("check", str(quoted)).returncode == 0
    plain = root / "quoted.txt"
    plain.write_text(f"{first}\n\n{middle}\n\n# paradup: off\n{last}\n", encoding="utf-8")
    assert run_paradup("check", str(plain)).returncode == 0
    # Allow-listed bylines are neither findings nor prose, as in the hook.
    byline = root / "byline.md"
    byline.write_text(f"{BYLINE}\n\n{middle}\n\n{BYLINE}\n", encoding="utf-8")
    assert run_paradup("check", str(byline)).returncode == 0
    (root / ".paradup.toml").write_text("allow = []\n", encoding="utf-8")
    assert run_paradup("check", str(byline)).returncode == 1


def test_markers_apply_to_drafts_checked_against_an_index(tmp_path: Path) -> None:
    """`check --against` takes the draft's off/on regions out like a plain check."""
    root = bounded_project(tmp_path)
    first, middle, _last = RESTATED.strip().split("\n\n")
    archive = root / "archive"
    archive.mkdir()
    (archive / "old.txt").write_text(f"{first}\n", encoding="utf-8")
    index = root / "old.paradup"
    assert run_paradup("index", "build", str(archive), "--index", str(index), "-q").returncode == 0
    draft = root / "draft.md"
    draft.write_text(f"{middle}\n\n{first}\n", encoding="utf-8")
    assert run_paradup("check", str(draft), "--against", str(index)).returncode == 1
    draft.write_text(
        f"{middle}\n\n<!-- paradup: off -->\n{first}\n<!-- paradup: on -->\n", encoding="utf-8"
    )
    assert run_paradup("check", str(draft), "--against", str(index)).returncode == 0


# -- 4./5. directory expansion: suffix case, directory patterns, ** ---------------------------


def _tree(root: Path) -> None:
    for rel in ("A.TXT", "b.Md", "drafts/c.md", "news/drafts/d.md", "news/e.md", "x.md"):
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(RESTATED, encoding="utf-8")


def _rel(root: Path, exclude: tuple[str, ...] = (), include: tuple[str, ...] = ()) -> list[str]:
    return [
        Path(p).relative_to(root).as_posix() for p in expand_paths([str(root)], include, exclude)
    ]


def test_text_suffixes_match_in_any_case(tmp_path: Path) -> None:
    _tree(tmp_path)
    assert _rel(tmp_path)[:2] == ["A.TXT", "b.Md"]
    proc = run_paradup("check", str(tmp_path), "--exclude", "drafts", "-f", "json")
    assert [Path(f["path"]).name for f in json.loads(proc.stdout)["files"]][:2] == [
        "A.TXT",
        "b.Md",
    ]


@pytest.mark.parametrize(
    ("patterns", "left"),
    [
        (("drafts",), ["A.TXT", "b.Md", "news/e.md", "x.md"]),
        (("drafts/",), ["A.TXT", "b.Md", "news/e.md", "x.md"]),
        (("**/drafts",), ["A.TXT", "b.Md", "news/e.md", "x.md"]),
        (("news/drafts",), ["A.TXT", "b.Md", "drafts/c.md", "news/e.md", "x.md"]),
        (("**/x.md",), ["A.TXT", "b.Md", "drafts/c.md", "news/drafts/d.md", "news/e.md"]),
        (("news/**/d.md",), ["A.TXT", "b.Md", "drafts/c.md", "news/e.md", "x.md"]),
        (("x.md/",), ["A.TXT", "b.Md", "drafts/c.md", "news/drafts/d.md", "news/e.md", "x.md"]),
    ],
)
def test_exclude_directory_patterns(
    tmp_path: Path, patterns: tuple[str, ...], left: list[str]
) -> None:
    _tree(tmp_path)
    assert _rel(tmp_path, exclude=patterns) == left


def test_exclude_directory_through_cli(tmp_path: Path) -> None:
    _tree(tmp_path)
    proc = run_paradup("check", str(tmp_path), "--exclude", "drafts/", "-f", "json")
    paths = [
        Path(f["path"]).relative_to(tmp_path).as_posix() for f in json.loads(proc.stdout)["files"]
    ]
    assert paths == ["A.TXT", "b.Md", "news/e.md", "x.md"]


# -- 6. CR and CRLF line breaks ---------------------------------------------------------------


@pytest.mark.parametrize("newline", ["\r", "\r\n"])
def test_line_numbers_with_cr_and_crlf(tmp_path: Path, newline: str) -> None:
    lf = tmp_path / "lf.txt"
    lf.write_text(RESTATED, encoding="utf-8", newline="")
    other = tmp_path / "other.txt"
    other.write_text(RESTATED.replace("\n", newline), encoding="utf-8", newline="")

    def places(p: Path) -> list[tuple[int, int]]:
        data = json.loads(run_paradup("check", str(p), "-f", "json").stdout)
        return [(f[s]["line"], f[s]["column"]) for f in data["findings"] for s in "ab"]

    assert places(lf) == [(1, 1), (5, 1)]
    assert places(other) == places(lf)
    gh = run_paradup("check", str(other), "-f", "github").stdout
    assert "line=5,col=1,endLine=5," in gh


@pytest.mark.parametrize("newline", ["\n", "\r", "\r\n"])
def test_sarif_end_position_counts_every_line_break(newline: str) -> None:
    text = f"第一行{newline}第二行{newline}第三"
    span = Span("a.txt", 10, 10 + len(text), 4, 7, text)
    assert end_position(span) == (6, 3)


def test_library_against_check_uses_the_same_allow_default_as_a_plain_check(
    tmp_path: Path,
) -> None:
    """`check_against` without `allow` takes the built-in bylines out, as `check_documents`
    does (it used to compare every sentence), and `suppress=False` compares them all."""
    from paradup.against import check_against
    from paradup.check import check_documents
    from paradup.read import Document

    _first, middle, _last = RESTATED.strip().split("\n\n")
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "old.txt").write_text(f"{middle}\n", encoding="utf-8")
    index = tmp_path / "old.paradup"
    assert run_paradup("index", "build", str(archive), "--index", str(index), "-q").returncode == 0
    draft = Document("draft.md", f"{BYLINE}\n\n{middle}\n\n{BYLINE}\n", "utf-8")
    plain = check_documents([draft])
    against = check_against([draft], str(index))
    draft_chars = [f.chars for f in plain.files]
    assert draft_chars == [f.chars for f in against.files if f.path == "draft.md"]
    # The byline pair is not a finding in either; the archived paragraph is one --against.
    assert not plain.findings
    assert len(against.findings) == 1 and against.findings[0].a.doc is not None
    everything = check_against([draft], str(index), suppress=False)
    assert len(everything.findings) == 2


LONG = (
    "市委宣传部今天召开新闻发布会，介绍全市推进城市更新行动的最新进展和下一步安排，"
    "重点围绕老旧小区改造、背街小巷整治、历史街区保护和公共空间品质提升等四个方面展开。"
)


def test_piped_text_report_keeps_each_passage_and_heading_on_one_line(tmp_path: Path) -> None:
    """Piped (80 columns), a heading was split after "restates" and a CJK passage wider than
    the line jumped to a line of its own below its gutter; now the viewer wraps."""
    draft = tmp_path / "draft.txt"
    draft.write_text(f"{LONG}\n\n其他内容照常进行。\n\n{LONG}\n", encoding="utf-8")
    proc = run_paradup("check", str(draft))
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert any(x.startswith("#1 ") and "restates" in x and x.count(str(draft)) == 2 for x in lines)
    assert f"  earlier │ {LONG}" in lines and f"  later   │ {LONG}" in lines
    out = tmp_path / "report.txt"
    assert run_paradup("check", str(draft), "-o", str(out)).returncode == 1
    assert f"  later   │ {LONG}" in out.read_text("utf-8").splitlines()


def test_terminal_report_dims_only_the_gutter() -> None:
    """The passages print in the normal style with the changed words highlighted; `Text +`
    made the dim gutter the base style of the whole line."""
    import io

    from rich.console import Console

    from paradup import check_text
    from paradup.report.text import render

    edited = LONG.replace("今天", "昨天")
    result = check_text(f"{LONG}\n\n{edited}\n", "d.txt")
    assert result.findings
    console = Console(file=io.StringIO(), force_terminal=True, color_system="standard", width=300)
    render(result, console)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    passage_lines = [x for x in out.splitlines() if "│" in x]
    assert len(passage_lines) == 3
    for line in passage_lines:
        assert line.count("\x1b[2m") == 1  # the gutter only
        assert "\x1b[1;2;" not in line and "\x1b[2;" not in line


def test_output_is_never_the_file_redirected_to_stdin(tmp_path: Path) -> None:
    """`paradup check - -o draft.txt < draft.txt` replaced the draft with the report."""
    draft = tmp_path / "draft.txt"
    draft.write_text(RESTATED, encoding="utf-8")
    before = draft.read_bytes()
    with draft.open("rb") as fh:
        proc = subprocess.run(
            [paradup_exe(), "check", "-", "-o", str(draft)],
            stdin=fh,
            capture_output=True,
            text=True,
            env={**os.environ, "NO_COLOR": "1"},
        )
    assert proc.returncode == 2
    assert "--output is the file read from stdin" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert draft.read_bytes() == before
    # Another file as -o is fine.
    with draft.open("rb") as fh:
        ok = subprocess.run([paradup_exe(), "check", "-", "-o", str(tmp_path / "r.txt")], stdin=fh)
    assert ok.returncode == 1 and (tmp_path / "r.txt").exists()


@pytest.mark.parametrize("args", [("config",), ("check", "--help"), ("--help",)])
def test_stdout_that_cannot_be_written_is_one_line(args: tuple[str, ...]) -> None:
    """`paradup config > /dev/full` (and help) ended in a traceback."""
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [paradup_exe(), *args], stdout=full, stderr=subprocess.PIPE, text=True
        )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "paradup: error: stdout: cannot write (No space left on device); free space where it goes"
    ]


@pytest.mark.parametrize("codec", ["utf-16", "utf-32", "utf-16-be"])
def test_unicode_files_with_a_byte_order_mark_are_read(tmp_path: Path, codec: str) -> None:
    """A UTF-16/32 file with its byte-order mark (Windows "Unicode") was "a binary file"."""
    text = RESTATED
    draft = tmp_path / "u.txt"
    data = text.encode(codec)
    if codec == "utf-16-be":  # the codec writes no mark of its own
        data = b"\xfe\xff" + data
    draft.write_bytes(data)
    proc = run_paradup("check", str(draft), "-f", "json")
    assert proc.returncode == 1, proc.stderr
    for f in json.loads(proc.stdout)["findings"]:
        for side in (f["a"], f["b"]):
            assert text[side["start"] : side["end"]] == side["text"]
