"""Fixes of the eleventh session (2026-12-05)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from ._repo import article, make_repo
from .conftest import one_line_error, run_paradup


def test_an_encoding_set_in_a_config_is_named_in_the_decode_fix(tmp_path: Path) -> None:
    """`encoding = "utf-16"` in `.paradup.toml` and a file that is not: the fix said "pass the
    right --encoding", which sent the user past the key that chose the wrong codec."""
    (tmp_path / "a.md").write_bytes(article(810).encode("gbk"))
    (tmp_path / ".paradup.toml").write_text('encoding = "utf-16"\n', encoding="utf-8")
    proc = run_paradup("check", "a.md", cwd=tmp_path)
    one_line_error(proc, "a.md", "cannot be decoded as utf-16", ".paradup.toml", "--encoding")
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "b.md").write_bytes(article(811).encode("gbk"))
    (folder / "c.md").write_text(article(812), encoding="utf-16")
    found = run_paradup("check", "d", cwd=tmp_path)
    assert found.returncode == 2, found.stderr
    assert "d/b.md" in found.stderr and ".paradup.toml" in found.stderr, found.stderr
    # Given on the command line, the option is the fix, as before.
    given = run_paradup("check", "a.md", "--encoding", "utf-16", cwd=tmp_path)
    one_line_error(given, "a.md", "pass the right --encoding")
    assert ".paradup.toml" not in given.stderr


def test_no_baseline_with_a_baseline_is_refused(tmp_path: Path) -> None:
    """`hook --no-baseline --baseline FILE` ran without the baseline the user named."""
    repo = make_repo(tmp_path / "r", {"a.md": article(820)})
    proc = run_paradup("hook", "--no-baseline", "--baseline", "b.json", "a.md", cwd=repo)
    one_line_error(proc, "--no-baseline", "--baseline b.json")


_TERM_AFTER_MOVE = """
import os, signal, sys
from pathlib import Path
from paradup.stdio import terminate_as_interrupt
terminate_as_interrupt()
real = os.replace
def replace(a, b, **kw):
    real(a, b, **kw)
    if str(b).endswith("x.paradup"):  # the rebuilt index moved into place: SIGTERM now
        os.kill(os.getpid(), signal.SIGTERM)
os.replace = replace
from paradup.cli import main
sys.argv = ["paradup", "index", "build", "arc", "-i", "x.paradup", "--force", "-q"]
main()
"""


def test_a_sigterm_as_a_rebuilt_index_moves_into_place_leaves_no_lock(tmp_path: Path) -> None:
    """SIGTERM in the instant after `build --force` moved the new index in ran none of the
    clean-up after it: `x.paradup.rebuild.lock` was left beside a complete index."""
    import sys

    from ._repo import built_archive

    built_archive(tmp_path, range(830, 833))
    proc = subprocess.run(
        [sys.executable, "-c", _TERM_AFTER_MOVE], cwd=tmp_path, capture_output=True, text=True
    )
    assert proc.returncode == 130, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["arc", "x.paradup"]
    info = run_paradup("index", "info", "-i", "x.paradup", cwd=tmp_path)
    assert info.returncode == 0 and "3 documents" in info.stdout, info.stdout + info.stderr


def test_an_original_renamed_in_the_commit_that_copies_it_is_not_blamed(tmp_path: Path) -> None:
    """One commit moves an old article into another folder and adds a new one that copies a
    paragraph of it: the moved original (not in HEAD under its new name) counted as the newer
    file and was blamed, while CI after the commit blamed the copy."""
    from ._repo import git, paragraph

    repo = make_repo(tmp_path / "r", {f"articles/a{i}.md": article(840 + i) for i in range(3)})
    (repo / "zz").mkdir()
    git(repo, "mv", "articles/a2.md", "zz/a2.md")
    (repo / "articles/new.md").write_text(
        article(850) + "\n\n" + paragraph(842) + "\n", encoding="utf-8"
    )
    git(repo, "add", "-A")
    for staged in (["--staged"], []):
        proc = run_paradup("hook", *staged, "zz/a2.md", "articles/new.md", cwd=repo)
        assert proc.returncode == 1, proc.stderr
        assert "failing articles/new.md" in proc.stdout, proc.stdout
        assert proc.stdout.startswith("articles/new.md:"), proc.stdout
    git(repo, "commit", "-qm", "move and copy")
    ci = run_paradup("hook", "--all", "--since", "HEAD~1", cwd=repo)
    assert "failing articles/new.md" in ci.stdout, ci.stdout


