"""HTML report: one self-contained page (no network, no CDN) for an editor.

`render` is a pure function from a CheckResult and the decoded drafts to an HTML string: the drafts
with every restated passage highlighted (one colour per pair, the earlier occurrence linked both
ways), a side-by-side panel with the word-level changes, the 复制比 with a bar, and a sortable
table of findings. Keyboard: n / p move between findings. Every piece of text is escaped.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from itertools import pairwise

from ..model import CheckResult, Finding, Span
from . import printable, printable_result

PALETTE = 10  # distinct pair colours, reused cyclically
TITLE = "paradup 段落查重报告"

CSS = """
:root { --fg:#1d1d1f; --muted:#6b6b70; --line:#d9d9de; --bg:#fbfbfc; --accent:#8a1538;
  --c0:#ffd54f; --c1:#80deea; --c2:#ef9a9a; --c3:#a5d6a7; --c4:#ce93d8;
  --c5:#ffab91; --c6:#9fa8da; --c7:#e6ee9c; --c8:#f48fb1; --c9:#bcaaa4; }
* { box-sizing: border-box; }
body { margin:0; color:var(--fg); background:var(--bg); line-height:1.75; font-size:16px;
  font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Hiragino Sans GB",
  "Microsoft YaHei","WenQuanYi Micro Hei",sans-serif; }
header.top { padding:10px 24px; background:#fff; border-bottom:1px solid var(--line);
  position:sticky; top:0; z-index:2; display:flex; flex-wrap:wrap; gap:8px 32px;
  align-items:center; }
header.top h1 { font-size:20px; margin:0; }
header.top a.new { margin-left:auto; }
.summary { display:flex; flex-direction:column; gap:4px; max-height:5.5em; overflow:auto; }
.file-sum { display:flex; align-items:center; gap:10px; font-size:14px; }
.file-sum .ratio { font-size:22px; font-weight:700; color:var(--accent); }
.bar { display:inline-block; width:160px; height:10px; background:#eee; border-radius:5px;
  overflow:hidden; vertical-align:middle; }
.bar > span { display:block; height:100%; background:var(--accent); }
.help { color:var(--muted); font-size:13px; }
kbd { border:1px solid var(--line); border-bottom-width:2px; border-radius:4px; padding:0 5px;
  font-size:12px; background:#fff; }
main { display:grid; grid-template-columns:minmax(0,1.35fr) minmax(0,1fr); gap:24px;
  padding:20px 24px; }
.doc { background:#fff; border:1px solid var(--line); border-radius:8px; padding:16px 20px;
  margin-bottom:20px; }
.doc h2 { font-size:15px; margin:0 0 8px; color:var(--muted); word-break:break-all; }
.text { white-space:pre-wrap; word-break:break-word; margin:0; font:inherit; }
mark.hl { background:var(--c); color:inherit; cursor:pointer; border-radius:2px;
  padding:1px 0; }
mark.hl.side-a { background:transparent; box-shadow:inset 0 -0.5em 0 var(--c);
  border-bottom:2px dashed var(--c); }
/* --head: the sticky header's height, set by the script (one summary row per file). */
mark.hl, .text span[id], a.tag { scroll-margin-top:calc(var(--head, 120px) + 10px); }
mark.hl.current { outline:2px solid var(--fg); outline-offset:1px; }
.c0 { --c:var(--c0); } .c1 { --c:var(--c1); } .c2 { --c:var(--c2); } .c3 { --c:var(--c3); }
.c4 { --c:var(--c4); } .c5 { --c:var(--c5); } .c6 { --c:var(--c6); } .c7 { --c:var(--c7); }
.c8 { --c:var(--c8); } .c9 { --c:var(--c9); }
a.tag { font-size:11px; line-height:1; vertical-align:super; text-decoration:none;
  color:var(--fg); background:var(--c); border-radius:8px; padding:1px 5px; margin:0 2px;
  font-weight:600; white-space:nowrap; }
aside.panel { position:sticky; top:calc(var(--head, 110px) + 10px); align-self:start;
  max-height:calc(100vh - var(--head, 110px) - 22px); overflow:auto; }
.placeholder { color:var(--muted); background:#fff; border:1px dashed var(--line);
  border-radius:8px; padding:16px; }
article.pair { background:#fff; border:1px solid var(--line); border-left:6px solid var(--c);
  border-radius:8px; padding:12px 16px; margin-bottom:16px; }
article.pair h3 { font-size:16px; margin:0 0 8px; }
.meta { color:var(--muted); font-size:13px; font-weight:400; }
.sides { display:grid; grid-template-columns:minmax(0,1fr) minmax(0,1fr); gap:12px; }
.side h4 { font-size:13px; margin:0 0 4px; color:var(--muted); font-weight:600;
  word-break:break-all; }
.empty { color:var(--muted); }
td.num { white-space:nowrap; }
.side .source { font-size:13px; margin:0 0 4px; }
.passage { white-space:pre-wrap; word-break:break-word; margin:0; padding:8px;
  background:var(--bg); border-radius:6px; }
del { background:#ffcdd2; color:#b71c1c; text-decoration:line-through; }
ins { background:#c8e6c9; color:#1b5e20; text-decoration:none; font-weight:600; }
ul.changes { margin:8px 0 0; padding-left:20px; font-size:14px; }
.nav { display:flex; gap:8px; margin-top:8px; font-size:13px; }
section.table { padding:0 24px 32px; }
table { border-collapse:collapse; width:100%; background:#fff; font-size:14px; }
th, td { border-bottom:1px solid var(--line); padding:6px 8px; text-align:left;
  vertical-align:top; }
th button { font:inherit; font-weight:600; background:none; border:0; cursor:pointer; padding:0; }
th[aria-sort="ascending"] button::after { content:" ▲"; }
th[aria-sort="descending"] button::after { content:" ▼"; }
tbody tr { cursor:pointer; }
tbody tr.current { background:#fff7d6; }
td .swatch { display:inline-block; width:10px; height:10px; border-radius:2px;
  background:var(--c); margin-right:6px; }
td.excerpt { max-width:28em; overflow:hidden; text-overflow:ellipsis; white-space:nowrap; }
.none { padding:16px; background:#fff; border:1px solid var(--line); border-radius:8px; }
@media (max-width: 900px) { main { grid-template-columns:1fr; } aside.panel { position:static; }
  header.top { position:static; } }
@media print {
  body { background:#fff; font-size:11pt; }
  header.top { position:static; }
  .summary { max-height:none; }
  header.top a.new, .help, th button::after, .nav { display:none !important; }
  main { display:block; padding:0; }
  aside.panel { position:static; max-height:none; overflow:visible; }
  .placeholder { display:none; }
  article.pair, article.pair[hidden] { display:block !important; break-inside:avoid; }
  mark.hl, a.tag, del, ins, .bar > span, td .swatch { print-color-adjust:exact;
    -webkit-print-color-adjust:exact; }
  mark.hl.current { outline:none; }
  .doc, table { border-color:#999; }
  article.pair { border-top-color:#999; border-right-color:#999; border-bottom-color:#999; }
  section.table { padding:0; }
  td.excerpt { white-space:normal; }
}
"""

SCRIPT = """
(function () {
  "use strict";
  var pairs = Array.prototype.slice.call(document.querySelectorAll("article.pair"));
  var order = pairs.map(function (p) { return Number(p.dataset.f); });
  var placeholder = document.getElementById("placeholder");
  var status = document.getElementById("status");
  var current = 0;
  var header = document.querySelector("header.top");
  var narrow = window.matchMedia("(max-width: 900px)");
  function fit() {  // the header grows with the files listed: targets scroll out from under it
    var h = header && getComputedStyle(header).position === "sticky" ? header.offsetHeight : 0;
    document.documentElement.style.setProperty("--head", h + "px");
  }
  fit();
  window.addEventListener("resize", fit);
  function marks(n) {
    return document.querySelectorAll('mark[data-a~="' + n + '"], mark[data-b~="' + n + '"]');
  }
  function select(n, scroll) {
    if (order.indexOf(n) < 0) { return; }
    current = n;
    document.querySelectorAll(".current").forEach(function (e) { e.classList.remove("current"); });
    pairs.forEach(function (p) { p.hidden = Number(p.dataset.f) !== n; });
    if (placeholder) { placeholder.hidden = true; }
    var panel = document.querySelector("aside.panel");
    if (panel) { panel.scrollTop = 0; }
    marks(n).forEach(function (m) { m.classList.add("current"); });
    var row = document.querySelector('tbody tr[data-f="' + n + '"]');
    if (row) { row.classList.add("current"); }
    if (status) {
      status.textContent = "#" + n + " (" + (order.indexOf(n) + 1) + " / " + order.length + ")";
    }
    if (scroll) {
      var target = document.getElementById("f" + n + "-" + scroll) ||
        document.getElementById("f" + n + "-b") || document.getElementById("f" + n + "-a");
      if (target) { target.scrollIntoView({block: "center"}); }
    } else if (narrow.matches) {
      // One column: the panel is below the whole draft, so a click showed nothing.
      var shown = document.getElementById("pair-" + n);
      if (shown) { shown.scrollIntoView({block: "start"}); }
    }
    document.body.dataset.current = String(n);
  }
  function step(delta) {
    if (!order.length) { return; }
    var i = order.indexOf(current);
    i = i < 0 ? (delta > 0 ? 0 : order.length - 1) : (i + delta + order.length) % order.length;
    select(order[i], "b");
  }
  document.addEventListener("click", function (ev) {
    var el = ev.target;
    if (!(el instanceof Element)) { return; }
    var tag = el.closest("a.tag, a.jump");
    if (tag) { select(Number(tag.dataset.f), null); return; }
    var m = el.closest("mark.hl");
    if (m) {
      var all = ((m.dataset.b || "") + " " + (m.dataset.a || "")).split(" ")
        .filter(Boolean).map(Number);
      var i = all.indexOf(current);
      select(i >= 0 && all.length > 1 ? all[(i + 1) % all.length] : Number(m.dataset.f), null);
      return;
    }
    var sortBtn = el.closest("th button[data-sort]");
    if (sortBtn) { sortBy(sortBtn); return; }
    var row = el.closest("tbody tr[data-f]");
    if (row && !el.closest("a")) { select(Number(row.dataset.f), "b"); }
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    var t = ev.target;
    if (t instanceof Element && t.closest("input, textarea, select, [contenteditable]")) { return; }
    if (ev.key === "n") { step(1); ev.preventDefault(); }
    else if (ev.key === "p") { step(-1); ev.preventDefault(); }
  });
  function sortBy(btn) {
    var th = btn.closest("th");
    var key = btn.dataset.sort;
    var dir = th.getAttribute("aria-sort") === "descending" ? "ascending" : "descending";
    if (key === "pos" || key === "n") {
      dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
    }
    document.querySelectorAll("thead th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir);
    var body = document.querySelector("#findings tbody");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (x, y) {
      var d = Number(x.dataset[key]) - Number(y.dataset[key]);
      if (d === 0) { d = Number(x.dataset.n) - Number(y.dataset.n); }
      return dir === "ascending" ? d : -d;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  var m = /^#(?:f|pair-)(\\d+)/.exec(location.hash);
  if (m) { select(Number(m[1]), null); }
})();
"""


def csp_hash(source: str) -> str:
    """A Content-Security-Policy source for one inline script or style."""
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


SCRIPT_CSP = csp_hash(SCRIPT)


@dataclass(frozen=True)
class _Mark:
    start: int
    end: int
    n: int  # finding number, 1-based
    side: str  # "a" or "b"


def _where(s: Span) -> str:
    return f"{s.path}:{s.line}:{s.column}"


def _is_archive(s: Span) -> bool:
    return s.doc is not None


def _source(s: Span) -> str:
    """The archive document a span comes from: key, title and date."""
    bits = [f"存档 archive <strong>{escape(s.doc or '')}</strong>"]
    if s.title:
        bits.append(f"《{escape(s.title)}》")
    if s.date:
        bits.append(f'<time class="date">{escape(s.date)}</time>')
    return '<p class="source">' + " · ".join(bits) + "</p>"


def _with_changes(span: Span, ranges: Sequence[tuple[int, int]], tag: str) -> str:
    """The passage text with the changed ranges (raw offsets) wrapped in <del> or <ins>."""
    text = span.text
    out: list[str] = []
    pos = 0
    for s, e in sorted(ranges):
        lo = min(max(s - span.start, pos), len(text))
        hi = min(max(e - span.start, lo), len(text))
        if hi <= lo:
            continue
        out.append(escape(text[pos:lo]))
        out.append(f"<{tag}>{escape(text[lo:hi])}</{tag}>")
        pos = hi
    out.append(escape(text[pos:]))
    return "".join(out)


def _word(text: str, tag: str) -> str:
    return f"<{tag}>{escape(text)}</{tag}>" if text else '<span class="empty">∅</span>'


def _place(s: Span, other: Span) -> str:
    """Where a passage is: line and column, with the path when it differs from the other side's."""
    if s.path == other.path:
        return f"第 {s.line} 行 line {s.line}, col {s.column}"
    return _where(s)


def _jump(n: int, side: str, label: str, in_draft: bool) -> str:
    if not in_draft:
        return ""
    return f'<a class="jump" data-f="{n}" href="#f{n}-{side}">{escape(label)}</a>'


def _pair(n: int, f: Finding, in_draft_a: bool, in_draft_b: bool) -> str:
    a_html = _with_changes(f.a, [(c.a_start, c.a_end) for c in f.changes if c.a], "del")
    b_html = _with_changes(f.b, [(c.b_start, c.b_end) for c in f.changes if c.b], "ins")
    a_where = escape(_place(f.a, f.b))
    b_where = escape(_place(f.b, f.a))
    a_src = _source(f.a) if _is_archive(f.a) else ""
    changes = "".join(
        f'<li><span class="op">{escape(c.op)}</span> {_word(c.a, "del")} → {_word(c.b, "ins")}</li>'
        for c in f.changes
    )
    if changes:
        changes_html = f'<ul class="changes">{changes}</ul>'
    elif f.kind == "exact":
        # "identical" beside ２０１９ and 2019, or 記者 and 记者, was false to the eye.
        changes_html = (
            '<p class="meta">逐字相同 identical wording</p>'
            if f.a.text == f.b.text
            else '<p class="meta">同文（全半角、繁简、空白不计） the same text once width, '
            "script and spacing are set aside</p>"
        )
    else:  # punctuation only, or a passage too long to list its words' changes
        changes_html = '<p class="meta">未列出改动 changes not listed</p>'
    return (
        f'<article class="pair c{(n - 1) % PALETTE}" id="pair-{n}" data-f="{n}" hidden>'
        f'<h3>#{n} <span class="meta">相似度 similarity {f.similarity:.2f} · {escape(f.kind)}'
        f" · {len(f.b.text)} 字 chars</span></h3>"
        '<div class="sides">'
        f'<section class="side a"><h4>原文 earlier · {a_where}</h4>{a_src}'
        f'<p class="passage">{a_html}</p></section>'
        f'<section class="side b"><h4>重述 later · {b_where}</h4>'
        f'<p class="passage">{b_html}</p></section>'
        "</div>"
        f"{changes_html}"
        '<div class="nav">'
        f"{_jump(n, 'a', '↑ 原文 earlier', in_draft_a)}"
        f"{_jump(n, 'b', '↓ 重述 later', in_draft_b)}"
        "</div></article>"
    )


def _draft(path: str, text: str, marks: Sequence[_Mark], archive: set[int]) -> str:
    """The draft with each finding's spans highlighted; overlapping spans nest their numbers."""
    cuts = sorted({0, len(text), *(m.start for m in marks), *(m.end for m in marks)})
    starting: dict[int, list[_Mark]] = {}
    for m in marks:
        starting.setdefault(m.start, []).append(m)
    first_seen: set[tuple[int, str]] = set()
    active: list[_Mark] = []
    out: list[str] = []
    for lo, hi in pairwise(cuts):
        active = [m for m in active if m.end > lo]
        for m in sorted(starting.get(lo, []), key=lambda m: (m.n, m.side)):
            active.append(m)
            other = "b" if m.side == "a" else "a"
            target = f"#pair-{m.n}" if m.side == "b" and m.n in archive else f"#f{m.n}-{other}"
            hint = "原文 earlier, see its restatement" if m.side == "a" else "重述 restatement"
            out.append(
                f'<a class="tag c{(m.n - 1) % PALETTE}" data-f="{m.n}" href="{target}" '
                f'title="#{m.n} {hint}">{m.n}{"↓" if m.side == "a" else "↑"}</a>'
            )
        segment = escape(text[lo:hi])
        if not active:
            out.append(segment)
            continue
        inner = min(active, key=lambda m: (m.end - m.start, -m.n))
        ids = ""
        key = (inner.n, inner.side)
        if key not in first_seen and lo == inner.start:
            first_seen.add(key)
            ids = f' id="f{inner.n}-{inner.side}"'
        # Spans that begin here but are not the innermost still need their anchor.
        anchors = "".join(
            f'<span id="f{m.n}-{m.side}"></span>'
            for m in active
            if m is not inner and m.start == lo and (m.n, m.side) not in first_seen
        )
        first_seen.update((m.n, m.side) for m in active if m.start == lo)
        a_list = " ".join(str(m.n) for m in active if m.side == "a")
        b_list = " ".join(str(m.n) for m in active if m.side == "b")
        # Text that restates something is drawn restated even where it is also the source of
        # a later copy (a paragraph pasted 30 times looked mostly original).
        side = "b" if b_list else "a"
        out.append(
            f'{anchors}<mark class="hl side-{side} c{(inner.n - 1) % PALETTE}"{ids} '
            f'data-f="{inner.n}" data-a="{a_list}" data-b="{b_list}">{segment}</mark>'
        )
    return (
        f'<section class="doc" data-path="{escape(path)}"><h2>{escape(path)}</h2>'
        f'<div class="text">{"".join(out)}</div></section>'
    )


def _summary(result: CheckResult) -> str:
    rows = []
    for fs in result.files:
        count = sum(1 for f in result.findings if f.b.path == fs.path and not _is_archive(f.b))
        pct = fs.ratio * 100
        rows.append(
            f'<div class="file-sum" data-path="{escape(fs.path)}">'
            f'<span>复制比</span><span class="ratio">{pct:.1f}%</span>'
            f'<span class="bar" role="img" aria-label="复制比 {pct:.1f}%">'
            f'<span style="width:{min(pct, 100.0):.1f}%"></span></span>'
            f'<span class="meta">{escape(fs.path)}: {count} 处重述 restated passages, '
            f"{fs.restated_chars} / {fs.chars} 字 prose characters</span></div>"
        )
    return '<div class="summary">' + "".join(rows) + "</div>"


def _table(result: CheckResult, file_order: Mapping[str, int]) -> str:
    rows = []
    for n, f in enumerate(result.findings, 1):
        pos = file_order.get(f.b.path, len(file_order)) * 10**12 + f.b.start
        earlier = (
            f"存档 {escape(f.a.doc or '')} {escape(f.a.title or '')} {escape(f.a.date or '')}"
            if _is_archive(f.a)
            else escape(_where(f.a))
        )
        rows.append(
            f'<tr class="c{(n - 1) % PALETTE}" data-f="{n}" data-n="{n}" '
            f'data-sim="{f.similarity}" data-len="{len(f.b.text)}" data-pos="{pos}">'
            f'<td class="num"><span class="swatch"></span>'
            f'<a class="jump" data-f="{n}" href="#f{n}-b">#{n}</a></td>'
            f"<td>{f.similarity:.2f}</td><td>{len(f.b.text)}</td>"
            f"<td>{escape(_where(f.b))}</td><td>{earlier}</td><td>{escape(f.kind)}</td>"
            f'<td class="excerpt">{escape(f.b.text)}</td></tr>'
        )
    if not rows:
        return ""
    return (
        '<section class="table"><h2>重述列表 Findings</h2><table id="findings"><thead><tr>'
        '<th aria-sort="ascending"><button data-sort="n">#</button></th>'
        '<th><button data-sort="sim">相似度 similarity</button></th>'
        '<th><button data-sort="len">长度 length</button></th>'
        '<th><button data-sort="pos">位置 position</button></th>'
        "<th>原文 earlier</th><th>类型 kind</th><th>重述 passage</th>"
        "</tr></thead><tbody>" + "".join(rows) + "</tbody></table></section>"
    )


def render(
    result: CheckResult,
    texts: Mapping[str, str],
    *,
    title: str = TITLE,
    new_check_href: str | None = None,
) -> str:
    """The whole report page. `texts` maps each checked file's path to its decoded text."""
    shown_result = printable_result(result)
    if shown_result is not result:  # undecodable file names, shown as `\xff`
        result = shown_result
        texts = {printable(p): t for p, t in texts.items()}
    file_order = {fs.path: i for i, fs in enumerate(result.files)}
    marks: dict[str, list[_Mark]] = {}
    archive: set[int] = set()
    in_draft: dict[tuple[int, str], bool] = {}
    for n, f in enumerate(result.findings, 1):
        for side, span in (("a", f.a), ("b", f.b)):
            shown = not _is_archive(span) and span.path in texts
            in_draft[(n, side)] = shown
            if shown:
                marks.setdefault(span.path, []).append(_Mark(span.start, span.end, n, side))
            elif side == "a":
                archive.add(n)
    paths = [fs.path for fs in result.files if fs.path in texts]
    paths += [p for p in texts if p not in file_order]
    docs = "".join(_draft(p, texts[p], marks.get(p, []), archive) for p in paths)
    if not result.findings:
        docs = '<p class="none">没有发现重述段落 No restated passages found.</p>' + docs
    pairs = "".join(
        _pair(n, f, in_draft[(n, "a")], in_draft[(n, "b")])
        for n, f in enumerate(result.findings, 1)
    )
    new = (
        f'<a class="new" href="{escape(new_check_href)}">新查重 New check</a>'
        if new_check_href
        else ""
    )
    count = len(result.findings)
    return (
        '<!DOCTYPE html>\n<html lang="zh-Hans"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        # The file travels (mail, an intranet share) without serve's headers: its own policy
        # runs only the report's script, whatever an escaping bug might let through.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        f"style-src 'unsafe-inline'; img-src data:; script-src {SCRIPT_CSP}; "
        "base-uri 'none'; form-action 'none'\">"
        f"<title>{escape(title)}</title><style>{CSS}</style></head>"
        f'<body data-findings="{count}">'
        f'<header class="top"><h1>{escape(title)}</h1>{_summary(result)}'
        f'<p class="help">{count} 处重述 findings · <kbd>n</kbd> / <kbd>p</kbd> 下一处 / 上一处 '
        "next / previous · 点击高亮查看对照 click a highlight to compare · "
        f'<span id="status"></span></p>{new}</header>'
        f'<main><div class="docs">{docs}</div>'
        '<aside class="panel" aria-live="polite">'
        '<p class="placeholder" id="placeholder">点击高亮段落或按 <kbd>n</kbd> 查看对照与差异。'
        "Click a highlighted passage or press <kbd>n</kbd> to see the pair and its changes.</p>"
        f"{pairs}</aside></main>"
        f"{_table(result, file_order)}"
        f"<script>{SCRIPT}</script></body></html>\n"
    )
