"""`audit --documents`: families of near-duplicate documents (reposts), not passage clusters."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ._repo import article, paragraph
from .conftest import one_line_error, run_paradup


def _records(tmp_path: Path) -> dict[str, str]:
    """An original, a repost with a new header and a light edit, an excerpt, an article that
    borrows one paragraph, a post that is only the original's closing paragraph, others."""
    orig = article(1, paragraphs=8).split("\n\n")
    repost = ["转自某某网 编辑：小王", *orig[1:]]
    repost[4] = repost[4].replace("，", "，据悉，", 1)
    texts = {
        "orig": "\n\n".join(orig),
        "repost": "\n\n".join(repost),
        "excerpt": "\n\n".join(orig[:4]),
        "borrow": "\n\n".join([*article(2, paragraphs=8).split("\n\n"), orig[5]]),
        "closing": orig[-1],
        "other": article(3),
    }
    dates = {"orig": "2024-01-02", "repost": "2024-01-05", "excerpt": "2024-01-01"}
    rows = [
        {"id": k, "text": t, **({"date": dates[k]} if k in dates else {})} for k, t in texts.items()
    ]
    (tmp_path / "cms.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    built = run_paradup("index", "build", "cms.jsonl", "-i", "i.paradup", "-q", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    return texts


def test_a_repost_is_one_family_and_partial_copies_are_not(tmp_path: Path) -> None:
    """Passage clusters split a repost over several clusters (a light edit breaks a passage)
    and said nothing of which articles are copies of which."""
    _records(tmp_path)
    proc = run_paradup("audit", "-i", "i.paradup", "--documents", "-f", "jsonl", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    families = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(families) == 1, families
    (fam,) = families
    assert fam["family"] == 1 and fam["size"] == 2
    assert [m["doc"] for m in fam["members"]] == ["cms.jsonl#orig", "cms.jsonl#repost"]
    assert fam["members"][0]["date"] == "2024-01-02"  # earliest dated first
    assert all(0.85 <= m["share"] <= 1.0 for m in fam["members"]), fam
    # The passage clusters do hold the excerpt, the borrowed paragraph and the closing post.
    clusters = run_paradup("audit", "-i", "i.paradup", "-f", "jsonl", cwd=tmp_path).stdout
    docs = {m["doc"] for c in map(json.loads, clusters.splitlines()) for m in c["members"]}
    assert {"cms.jsonl#excerpt", "cms.jsonl#borrow", "cms.jsonl#closing"} <= docs


def test_doc_share_lets_an_excerpt_in(tmp_path: Path) -> None:
    _records(tmp_path)
    args = ("audit", "-i", "i.paradup", "--documents", "--doc-share", "0.3", "-f", "jsonl")
    proc = run_paradup(*args, cwd=tmp_path)
    (fam,) = [json.loads(line) for line in proc.stdout.splitlines()]
    docs = [m["doc"] for m in fam["members"]]
    assert docs == ["cms.jsonl#excerpt", "cms.jsonl#orig", "cms.jsonl#repost"], docs
    assert "cms.jsonl#borrow" not in docs and "cms.jsonl#closing" not in docs


def test_text_and_csv_reports(tmp_path: Path) -> None:
    _records(tmp_path)
    text = run_paradup("audit", "-i", "i.paradup", "--documents", cwd=tmp_path)
    assert text.returncode == 1
    lines = text.stdout.splitlines()
    assert lines[0] == "1 family of near-duplicate documents (2 documents)"
    # Each document with its own share (the earliest one's was left out).
    assert re.fullmatch(
        r"#1 2 docs  cms\.jsonl:1 \(2024-01-02\) \d+%  restated by cms\.jsonl:2 \d+%", lines[1]
    ), lines[1]
    out = tmp_path / "fam.csv"
    args = ("audit", "-i", "i.paradup", "--documents", "-f", "csv", "-o", str(out), "-q")
    assert run_paradup(*args, cwd=tmp_path).returncode == 1
    raw = out.read_text(encoding="utf-8")
    assert raw.startswith("\ufeff")  # for Excel: without it a Chinese Windows read GBK
    rows = list(csv.reader(io.StringIO(raw[1:])))
    assert rows[0] == ["family", "size", "doc", "path", "date", "title", "share"]
    assert [r[2] for r in rows[1:]] == ["cms.jsonl#orig", "cms.jsonl#repost"]


def test_no_family_exits_0(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    for i in range(3):
        (tmp_path / "a" / f"{i}.md").write_text(article(40 + i), encoding="utf-8")
    assert run_paradup("index", "build", "a", "-i", "i.paradup", "-q", cwd=tmp_path).returncode == 0
    proc = run_paradup("audit", "-i", "i.paradup", "--documents", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["0 families of near-duplicate documents (0 documents)"]


def test_refusals(tmp_path: Path) -> None:
    _records(tmp_path)
    base = ("audit", "-i", "i.paradup")
    cases = [
        (("--documents", "-f", "html"), "--documents writes text, jsonl or csv"),
        (("--doc-share", "0.3"), "--doc-share is for --documents"),
        (("--documents", "--doc-share", "0"), "option --doc-share: must be in (0, 1]"),
    ]
    for extra, words in cases:
        one_line_error(run_paradup(*base, *extra, cwd=tmp_path), words)
    spark = ("audit", "--engine", "spark", "--input", "cms.jsonl", "--documents")
    one_line_error(run_paradup(*spark, cwd=tmp_path), "--documents runs on the local engine")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 50), st.integers(0, 30)),
        min_size=0,
        max_size=30,
    )
)
def test_union_length_matches_a_character_count(spans: list[tuple[int, int, int]]) -> None:
    from paradup.families import _covered

    group = np.array([g for g, _, _ in spans], dtype=np.int64) << 32
    start = np.array([s for _, s, _ in spans], dtype=np.int64)
    end = start + np.array([n for _, _, n in spans], dtype=np.int64)
    got_groups, got = _covered(group, start, end)
    want: dict[int, set[int]] = {}
    for g, s, n in spans:
        want.setdefault(g << 32, set()).update(range(s, s + n))
    assert dict(zip(got_groups.tolist(), got.tolist(), strict=True)) == {
        g: len(chars) for g, chars in want.items()
    }


