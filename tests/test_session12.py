"""Fixes of the twelfth session (2026-12-05)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from ._repo import GIT_ENV, article
from .conftest import RESTATED, run_paradup


def test_sarif_from_check_names_files_from_the_checkout_top_everywhere(tmp_path: Path) -> None:
    """The artifact URIs were relative to the checkout, but the message and the per-file
    summary carried the runner's absolute path into every code-scanning alert."""
    import os

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, env={**os.environ, **GIT_ENV})
    sub = tmp_path / "news" / "sub"
    sub.mkdir(parents=True)
    (sub / "a.md").write_text(RESTATED, encoding="utf-8")
    (sub / "b.md").write_text(article(1201), encoding="utf-8")
    proc = run_paradup("check", "a.md", "b.md", "-f", "sarif", cwd=sub)
    assert proc.returncode == 1, proc.stderr
    assert str(tmp_path) not in proc.stdout.replace(tmp_path.as_uri(), "")
    run = json.loads(proc.stdout)["runs"][0]
    texts = [r["message"]["text"] for r in run["results"]]
    assert texts and all("news/sub/a.md:1:1" in t for t in texts), texts
    assert [f["path"] for f in run["properties"]["files"]] == ["news/sub/a.md", "news/sub/b.md"]
    assert "informationUri" not in run["tool"]["driver"]  # no made-up project page


def test_the_mixed_config_warning_is_grammatical(tmp_path: Path) -> None:
    """The warning said "the defaults applies to all of them"."""
    for name in ("p1", "p2"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "a.md").write_text(article(1210), encoding="utf-8")
    (tmp_path / "p1" / ".paradup.toml").write_text("threshold = 0.5\n", encoding="utf-8")
    proc = run_paradup("check", "p1/a.md", "p2/a.md", cwd=tmp_path)
    assert "; the defaults apply to all of them:" in proc.stderr, proc.stderr


def test_build_help_does_not_speak_of_an_update_only() -> None:
    proc = run_paradup("index", "build", "--help")
    assert proc.returncode == 0
    flat = " ".join(proc.stdout.split())
    assert "an update:" not in flat and "an existing index: the one it records" in flat, flat
    audit = " ".join(run_paradup("audit", "--help").stdout.split())
    assert "[max(10, 0.5% of the archive)]" in audit, audit


def test_traditional_hou_and_yu_fold_like_the_rest() -> None:
    """後 and 於 are in GB2312, so they were never folded: a traditional copy of a sentence
    with 后/于 scored 0.36 and was missed, and longer ones listed `后车 → 後車` as edits."""
    from paradup import check_text

    simp = "事故发生后，交警随后赶到现场，之后将伤者送往医院救治，目前伤者情况稳定，处于观察之中。"
    trad = "事故發生後，交警隨後趕到現場，之後將傷者送往醫院救治，目前傷者情況穩定，處於觀察之中。"
    other = "据介绍，新线路主要覆盖大型居住区和产业园区，票价按里程计算，乘客可以提前预约。"
    text = f"{simp}\n\n{other}\n\n{trad}\n"
    found = check_text(text).findings
    assert len(found) == 1 and found[0].similarity == 1.0, found
    assert text[found[0].b.start : found[0].b.end] == trad


def test_one_copy_beyond_the_shown_ones_is_shown_not_summarised(tmp_path: Path) -> None:
    """Five exact copies of a footer (four findings) ended in "… 1 more exact copies of 「…」
    at 9:1": a line as long as the finding, and ungrammatical. Six and more still fold."""
    footer = "本文内容由市政府新闻办提供，未经许可不得转载，违者必究。"
    parts = [article(1230 + i, 1) + footer for i in range(5)]
    (tmp_path / "five.md").write_text("\n\n".join(parts), encoding="utf-8")
    (tmp_path / "six.md").write_text("\n\n".join([*parts, footer]), encoding="utf-8")
    five = run_paradup("check", "five.md", cwd=tmp_path).stdout
    assert "more exact cop" not in five and five.count("(exact)") == 4, five
    six = run_paradup("check", "six.md", cwd=tmp_path).stdout
    assert "… 2 more exact copies of 「本文内容由" in six and six.count("(exact)") == 3, six


