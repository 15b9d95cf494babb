"""From a security review of the HTML report and `serve`: evasion, names from the client,
DNS rebinding, and the standalone report's own policy."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paradup import check_text

from ._repo import paragraph

PARA = paragraph(21)


@pytest.mark.parametrize("between", ["```", "~~~ python", "注意 <!-- 见下"])
def test_an_unclosed_fence_or_comment_hides_nothing(between: str) -> None:
    """One stray ``` line (or `<!--`) between two copies hid everything after it: 0 findings,
    exit 0, in a plain text draft, a paste and the hook alike."""
    result = check_text(f"{PARA}\n\n{between}\n\n{PARA}\n")
    assert len(result.findings) == 1
    (f,) = result.findings
    assert f.kind == "exact" and f.b.text == PARA


def test_a_closed_fence_and_comment_still_hide_their_content() -> None:
    fenced = f"{PARA}\n\n```\n{PARA}\n```\n\n<!-- {PARA} -->\n\n尾段另起一句话。\n"
    assert check_text(fenced).findings == ()


def test_check_of_a_txt_with_a_stray_fence(tmp_path: Path) -> None:
    from .conftest import run_paradup

    (tmp_path / "evade.txt").write_text(f"{PARA}\n\n```\n\n{PARA}\n", encoding="utf-8")
    proc = run_paradup("check", "evade.txt", cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout
    assert "1 restated passage" in proc.stdout


def test_an_upload_named_like_an_archived_file_still_matches_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The browser's file name was taken for a path on the server: `0007.md` uploaded to a
    serve run from the archive's folder was 'its own archived copy', and every match with it
    was dropped (0 findings, 0 %)."""
    from ._repo import article
    from .conftest import run_paradup
    from .test_serve import client

    site = tmp_path / "site"
    site.mkdir()
    for i in range(3):
        (site / f"000{i + 5}.md").write_text(article(30 + i), encoding="utf-8")
    draft = article(40) + "\n\n" + article(32).split("\n\n")[2] + "\n"
    built = run_paradup("index", "build", ".", "-i", "../site.idx", "-q", cwd=site)
    assert built.returncode == 0, built.stderr
    monkeypatch.chdir(site)
    c = client(index=str(tmp_path / "site.idx"))
    for name in ("draft.md", "0007.md", "C:\\drafts\\0007.md"):
        got = c.post(
            "/check",
            files={"file": (name, draft.encode("utf-8"), "text/markdown")},
            data={"against": "1"},
        )
        assert got.status_code == 200, got.text[:500]
        assert 'data-findings="1"' in got.text, name


def test_a_server_on_all_interfaces_refuses_other_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bound to 0.0.0.0 there was no Host check: any page could rebind its DNS name to the
    server and read the reports it asked for."""
    import socket

    from .test_serve_review import _client, _served_app

    app, code, out = _served_app(monkeypatch, "--host", "0.0.0.0", "--allow-host", "dup.lan:80")
    assert code == 0 and app is not None, out
    c = _client(app)
    for host, status in [
        ("evil.example", 400),
        ("dup.lan:8765", 200),
        ("10.1.2.3:8765", 200),
        ("[fe80::1]:8765", 200),
        (f"{socket.gethostname()}:8765", 200),
        ("localhost:8765", 200),
    ]:
        assert c.get("/", headers={"host": host}).status_code == status, host


def test_the_report_file_carries_its_own_policy(tmp_path: Path) -> None:
    from .conftest import run_paradup

    (tmp_path / "a.txt").write_text(f"{PARA}\n\n{PARA}\n", encoding="utf-8")
    assert run_paradup("check", "a.txt", "-f", "html", "-o", "r.html", cwd=tmp_path).returncode == 1
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    head = html.split("</head>")[0]
    assert '<meta http-equiv="Content-Security-Policy"' in head
    assert "default-src 'none'" in head and "script-src 'sha256-" in head


def test_a_refused_draft_comes_back_with_its_leading_blank_lines() -> None:
    from .test_serve import client

    c = client()
    got = c.post("/check", files={"text": (None, "\n\n第一行。\n"), "encoding": (None, "klingon")})
    assert got.status_code == 400
    assert ">\n\n\n第一行。\n</textarea>" in got.text


def test_the_page_keeps_its_tab_to_itself() -> None:
    from .test_serve import client

    page = client().get("/")
    assert page.headers["cross-origin-opener-policy"] == "same-origin"
    assert page.headers["x-frame-options"] == "DENY"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["<!--", "-->", "a", "-", ">", "<", "!", "\n", "文"]), max_size=40))
def test_comment_spans_are_the_patterns_matches(pieces: list[str]) -> None:
    """The linear scan finds what `_COMMENT` finds (which searched to the end of the text for
    every unclosed opener: 40,000 of them took 24 s)."""
    from paradup.normalize import _COMMENT, comment_spans

    text = "".join(pieces)
    assert list(comment_spans(text)) == [m.span() for m in _COMMENT.finditer(text)]
