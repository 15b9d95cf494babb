"""The HTML report (`check --format html`): content, self-containment, escaping, and a real
browser: every finding highlighted, click shows the pair and its changes, n/p, sorting, print."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from paradup import check_text
from paradup.check import check_paths
from paradup.report.html import render

from ._browser import check_view, launch, open_page
from .conftest import RESTATED, SAMPLE, run_paradup

if TYPE_CHECKING:
    from playwright.sync_api import Browser


class _Marks(HTMLParser):
    """Text inside <mark> highlights, per finding number and side."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[dict[str, str | None]] = []
        self.text: dict[tuple[int, str], str] = {}
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        d = dict(attrs)
        if d.get("id"):
            self.ids.add(str(d["id"]))
        if tag == "mark":
            self.stack.append(d)

    def handle_endtag(self, tag: str) -> None:
        if tag == "mark" and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        for d in self.stack:
            for side in ("a", "b"):
                for n in (d.get(f"data-{side}") or "").split():
                    key = (int(n), side)
                    self.text[key] = self.text.get(key, "") + data


def _marks(page_html: str) -> _Marks:
    parser = _Marks()
    parser.feed(page_html)
    return parser


def test_every_finding_highlighted_exactly() -> None:
    result = check_paths([str(SAMPLE)])
    text = SAMPLE.read_text(encoding="utf-8")
    page = render(result, {str(SAMPLE): text})
    marks = _marks(page)
    assert result.findings
    for n, f in enumerate(result.findings, 1):
        assert marks.text[(n, "a")] == f.a.text
        assert marks.text[(n, "b")] == f.b.text
        assert {f"f{n}-a", f"f{n}-b", f"pair-{n}"} <= marks.ids
        assert f'href="#f{n}-a"' in page and f'href="#f{n}-b"' in page  # linked both ways
    # The whole draft is there, in order, once (highlights only wrap it).
    body = re.sub(r"<a class=\"tag[^>]*>[^<]*</a>", "", page.split('<div class="text">')[1])
    plain = re.sub(r"<[^>]+>", "", body.split("</div></section>")[0])
    from html import unescape

    assert unescape(plain) == text


def test_report_is_self_contained_with_cjk_fonts(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    proc = run_paradup("check", str(SAMPLE), "--format", "html", "--output", str(out))
    assert proc.returncode == 1, proc.stderr
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    for remote in ("http://", "https://", "src=", "<link", "url(", "@import", "//cdn"):
        assert remote not in page, remote
    assert '"Noto Sans CJK SC","Source Han Sans SC","PingFang SC"' in page
    assert '"Microsoft YaHei"' in page
    assert "复制比" in page and "5.9%" in page
    assert "@media print" in page
    data = json.loads(run_paradup("check", str(SAMPLE), "--format", "json").stdout)
    assert page.count('<article class="pair') == len(data["findings"])
    # stdout works too
    assert run_paradup("check", str(SAMPLE), "--format", "html").stdout == page


def test_escapes_everything() -> None:
    evil = '<script>alert("x")</script> & <img src=x onerror=alert(1)>\n\n'
    draft = evil + RESTATED
    result = check_text(draft, path='<b>"draft"</b>')
    assert result.findings
    page = render(result, {'<b>"draft"</b>': draft}, title="<i>t</i>")
    assert "<script>alert" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "&lt;i&gt;t&lt;/i&gt;" in page


def test_no_findings_page() -> None:
    text = "今天天气很好，我们去公园散步。\n\n明天可能下雨，记得带伞出门。\n"
    page = render(check_text(text), {"<text>": text})
    assert 'data-findings="0"' in page and "No restated passages" in page


def _archive_index(tmp_path: Path) -> Path:
    from paradup.index.build import build_index

    paras = [p for p in SAMPLE.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    src = tmp_path / "archive.jsonl"
    recs = [
        {"id": "arch-7", "title": "旧稿：联通警示教育", "date": "2024-06-01", "text": paras[7]},
        {"id": "arch-1", "title": "无关旧稿", "date": "2023-01-02", "text": "本市今日天气晴朗。"},
    ]
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in recs), encoding="utf-8")
    idx = tmp_path / "archive.idx"
    build_index([str(src)], str(idx), jobs=1)
    return idx


def test_against_shows_archive_source(tmp_path: Path) -> None:
    idx = _archive_index(tmp_path)
    out = tmp_path / "r.html"
    proc = run_paradup(
        "check", str(SAMPLE), "--against", str(idx), "--format", "html", "--output", str(out)
    )
    assert proc.returncode == 1, proc.stderr
    page = out.read_text(encoding="utf-8")
    assert "arch-7" in page and "旧稿：联通警示教育" in page and "2024-06-01" in page
    assert 'class="source"' in page
    marks = _marks(page)
    # Archive passages are shown in the pair panel; the draft side is highlighted.
    n_archive = page.count('class="source"')
    assert n_archive >= 1
    assert any(side == "b" for (_, side) in marks.text)


# --- a real browser -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch()


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("html") / "report.html"
    proc = run_paradup("check", str(SAMPLE), "--format", "html", "--output", str(out))
    assert proc.returncode == 1, proc.stderr
    return out


def test_report_in_browser(browser: Browser, report_file: Path) -> None:
    data = json.loads(run_paradup("check", str(SAMPLE), "--format", "json").stdout)
    page, errors = open_page(browser, report_file.as_uri())
    try:
        check_view(page, data["findings"], "report.png")
    finally:
        page.close()
    assert errors == []


def test_cross_file_findings_link_both_files() -> None:
    from paradup.check import check_documents
    from paradup.read import Document

    first, _, second = RESTATED.partition("\n\n据介绍")
    docs = [
        Document("one.md", first + "\n", "utf-8"),
        Document("two.md", "据介绍" + second, "utf-8"),
    ]
    result = check_documents(docs)
    cross = [f for f in result.findings if f.a.path != f.b.path]
    assert cross
    page = render(result, {d.path: d.text for d in docs})
    marks = _marks(page)
    for n, f in enumerate(result.findings, 1):
        assert marks.text[(n, "a")] == f.a.text and marks.text[(n, "b")] == f.b.text
    assert page.count('<section class="doc"') == 2
    assert "one.md:1:1" in page  # the other file's side names its path