def _index(tmp_path: Path, texts: dict[str, str]) -> None:
    (tmp_path / "a").mkdir()
    for name, text in texts.items():
        (tmp_path / "a" / f"{name}.md").write_text(text, encoding="utf-8")
    built = run_paradup("index", "build", "a", "-i", "i.paradup", "-q", cwd=tmp_path)
    assert built.returncode == 0, built.stderr


def _families(tmp_path: Path, *args: str) -> list[list[str]]:
    proc = run_paradup(
        "audit", "-i", "i.paradup", "--documents", "-f", "jsonl", *args, cwd=tmp_path
    )
    assert proc.returncode in (0, 1), proc.stderr
    return [
        [Path(m["doc"]).stem for m in json.loads(line)["members"]]
        for line in proc.stdout.splitlines()
    ]


def test_a_story_reposted_as_often_as_boilerplate_is_still_a_family(tmp_path: Path) -> None:
    """Every paragraph of a story reposted `--boilerplate-docs` times is a cluster over that
    many documents: all of it was taken for boilerplate, and the most reposted stories had no
    family at all."""
    story = article(5, paragraphs=6)
    texts = {f"copy{i}": f"转载自第{i}家网站\n\n{story}" for i in range(4)}
    texts |= {f"other{i}": article(70 + i) for i in range(4)}
    _index(tmp_path, texts)
    assert _families(tmp_path, "--boilerplate-docs", "3") == [[f"copy{i}" for i in range(4)]]


def test_a_long_footer_is_no_part_of_the_share(tmp_path: Path) -> None:
    """Two copies of a short story under a site footer longer than the story: the footer was
    boilerplate in the numerator but not in the denominator, so they could never link; and a
    document of nothing but the footer links to none."""
    footer = "\n\n".join(paragraph(90 + k) for k in range(3))
    story = paragraph(80)
    texts = {"A": f"{story}\n\n{footer}", "B": f"{story}\n\n{footer}", "F": footer}
    texts |= {f"other{i}": f"{article(60 + i)}\n\n{footer}" for i in range(3)}
    _index(tmp_path, texts)
    assert _families(tmp_path, "--boilerplate-docs", "3") == [["A", "B"]]


def test_a_footer_longer_than_each_short_post_is_no_family(tmp_path: Path) -> None:
    """The repost rescue took twelve unrelated posts under one three-paragraph footer (the
    footer's clusters over the same twelve documents held half of each) for one story."""
    footer = "\n\n".join(paragraph(90 + k) for k in range(3))
    texts = {f"post{i}": f"{paragraph(200 + i)}\n\n{footer}" for i in range(12)}
    texts |= {f"other{i}": article(60 + i) for i in range(4)}
    _index(tmp_path, texts)
    assert _families(tmp_path, "--boilerplate-docs", "10") == []
