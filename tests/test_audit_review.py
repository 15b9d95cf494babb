"""Review of `audit` and `index build`: output never replaces an input, atomic reports, CSV
formula cells, option ranges, no index left behind by a refused build, exact offsets."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from paradup.index.build import build_index

from .conftest import one_line_error, run_paradup
from .test_index import SHARED, article, write_jsonl


def _index(tmp_path: Path, n: int = 12) -> tuple[Path, Path]:
    src = tmp_path / "archive.jsonl"
    write_jsonl(src, n)
    idx = tmp_path / "archive.paradup"
    build_index([str(src)], str(idx), jobs=1)
    return src, idx


def _tree(tmp_path: Path) -> Path:
    """Articles sharing a paragraph: CRLF line ends in some, a BOM in one."""
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    for i in range(4):
        body = article(i) + "\n\n" + SHARED + "\n\n" + "结尾：" + article(50)
        data = body.replace("\n", "\r\n") if i % 2 else body
        enc = "utf-8-sig" if i == 3 else "utf-8"
        (tree / ("sub" if i > 1 else "") / f"a{i}.txt").write_bytes(data.encode(enc))
    return tree


def test_audit_output_never_replaces_the_index_or_an_archive_file(tmp_path: Path) -> None:
    src, idx = _index(tmp_path)
    os.link(src, tmp_path / "hard.jsonl")
    before = {p: p.read_bytes() for p in (src, idx)}
    for out, words in [
        (idx, ("--output is the input file", str(idx))),
        (Path(str(idx) + "-wal"), ("--output is the input file",)),
        (src, ("archive file", str(src))),
        (tmp_path / "hard.jsonl", ("archive file", str(src))),
    ]:
        proc = run_paradup("audit", "--index", str(idx), "-f", "jsonl", "-o", str(out), "-q")
        one_line_error(proc, str(out), *words)
    assert {p: p.read_bytes() for p in (src, idx)} == before
    assert not Path(str(idx) + "-wal").exists() or Path(str(idx) + "-wal").stat().st_size == 0
    ok = run_paradup("audit", "--index", str(idx), "-f", "jsonl", "-q")
    assert ok.returncode == 1 and json.loads(ok.stdout.splitlines()[0])["members"]


def test_audit_from_another_directory_cannot_overwrite_an_article(tmp_path: Path) -> None:
    """The index names articles as the build spelled them (relative to where it ran)."""
    tree = _tree(tmp_path)
    idx = tmp_path / "t.paradup"
    assert (
        run_paradup("index", "build", "tree", "--index", str(idx), "-q", cwd=tmp_path).returncode
        == 0
    )
    art = tree / "a0.txt"
    before = art.read_bytes()
    proc = run_paradup("audit", "--index", str(idx), "-o", "a0.txt", "-q", cwd=tree)
    one_line_error(proc, "a0.txt", "archive file")
    assert art.read_bytes() == before
    # (Outside the archive folder: a report inside it would be read by the next update.)
    fine = run_paradup("audit", "--index", str(idx), "-o", "../report.txt", "-q", cwd=tree)
    assert fine.returncode == 1 and (tmp_path / "report.txt").read_text(encoding="utf-8")


def test_a_failed_audit_keeps_the_previous_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report is written beside the target and renamed when complete: an audit that fails
    half-way (here its temporary file) leaves the previous report whole and no litter."""
    import errno
    import tempfile

    from typer.testing import CliRunner

    from paradup.cli import app

    _, idx = _index(tmp_path)
    out = tmp_path / "clusters.jsonl"
    out.write_text("previous report\n", encoding="utf-8")
    real = tempfile.TemporaryFile

    def full(*args: object, **kwargs: object) -> object:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tempfile, "TemporaryFile", full)
    args = ["audit", "--index", str(idx), "-f", "jsonl", "-o", str(out), "-q"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert out.read_text(encoding="utf-8") == "previous report\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".clusters")) == []
    monkeypatch.setattr(tempfile, "TemporaryFile", real)
    out.chmod(0o640)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    assert json.loads(out.read_text(encoding="utf-8").splitlines()[0])["cluster"] == 1
    assert out.stat().st_mode & 0o777 == 0o640


def test_csv_cells_that_would_be_formulas_are_quoted(tmp_path: Path) -> None:
    evil = '=HYPERLINK("http://x","点击"),' + SHARED
    recs = [
        {
            "id": f"e{i}",
            "title": "=1+1",
            "date": "@today",
            "text": evil + '\n\n"引号",逗号\n' + article(i),
        }
        for i in range(3)
    ]
    src = tmp_path / "evil.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), "utf-8")
    idx = tmp_path / "evil.paradup"
    build_index([str(src)], str(idx), jobs=1)
    proc = run_paradup("audit", "--index", str(idx), "-f", "csv", "-q")
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith("cluster,")  # no byte-order mark on stdout (pipes)
    rows = list(csv.DictReader(io.StringIO(proc.stdout, newline="")))
    assert rows and all(len(r) == 12 for r in rows)
    for r in rows:
        for cell in (r["doc"], r["path"], r["date"], r["title"], r["text"]):
            assert not cell.startswith(("=", "+", "-", "@")), r
        assert r["title"] == "'=1+1" and r["date"] == "'@today"
        text = r["text"].removeprefix("'")
        line = int(r["path"].rpartition(":")[2])
        assert recs[line - 1]["text"][int(r["start"]) : int(r["end"])] == text
    assert any(r["text"].startswith("'=HYPERLINK") for r in rows)


@pytest.mark.parametrize("value", ["0", "-3"])
def test_jobs_below_one_is_one_line(tmp_path: Path, value: str) -> None:
    src = tmp_path / "a.jsonl"
    write_jsonl(src, 3)
    idx = tmp_path / "a.paradup"
    proc = run_paradup("index", "build", str(src), "--index", str(idx), "-j", value)
    one_line_error(proc, "--jobs", value)
    assert not idx.exists()


def test_huge_jobs_start_no_more_workers_than_cores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fork pool starts all its workers at once: `-j 100000` must not fork 100000."""
    from concurrent.futures import ProcessPoolExecutor

    from paradup.index import build as B

    asked: list[int] = []

    class Pool(ProcessPoolExecutor):
        def __init__(self, max_workers: int, **kw: Any) -> None:
            asked.append(max_workers)
            super().__init__(max_workers=min(max_workers, 2), **kw)

    monkeypatch.setattr(B, "ProcessPoolExecutor", Pool)
    src = tmp_path / "a.jsonl"
    write_jsonl(src, 3)
    stats = build_index([str(src)], str(tmp_path / "a.paradup"), jobs=100_000)
    assert stats.indexed == 3
    assert asked and asked[0] <= max(2, os.cpu_count() or 1)


@pytest.mark.parametrize("value", ["0", "-1", "1"])
def test_boilerplate_docs_below_two_is_one_line(tmp_path: Path, value: str) -> None:
    _, idx = _index(tmp_path)
    proc = run_paradup("audit", "--index", str(idx), "--boilerplate-docs", value)
    one_line_error(proc, "--boilerplate-docs", value)


def test_boilerplate_docs_edge_values(tmp_path: Path) -> None:
    _, idx = _index(tmp_path)

    def kinds(value: str) -> list[str]:
        proc = run_paradup(
            "audit", "--index", str(idx), "-f", "jsonl", "-q", "--boilerplate-docs", value
        )
        assert proc.returncode == 1, proc.stderr
        return [json.loads(line)["kind"] for line in proc.stdout.splitlines()]

    assert set(kinds("2")) == {"boilerplate"}
    assert set(kinds(str(10**15))) == {"duplicate"}


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02binary" * 50])
def test_an_unreadable_article_root_leaves_no_index(tmp_path: Path, content: bytes) -> None:
    art = tmp_path / "a.txt"
    art.write_bytes(content)
    idx = tmp_path / "a.paradup"
    proc = run_paradup("index", "build", str(art), "--index", str(idx))
    one_line_error(proc, str(art))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_member_offsets_index_the_original_files(tmp_path: Path) -> None:
    """text[start:end] of the record (JSON Lines) or the decoded file (BOM dropped, CRLF kept)
    is the member's text exactly."""
    tree = _tree(tmp_path)
    src = tmp_path / "archive.jsonl"
    write_jsonl(src, 9)
    idx = tmp_path / "all.paradup"
    build_index([str(tree), str(src)], str(idx), jobs=1)
    proc = run_paradup("audit", "--index", str(idx), "-f", "jsonl", "-q")
    assert proc.returncode == 1, proc.stderr
    lines = src.read_text(encoding="utf-8").splitlines()
    seen = 0
    numbers = []
    for raw in proc.stdout.splitlines():
        c = json.loads(raw)
        numbers.append(c["cluster"])
        for m in c["members"]:
            if m["path"].startswith(str(src)):
                text = json.loads(lines[int(m["path"].rpartition(":")[2]) - 1])["text"]
            else:
                text = Path(m["path"]).read_bytes().decode("utf-8-sig")
            assert text[m["start"] : m["end"]] == m["text"], m
            seen += 1
    assert seen and numbers == list(range(1, len(numbers) + 1))
    again = run_paradup("audit", "--index", str(idx), "-f", "jsonl", "-q")
    assert again.stdout == proc.stdout


def test_duplicate_ids_in_one_export_are_reported_not_lost_silently(tmp_path: Path) -> None:
    src = tmp_path / "a.jsonl"
    recs = [{"id": "same", "text": article(i)} for i in range(2)]
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), "utf-8")
    idx = tmp_path / "a.paradup"
    proc = run_paradup("index", "build", str(src), "--index", str(idx), "-j", "1")
    assert proc.returncode == 0
    assert f"{src}:2: duplicate id 'same'; ids must be unique, the first record" in " ".join(
        proc.stderr.split()
    )


