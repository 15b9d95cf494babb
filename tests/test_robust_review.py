"""A hostile-input review: a file name, a config value and a paste that broke the tool."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from paradup import UsageError

from .conftest import SAMPLE, run_paradup

LINE = "各级党组织要切实履行主体责任，做到守土有责、守土尽责，推动党风廉政建设不断取得新成效。"


@pytest.mark.skipif(sys.platform != "linux", reason="file names are bytes on Linux")
def test_an_archive_file_named_in_gbk_is_indexed(tmp_path: Path) -> None:
    """A folder from a Windows zip: `index build` died with a UnicodeEncodeError traceback
    (exit 1) at the batch holding the file, and `update` died there every time."""
    arts = tmp_path / "arts"
    arts.mkdir()
    text = SAMPLE.read_text(encoding="utf-8")
    (arts / "ok.txt").write_text(text, encoding="utf-8")
    base = os.fsencode(arts)
    with open(base + b"/" + "新闻稿.txt".encode("gbk"), "w", encoding="utf-8") as fh:
        fh.write(text)
    with open(base + b"/" + "导出.jsonl".encode("gbk"), "w", encoding="utf-8") as fh:
        fh.write('{"id": "1", "text": "' + LINE + '"}\n')
    build = run_paradup("index", "build", "arts", "--index", "a.idx", "-q", cwd=tmp_path)
    assert build.returncode == 0, build.stderr
    info = run_paradup("index", "info", "--index", "a.idx", cwd=tmp_path)
    assert "3 documents" in info.stdout, info.stdout + info.stderr
    update = run_paradup("index", "update", "arts", "--index", "a.idx", cwd=tmp_path)
    assert update.returncode == 0 and "3 unchanged" in update.stderr, update.stderr
    audit = run_paradup("audit", "--index", "a.idx", cwd=tmp_path)
    assert audit.returncode == 1 and "\\x" in audit.stdout, audit.stdout + audit.stderr
    against = run_paradup("check", "arts/ok.txt", "--against", "a.idx", "-f", "json", cwd=tmp_path)
    assert against.returncode == 1 and "Traceback" not in against.stderr, against.stderr


@pytest.mark.parametrize("pattern", ["", "x*", "^"])
def test_an_allow_pattern_matching_empty_text_is_refused(tmp_path: Path, pattern: str) -> None:
    """`extend-allow = [""]` took every sentence out: every check and hook passed, "0 of 0
    prose characters"."""
    (tmp_path / "d.txt").write_text(f"{LINE}\n\n另起一段。\n\n{LINE}\n", encoding="utf-8")
    (tmp_path / ".paradup.toml").write_text(f'extend-allow = ["{pattern}"]\n', encoding="utf-8")
    proc = run_paradup("check", "d.txt", cwd=tmp_path)
    assert proc.returncode == 2 and "matches empty text" in proc.stderr, proc.stderr
    assert ".paradup.toml" in proc.stderr
    from paradup.settings import compile_allow

    with pytest.raises(UsageError, match="matches empty text"):
        compile_allow([pattern])


def test_word_changes_of_long_passages() -> None:
    """The word diff is quadratic in the words of a long repetitive passage (a 500K-character
    paragraph of repeated text: 48 s, half of it in difflib): beyond EXACT_DIFF_WORDS a side
    difflib's heuristic bounds it. Listing nothing there (a first fix) hid a figure changed in
    a 9,600-character re-run of an archived story: below the bound the diff is exact."""
    from paradup.diff import EXACT_DIFF_WORDS, word_changes
    from paradup.normalize import normalize

    story = SAMPLE.read_text(encoding="utf-8") * 3  # ~12,000 characters
    assert "2024-07-30" in story
    a, b = normalize(story), normalize(story.replace("2024-07-30", "2024-07-31", 1))
    changes = word_changes(a, (0, len(a.text)), b, (0, len(b.text)))
    assert [(c.a, c.b) for c in changes] == [("30", "31")]
    long_a = normalize(LINE * 4000)
    long_b = normalize(LINE.replace("新成效", "新进展") * 4000)
    assert len(long_a.text) // 2 > EXACT_DIFF_WORDS
    coarse = word_changes(long_a, (0, len(long_a.text)), long_b, (0, len(long_b.text)))
    assert coarse and "进展" in coarse[0].b


def test_small_messages_name_the_real_problem(tmp_path: Path) -> None:
    """`--config /dev/null` said "not found"; a Big5 article was told only of gb18030."""
    proc = run_paradup("check", str(SAMPLE), "--config", "/dev/null")
    assert proc.returncode == 2 and "is not a regular file" in proc.stderr, proc.stderr
    (tmp_path / "b.txt").write_bytes("國務院新聞辦公室舉行發佈會。".encode("big5"))
    proc = run_paradup("check", "b.txt", cwd=tmp_path)
    assert proc.returncode == 2 and "--encoding big5" in proc.stderr, proc.stderr


