"""Audit reports: JSON Lines (the stable contract), CSV, self-contained HTML, terminal summary."""

from __future__ import annotations

import csv
import html
import io
import itertools
import json
from collections.abc import Iterable
from typing import Any, TextIO

from ..archive import record_id
from ..audit import Cluster, Member
from ..families import Family, FamilyMember
from . import one_line


def _record(m: Member | FamilyMember, **fields: Any) -> dict[str, Any]:
    """A member's JSON object: its document and `fields`, then its date and title if any."""
    out: dict[str, Any] = {"doc": m.doc, "path": m.path, **fields}
    if m.date is not None:
        out["date"] = m.date
    if m.title is not None:
        out["title"] = m.title
    return out


def _member(m: Member) -> dict[str, Any]:
    return _record(m, start=m.start, end=m.end, text=m.text)


def write_jsonl(clusters: Iterable[Cluster], out: TextIO) -> None:
    for c in clusters:
        record = {
            "cluster": c.cluster,
            "kind": c.kind,
            "size": c.size,
            "similarity": list(c.similarity),
            "members": [_member(m) for m in c.members],
        }
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


def to_jsonl(clusters: Iterable[Cluster]) -> str:
    buf = io.StringIO()
    write_jsonl(clusters, buf)
    return buf.getvalue()


_CSV_HEADER = [
    "cluster",
    "kind",
    "size",
    "sim_min",
    "sim_max",
    "doc",
    "path",
    "start",
    "end",
    "date",
    "title",
    "text",
]


# A cell a spreadsheet would read as a formula (`=HYPERLINK(...)`, `+1`, `-1`, `@SUM`; tab
# and carriage return too): archive text is untrusted, so such cells get a leading `'`, the
# usual defence (OWASP "CSV injection"). Offsets still index the text without it; JSON Lines
# is the exact contract.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    """`value`, with a `'` before it when a spreadsheet would evaluate it as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def write_csv(clusters: Iterable[Cluster], out: TextIO) -> None:
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(_CSV_HEADER)
    for c in clusters:
        for m in c.members:
            w.writerow(
                [
                    c.cluster,
                    c.kind,
                    c.size,
                    *c.similarity,
                    csv_cell(m.doc),
                    csv_cell(m.path),
                    m.start,
                    m.end,
                    csv_cell(m.date or ""),
                    csv_cell(m.title or ""),
                    csv_cell(m.text),
                ]
            )


def to_csv(clusters: Iterable[Cluster]) -> str:
    buf = io.StringIO()
    write_csv(clusters, buf)
    return buf.getvalue()


_CSS = """
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei","Source Han Sans SC",sans-serif;
margin:2em auto;max-width:70em;color:#222}
h1{font-size:1.4em} .c{border:1px solid #ccc;border-radius:6px;margin:1em 0;padding:.5em 1em}
.c.boilerplate{background:#fafafa} .k{font-size:.8em;padding:.1em .4em;border-radius:4px;
background:#e0ecff} .boilerplate .k{background:#eee} .m{margin:.4em 0;padding:.3em .6em;
border-left:3px solid #9bc;white-space:pre-wrap} .src{color:#666;font-size:.85em}
del{background:#fdd} ins{background:#dfd;text-decoration:none} details summary{cursor:pointer}
"""


def _diff_html(first: str, other: str) -> str:
    """Characters of `other` that differ from the cluster's first member, highlighted."""
    import difflib

    out = []
    sm = difflib.SequenceMatcher(None, first, other, autojunk=False)
    for op, _i1, _i2, j1, j2 in sm.get_opcodes():
        seg = html.escape(other[j1:j2])
        out.append(seg if op == "equal" else f"<ins>{seg}</ins>")
    return "".join(out)


# A page is read by eye, and a browser chokes on a 140 MB one (a 100,000-document archive):
# the largest clusters and each one's first members; -f jsonl/csv hold everything.
HTML_CLUSTERS = 2000
HTML_MEMBERS = 20