PARAS = (
    "市气象台今天发布暴雨橙色预警，预计未来六小时内全市大部分地区将出现强降水天气。",
    "市防汛办要求各区立即启动应急响应，加强对低洼路段、地下空间和在建工地的巡查。",
    "交通部门提醒市民尽量减少外出，确需出行的请绕开积水路段并注意收听路况信息。",
)


def _passage_archive(tmp_path: Path, docs: list[str]) -> list[Any]:
    from paradup.audit import audit
    from paradup.index.store import IndexStore

    tmp_path.mkdir(parents=True, exist_ok=True)
    src = tmp_path / "a.jsonl"
    rows = [{"id": f"d{i}", "date": f"2024-03-0{i + 1}", "text": t} for i, t in enumerate(docs)]
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    index = tmp_path / "i.paradup"
    build_index([str(src)], str(index), jobs=1)
    with IndexStore.open(index) as store:
        clusters = audit(store)
    for c in clusters:  # spans index the archived text exactly
        for m in c.members:
            assert docs[int(m.doc.rsplit("#d", 1)[1])][m.start : m.end] == m.text
    return clusters


def test_paragraphs_copied_together_are_one_passage(tmp_path: Path) -> None:
    """A passage of three paragraphs copied from one article into another is one cluster
    spanning all three in each (it was a cluster per paragraph)."""
    block = "\n\n".join(PARAS)
    clusters = _passage_archive(
        tmp_path,
        [
            f"本报讯 今日天气早知道。\n\n{block}\n\n记者 张三",
            f"据了解，情况如下。\n\n{block}\n\n完",
        ],
    )
    assert len(clusters) == 1
    (c,) = clusters
    assert [m.text for m in c.members] == [block, block]
    assert c.similarity == (1.0, 1.0) and c.size == 2
    # The HTML report keeps the passage's paragraph breaks visible.
    from paradup.report.audit import to_html

    page = to_html(clusters)
    assert block in page and "white-space:pre-wrap" in page