def test_an_upper_case_jsonl_export_is_read_as_records(tmp_path: Path) -> None:
    """`B.JSONL` (a Windows export) was one text article whose prose was raw JSON: the audit
    clustered `{"id": "train/9", …` with the records it copied."""
    import json

    arc = tmp_path / "arc"
    arc.mkdir()
    rows = [{"id": f"r{i}", "text": article(860 + i)} for i in range(3)]
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    (arc / "B.JSONL").write_text(lines, encoding="utf-8")
    for root, index in (("arc", "x.paradup"), ("arc/B.JSONL", "y.paradup")):
        proc = run_paradup("index", "build", root, "-i", index, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert "3 documents seen" in " ".join(proc.stderr.split()), proc.stderr

    from paradup.archive import Fields
    from paradup.spark_engine import _local_files, local_sources

    parsed = list(_local_files(Fields(), None)(local_sources([str(arc)], "text", None)))
    assert sorted(p[0] for p in parsed if p[0]) == [f"{arc}/B.JSONL#r{i}" for i in range(3)]


def test_a_mistyped_since_is_an_error_even_when_nothing_is_new(tmp_path: Path) -> None:
    """`hook --all --since origin/mian` passed (exit 0) while nothing was new, and was exit 2
    once something was: the same CI step green or broken by the content."""
    repo = make_repo(tmp_path / "r", {"a.md": article(870), "b.md": article(871)})
    proc = run_paradup("hook", "--all", "--since", "origin/mian", cwd=repo)
    one_line_error(proc, "--since origin/mian", "not a commit")
    env = {**os.environ, "PRE_COMMIT_FROM_REF": "nope"}
    proc = run_paradup("hook", "a.md", cwd=repo, env=env)
    one_line_error(proc, "PRE_COMMIT_FROM_REF nope", "not a commit")


def test_sarif_results_of_one_passage_pasted_twice_have_their_own_fingerprints() -> None:
    """Two copies of one paragraph in a file had one `partialFingerprints` value, so code
    scanning took them for one alert (SARIF §3.27.17). Each result has its own, and an
    unrelated line added above keeps them."""
    from paradup import check_text
    from paradup.report import sarif

    from ._repo import paragraph

    p = paragraph(880)
    text = f"{article(881)}\n\n{p}\n\n{article(882)}\n\n{p}\n\n{article(883)}\n\n{p}\n"

    def prints(t: str) -> list[str]:
        log = sarif.to_dict(check_text(t, path="a.md"))
        return [r["partialFingerprints"]["paradupPassage/v2"] for r in log["runs"][0]["results"]]

    first = prints(text)
    assert len(first) == 2 and len(set(first)) == 2, first
    assert prints("另起一行的说明文字，与正文无关。\n\n" + text) == first


def test_documents_of_the_wrong_shape_are_usage_errors(tmp_path: Path) -> None:
    """A lone surrogate (what `json.loads('"\\\\ud800"')` gives a CMS) passed in a fresh
    process and raised a bare UnicodeEncodeError once the process had segmented a large
    text; a Path as a Document's path failed only in `to_dict`, a None text deep inside."""
    import pytest

    from paradup import CheckConfig, Document, UsageError, check_documents, check_text, to_dict

    lead = "会议的召开不仅是一次重要的党纪学习教育活动。"
    bad = f"{lead}\ud800\n\n{lead}"
    for config in (None, CheckConfig(engine="rjieba"), CheckConfig(engine="jieba")):
        with pytest.raises(UsageError, match=r"lone surrogate .U\+D800 at offset 22"):
            check_text(bad, config=config)
    for doc, word in (
        (Document(None, "今天。", "utf-8"), r"documents\[0\]\.path"),  # type: ignore[arg-type]
        (Document("a.md", None, "utf-8"), r"documents\[0\]\.text"),  # type: ignore[arg-type]
    ):
        with pytest.raises(UsageError, match=word):
            check_documents([doc])
    # A Path is its string (it passed, then failed in to_dict).
    p = "会议的召开不仅是一次重要的党纪学习教育活动，更是一次集体警示教育的良好示范。"
    given = Document(tmp_path / "a.md", f"{p}\n\n{p}\n", "utf-8")  # type: ignore[arg-type]
    result = check_documents([given])
    assert result.findings[0].b.path == str(tmp_path / "a.md") and to_dict(result)["findings"]


def test_serve_offers_utf16_for_a_file_without_a_byte_order_mark() -> None:
    """A UTF-16 file without a byte-order mark was refused with "choose the file's encoding",
    and the menu had no UTF-16 to choose (`utf-16-le` was an unknown encoding)."""
    from .test_serve_fixes import RESTATED, client

    c = client()
    assert '<option value="utf-16-le">UTF-16 LE</option>' in c.get("/").text
    data = RESTATED.encode("utf-16-le")
    got = c.post("/check", files={"file": ("u16.txt", data, "text/plain")})
    assert got.status_code == 400 and "choose UTF-16 LE and drop it again" in got.text
    form = {"file": ("u16.txt", data, "text/plain"), "encoding": (None, "utf-16-le")}
    got = c.post("/check", files=form)
    assert got.status_code == 200 and "mark" in got.text
    # With its byte-order mark, under another choice: UTF-8 (automatic) reads the mark.
    marked = {"file": ("u16.txt", RESTATED.encode("utf-16"), "text/plain")}
    got = c.post("/check", files={**marked, "encoding": (None, "gb18030")})
    assert got.status_code == 400 and "choose UTF-8 (it reads" in got.text
    assert c.post("/check", files=marked).status_code == 200


def test_default_ignorable_characters_do_not_hide_a_verbatim_copy() -> None:
    """Variation selectors, the combining grapheme joiner and Hangul fillers survived
    normalization: VS16 after every third character hid a verbatim copy entirely."""
    from paradup import check_text

    from ._repo import paragraph

    p = paragraph(890)
    for mark in ("\ufe0f", "\U000e0100", "\u034f", "\u3164", "\ufe00"):
        dodged = "".join(c + (mark if i % 3 == 2 else "") for i, c in enumerate(p))
        text = f"{p}\n\n{article(891)}\n\n{dodged}\n"
        result = check_text(text)
        assert [(f.kind, f.similarity) for f in result.findings] == [("exact", 1.0)], hex(ord(mark))
        (f,) = result.findings
        assert text[f.b.start : f.b.end] == f.b.text and mark in f.b.text


def test_dates_written_without_zero_padding_or_in_chinese_order_by_time(tmp_path: Path) -> None:
    """`2019年12月3日` sorted before `2019年2月3日` (and `2019-12-03` before `2019-2-3`) as
    text: "already published in" and the audit named the December repost as the original."""
    import json

    from paradup.archive import date_key

    assert date_key("2019年2月3日") < date_key("2019年12月3日") < date_key("2020-1-1")
    assert date_key("2019-2-3") < date_key("2019-12-03") < date_key(None)
    assert date_key("2019/02/03 上午9点") < date_key("2019-02-03 下午3:05") < date_key("20190204")
    assert date_key("2019-2-3 9") < date_key("2019-02-03 10:00") < date_key("20190203 11:05")
    assert date_key("2019年2月3日 凌晨12点") < date_key("2019年2月3日 中午12点")
    assert date_key("2019年2月3日 中午12点") < date_key("2019年2月3日 中午1点")
    assert date_key("２０１９-２-３") == date_key("2019-02-03") and date_key("  ") == date_key(None)
    body = article(900)
    rows = [
        {"id": "repost", "text": body, "date": "2019年12月3日"},
        {"id": "orig", "text": body, "date": "2019年2月3日"},
        *({"id": f"x{i}", "text": article(901 + i), "date": "2019-6-1"} for i in range(3)),
    ]
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    (tmp_path / "a.jsonl").write_text(lines, encoding="utf-8")
    assert run_paradup("index", "build", "a.jsonl", "-i", "a.paradup", cwd=tmp_path).returncode == 0
    (tmp_path / "d.md").write_text(body, encoding="utf-8")
    got = run_paradup("check", "d.md", "--against", "a.paradup", "-f", "json", cwd=tmp_path)
    docs = {f["a"]["doc"] for f in json.loads(got.stdout)["findings"] if f["a"].get("doc")}
    assert docs == {"a.jsonl#orig"}, got.stdout
    fam = run_paradup("audit", "-i", "a.paradup", "--documents", "-f", "jsonl", cwd=tmp_path)
    (first,) = fam.stdout.splitlines()
    assert [m["doc"] for m in json.loads(first)["members"]] == ["a.jsonl#orig", "a.jsonl#repost"]
    clusters = run_paradup("audit", "-i", "a.paradup", "-f", "jsonl", cwd=tmp_path)
    for line in clusters.stdout.splitlines():
        assert json.loads(line)["members"][0]["doc"] == "a.jsonl#orig", line


def test_concluding_a_merge_does_not_blame_the_merged_branchs_copies(tmp_path: Path) -> None:
    """A merge stopped by a conflict and concluded with `git commit`: the hook blamed the
    person merging for a copy the merged branch had made (it is in MERGE_HEAD); a fresh copy
    made while resolving still fails."""
    from ._repo import git, paragraph, write

    repo = make_repo(tmp_path / "r", {f"a{i}.md": article(910 + i) for i in range(3)})
    git(repo, "checkout", "-q", "-b", "up")
    write(repo, {"a1.md": article(911) + "\n\n" + paragraph(910) + "\n", "a2.md": "上游的版本。\n"})
    git(repo, "commit", "-qam", "upstream: a copy, and a2 rewritten")
    git(repo, "checkout", "-q", "main")
    write(repo, {"a2.md": "本地的版本。\n"})
    git(repo, "commit", "-qam", "local a2")
    merge = subprocess.run(["git", "merge", "up"], cwd=repo, capture_output=True)
    assert merge.returncode != 0  # the conflict in a2.md
    write(repo, {"a2.md": article(912)})
    git(repo, "add", "a2.md")
    proc = run_paradup("hook", "--staged", "a1.md", "a2.md", cwd=repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    write(repo, {"a2.md": article(912) + "\n\n" + paragraph(911) + "\n"})
    git(repo, "add", "a2.md")
    proc = run_paradup("hook", "--staged", "a1.md", "a2.md", cwd=repo)
    assert proc.returncode == 1 and "failing a2.md" in proc.stdout, proc.stdout


def test_a_stale_baseline_entry_does_not_explain_a_fresh_copy(tmp_path: Path) -> None:
    """A baselined copy reworded in an earlier commit, then renamed in the commit that pastes
    a fresh copy of the passage into a third file: the stale entry (its copy's old words)
    explained the fresh copy and the earlier commit the reworded one, so the commit passed."""
    from ._repo import git, paragraph, write

    p = paragraph(920)
    repo = make_repo(
        tmp_path / "r",
        {
            "a1.md": article(920),
            "a3.md": article(921) + "\n\n" + p + "\n",
            "a7.md": article(922),
        },
    )
    assert run_paradup("baseline", "write", cwd=repo).returncode == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "baseline")
    reworded = p[:10] + ("甲" if p[10] != "甲" else "乙") + p[11:]
    write(repo, {"a3.md": article(921) + "\n\n" + reworded + "\n"})
    git(repo, "commit", "-qam", "reword the old copy")
    (repo / "news").mkdir()
    git(repo, "mv", "a3.md", "news/b3.md")
    write(repo, {"a7.md": article(922) + "\n\n" + p + "\n"})
    git(repo, "add", "-A")
    proc = run_paradup("hook", "--staged", "news/b3.md", "a7.md", cwd=repo)
    assert proc.returncode == 1 and "failing a7.md" in proc.stdout, proc.stdout
    # Without the fresh copy, the rename alone passes.
    write(repo, {"a7.md": article(922)})
    git(repo, "add", "-A")
    proc = run_paradup("hook", "--staged", "news/b3.md", "a7.md", cwd=repo)
    assert proc.returncode == 0, proc.stdout


_FIGURES = (
    "今年前三季度，全市实现地区生产总值{}亿元，同比增长{}%，其中第二产业增加值{}亿元，"
    "增长{}%，规上工业企业达到{}家。"
)


def test_an_archived_sentence_with_figures_is_found_verbatim(tmp_path: Path) -> None:
    """A sentence of figures copied from an archived article is found exactly."""
    import json

    old = _FIGURES.format("5234.6", "6.2", "1876.3", "7.1", "1245")
    rows = [{"id": "x", "text": f"{article(931)}\n\n{old}\n"}]
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    (tmp_path / "a.jsonl").write_text(lines, encoding="utf-8")
    assert run_paradup("index", "build", "a.jsonl", "-i", "a.paradup", cwd=tmp_path).returncode == 0
    (tmp_path / "d.md").write_text(f"{article(932)}\n\n{old}\n", encoding="utf-8")
    got = run_paradup("check", "d.md", "--against", "a.paradup", "-f", "json", cwd=tmp_path)
    findings = json.loads(got.stdout)["findings"]
    assert [(f["kind"], f["a"]["doc"], f["b"]["text"]) for f in findings] == [
        ("exact", "a.jsonl#x", old)
    ]


def test_small_library_and_marker_answers(tmp_path: Path) -> None:
    """A path given as `documents` was iterated (`documents[0]: expected Document, got
    str`); `--encoding utf-8` on a UTF-16 file with its byte-order mark was "a binary file";
    a marker typed with a Chinese input method's colon (`paradup： off`) was ignored."""
    import pytest

    from paradup import UsageError, check_against, check_documents, check_text

    for call in (lambda: check_against("draft.md", tmp_path / "x"), lambda: check_documents("d")):
        with pytest.raises(UsageError, match="expected a sequence of Documents, got str"):
            call()
    (tmp_path / "u16.txt").write_text(article(940), encoding="utf-16")
    proc = run_paradup("check", "u16.txt", "--encoding", "utf-8", cwd=tmp_path)
    one_line_error(proc, "UTF-16 byte-order mark", "--encoding utf-16")
    p = "会议的召开不仅是一次重要的党纪学习教育活动，更是一次集体警示教育的良好示范。"
    text = f"{p}\n\n<!-- paradup： off -->\n\n{p}\n\n<!-- paradup：on -->\n"
    assert check_text(text, path="a.md").findings == ()


def test_the_hook_cache_stamp_is_the_same_for_every_install_of_the_same_versions() -> None:
    """The stamp held the segmenters' paths and mtimes, so pre-commit's own environment and
    the CLI's install never shared the cache: the first commit after `baseline write` was cold
    (10 s on 1,000 articles). Versions and sizes only."""
    from paradup import repo

    stamp = repo._segmenter_stamp()
    import re

    assert os.sep not in stamp and re.search(r"^jieba \d", stamp) and "dict.txt:" in stamp, stamp


def test_every_file_passed_by_name_blames_the_newer_copy_in_one_check(tmp_path: Path) -> None:
    """`pre-commit run --all-files` passes every file: the check ran twice (name order, then
    age order) and looked up each band key in the cache's memory map one at a time, 7.3 s
    against `--all`'s 2.7 s on 1,000 articles. Many files are dated first; the blame is the
    same as for two files."""
    from ._repo import git, paragraph, write

    repo = make_repo(tmp_path / "r", {"z_old.md": article(950)})
    write(repo, {f"m{i:02d}.md": article(951 + i) for i in range(20)})
    write(repo, {"a_new.md": article(990) + "\n\n" + paragraph(950) + "\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "later articles")
    every = sorted(p.name for p in repo.glob("*.md"))
    for names in (every, ["z_old.md", "a_new.md"]):
        proc = run_paradup("hook", *names, "--since", "none", cwd=repo)
        assert proc.returncode == 1, proc.stdout
        assert proc.stdout.startswith("a_new.md:"), proc.stdout
        assert "failing a_new.md" in proc.stdout, proc.stdout


def test_a_binary_article_in_the_hook_is_told_to_be_excluded(tmp_path: Path) -> None:
    """A binary file named `.md` was told to "pass a .txt or .md text file"; in a hook the
    way out is the config's `exclude`."""
    repo = make_repo(tmp_path / "r", {"a.md": article(960)})
    (repo / "x.md").write_bytes(bytes(range(256)) * 8)
    proc = run_paradup("hook", "x.md", "a.md", cwd=repo)
    one_line_error(proc, "x.md: looks like a binary file", "exclude in .paradup.toml")


def test_an_article_split_in_two_through_an_old_copy_still_passes(tmp_path: Path) -> None:
    """Half of an old copy stays in its file and half moves to a new one: the guard against
    stale baseline entries first fenced off the whole old pair, so the moved half failed
    (README: moving a copy to another changed file, a new one included, passes)."""
    from ._repo import git, paragraph, write

    p = paragraph(970)
    sents = [x + "。" for x in p.split("。") if x]
    k = (len(sents) + 1) // 2  # at least half stays behind
    assert 0 < k < len(sents)
    for baselined in (False, True):
        repo = make_repo(
            tmp_path / f"r{baselined}", {"a.md": article(970), "b.md": f"{article(971)}\n\n{p}\n"}
        )
        if baselined:
            assert run_paradup("baseline", "write", cwd=repo).returncode == 0
            git(repo, "add", "-A")
            git(repo, "commit", "-qm", "baseline")
        write(
            repo,
            {
                "b.md": f"{article(971)}\n\n{''.join(sents[:k])}\n",
                "c.md": f"{article(972)}\n\n{''.join(sents[k:])}\n",
            },
        )
        git(repo, "add", "-A")
        proc = run_paradup("hook", "--staged", "b.md", "c.md", cwd=repo)
        assert proc.returncode == 0, proc.stdout


def test_signals_are_held_to_the_end_of_the_block_with_another_thread_running() -> None:
    """The first version blocked the signal mask, which is per thread: with rich's progress
    thread running, Ctrl-C was taken by that thread and interrupted the move anyway."""
    import signal
    import threading
    import time

    import pytest

    from paradup.stdio import signals_deferred

    stop = threading.Event()
    threading.Thread(target=stop.wait, daemon=True).start()
    done: list[str] = []
    try:
        with pytest.raises(KeyboardInterrupt), signals_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.2)
            done.append("the block ran to its end")
    finally:
        stop.set()
    assert done == ["the block ran to its end"]