def test_a_commit_split_over_several_hook_runs_judges_each_file_as_one_run_would(
    tmp_path: Path,
) -> None:
    """pre-commit splits a long list of files (a folder of 2,000 articles moved) over several
    runs of the hook. Each run took the commit's files given to the others for older
    articles: a baselined pair across two runs was new, and an original moved in one run was
    blamed for a fresh copy of it given to the other."""
    from ._repo import git, make_repo, paragraph, write

    copy = paragraph(1240)
    old = {
        "old/o.md": article(1240),
        "old/p.md": article(1241),
        "old/q.md": article(1242) + "\n\n" + paragraph(1241) + "\n",  # q restates p
    }
    repo = make_repo(tmp_path / "r", old)
    assert run_paradup("baseline", "write", cwd=repo).returncode == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "baseline")
    git(repo, "mv", "old", "new")
    write(repo, {"zz.md": article(1243) + "\n\n" + copy + "\n"})
    git(repo, "add", "-A")
    # One run over every file: only the fresh copy fails.
    whole = run_paradup("hook", "new/o.md", "new/p.md", "new/q.md", "zz.md", cwd=repo)
    assert whole.returncode == 1 and "zz.md" in whole.stdout, whole.stdout
    assert "new/o.md:" not in whole.stdout.replace("restates new/o.md", "")
    # The same commit in batches, as pre-commit runs it: each file judged the same way.
    for batch in (["new/o.md"], ["new/p.md"], ["new/q.md"], ["new/o.md", "new/q.md"]):
        run = run_paradup("hook", *batch, cwd=repo)
        assert run.returncode == 0, (batch, run.stdout, run.stderr)
    last = run_paradup("hook", "new/p.md", "zz.md", cwd=repo)
    assert last.returncode == 1 and "zz.md:" in last.stdout, last.stdout


_SHARED = (
    "今年以来，我市持续推进老旧小区改造工程，累计完成改造项目一百二十个，惠及居民三万余户。"
    "市住建局有关负责人表示，下一步将重点解决加装电梯、停车难等群众反映强烈的问题。"
    "据悉，全年计划投入资金十五亿元，年底前全部完工。"
)


def _baselined_pair(tmp_path: Path, shared: str) -> Path:
    """A repository of two articles sharing `shared` as their last paragraph, baselined."""
    from ._repo import git, make_repo

    repo = make_repo(
        tmp_path / "r",
        {
            "news/a.md": article(1250) + "\n\n" + shared + "\n",
            "news/b.md": article(1251) + "\n\n" + shared + "\n",
            "news/c.md": article(1252),
        },
    )
    assert run_paradup("baseline", "write", cwd=repo).returncode == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "baseline")
    return repo


def _commit_check(repo: Path, text: str) -> subprocess.CompletedProcess[str]:
    from ._repo import git

    (repo / "news" / "b.md").write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    return run_paradup("hook", "news/b.md", cwd=repo)


def test_a_baselined_list_split_moved_or_trimmed_stays_known(tmp_path: Path) -> None:
    """Baseline version 4 keeps a piece per list item and per unpunctuated line (the diff
    review caught a first version that cut only at terminators, as the checker does: a
    baselined list split by a new paragraph, half moved to another file, or trimmed of an
    item, failed)."""
    from ._repo import git

    items = [
        "- 严厉打击非法营运车辆和黑车拉客行为",
        "- 全面清理占道经营和乱设摊点现象",
        "- 集中整治渣土车违规上路和抛洒滴漏",
        "- 规范共享单车停放秩序和运营企业管理",
        "- 加强夜间施工噪声扰民问题巡查执法",
    ]
    shared = "本次整治的重点包括：\n\n" + "\n".join(items)
    for edit in ("split", "move", "trim"):
        repo = _baselined_pair(tmp_path / edit, shared)
        b = (repo / "news" / "b.md").read_text(encoding="utf-8")
        head, tail = "\n".join(items[:3]), "\n".join(items[3:])
        if edit == "split":
            b = b.replace("\n".join(items), head + "\n\n" + _ROUTES + "\n\n" + tail)
        elif edit == "move":
            b = b.replace("\n".join(items), head)
            c = (repo / "news" / "c.md").read_text(encoding="utf-8")
            (repo / "news" / "c.md").write_text(c + "\n\n" + tail + "\n", encoding="utf-8")
        else:
            b = b.replace(items[4], "")
        (repo / "news" / "b.md").write_text(b, encoding="utf-8")
        git(repo, "add", "-A")
        proc = run_paradup("hook", "--since", "none", "news/b.md", "news/c.md", cwd=repo)
        assert proc.returncode == 0, (edit, proc.stdout)