def test_passages_join_over_the_same_short_sentence_only(tmp_path: Path) -> None:
    """Between two restated paragraphs, the same short sentence (no unit of its own) in both
    documents joins them; a different one in a third document keeps them apart."""
    a, b, _c = PARAS
    same = f"{a}\n\n据悉如此。\n\n{b}"
    joined = _passage_archive(tmp_path / "same", [same, f"开头不同。\n\n{same}"])
    assert [[m.text for m in x.members] for x in joined] == [[same, same]]
    other = f"{a}\n\n另有说法。\n\n{b}"
    apart = _passage_archive(tmp_path / "other", [same, f"开头不同。\n\n{same}", other])
    assert sorted(len(x.members) for x in apart) == [3, 3]
    assert {x.members[0].text for x in apart} == {a, b}


def quoted_reposts() -> tuple[list[str], str, str]:
    """Three reposts of a three-paragraph block, whose first paragraph's second sentence two
    other articles quote: (documents, the block, the quoted sentence)."""
    p1 = (
        "今年以来，全市各级纪检监察机关持续加大基层监督力度，重点查处群众身边的不正之风。"
        "部分乡镇在工程分包中不走招标程序，由个别领导一人拍板决定施工队伍。"
    )
    p2 = (
        "为了承揽工程和催要工程款，一些包工头找到相关负责人送钱送物。"
        "经查实，该负责人在任六年间先后收受他人财物共计三百余万元。"
    )
    p3 = "检察机关依法提起公诉，法院以受贿罪判处其有期徒刑十年并处罚金，目前判决已经生效。"
    quoted = p1.split("。")[1] + "。"
    block = f"{p1}\n\n{p2}\n\n{p3}"
    docs = [f"第{i}家媒体报道。\n\n{block}\n\n本报记者{i}号。" for i in range(3)]
    docs += [
        f"今天上午召开了全县干部警示教育大会，通报了多起典型案例。{quoted}与会干部纷纷表示要引以为戒。",
        f"记者从市纪委监委获悉，近日一批基层干部违纪问题被集中通报曝光。{quoted}相关人员已被严肃处理。",
    ]
    return docs, block, quoted


