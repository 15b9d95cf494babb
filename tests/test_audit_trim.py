"""`audit`: a paragraph member's span is trimmed at its edges to the sentences its cluster's
other members restate. A one-line web scrape is one paragraph: an article restated with text of
its own after it was one member over the whole line, and a family share of 1.0 (76 % restated)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ._repo import article
from .conftest import run_paradup


def _body(seed: int, paragraphs: int = 3) -> str:
    """The body of a generated article as one line (a web scrape without its line breaks)."""
    return "".join(article(seed, paragraphs).split("\n\n")[2:]).strip()


def _sentences(text: str) -> list[str]:
    return re.findall(r"[^。]+。", text)


def _extra(seed: int) -> str:
    """Unrelated text: three sentences of another generated article, each long enough to be a
    unit of its own (a shorter one next to restated text is given the benefit of the doubt)."""
    return "".join([s for s in _sentences(_body(seed)) if len(s) >= 14][:3])


def _build(tmp_path: Path, docs: dict[str, str]) -> None:
    """An index `i.paradup` of the texts as `arc/<name>.txt`."""
    arc = tmp_path / "arc"
    arc.mkdir()
    for name, text in docs.items():
        (arc / f"{name}.txt").write_text(text, encoding="utf-8")
    built = run_paradup("index", "build", "arc", "-i", "i.paradup", "-q", cwd=tmp_path)
    assert built.returncode == 0, built.stderr


def _audit(tmp_path: Path, docs: dict[str, str], *extra: str) -> list[dict[str, Any]]:
    _build(tmp_path, docs)
    proc = run_paradup("audit", "-i", "i.paradup", "-f", "jsonl", "-q", *extra, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr  # something found
    return [json.loads(line) for line in proc.stdout.splitlines()]


def _spans(clusters: list[dict[str, Any]], docs: dict[str, str]) -> dict[str, tuple[int, int]]:
    """Each document's member span in the clusters (one member each here), after checking
    that every member's text is its document's text[start:end]."""
    out = {}
    for c in clusters:
        for m in c["members"]:
            name = Path(m["doc"]).stem
            assert docs[name][m["start"] : m["end"]] == m["text"]
            assert name not in out, clusters
            out[name] = (m["start"], m["end"])
    return out


def test_a_one_line_article_restated_with_text_of_its_own(tmp_path: Path) -> None:
    """The auditor's case: b is a's text and unrelated text after it, c unrelated text before
    it, all on one line. b's member ends and c's starts where a's text does, so the family
    shares follow `check` (the restated share), not 1.0."""
    a, after, before = _body(11, 5), _extra(12), _extra(13)
    docs = {"a": a, "b": a + after, "c": before + a}
    clusters = _audit(tmp_path, docs)
    assert len(clusters) == 1 and clusters[0]["size"] == 3, clusters
    spans = _spans(clusters, docs)
    assert spans == {"a": (0, len(a)), "b": (0, len(a)), "c": (len(before), len(docs["c"]))}
    proc = run_paradup("audit", "-i", "i.paradup", "--documents", "-f", "jsonl", cwd=tmp_path)
    (family,) = [json.loads(line) for line in proc.stdout.splitlines()]
    share = {Path(m["doc"]).stem: m["share"] for m in family["members"]}
    assert share["a"] == 1.0
    for name in "bc":
        assert abs(share[name] - len(a) / len(docs[name])) < 0.01, share


def test_a_lightly_edited_edge_sentence_is_kept(tmp_path: Path) -> None:
    """One word changed in the edge sentence (its Jaccard with the original under 0.7) is
    still restated: the trim stops there and drops only the unrelated text beyond it."""
    a = _body(20)
    sents = _sentences(a)
    assert len(sents[0]) >= 20 and len(sents[-1]) >= 20  # long enough to edit one word
    head = sents[0][:6] + "某地" + sents[0][8:]
    tail = sents[-1][:6] + "某地" + sents[-1][8:]
    after, before = _extra(22), _extra(23)
    b = head + "".join(sents[1:-1]) + tail + after
    c = before + head + "".join(sents[1:-1]) + tail
    docs = {"a": a, "b": b, "c": c}
    spans = _spans(_audit(tmp_path, docs), docs)
    assert spans["b"] == (0, len(b) - len(after))
    assert spans["c"] == (len(before), len(c))


def test_a_fully_restated_paragraph_is_unchanged(tmp_path: Path) -> None:
    """Members whose every sentence is restated keep their whole span, and so do sentences in
    the middle that the others lack: only edges are trimmed. a's last sentence is too short to
    be a unit: x keeps it, trimmed where its own text starts."""
    a = _body(31)
    sents = _sentences(a)
    assert len(sents[-1]) < 12
    inner = _sentences(_body(32))[1]
    extra = _extra(33)
    docs = {
        "a": a,
        "b": a,
        "m": "".join(sents[:2]) + inner + "".join(sents[2:]),  # unrelated text inside
        "x": a + extra,
    }
    spans = _spans(_audit(tmp_path, docs), docs)
    assert spans == {"a": (0, len(a)), "b": (0, len(a)), "m": (0, len(docs["m"])), "x": (0, len(a))}


def test_trimmed_spans_index_multi_paragraph_text(tmp_path: Path) -> None:
    """Half-open offsets into the decoded text, for a trimmed paragraph that is not the first
    of its article and follows CRLF line breaks and non-BMP characters: text[start:end]."""
    p = _body(41)
    extra = _extra(42)
    lead = "𠀀𠀁标题\r\n\r\n" + _body(43, 1)
    docs = {"a": f"{_body(44, 1)}\n\n{p}", "b": f"{lead}\r\n\r\n{p}{extra}\r\n\r\n{_body(45, 1)}"}
    spans = _spans(_audit(tmp_path, docs), docs)
    start = docs["b"].index(p)
    assert spans["b"] == (start, start + len(p))
    assert docs["b"][slice(*spans["b"])] == p


def test_a_sentence_trimmed_off_a_member_keeps_its_own_cluster(tmp_path: Path) -> None:
    """A sentence cluster inside paragraph members is dropped as redundant; one whose sentence
    was trimmed off a member (the paragraph's cluster does not restate it) is reported."""
    p, q = _body(51), _body(52)
    x = max(_sentences(_body(53)), key=len)
    docs = {"a": p, "b": p + x, "c": q + x, "d": q + x}
    clusters = _audit(tmp_path, docs)
    found = {tuple(sorted(Path(m["doc"]).stem for m in c["members"])): c for c in clusters}
    assert set(found) == {("a", "b"), ("c", "d"), ("b", "c", "d")}, clusters
    assert {m["text"] for m in found[("b", "c", "d")]["members"]} == {x}
    assert [m["text"] for m in found[("a", "b")]["members"]] == [p, p]


def test_a_paragraph_with_no_restated_sentence_keeps_its_span(tmp_path: Path) -> None:
    """Never trimmed to nothing: paragraphs grouped with one that restates none of their
    sentences keep their spans (`_trim_edges` on a group the clusters would never make)."""
    import numpy as np

    from paradup.audit import _trim_edges, _unit_table
    from paradup.index.store import IndexStore

    _build(tmp_path, {"a": _body(61), "b": _body(62)})
    with IndexStore.open(tmp_path / "i.paradup") as store:
        units = _unit_table(store)
        para = np.flatnonzero(units.kind == 1)
        assert len(para) == 2
        start, end = _trim_edges(store, units, np.zeros(2, dtype=np.int64), para)
        assert start.tolist() == units.start[para].tolist()
        assert end.tolist() == units.end[para].tolist()