def test_a_line_added_under_a_baselined_unpunctuated_line_passes(tmp_path: Path) -> None:
    """A shared closing line without a full stop, and `（完）` added on the next line of one
    article: the checker joins the two lines into one sentence, which the baseline (cut at
    the line break) did not hold."""
    line = "据央视新闻客户端报道，本次专项整治行动将持续到今年年底并覆盖全国各地市"
    repo = _baselined_pair(tmp_path, line)
    b = (repo / "news" / "b.md").read_text(encoding="utf-8")
    proc = _commit_check(repo, b + "（完）\n")
    assert proc.returncode == 0, proc.stdout


def test_a_baselined_copy_in_traditional_characters_is_the_same_copy(tmp_path: Path) -> None:
    """A Hong Kong edition of a baselined copy: the checker folds it to the same exact pair,
    but the baseline hashed it unfolded, and the commit failed."""
    from paradup.variants import simplified

    back: dict[str, str] = {}
    for trad, simp in simplified().items():
        back.setdefault(simp, trad)
    repo = _baselined_pair(tmp_path, _SHARED)
    trad = "".join(back.get(c, c) for c in _SHARED)
    assert sum(a != b for a, b in zip(trad, _SHARED, strict=True)) > 20
    b = (repo / "news" / "b.md").read_text(encoding="utf-8")
    proc = _commit_check(repo, b.replace(_SHARED, trad))
    assert proc.returncode == 0, proc.stdout


def test_a_version_3_baseline_still_explains_its_pairs(tmp_path: Path) -> None:
    """Baselines written before scheme 4 are read with their own hashing: committed ones keep
    passing after an upgrade."""
    from paradup.baseline import fingerprint, parts
    from paradup.check import check_paths

    from ._repo import git

    repo = _baselined_pair(tmp_path, _SHARED)
    found = check_paths([str(repo / "news")]).findings
    rows = [
        {
            "fingerprint": fingerprint(f, 3),
            "a": Path(f.a.path).relative_to(repo).as_posix(),
            "b": Path(f.b.path).relative_to(repo).as_posix(),
            "excerpt": f.b.text[:40],
            "a_parts": list(parts(f.a.text, 3)),
            "b_parts": list(parts(f.b.text, 3)),
        }
        for f in found
    ]
    assert rows
    old = {"version": 3, "tool": "paradup", "findings": rows}
    (repo / ".paradup-baseline.json").write_text(json.dumps(old, ensure_ascii=False))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "a version 3 baseline")
    proc = run_paradup("hook", "--all", cwd=repo)
    assert proc.returncode == 0, proc.stdout


_KILLED_AT_CREATE = """
import os, signal, sqlite3, sys
class Dying(sqlite3.Connection):
    def executescript(self, script):  # the first page is written; no table yet
        os.kill(os.getpid(), signal.SIGKILL)
real = sqlite3.connect
sqlite3.connect = lambda *a, **k: real(*a, factory=Dying, **k)
from paradup.cli import main
sys.argv = ["paradup", "index", "build", "arc", "-i", "x.paradup", "-q"]
main()
"""