def test_a_sentence_cluster_inside_a_paragraph_neither_breaks_nor_straddles(
    tmp_path: Path,
) -> None:
    """A sentence of the first paragraph also quoted elsewhere forms a cluster of its own,
    whose member sits inside that paragraph: the paragraphs still join into one passage, and
    no passage crosses a paragraph edge (the joining used to compare only neighbouring rows
    in (start, end) order: the chain broke, and a sentence joined the next paragraph's)."""
    docs, block, quoted = quoted_reposts()
    clusters = _passage_archive(tmp_path, docs)
    texts = sorted([m.text for m in c.members] for c in clusters)
    assert [block] * 3 in texts  # the three paragraphs, one passage in each repost
    assert [quoted] * 5 in texts  # the quoted sentence: its own cluster
    for c in clusters:  # nothing reaches across a paragraph edge but the whole block
        for m in c.members:
            assert m.text == block or "\n" not in m.text


FOOTER = (
    "本文来自[某某新闻客户端](https://news.example.com/app/download/channel/weixin/articles/"
    "2026/12/04/index.html?utm_source=share&utm_medium=link)，仅代表作者本人观点，不代表本平台立场。"
)


def repost_texts() -> dict[str, str]:
    """A story reposted whole by eight sites and quoted in four long round-ups; a footer (its
    link's address longer than its words) under twenty documents, eight of them short posts."""
    from ._repo import article as story_of
    from ._repo import paragraph

    story = story_of(5, paragraphs=5)
    texts = {f"copy{i}": f"{story}\n\n{FOOTER}" for i in range(8)}
    roundups = ["\n\n".join(story_of(40 + 3 * i + k) for k in range(3)) for i in range(4)]
    texts |= {f"roundup{i}": f"{r}\n\n{story}\n\n{FOOTER}" for i, r in enumerate(roundups)}
    return texts | {f"post{i}": f"{paragraph(70 + i)}\n\n{FOOTER}" for i in range(8)}


def test_a_story_reposted_as_widely_as_boilerplate_is_a_duplicate(tmp_path: Path) -> None:
    """A wire story reposted whole by `--boilerplate-docs` sites was labelled a boilerplate
    template, like the footer under it: the auditor's largest duplicates hid among templates.
    Quoted in long round-ups too, it is still a repost; a footer whose link's address is
    longer than its words is still a footer."""
    src = tmp_path / "recs.jsonl"
    rows = [{"id": k, "text": t} for k, t in repost_texts().items()]
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    build = run_paradup("index", "build", "recs.jsonl", "-i", "r.paradup", "-q", cwd=tmp_path)
    assert build.returncode == 0, build.stderr
    proc = run_paradup("audit", "-i", "r.paradup", "-f", "jsonl", cwd=tmp_path)
    clusters = [json.loads(line) for line in proc.stdout.splitlines()]
    kinds = {
        (c["kind"], c["size"], "仅代表作者" in c["members"][0]["text"])
        for c in clusters
        if c["size"] >= 10  # (two round-ups' generated headers share a date line)
    }
    assert kinds == {("boilerplate", 20, True), ("duplicate", 12, False)}, clusters
    text = run_paradup("audit", "-i", "r.paradup", cwd=tmp_path).stdout
    assert text.startswith("2 duplicate clusters, 1 boilerplate template\n"), text


def lead_texts() -> dict[str, str]:
    """A story reposted whole by eight sites, its lead paragraph quoted by six long round-ups
    (so the lead and the rest are two clusters); a footer under the reposts, the round-ups
    and eight short posts."""
    from ._repo import article as story_of
    from ._repo import paragraph

    story = story_of(8, paragraphs=5)
    lead = story.split("\n\n")[2]
    texts = {f"copy{i}": f"{story}\n\n{FOOTER}" for i in range(8)}
    for i in range(6):
        parts = [story_of(90 + 3 * i + k) for k in range(3)]
        texts[f"roundup{i}"] = "\n\n".join([parts[0], lead, *parts[1:], FOOTER])
    return texts | {f"post{i}": f"{paragraph(120 + i)}\n\n{FOOTER}" for i in range(8)}


