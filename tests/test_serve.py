"""`paradup serve`: the local review page. In-process (Starlette's TestClient) for the refusals and
escaping; the installed command under uvicorn on a free loopback port, driven by Chromium, for the
editor's path: paste the sample, click Check, read the report."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ._browser import check_view, launch, open_page, screenshot_path
from .conftest import RESTATED, ROOT, SAMPLE, paradup_exe, run_paradup

if TYPE_CHECKING:
    from playwright.sync_api import Browser
    from starlette.testclient import TestClient


def client(**kwargs: object) -> TestClient:
    pytest.importorskip("httpx", reason="starlette's TestClient needs httpx (the test extra)")
    with warnings.catch_warnings():  # starlette >= 1 prefers httpx2; httpx works the same
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    from paradup.serve import create_app

    return TestClient(create_app(**kwargs))  # type: ignore[arg-type]


def test_missing_extra_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from paradup.cli import app

    monkeypatch.setitem(sys.modules, "uvicorn", None)
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 2
    out = result.output  # click 8.2+: stdout and stderr interleaved
    assert "pip install 'paradup[serve]'" in out
    assert len([line for line in out.splitlines() if line.strip()]) == 1


def test_page_and_report_headers() -> None:
    c = client()
    page = c.get("/")
    assert page.status_code == 200
    assert '<textarea id="text" name="text"' in page.text
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'sha256-" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    text = SAMPLE.read_text(encoding="utf-8")
    got = c.post("/check", files={"text": (None, text)})
    assert got.status_code == 200
    data = json.loads(run_paradup("check", str(SAMPLE), "--format", "json").stdout)
    assert f'data-findings="{len(data["findings"])}"' in got.text
    assert got.text.count('<article class="pair') == len(data["findings"])
    assert "复制比" in got.text and 'href="/"' in got.text
    # urlencoded works too (e.g. curl -d)
    assert c.post("/check", data={"text": text}).status_code == 200
    assert c.get("/healthz").text == "ok"
    assert c.get("/check").status_code == 405


def test_escapes_input() -> None:
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>\n\n' + RESTATED
    c = client()
    got = c.post("/check", files={"text": (None, evil)})
    assert got.status_code == 200
    assert "<script>alert" not in got.text and "<img src=x" not in got.text
    assert "&lt;script&gt;" in got.text
    name = '"><script>alert(1)</script>.txt'
    got = c.post("/check", files={"file": (name, RESTATED.encode(), "text/plain")})
    assert got.status_code == 200
    assert "<script>alert(1)" not in got.text
    # Errors echo the pasted text back escaped, too.
    bad = c.post(
        "/check",
        files={"text": (None, "</textarea><script>x()</script>"), "encoding": (None, "zz")},
    )
    assert bad.status_code == 400
    assert "</textarea><script>" not in bad.text and "&lt;/textarea&gt;" in bad.text


def test_refuses_large_and_non_text() -> None:
    c = client(max_bytes=4096)
    big = "重复的句子在这里出现。" * 2000
    got = c.post("/check", files={"text": (None, big)})
    assert got.status_code == 413
    assert "over this server" in got.text and "--max-bytes" in got.text
    got = c.post("/check", files={"file": ("big.txt", big.encode(), "text/plain")})
    assert got.status_code == 413 and "big.txt" in got.text
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    got = c.post("/check", files={"file": ("photo.png", png, "image/png")})
    assert got.status_code == 415 and "not text" in got.text
    got = c.post("/check", files={"file": ("data.bin", png, "application/octet-stream")})
    assert got.status_code == 415 and "not a text file" in got.text
    gbk = RESTATED.encode("gb18030")
    got = c.post("/check", files={"file": ("old.txt", gbk, "text/plain")})
    assert got.status_code == 400 and "GB18030" in got.text
    got = c.post(
        "/check", files={"file": ("old.txt", gbk, "text/plain"), "encoding": (None, "gb18030")}
    )
    assert got.status_code == 200 and "市交通局" in got.text
    got = c.post("/check", files={"text": (None, "   ")})
    assert got.status_code == 400 and "Paste a draft" in got.text
    got = c.post("/check", content=b"raw", headers={"content-type": "application/json"})
    assert got.status_code == 415


def test_loopback_refuses_foreign_host_header() -> None:
    c = client(allowed_hosts=["127.0.0.1", "localhost"])
    assert c.get("/", headers={"host": "127.0.0.1:8765"}).status_code == 200
    assert c.get("/", headers={"host": "evil.example:8765"}).status_code == 400


def test_against_configured_index(tmp_path: Path) -> None:
    from .test_html import _archive_index

    idx = _archive_index(tmp_path)
    c = client(index=str(idx))
    assert "archive.idx" in c.get("/").text
    text = SAMPLE.read_text(encoding="utf-8")
    got = c.post("/check", files={"text": (None, text), "against": (None, "1")})
    assert got.status_code == 200
    assert "arch-7" in got.text and "旧稿：联通警示教育" in got.text and "2024-06-01" in got.text
    plain = c.post("/check", files={"text": (None, text)})
    assert "arch-7" not in plain.text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        proc = run_paradup("serve", "--port", str(port))
    assert proc.returncode == 2
    assert "pick another --port" in proc.stderr


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The installed `paradup serve` on a free loopback port."""
    port = _free_port()
    proc = subprocess.Popen(
        [paradup_exe(), "serve", "--port", str(port), "--max-bytes", "1000000"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "healthz", timeout=2) as r:
                    if r.read() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read().decode() if proc.stdout else ""
                pytest.fail(f"paradup serve did not start: {out}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch()


def test_served_page_in_browser(browser: Browser, server: str) -> None:
    data = json.loads(run_paradup("check", str(SAMPLE), "--format", "json").stdout)
    page, errors = open_page(browser, server)
    try:
        page.fill("#text", SAMPLE.read_text(encoding="utf-8"))
        page.screenshot(path=str(screenshot_path("serve-form.png")))
        page.click("#submit")
        page.wait_for_selector("mark.hl", timeout=60_000)
        assert page.url.endswith("/check")
        # The served view names the pasted draft, not a path on the server.
        assert "粘贴的稿件" in page.locator("header.top").inner_text()
        check_view(page, data["findings"], "serve.png")
        # Back to a new check.
        page.click("a.new")
        page.wait_for_selector("#text")
        # A file dropped on the form is checked like a pasted draft.
        page.evaluate(
            """(text) => {
              const dt = new DataTransfer();
              dt.items.add(new File([text], "dropped.txt", {type: "text/plain"}));
              document.getElementById("draft-form").dispatchEvent(
                new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
            }""",
            RESTATED,
        )
        assert page.locator("#file-name").inner_text() == "dropped.txt"
        page.click("#submit")
        page.wait_for_selector("mark.hl")
        assert "dropped.txt" in page.locator("header.top").inner_text()
        assert page.locator("article.pair").count() >= 1
        page.click("a.new")
        page.wait_for_selector("#text")
        # A dropped (chosen) non-text file is refused with a clear message.
        page.set_input_files(
            "#file", files=[{"name": "x.png", "mimeType": "image/png", "buffer": b"\x89PNG\0\0"}]
        )
        page.click("#submit")
        page.wait_for_selector(".error")
        assert "not text" in page.locator(".error").inner_text()
        page.screenshot(path=str(screenshot_path("serve-refused.png")))
    finally:
        page.close()
    assert errors == [] or all("415" in e for e in errors), errors