def test_a_build_killed_while_it_creates_the_index_can_be_run_again(tmp_path: Path) -> None:
    """A first build killed between SQLite's first page and the tables left a database
    without tables, which the next build refused: "exists and is not a paradup index"."""
    import sys

    arc = tmp_path / "arc"
    arc.mkdir()
    (arc / "a.md").write_text(RESTATED, encoding="utf-8")
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_AT_CREATE], cwd=tmp_path, capture_output=True
    )
    assert killed.returncode == -9, killed.stderr
    again = run_paradup("index", "build", "arc", "-i", "x.paradup", "-q", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    info = run_paradup("index", "info", "-i", "x.paradup", cwd=tmp_path)
    assert info.returncode == 0 and "1 document" in info.stdout, info.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["arc", "x.paradup"]


_TERM_AT_FORK = """
import os, signal, sys
from paradup.stdio import terminate_as_interrupt
terminate_as_interrupt()
sent = []
def after_in_parent():
    if not sent:  # the first worker forked: a CI cancel arrives now
        sent.append(1)
        os.kill(os.getpid(), signal.SIGTERM)
os.register_at_fork(after_in_parent=after_in_parent)
from paradup.cli import main
sys.argv = ["paradup", "index", "build", "arc", "-i", "x.paradup", "-j", "2", "-q"]
main()
"""


def test_a_sigterm_while_the_workers_are_forked_stops_the_build(tmp_path: Path) -> None:
    """SIGTERM (or Ctrl-C) as `-j 2` forked its workers raised inside os.fork's callbacks,
    where Python only prints "Exception ignored": the build ran on and exited 0."""
    import sys

    arc = tmp_path / "arc"
    arc.mkdir()
    for seed in range(1260, 1266):
        (arc / f"a{seed}.md").write_text(article(seed), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-c", _TERM_AT_FORK], cwd=tmp_path, capture_output=True, text=True
    )
    assert proc.returncode == 130, (proc.returncode, proc.stderr)
    assert "Exception ignored" not in proc.stderr and "Traceback" not in proc.stderr
    assert "interrupted" in proc.stderr, proc.stderr
    again = run_paradup("index", "build", "arc", "-i", "x.paradup", "-q", cwd=tmp_path)
    assert again.returncode == 0, again.stderr


def test_a_missing_user_dictionary_is_refused_before_the_index_exists(tmp_path: Path) -> None:
    """The build failed on the missing dictionary only after it had created an index that
    recorded it; the corrected command was then refused (other fingerprint settings)."""
    arc = tmp_path / "arc"
    arc.mkdir()
    (arc / "a.md").write_text(RESTATED, encoding="utf-8")
    (tmp_path / "bad.toml").write_text('user-dict = "nope/dict.txt"\n', encoding="utf-8")
    args = ("index", "build", "arc", "-i", "x.paradup", "-q")
    bad = run_paradup(*args, "--config", "bad.toml", cwd=tmp_path)
    assert bad.returncode == 2 and "user dictionary not found" in bad.stderr, bad.stderr
    assert not (tmp_path / "x.paradup").exists()
    assert run_paradup(*args, cwd=tmp_path).returncode == 0


_BUS = "市交通运输局表示，为缓解早晚高峰拥堵，我市将于下月起在主城区新开通8条定制公交线路。"
_BUS_EDITED = "市交通运输局指出，为缓解早晚高峰拥堵，我市将于下月起在主城区开通8条定制公交线路。"
_ROUTES = "据介绍，新线路主要覆盖大型居住区和产业园区，票价按里程计算。"
_BOOK = "乘客可通过手机应用预约座位，车辆准点发车。"


def test_an_edited_copy_right_before_an_exact_one_is_reported() -> None:
    """S … S′ S: the edited copy next to an exact copy of the same source was taken for a
    templated list item and dropped, neither reported nor counted."""
    from paradup import check_text

    for later in ([_BUS_EDITED, _BUS], [_BUS, _BUS_EDITED]):
        text = "\n\n".join([_BUS, _ROUTES, *later, _BOOK]) + "\n"
        found = check_text(text, "d.md").findings
        spans = sorted((f.b.text, f.a.text) for f in found)
        assert spans == sorted((t, _BUS) for t in later), spans


def test_a_finding_never_pairs_the_end_of_one_copy_with_the_start_of_the_next() -> None:
    """P … P P′ (P two sentences): a finding paired "P's second sentence, then P′'s first"
    with P at 1.00, a sentence shown inserted and deleted."""
    from paradup import check_text

    first = (
        "2016年督察期间，督察组接到群众投诉，危险废物倾倒在两村交界的洼地，恶臭难闻，"
        "严重影响地下水。"
    )
    second = "废物堆放地已发生两次自燃并引发山火，村民损失严重。"
    edited = second.replace("发生", "出现").replace("严重。", "严峻。")
    text = "\n\n".join([first + second, _ROUTES, first + second, first + edited]) + "\n"
    found = check_text(text, "d.md").findings
    for f in found:
        for side in (f.a, f.b):  # each side is whole paragraphs, in order
            assert side.text in (first + second, first + edited), side.text
    assert (found[0].kind, found[0].similarity) == ("exact", 1.0)
    assert len(found) == 2, found


def test_a_paragraph_pasted_many_times_in_a_row_is_reported_copy_by_copy() -> None:
    """A two-sentence paragraph pasted 6 or 16 times in a row: one finding paired 2 sentences
    of the source with the rest of the run (126 characters "restated" as 1,258, at 1.00)."""
    from paradup import check_text

    para = _BUS + _ROUTES
    for n in (3, 6, 16):
        text = "\n\n".join([_BOOK, *[para] * n, _BUS_EDITED[:10] + "。"]) + "\n"
        found = check_text(text, "d.md").findings
        assert found and all(f.kind == "exact" for f in found), found
        for f in found:  # each side whole sentences of the run, the two of a length
            assert len(f.a.text) == len(f.b.text), (len(f.a.text), len(f.b.text))
        restated = sum(f.b.end - f.b.start for f in found)
        assert restated >= (n - 1) * len(para), (n, restated)


def test_dates_no_form_read_sort_after_every_date_read(tmp_path: Path) -> None:
    """Unix seconds, `10/03/2019`, `19-03-10` and `9:30 PM` were kept as text, which sorts
    before `2019-…`: the repost with such a date was named the original."""
    from paradup.archive import date_key

    dates = ["2019-03-05 21:05", "2019-03-05 9:30 PM", "1552176000", "10/03/2019", "19-03-10"]
    assert sorted([*dates, None, "2019-03-05"], key=date_key) == ["2019-03-05", *dates, None]
    assert date_key("1552176000000") == date_key("1552176000") == "2019-03-10 00:00:00"
    assert date_key("31/03/2019") == date_key("03/31/2019") == "2019-03-31"
    body = article(1270)
    rows = [
        {"id": "repost", "text": body, "date": "1552176000"},
        {"id": "orig", "text": body, "date": "2019-03-05"},
    ]
    (tmp_path / "a.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    (tmp_path / "draft.md").write_text(body, encoding="utf-8")
    assert run_paradup("index", "build", "a.jsonl", "-i", "x.paradup", "-q", cwd=tmp_path)
    proc = run_paradup("check", "draft.md", "-i", "x.paradup", "-f", "json", cwd=tmp_path)
    found = json.loads(proc.stdout)["findings"]
    assert found and {f["a"].get("doc") for f in found} == {"a.jsonl#orig"}, found


def test_an_output_file_s_suffix_names_the_format_when_none_is_given(tmp_path: Path) -> None:
    """`audit -o clusters.csv` (and `check -o report.json`) wrote the terminal summary into
    the file; `--format` given still wins."""
    from ._repo import built_archive

    index = built_archive(tmp_path, range(1280, 1284))
    arc = tmp_path / "arc"
    (arc / "z.md").write_text(article(1280), encoding="utf-8")
    assert run_paradup("index", "update", "-i", str(index), "-q", cwd=tmp_path).returncode == 0
    csv = run_paradup("audit", "-i", str(index), "-o", "c.csv", "-q", cwd=tmp_path)
    assert csv.returncode == 1, csv.stderr
    assert (tmp_path / "c.csv").read_text(encoding="utf-8-sig").startswith("cluster,")
    jl = run_paradup("audit", "-i", str(index), "-o", "c.jsonl", "-q", cwd=tmp_path)
    assert jl.returncode == 1
    first = (tmp_path / "c.jsonl").read_text(encoding="utf-8").splitlines()[0]
    assert json.loads(first)["members"], first
    (tmp_path / "d.md").write_text(RESTATED, encoding="utf-8")
    assert run_paradup("check", "d.md", "-o", "r.json", cwd=tmp_path).returncode == 1
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["findings"]
    assert run_paradup("check", "d.md", "-o", "r.sarif", cwd=tmp_path).returncode == 1
    assert json.loads((tmp_path / "r.sarif").read_text(encoding="utf-8"))["version"] == "2.1.0"
    run_paradup("check", "d.md", "-f", "text", "-o", "t.json", cwd=tmp_path)
    assert (tmp_path / "t.json").read_text(encoding="utf-8").startswith("#1 ")


def test_html_report_in_a_narrow_window_and_under_a_tall_header(tmp_path: Path) -> None:
    """In a window under 900 px the pair panel sat below the whole draft, so a click showed
    nothing; with five files the sticky header (a row per file) covered the jump target."""
    from ._browser import launch, open_page

    names = []
    for i in range(5):
        (tmp_path / f"d{i}.md").write_text(
            "\n\n".join([article(1290 + i, 3), _BUS, _ROUTES, _BUS_EDITED]), encoding="utf-8"
        )
        names.append(f"d{i}.md")
    assert run_paradup("check", *names, "-o", "r.html", cwd=tmp_path).returncode == 1
    for browser in launch():
        page, errors = open_page(browser, (tmp_path / "r.html").as_uri())
        page.set_viewport_size({"width": 1280, "height": 800})
        page.locator("a.tag").last.click()
        where = page.evaluate(
            """() => { const h = document.querySelector('header.top').getBoundingClientRect();
            const n = document.body.dataset.current;
            const t = document.getElementById('f' + n + '-b').getBoundingClientRect();
            const p = document.getElementById('pair-' + n).getBoundingClientRect();
            return [h.bottom, t.top, p.top]; }"""
        )
        assert where[1] >= where[0] and where[2] >= where[0], where
        page.set_viewport_size({"width": 860, "height": 800})
        page.locator("mark.hl.side-b").first.click()
        top = page.evaluate(
            "() => document.querySelector('article.pair:not([hidden])').getBoundingClientRect().top"
        )
        assert 0 <= top < 800, top
        assert errors == []


def test_an_exact_copy_that_differs_to_the_eye_is_not_called_identical(tmp_path: Path) -> None:
    """A traditional-character copy (kind exact, no changes) was labelled "逐字相同 identical
    wording" beside its simplified source."""
    from paradup.variants import simplified

    back: dict[str, str] = {}
    for trad, simp in simplified().items():
        back.setdefault(simp, trad)
    trad = "".join(back.get(c, c) for c in _SHARED)
    (tmp_path / "t.md").write_text(f"{_SHARED}\n\n{_ROUTES}\n\n{trad}\n", encoding="utf-8")
    (tmp_path / "s.md").write_text(f"{_SHARED}\n\n{_ROUTES}\n\n{_SHARED}\n", encoding="utf-8")
    for name, label in (("t", "同文（全半角、繁简、空白不计）"), ("s", "逐字相同")):
        assert run_paradup("check", f"{name}.md", "-o", f"{name}.html", cwd=tmp_path).returncode
        html = (tmp_path / f"{name}.html").read_text(encoding="utf-8")
        assert label in html and html.count('<p class="meta">') >= 1, name
    assert "逐字相同" not in (tmp_path / "t.html").read_text(encoding="utf-8")


def test_serve_names_a_cut_off_form_and_a_stray_nul_for_what_they_are() -> None:
    """A multipart body cut before its closing boundary got "paste a draft"; an upload of
    `abc\\0def` was told to choose UTF-16 LE (7 bytes cannot be UTF-16)."""
    from .test_serve import client

    c = client()
    body = b'--b\r\nContent-Disposition: form-data; name="text"\r\n\r\n' + RESTATED.encode("utf-8")
    form = {"Content-Type": "multipart/form-data; boundary=b"}
    got = c.post("/check", content=body, headers=form)
    assert got.status_code == 400 and "The form data is malformed" in got.text, got.text
    whole = body + b"\r\n--b--\r\n"
    ok = c.post("/check", content=whole, headers=form)
    assert ok.status_code == 200
    nul = c.post("/check", files={"file": ("n.txt", b"abc\0def", "text/plain")})
    assert "without a byte-order mark" not in nul.text and "n.txt is not a text file" in nul.text, (
        nul.text
    )


def test_an_update_from_a_copied_archive_names_the_prune_fix(tmp_path: Path) -> None:
    """Run from a copy of the archive, the update said only "run the update from there"; the
    fix for a moved or copied archive (`--prune` with its paths) went unsaid."""
    import shutil

    from ._repo import built_archive

    (tmp_path / "a").mkdir()
    built_archive(tmp_path / "a", range(1300, 1303))
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    proc = run_paradup("index", "update", "-i", "x.paradup", cwd=tmp_path / "b")
    assert proc.returncode == 2 and "run the update from there" in proc.stderr, proc.stderr
    assert "index update <paths> -i INDEX --prune" in proc.stderr
    fixed = run_paradup("index", "update", "arc", "-i", "x.paradup", "--prune", cwd=tmp_path / "b")
    assert fixed.returncode == 0, fixed.stderr


def test_a_date_field_no_record_has_is_warned_about(tmp_path: Path) -> None:
    """An export whose dates are under `pubtime` was indexed without a word: every record
    undated, so families ordered reposts by position."""
    rows = [{"id": f"r{i}", "text": article(1310 + i), "pubtime": "2019-03-05"} for i in range(3)]
    (tmp_path / "a.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    proc = run_paradup("index", "build", "a.jsonl", "-i", "x.paradup", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "no record has a 'date' field, but they have 'pubtime'" in proc.stderr
    assert "pass --date-field pubtime" in proc.stderr
    named = run_paradup(
        "index", "build", "a.jsonl", "-i", "y.paradup", "--date-field", "pubtime", cwd=tmp_path
    )
    assert named.returncode == 0 and "no record has" not in named.stderr, named.stderr


def test_the_hook_takes_the_format_from_its_output_suffix_too(tmp_path: Path) -> None:
    """`check` and `audit` took it from `-o`, the hook still wrote text into `report.sarif`."""
    from ._repo import git, make_repo, paragraph

    repo = make_repo(tmp_path / "r", {"a.md": article(1320)})
    (repo / "b.md").write_text(article(1321) + "\n\n" + paragraph(1320) + "\n", encoding="utf-8")
    git(repo, "add", "-A")
    for name, check in (("r.sarif", "2.1.0"), ("r.json", None)):
        proc = run_paradup("hook", "b.md", "-o", name, cwd=repo)
        assert proc.returncode == 1, proc.stderr
        data = json.loads((repo / name).read_text(encoding="utf-8"))
        assert data.get("version") == check if check else data["findings"], data
    run_paradup("hook", "b.md", "-f", "text", "-o", "t.json", cwd=repo)
    assert "restated passage" in (repo / "t.json").read_text(encoding="utf-8")


def test_a_parallel_build_commits_as_it_reads(tmp_path: Path) -> None:
    """The signal fix's first version skipped the window bound after the first batch: `-j 2`
    submitted the whole archive before committing anything (memory unbounded, and a kill lost
    every batch, not the uncommitted ones)."""
    from paradup.index.build import BuildStats, build_index

    arc = tmp_path / "arc"
    arc.mkdir()
    for seed in range(1330, 1370):
        (arc / f"a{seed}.md").write_text(article(seed, 2), encoding="utf-8")
    seen_at_commit: list[int] = []

    def progress(stats: BuildStats) -> None:
        seen_at_commit.append(stats.seen)

    stats = build_index(
        [str(arc)], str(tmp_path / "x.paradup"), jobs=2, batch_size=2, progress=progress
    )
    assert stats.indexed == 40
    # Four batches (twice the workers) in flight at most: the first commit comes long before
    # the 40th article is read.
    assert seen_at_commit and seen_at_commit[0] <= 12, seen_at_commit[:5]
