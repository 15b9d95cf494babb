"""`paradup serve` fixes from a review: a config that cannot check is refused at startup, Ctrl-C
stops a busy server at once, other sites' pages cannot post drafts, the config's encoding is the
page's default, an empty dropped file says so, and a refused form keeps the archive box as the
editor left it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import RESTATED, SAMPLE, bounded_project, one_line_error, paradup_exe, run_paradup
from .test_serve import _free_port, client

pytest.importorskip("uvicorn")


def test_missing_user_dict_is_refused_at_startup(tmp_path: Path) -> None:
    """It started, then answered every draft with a 500."""
    project = bounded_project(tmp_path)
    (project / ".paradup.toml").write_text('user-dict = "nope.txt"\n', encoding="utf-8")
    proc = run_paradup("serve", "--port", str(_free_port()), cwd=project)
    one_line_error(proc, "nope.txt", "user dictionary not found")


def _start(*args: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    proc = subprocess.Popen(
        [paradup_exe(), "serve", "--port", str(port), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "healthz", timeout=2) as r:
                if r.read() == b"ok":
                    return proc, url
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"paradup serve did not start: {proc.communicate()[1]!r}")
        time.sleep(0.2)


def _post(url: str, text: str) -> None:
    from urllib.parse import quote

    req = urllib.request.Request(
        url + "check",
        data=b"text=" + quote(text.encode("utf-8")).encode("ascii"),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with contextlib.suppress(OSError):  # the server goes away mid-request: what the test is after
        urllib.request.urlopen(req, timeout=120).read()


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_ctrl_c_stops_a_busy_server_at_once() -> None:
    """The first Ctrl-C waited for the running check (uvicorn's graceful shutdown), a second one
    printed tracebacks, and the exit code was 0; now: one line, exit 130, right away."""
    sample = SAMPLE.read_text(encoding="utf-8")
    # A long draft of near-copies: its check takes many seconds on this kind of machine.
    draft = "\n\n".join(sample.replace("会议", f"会议{i}") for i in range(100))
    proc, url = _start("--max-bytes", str(4 * len(draft.encode("utf-8"))))
    worker = threading.Thread(target=_post, args=(url, draft), daemon=True)
    worker.start()
    time.sleep(2.0)  # the check is running
    proc.send_signal(signal.SIGINT)
    try:
        _out, err = proc.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        _out, err = proc.communicate()
        pytest.fail(f"still running 5 s after Ctrl-C: {err!r}")
    text = err.decode("utf-8")
    assert proc.returncode == 130, text
    assert "Traceback" not in text and text.strip().splitlines()[-1] == "paradup: interrupted"


def test_cross_site_posts_are_refused() -> None:
    c = client()
    assert c.get("/").headers["referrer-policy"] == "same-origin"  # our form sends our origin
    form = {"text": (None, RESTATED)}
    for headers in (
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://evil.example"},  # a browser without Sec-Fetch-Site
        {"Origin": "http://testserver:81"},  # same host, another port: another origin
        {
            "Origin": "null"
        },  # a no-referrer page posting to a non-loopback address (no Sec-Fetch-Site)
    ):
        got = c.post("/check", files=form, headers=headers)
        assert got.status_code == 403, headers
        assert "only checks drafts sent from its own form" in got.text
    for headers in (
        {},  # curl, scripts
        {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"},  # our own form
        {"Origin": "http://testserver"},  # our form where the browser sends no Sec-Fetch-Site
    ):
        assert c.post("/check", files=form, headers=headers).status_code == 200, headers


def test_config_encoding_is_the_default() -> None:
    """A GB18030 file dropped with the config's `encoding = "gb18030"` was refused as not UTF-8."""
    from paradup import CheckConfig

    c = client(config=CheckConfig(encoding="gb18030"))
    assert '<option value="gb18030" selected>' in c.get("/").text
    data = RESTATED.encode("gb18030")
    got = c.post("/check", files={"file": ("gbk.txt", data, "text/plain")})
    assert got.status_code == 200 and "mark" in got.text
    # The menu's UTF-8, chosen on purpose, still means UTF-8.
    got = c.post("/check", files={"file": ("gbk.txt", data, "text/plain"), "encoding": (None, "")})
    assert got.status_code == 400 and "not valid UTF-8" in got.text
    # A codec outside the menu, from a config, gets an option of its own and is used.
    c = client(config=CheckConfig(encoding="utf-16"))
    assert '<option value="utf-16" selected>utf-16</option>' in c.get("/").text
    data = RESTATED.encode("utf-16")
    assert c.post("/check", files={"file": ("u16.txt", data, "text/plain")}).status_code == 200


@pytest.mark.parametrize("data", [b"", b"  \n\n", b"\xef\xbb\xbf"])
def test_empty_file_says_so(data: bytes) -> None:
    """It said "choose the file's encoding" (blank file) or "paste a draft" (0 bytes)."""
    got = client().post("/check", files={"file": ("ws.txt", data, "text/plain")})
    assert got.status_code == 400
    assert "ws.txt is empty; drop a file that holds the draft or paste it." in got.text


def test_refused_form_keeps_the_archive_box() -> None:
    """An unchecked "also check against the archive" box came back checked after an error."""
    c = client(index="/nowhere/arch.paradup")
    assert 'name="against" value="1" checked>' in c.get("/").text
    bad = {"file": ("gbk.txt", RESTATED.encode("gb18030"), "text/plain")}
    got = c.post("/check", files=bad)
    assert got.status_code == 400 and 'name="against" value="1">' in got.text
    got = c.post("/check", files={**bad, "against": (None, "1")})
    assert got.status_code == 400 and 'name="against" value="1" checked>' in got.text


def test_unknown_length_upload_is_not_given_a_size() -> None:
    """A chunked upload over the drain limit was "32.2 MB" whatever its size."""
    from paradup.serve import DRAIN_LIMIT

    def body() -> object:
        chunk = b"x" * (1 << 20)
        for _ in range(DRAIN_LIMIT // len(chunk) + 8):
            yield chunk

    got = client().post(
        "/check", content=body(), headers={"Content-Type": "multipart/form-data; boundary=b"}
    )
    assert got.status_code == 413 and "The upload is over 32.0 MB" in got.text


@contextlib.contextmanager
def _real_server(**kwargs: object) -> Iterator[int]:
    """A uvicorn server in a thread (the test client sends a body whole); yields its port."""
    import socket

    uvicorn = pytest.importorskip("uvicorn")
    from paradup.serve import create_app

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(create_app(**kwargs), log_level="error")  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        for _ in range(100):
            if server.started:
                break
            time.sleep(0.05)
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(10)


def _stalled_post(port: int, text: str, sent: int) -> str:
    """POST a form holding `text` but send only its first `sent` bytes; the answer."""
    import socket

    boundary = "b0undary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\n'.encode()
        + text.encode()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    head = (
        f"POST /check HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(head + body[:sent])  # and nothing more: the rest never comes
        got = b""
        while b"</html>" not in got and (chunk := conn.recv(65536)):
            got += chunk
    return got.decode("utf-8", "replace")


def test_a_trickled_upload_is_stopped() -> None:
    """A client sending its body a byte now and then held a connection for ever (one of 32:
    enough of them and the page answered nobody)."""
    with _real_server(body_timeout=0.5) as port:
        answer = _stalled_post(port, "今天天气很好。", 20)
    assert answer.startswith("HTTP/1.1 408"), answer[:200]
    assert "The upload took over 0 s and was stopped" in answer  # (0.5 s, rounded)


def test_a_slow_oversize_upload_is_told_it_is_too_big() -> None:
    """The timeout also covered draining a body already known to be over the limit: a slow
    sender of a too-large draft was told to send it again (408), not that it is too big."""
    with _real_server(body_timeout=0.5, max_bytes=4096) as port:
        answer = _stalled_post(port, "今天天气很好。" * 10_000, 100_000)
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert "The upload is 205 KB, over this server" in answer and "4 KB limit" in answer


def test_an_upload_name_is_shown_as_the_browser_saw_it() -> None:
    """Browsers send `"` in a file name as %22 (the HTML form-data encoding): the report was
    titled `《通知》%22终稿%22.txt`."""
    from .test_serve import client

    boundary = "b0undary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        'filename="%22终稿%22.txt"\r\nContent-Type: text/plain\r\n\r\n'
        + RESTATED
        + f"\r\n--{boundary}--\r\n"
    ).encode()
    got = client().post(
        "/check",
        content=body,
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert got.status_code == 200, got.text[:300]
    assert "&quot;终稿&quot;.txt" in got.text and "%22" not in got.text