def test_a_reposted_story_whose_lead_round_ups_quote_is_a_duplicate(tmp_path: Path) -> None:
    """The lead of a story reposted whole by eight sites, quoted by six round-ups: a cluster of
    its own in fourteen documents, each repost only a fifth of it, so it was labelled a
    boilerplate template. With the rest of the story (a cluster whose documents are among
    the lead's) it is most of each repost; the footer under them all stays a template."""
    from paradup.audit import audit
    from paradup.index.store import IndexStore

    src = tmp_path / "recs.jsonl"
    rows = [{"id": k, "text": t} for k, t in lead_texts().items()]
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    build_index([str(src)], str(tmp_path / "r.paradup"), jobs=1)
    with IndexStore.open(tmp_path / "r.paradup") as store:
        clusters = list(audit(store))
    got = {
        (c.kind, c.size, "仅代表作者" in c.members[0].text, "round" in str(c.members))
        for c in clusters
        if c.size >= 8
    }
    assert got == {
        ("boilerplate", 22, True, True),  # the footer
        ("duplicate", 14, False, True),  # the lead, reposted and quoted
        ("duplicate", 8, False, False),  # the rest of the story
    }, [(c.kind, c.size, c.members[0].text[:20]) for c in clusters]


def test_a_footer_under_posts_of_short_sentences_is_boilerplate(tmp_path: Path) -> None:
    """Posts whose sentences are all under `min-chars` have no sentence units: the footer
    under them counted as all of each (0 of 0 sentences) and was called a repost."""
    import random

    rng = random.Random(3)
    pool = [chr(c) for c in range(0x4E00, 0x4E00 + 2500)]

    def short() -> str:
        return "".join("".join(rng.choice(pool) for _ in range(8)) + "。" for _ in range(4))

    footer = "责任编辑：王小五。来源：新华社。欢迎转载分享。图片来自网络。"
    rows = [{"id": f"post{i}", "text": f"{short()}\n\n{footer}"} for i in range(12)]
    src = tmp_path / "posts.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    assert (
        run_paradup("index", "build", str(src), "-i", str(tmp_path / "p.paradup")).returncode == 0
    )
    proc = run_paradup("audit", "-i", str(tmp_path / "p.paradup"), "-f", "jsonl")
    clusters = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [(c["kind"], c["size"], c["members"][0]["text"]) for c in clusters] == [
        ("boilerplate", 12, footer)
    ]


def test_repost_families_are_the_nested_document_sets() -> None:
    """`repost_families` (candidates from each cluster's first document only) against every
    pair checked by hand, on random document sets: a cluster joins a wide one whose documents
    hold all of its own, when it is in at least half of them. A review found the first version
    quadratic (a digest page in every cluster: 21 s and 5 GB for 4,000 clusters) and, with
    `wide` not a function of size, missing an edge between two equal sets."""
    import random

    import numpy as np

    from paradup.audit import repost_families

    rng = random.Random(11)
    for trial in range(400):
        n, docs = rng.randint(1, 9), (12 if trial % 2 else 90)  # 90: several probe rounds
        sets = [set(rng.sample(range(docs), rng.randint(1, docs * 2 // 3))) for _ in range(n)]
        for k in range(n):  # some nested on purpose
            if rng.random() < 0.4:
                j = rng.randrange(n)
                sets[k] = set(rng.sample(sorted(sets[j]), rng.randint(1, len(sets[j]))))
        wide = np.array([rng.random() < 0.6 for _ in sets])
        comp = np.array([c for c, x in enumerate(sets) for _ in x], dtype=np.int64)
        doc = np.array([d for x in sets for d in sorted(x)], dtype=np.int64)
        got = repost_families(comp, doc, wide)
        parent = list(range(n))

        def find(x: int, parent: list[int] = parent) -> int:
            while parent[x] != x:
                x = parent[x]
            return x

        for a in range(n):
            for b in range(n):
                if a != b and wide[b] and sets[a] <= sets[b] and 2 * len(sets[a]) >= len(sets[b]):
                    ra, rb = find(a), find(b)
                    parent[max(ra, rb)] = min(ra, rb)
        want = [find(x) for x in range(n)]
        assert got.tolist() == want, (sets, wide.tolist())