def write_html(
    clusters: Iterable[Cluster],
    out: TextIO,
    duplicate: int,
    boilerplate: int,
    title: str = "paradup audit",
) -> None:
    total = duplicate + boilerplate
    shown = (
        f" The first {HTML_CLUSTERS} are shown, each with its first {HTML_MEMBERS} members; "
        "<code>-f jsonl</code> or <code>-f csv</code> list them all."
        if total > HTML_CLUSTERS
        else ""
    )
    out.write(
        "\n".join(
            [
                "<!doctype html><html lang='zh'><head><meta charset='utf-8'>",
                f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
                f"<h1>{html.escape(title)}</h1>",
                f"<p>{duplicate} duplicate clusters, {boilerplate} boilerplate templates, "
                f"ranked by the number of documents.{shown}</p>",
            ]
        )
    )
    for c in itertools.islice(clusters, HTML_CLUSTERS):
        first = c.members[0]
        parts = [
            f"<div class='c {c.kind}' id='c{c.cluster}'><p><b>#{c.cluster}</b> "
            f"<span class='k'>{c.kind}</span> {c.size} documents, similarity "
            f"{c.similarity[0]:.2f}–{c.similarity[1]:.2f}</p>",
            "<details open><summary>members</summary>",
        ]
        for i, m in enumerate(c.members[:HTML_MEMBERS]):
            src = " · ".join(
                html.escape(x)
                for x in (m.path, f"{m.start}–{m.end}", m.date or "", m.title or "")
                if x
            )
            body = html.escape(m.text) if i == 0 else _diff_html(first.text, m.text)
            label = "first occurrence" if i == 0 else ""
            parts.append(f"<div class='m'><div class='src'>{src} {label}</div>{body}</div>")
        if len(c.members) > HTML_MEMBERS:
            more = len(c.members) - HTML_MEMBERS
            parts.append(f"<p class='src'>… {more} more members (-f jsonl or csv lists them)</p>")
        parts.append("</details></div>")
        out.write("\n" + "\n".join(parts))
    out.write("\n</body></html>")


def to_html(clusters: Iterable[Cluster], title: str = "paradup audit") -> str:
    listed = list(clusters)
    buf = io.StringIO()
    dup = sum(c.kind == "duplicate" for c in listed)
    write_html(listed, buf, dup, len(listed) - dup, title)
    return buf.getvalue()


def summary_lines(
    clusters: Iterable[Cluster],
    duplicate: int,
    boilerplate: int,
    limit: int = 20,
    more: str = "use --format jsonl/csv/html",
) -> list[str]:
    """The counts and the first `limit` clusters (only those are taken from `clusters`)."""
    lines = [
        f"{duplicate} duplicate cluster{'' if duplicate == 1 else 's'}, "
        f"{boilerplate} boilerplate template{'' if boilerplate == 1 else 's'}"
    ]
    for c in itertools.islice(clusters, limit):
        first = c.members[0]
        text = one_line(" ".join(first.text.split()))
        # file:line:col as compilers print it; a JSON Lines record's path is already file:line,
        # so its offsets into the record's text are named as such.
        at = (
            f"{one_line(first.path)}:{first.line}:{first.column}"
            if first.line is not None
            else f"{one_line(first.path)} chars {first.start}-{first.end}"
        )
        rid = record_id(first.doc)  # what the CMS calls the record
        at += f" (id {one_line(rid)})" if rid else ""
        lines.append(
            f"#{c.cluster} {c.kind} {c.size} docs sim {c.similarity[0]:.2f}-{c.similarity[1]:.2f}"
            f"  {at}  {text[:60]}"
        )
    shown = len(lines) - 1
    if duplicate + boilerplate > shown:
        lines.append(f"… {duplicate + boilerplate - shown} more ({more})")
    return lines


# -- families of near-duplicate documents (`audit --documents`) ------------------------------


def write_families_jsonl(families: Iterable[Family], out: TextIO) -> None:
    for f in families:
        record = {
            "family": f.family,
            "size": f.size,
            "members": [_record(m, share=m.share) for m in f.members],
        }
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


def write_families_csv(families: Iterable[Family], out: TextIO) -> None:
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["family", "size", "doc", "path", "date", "title", "share"])
    for f in families:
        for m in f.members:
            cells = (m.doc, m.path, m.date or "", m.title or "")
            w.writerow([f.family, f.size, *map(csv_cell, cells), m.share])


def family_lines(families: list[Family], limit: int = 20) -> list[str]:
    """The terminal summary: a count, then one line per family (its earliest member, then
    each other member, each with the share of its text the family restates: the earliest
    one's was left out, so `a restated by b 50%` read as if half of a were restated)."""
    docs = sum(f.size for f in families)
    lines = [
        f"{len(families)} famil{'y' if len(families) == 1 else 'ies'} of near-duplicate "
        f"documents ({docs} documents)"
    ]
    for f in families[:limit]:
        first, rest = f.members[0], f.members[1:]
        when = f" ({first.date})" if first.date else ""
        others = ", ".join(f"{one_line(m.path)} {m.share:.0%}" for m in rest[:5])
        more = f", … {len(rest) - 5} more" if len(rest) > 5 else ""
        lines.append(
            f"#{f.family} {f.size} docs  {one_line(first.path)}{one_line(when)} "
            f"{first.share:.0%}  restated by {others}{more}"
        )
    if len(families) > limit:
        lines.append(f"… {len(families) - limit} more (use --format jsonl/csv)")
    return lines
