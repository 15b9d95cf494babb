"""Baseline: content fingerprints, multiset budget, and the hook against a written baseline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paradup.baseline import Entry, fingerprint, parts, split
from paradup.model import Finding, Span

from ._repo import article, git, make_repo, paragraph, write
from .conftest import run_paradup


def _finding(a_path: str, a_text: str, b_path: str, b_text: str, start: int = 0) -> Finding:
    return Finding(
        1.0,
        "exact",
        Span(a_path, start, start + len(a_text), 1, 1, a_text),
        Span(b_path, start + 100, start + 100 + len(b_text), 3, 1, b_text),
    )


def test_fingerprint_is_content_based_and_order_free() -> None:
    f = _finding("a.md", "甲乙丙丁。", "b.md", "甲乙丙 丁。")
    moved = _finding("c.md", "甲乙丙 丁。", "d.md", "甲乙丙丁。", start=900)
    assert fingerprint(f) == fingerprint(moved)
    assert fingerprint(f) != fingerprint(_finding("a.md", "甲乙丙丁。", "b.md", "戊己庚辛。"))


def test_split_counts_occurrences() -> None:
    f1 = _finding("a.md", "同一段。", "b.md", "同一段。")
    f2 = _finding("a.md", "同一段。", "c.md", "同一段。")
    base = [Entry(fingerprint(f1), ("a.md", "b.md"))]
    everything = {"a.md", "b.md", "c.md"}
    v = split([f1, f2], base, None, everything)
    assert v.known == (f1,) and v.new == (f2,)
    # editing b.md: the baselined pair is explained
    assert split([f1], base, ["b.md"], everything).new == ()
    # a fresh copy in c.md is new even though its texts equal a baselined pair's
    assert split([f2], base, ["c.md"], everything).new == (f2,)
    # the passage moved from b.md (gone) to c.md: explained
    assert split([f2], base, ["c.md"], {"a.md", "c.md"}).new == ()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    files = {f"articles/{i:02d}.md": article(i) for i in range(8)}
    files["articles/copy.md"] = article(50) + "\n" + paragraph(2) + "\n"
    return make_repo(tmp_path / "content", files)


def write_baseline(repo: Path) -> None:
    """`paradup baseline write`, then `git add` it: the hook counts the baseline the commit
    holds (one git does not know is left out, with a warning)."""
    assert run_paradup("baseline", "write", cwd=repo).returncode == 0
    git(repo, "add", ".paradup-baseline.json")


def hook(repo: Path, *args: str) -> tuple[int, str]:
    proc = run_paradup("hook", *args, cwd=repo)
    assert "Traceback" not in proc.stderr
    return proc.returncode, proc.stdout + proc.stderr


def test_baseline_write_then_only_new_findings_fail(repo: Path) -> None:
    assert hook(repo, "articles/copy.md")[0] == 1
    proc = run_paradup("baseline", "write", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    git(repo, "add", ".paradup-baseline.json")  # the hook counts the baseline the commit holds
    assert "wrote 1 finding among 9 articles" in proc.stdout
    data = json.loads((repo / ".paradup-baseline.json").read_text(encoding="utf-8"))
    assert data["version"] == 4 and len(data["findings"]) == 1
    rc, out = hook(repo, "articles/copy.md")
    assert rc == 0 and "1 known in the baseline" in out
    # an unrelated edit of the file keeps the known finding known
    write(
        repo,
        {
            "articles/copy.md": "新增的导语，与任何文章都不同。\n\n"
            + article(50)
            + "\n"
            + paragraph(2)
        },
    )
    assert hook(repo, "articles/copy.md")[0] == 0
    # --no-baseline shows everything again
    assert hook(repo, "articles/copy.md", "--no-baseline")[0] == 1


def test_moving_text_does_not_create_a_finding(repo: Path) -> None:
    write_baseline(repo)
    parts = article(50).split("\n\n")
    moved = "\n\n".join([parts[0], paragraph(2), *parts[1:]])  # the copy moves to the top
    write(repo, {"articles/copy.md": moved})
    assert hook(repo, "articles/copy.md")[0] == 0
    # moved to another file in the same change
    write(
        repo,
        {"articles/copy.md": article(50), "articles/other.md": article(51) + "\n" + paragraph(2)},
    )
    git(repo, "add", "-A")
    assert hook(repo, "articles/copy.md", "articles/other.md")[0] == 0


def test_fresh_copy_of_a_baselined_passage_is_new(repo: Path) -> None:
    write_baseline(repo)
    write(repo, {"articles/third.md": article(52) + "\n" + paragraph(2) + "\n"})
    git(repo, "add", "-A")
    rc, out = hook(repo, "articles/third.md")
    assert rc == 1 and out.startswith("articles/third.md:")
    # a second copy inside the already-baselined file is new too
    again = "\n\n".join([article(50), paragraph(2), paragraph(53), paragraph(2)])
    write(repo, {"articles/copy.md": again})
    rc, out = hook(repo, "articles/copy.md")
    assert rc == 1 and "1 known in the baseline" in out


def test_ci_all_files_with_baseline(repo: Path) -> None:
    assert hook(repo, "--all")[0] == 1
    write_baseline(repo)
    assert hook(repo, "--all")[0] == 0
    write(repo, {"articles/03.md": article(3) + "\n" + paragraph(4)})
    git(repo, "commit", "-qam", "copy")
    assert hook(repo, "--all")[0] == 1


def test_corrupt_baseline_is_a_one_line_error(repo: Path) -> None:
    (repo / ".paradup-baseline.json").write_text("{not json", encoding="utf-8")
    git(repo, "add", ".paradup-baseline.json")
    rc, out = hook(repo, "articles/copy.md")
    assert rc == 2 and "baseline write" in out and len(out.strip().splitlines()) == 1


P = [
    "市交通局今天宣布，地铁五号线南延段将于下月底开通试运营，沿线新增六座车站。",
    "据介绍，新线路开通后，南部新城到市中心的通勤时间将缩短约二十分钟，方便市民出行。",
    "市民代表表示，期待新线路尽快开通，并希望配套的公交接驳线路同步优化调整到位。",
]


def test_reordered_paragraphs_of_a_baselined_copy_are_known(tmp_path: Path) -> None:
    """A copy reordered (P1 P2 P3 -> P3 P1 P2) made two passages with other texts than the
    baselined one: "2 new restated passages" for text the team had accepted."""
    body = "\n\n".join(P) + "\n"
    repo = make_repo(tmp_path / "content", {"a.md": body, "b.md": body})
    write_baseline(repo)
    write(repo, {"b.md": "\n\n".join([P[2], P[0], P[1]]) + "\n"})
    rc, out = hook(repo, "b.md")
    assert rc == 0, out
    # split apart by a new paragraph between them: still the same accepted text
    write(
        repo, {"b.md": "\n\n".join([P[0], "本报讯今日天气晴朗，气温适宜出游。", P[1], P[2]]) + "\n"}
    )
    assert hook(repo, "b.md")[0] == 0
    # but a second copy of one of them in the same file is new
    write(repo, {"b.md": "\n\n".join([P[2], P[0], P[1], "另外，" + P[0]]) + "\n"})
    rc, out = hook(repo, "b.md")
    assert rc == 1 and "1 new restated passage" in out, out


def test_split_uses_up_sentences_of_an_entry() -> None:
    whole = _finding("a.md", P[0] + P[1], "b.md", P[0] + P[1])
    base = [Entry(fingerprint(whole), ("a.md", "b.md"), (parts(P[0] + P[1]), parts(P[0] + P[1])))]
    first = _finding("a.md", P[0], "b.md", P[0])
    second = _finding("a.md", P[1], "b.md", P[1])
    again = _finding("a.md", P[0], "b.md", P[0], start=500)
    v = split([first, second, again], base, ["b.md"], {"a.md", "b.md"})
    assert v.known == (first, second) and v.new == (again,)
    # a version-1 entry (no sentence hashes) explains whole passages only
    old = [Entry(fingerprint(whole), ("a.md", "b.md"))]
    assert split([first], old, ["b.md"], {"a.md", "b.md"}).new == (first,)