def test_a_read_only_copy_with_a_wal_and_no_shm_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A killed build's index and -wal copied into a read-only folder: "check permissions",
    though the missing -shm (which SQLite must create there) is the problem."""
    import sqlite3

    from paradup.index import store

    index = tmp_path / "w.idx"
    index.write_bytes(b"")
    (tmp_path / "w.idx-wal").write_bytes(b"")
    monkeypatch.setattr(store.os, "access", lambda p, mode: Path(p) != tmp_path)
    err = store._unopenable(index, sqlite3.OperationalError("unable to open database file"))
    assert "no w.idx-shm" in str(err) and "read-only" in str(err)
    (tmp_path / "w.idx-shm").write_bytes(b"")
    err = store._unopenable(index, sqlite3.OperationalError("unable to open database file"))
    assert "check permissions" in str(err)


@pytest.mark.parametrize(("key", "value"), [("bits_0", "-5"), ("codes_0", "xx"), ("bits_0", "60")])
def test_damaged_index_counts_are_named_as_damage(tmp_path: Path, key: str, value: str) -> None:
    """An edited or damaged count in the index's meta table gave a numpy traceback (a negative
    shift) or silently cut the band keys `check --against` saw (71 passages found as 4)."""
    import sqlite3

    (tmp_path / "arts").mkdir()
    (tmp_path / "arts" / "a.txt").write_text(SAMPLE.read_text(encoding="utf-8"), "utf-8")
    assert (
        run_paradup("index", "build", "arts", "--index", "a.idx", "-q", cwd=tmp_path).returncode
        == 0
    )
    con = sqlite3.connect(tmp_path / "a.idx")
    with con:
        con.execute("UPDATE meta SET value = ? WHERE key = ?", (value, key))
    con.close()
    for args in (
        ("check", "arts/a.txt", "--against", "a.idx"),
        ("index", "info", "--index", "a.idx"),
        ("audit", "--index", "a.idx"),
    ):
        proc = run_paradup(*args, cwd=tmp_path)
        assert proc.returncode == 2, (args, proc.stderr)
        assert f"damaged (meta {key} = '{value}')" in proc.stderr, proc.stderr


def test_an_output_ending_in_a_slash_is_a_folder_not_a_file(tmp_path: Path) -> None:
    """`-o out/` wrote the report to a file named `out` (the path type drops the slash)."""
    for args in (
        ("check", str(SAMPLE), "-o", "out/"),
        ("check", str(SAMPLE), "--output=out/"),
        ("check", str(SAMPLE), "-oout/"),
        ("hook", "--all", "-o", "out/"),
    ):
        proc = run_paradup(*args, cwd=tmp_path)
        assert proc.returncode == 2, (args, proc.stderr)
        assert "out/: --output names a folder" in proc.stderr, proc.stderr
        assert not (tmp_path / "out").exists()
    assert run_paradup("check", str(SAMPLE), "-o", "out.txt", cwd=tmp_path).returncode == 1


def test_html_draws_every_restated_copy_restated(tmp_path: Path) -> None:
    """A copy that is also the source of a later copy was drawn as an original (the earlier
    side's underline): a paragraph pasted 30 times looked mostly original at 复制比 87 %."""
    import re

    para = LINE + "会议要求，各单位要把纪律挺在前面，持续加强作风建设。"
    text = "\n\n".join(para.replace("前面", f"前面{'，' * (k % 2)}") for k in range(6)) + "\n"
    (tmp_path / "d.md").write_text(text, encoding="utf-8")
    proc = run_paradup("check", "d.md", "-f", "html", "-o", "r.html", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    marks = re.findall(
        r'<mark class="hl side-(a|b) [^"]*"[^>]*data-a="([^"]*)" data-b="([^"]*)"', html
    )
    assert marks and any(a and b for _, a, b in marks)  # copies that are sources too
    assert all(side == "b" for side, _, b in marks if b), marks


def test_a_punctuation_only_edit_is_listed_when_it_is_the_only_one() -> None:
    """`similarity 1.00 (near)` with no change shown (。 -> ！), and the HTML report said
    "identical wording" of it."""
    from paradup import check_text

    (f,) = check_text(f"{LINE}\n\n另起一段说明情况。\n\n{LINE.replace('。', '！')}\n").findings
    assert f.kind == "near" and [(c.a, c.b) for c in f.changes] == [("。", "！")]
    (g,) = check_text(f"{LINE}\n\n另起一段。\n\n{LINE.replace('新成效', '新进展！')}\n").findings
    assert [(c.a, c.b) for c in g.changes] == [("新成效", "新进展！")]  # one change, not two
