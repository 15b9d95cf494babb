"""The audit's array steps against plain Python references: bucket pairs, exact Jaccard,
connected components, the paragraph-cover rule, and whole audits of real and written text."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paradup import audit as A
from paradup.index.build import build_index
from paradup.index.store import IndexStore

from ._units import unit_rows
from .conftest import run_paradup
from .graph import smallest_in_component
from .inews import inews_articles


def _loop_pairs(buckets: list[list[int]], rank: np.ndarray) -> set[int]:
    """The candidate rule as plain loops: every pair of a small bucket, and in a large one each
    member with the PER_BUCKET before it in rank order."""
    out: set[int] = set()
    for members in buckets:
        ms = sorted(members)
        if len(ms) <= A.ALL_PAIRS_UP_TO:
            out.update(ms[y] << 32 | ms[x] for x in range(len(ms)) for y in range(x))
        else:
            ms.sort(key=lambda u: int(rank[u]))
            for x in range(1, len(ms)):
                for y in range(max(0, x - A.PER_BUCKET), x):
                    out.add(min(ms[x], ms[y]) << 32 | max(ms[x], ms[y]))
    return out


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(1, 45), min_size=1, max_size=30),
    st.integers(0, 2**32 - 1),
)
def test_bucket_pairs_match_the_loop_rule(sizes: list[int], seed: int) -> None:
    rng = random.Random(seed)
    rank = np.array(rng.sample(range(5000), 5000), dtype=np.int64)
    buckets = [rng.sample(range(5000), k) for k in sizes]
    keys = rng.sample(range(-(2**31), 2**31), len(buckets))
    codes = np.sort(
        np.array(
            [k << 32 | u for k, b in zip(keys, buckets, strict=True) for u in b], dtype=np.int64
        )
    )
    got = A._bucket_pairs(codes, lambda: rank)
    flat = set(np.concatenate(got).tolist()) if got else set()
    assert flat == _loop_pairs(buckets, rank)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), max_size=80),
    st.integers(1, 70),
)
def test_components_match_graph_search(edges: list[tuple[int, int]], chain: int) -> None:
    edges = edges + [(100 + i, 101 + i) for i in range(chain)][::-1]  # a long path too
    a = np.array([e[0] for e in edges], dtype=np.int64)
    b = np.array([e[1] for e in edges], dtype=np.int64)
    root = A._components(a, b)
    ref = smallest_in_component(edges)
    assert root.tolist() == [ref[x] for x, _ in edges]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 30), st.integers(1, 12)), max_size=20),
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 40), st.integers(1, 8)), max_size=30),
)
def test_cover_rule_matches_brute_force(
    paras: list[tuple[int, int, int]], sents: list[tuple[int, int, int]]
) -> None:
    spans = [(d, s, s + n) for d, s, n in paras + sents]
    units = A._Units(
        np.array([d for d, _, _ in spans], dtype=np.int64),
        np.zeros(len(spans), dtype=np.int8),
        np.array([s for _, s, _ in spans], dtype=np.int64),
        np.array([e for _, _, e in spans], dtype=np.int64),
    )
    para = np.arange(len(paras), dtype=np.int64)
    sent = np.arange(len(paras), len(spans), dtype=np.int64)
    got = A._covered(units, para, sent).tolist()
    want = [
        any(pd == d and ps <= s and e <= pe for pd, ps, pe in spans[: len(paras)])
        for d, s, e in spans[len(paras) :]
    ]
    assert got == want


@pytest.fixture(scope="module")
def news_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of 300 real articles plus edited copies of 40 of them."""
    tmp = tmp_path_factory.mktemp("news")
    arts = [text for _, text in inews_articles()[:300]]
    rng = random.Random(3)
    recs = [{"id": f"n{i}", "text": t} for i, t in enumerate(arts)]
    for i in rng.sample(range(300), 40):
        paras = arts[i].split("\n\n")
        half = paras[: max(1, len(paras) // 2)]
        half[0] = half[0].replace("，", "、", 1)  # a light edit: not every copy is verbatim
        recs.append({"id": f"copy{i}", "text": "\n\n".join(half)})
    src = tmp / "news.jsonl"
    src.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8"
    )
    idx = tmp / "news.paradup"
    build_index([str(src)], str(idx), jobs=1)
    return idx


@pytest.mark.parametrize("block", [7, 1000, A._VERIFY_BLOCK])
def test_exact_jaccard_matches_python_sets(
    news_index: Path, block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(A, "_VERIFY_BLOCK", block)
    with IndexStore.open(news_index) as store:
        pairs = A._candidate_pairs(store, A._unit_table(store))
        assert len(pairs) > 1000
        sims = A._verify(store, pairs)
        ids = sorted({int(x) for p in pairs.tolist() for x in (p >> 32, p & 0xFFFFFFFF)})
        sets = {
            u: set(np.frombuffer(h, dtype=np.uint32).tolist()) for u, h in store.unit_hashes(ids)
        }
    for p, sim in zip(pairs.tolist(), sims.tolist(), strict=True):
        ha, hb = sets[p >> 32], sets[p & 0xFFFFFFFF]
        inter = len(ha & hb)
        assert sim == (inter / (len(ha) + len(hb) - inter) if ha and hb else 0.0)
    assert (sims == 1.0).any() and ((sims > 0) & (sims < 1)).any()


def test_streamed_audit_equals_the_list_and_the_cli(
    news_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lazy result, the list and every CLI format tell the same clusters."""
    with IndexStore.open(news_index) as store:
        listed = A.audit(store)
        monkeypatch.setattr(A, "_WINDOW", 3)  # member rows listed 3 clusters at a time
        streamed = A.audit_stream(store)
        assert list(streamed) == listed == list(streamed)  # iterable again
        assert len(streamed) == len(listed) > 20
        assert streamed.boilerplate == sum(c.kind == "boilerplate" for c in listed)
    assert [c.cluster for c in listed] == list(range(1, len(listed) + 1))
    ranks = [(-c.size, -len(c.members[0].text), c.members[0].unit) for c in listed]
    assert ranks == sorted(ranks)
    out = tmp_path / "a.jsonl"
    r = run_paradup("audit", "--index", str(news_index), "-f", "jsonl", "-o", str(out), "-q")
    assert r.returncode == 1
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [[(m["doc"], m["start"], m["end"]) for m in row["members"]] for row in rows] == [
        [(m.doc, m.start, m.end) for m in c.members] for c in listed
    ]
    text = run_paradup("audit", "--index", str(news_index)).stdout.splitlines()
    dup = len(listed) - streamed.boilerplate
    assert text[0] == f"{dup} duplicate clusters, {streamed.boilerplate} boilerplate templates"
    assert (
        len(text) == 22 and text[-1] == f"… {len(listed) - 20} more (use --format jsonl/csv/html)"
    )
    html = run_paradup("audit", "--index", str(news_index), "-f", "html").stdout
    assert html.count("<div class='c ") == len(listed) and html.endswith("</body></html>")
    assert "are shown" not in html  # every cluster fits the page


def test_the_html_page_holds_the_largest_clusters(
    news_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 100,000-document audit was one 142 MB page no browser opens: the page keeps the first
    clusters and each one's first members, and says where the rest are."""
    import io

    from paradup.report import audit as report

    monkeypatch.setattr(report, "HTML_CLUSTERS", 3)
    monkeypatch.setattr(report, "HTML_MEMBERS", 2)
    with IndexStore.open(news_index) as store, store.snapshot():
        streamed = A.audit_stream(store)
        listed = list(streamed)
        out = io.StringIO()
        dup = len(listed) - streamed.boilerplate
        report.write_html(listed, out, dup, streamed.boilerplate)
    page = out.getvalue()
    assert page.count("<div class='c ") == 3 and page.endswith("</body></html>")
    assert "The first 3 are shown, each with its first 2 members" in page
    big = [c for c in listed[:3] if len(c.members) > 2]
    assert big and page.count("more members (-f jsonl or csv lists them)") == len(big)
    assert page.count("<div class='m'>") == sum(min(2, len(c.members)) for c in listed[:3])


def test_sentence_clusters_inside_paragraph_clusters_are_dropped(news_index: Path) -> None:
    """Copied paragraphs cluster as paragraphs; their sentences, which also recur, are not
    reported again unless some copy of them lies outside every clustered paragraph."""
    with IndexStore.open(news_index) as store:
        clusters = A.audit(store)
    spans = {
        (m.doc, m.start, m.end) for c in clusters if c.members[0].kind == "p" for m in c.members
    }
    assert len(spans) > 20
    sentence_clusters = [c for c in clusters if c.members[0].kind == "s"]
    assert sentence_clusters
    for c in sentence_clusters:
        assert not all(
            any(d == m.doc and s <= m.start and m.end <= e for d, s, e in spans) for m in c.members
        )


def test_report_piped_into_a_reader_that_stops_early(news_index: Path) -> None:
    """`paradup audit -f jsonl | head`: no error, no traceback, the usual exit code."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "paradup", "audit", "--index", str(news_index), "-f", "jsonl"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.read(200)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1
    assert first.startswith(b'{"cluster": 1,')
    assert "Traceback" not in err and "error" not in err


@pytest.mark.parametrize("stride", [1, 5])
def test_unit_blobs_dense_and_sparse_match_plain_lookups(news_index: Path, stride: int) -> None:
    """A range scan for dense ids, seeks for sparse ones; b"" for a unit that is not there."""
    with IndexStore.open(news_index) as store:
        rows = unit_rows(store.con)  # decoded independently of the store's readers
        top = rows[-1][0]
        ids = np.arange(1, top + 1, stride, dtype=np.int64)
        ids = np.append(ids, [top + 7, top + 9])
        want = {u[0]: u[6] for u in rows}
        assert dict(store.unit_hashes(ids.tolist())) == {u: want[u] for u in ids if u in want}
        got = store.unit_blobs("hashes", ids)
        assert got == [want.get(u, b"") for u in ids.tolist()]
        assert got[-1] == b"" and sum(map(len, got)) > 0
        sigs = store.unit_blobs("sig", ids[:50])
        assert sigs == [next(u[5] for u in rows if u[0] == i) for i in ids[:50].tolist()]
        few = ids[:: max(1, len(ids) // 300)]  # sparse: the seek path
        assert store.unit_blobs("hashes", few) == [want.get(u, b"") for u in few.tolist()]
        spans = {u: (d, k, s, e, h) for u, d, k, s, e, h in store.unit_rows(few.tolist())}
        assert spans == {u[0]: (u[1], u[2], u[3], u[4], u[6]) for u in rows if u[0] in set(few)}
        with pytest.raises(ValueError):
            store.unit_blobs("text", ids)


def test_unit_order_rank_matches_sqlite_order(news_index: Path) -> None:
    """The rank that orders large buckets equals SQLite's ORDER BY (document key, start, kind),
    the order the Spark engine uses; gone ids rank 0."""
    with IndexStore.open(news_index) as store:
        units = A._unit_table(store)
        got = A._order_rank(store, units)
        keys = dict(store.con.execute("SELECT id, key FROM docs").fetchall())
        rows = sorted(unit_rows(store.con), key=lambda u: (keys[u[1]], u[3], u[2]))
        ids = [u[0] for u in rows]
    want = np.zeros(len(units.kind), dtype=np.int64)
    want[ids] = np.arange(len(ids))
    assert len(ids) > 1000 and got.tolist() == want.tolist()


def test_full_temporary_disk_is_one_line_naming_it(
    news_index: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The member texts go to a temporary file: a full disk there is reported as such (the
    temporary directory and the fix), not as a failure to write the report."""
    import errno
    import tempfile

    from typer.testing import CliRunner

    from paradup.cli import app

    class Full:
        def __init__(self) -> None:
            self.f = real()

        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name: str) -> object:
            return getattr(self.f, name)

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *exc: object) -> None:
            self.f.close()

    real = tempfile.TemporaryFile
    monkeypatch.setattr(tempfile, "TemporaryFile", Full)
    out = tmp_path / "clusters.jsonl"
    args = ["audit", "--index", str(news_index), "-f", "jsonl", "-o", str(out), "-q"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.output
    assert tempfile.gettempdir() in lines[0] and "No space left on device" in lines[0]
    assert "TMPDIR" in lines[0] and str(out) not in lines[0]
