"""`paradup lsp`: the installed command driven over stdio as an editor drives it."""

from __future__ import annotations

import json
import queue
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from paradup import check_text
from paradup.lsp import LineIndex

from .conftest import bounded_project

pytest.importorskip("pygls")

P1 = (
    "国家统计局今天发布数据显示，十月份全国规模以上工业增加值同比增长百分之五点三，"
    "比上月加快零点五个百分点。"
)
P2 = (
    "国家统计局今日发布的数据显示，十月全国规模以上工业增加值同比增长百分之五点三，"
    "较上月加快零点五个百分点。"
)
X = "与此同时，社会消费品零售总额继续保持平稳增长，市场销售总体向好，消费需求逐步恢复。"
Y = "专家认为，随着一系列稳增长政策持续发力，四季度经济有望延续回升向好态势。"
# An emoji (two UTF-16 units) and CRLF line ends before the restated passage.
DRAFT = f"# 经济数据 📈\r\n\r\n{P1}\r\n\r\n{X}\r\n\r\n🎉{P2}\r\n\r\n{Y}\r\n"


class Client:
    """JSON-RPC over the server's stdin/stdout, with LSP's Content-Length framing."""

    def __init__(self, *args: str, cwd: Path) -> None:
        exe = shutil.which("paradup")
        assert exe, "the paradup command is installed"
        self.proc = subprocess.Popen(
            [exe, "lsp", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
        )
        self.next_id = 0
        self.messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def send(self, method: str, params: Any, request: bool = False) -> int | None:
        msg: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
        rid = None
        if request:
            self.next_id += 1
            rid = msg["id"] = self.next_id
        body = json.dumps(msg).encode()
        assert self.proc.stdin
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()
        return rid

    def _read(self) -> None:
        """The server's messages, onto a queue: a test waits with a timeout, never hangs."""
        out = self.proc.stdout
        assert out
        while True:
            length = -1
            while True:
                line = out.readline()
                if not line:
                    self.messages.put(None)
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            self.messages.put(json.loads(out.read(length)))

    def wait_for(self, method: str | None = None, rid: int | None = None) -> dict[str, Any]:
        while True:
            msg = self.messages.get(timeout=60)
            assert msg is not None, "the server stopped"
            assert msg.get("params", {}).get("message", "").find("Error in server") < 0, msg
            if (method and msg.get("method") == method) or (rid and msg.get("id") == rid):
                return msg  # type: ignore[no-any-return]

    def start(self, encodings: list[str]) -> dict[str, Any]:
        caps = {"general": {"positionEncodings": encodings}}
        rid = self.send(
            "initialize", {"processId": None, "rootUri": None, "capabilities": caps}, True
        )
        reply = self.wait_for(rid=rid)
        self.send("initialized", {})
        return reply

    def stop(self) -> int:
        rid = self.send("shutdown", None, True)
        self.wait_for(rid=rid)
        self.send("exit", None)
        return self.proc.wait(timeout=30)


def _offsets(text: str, rng: dict[str, Any], encoding: str) -> tuple[int, int]:
    """A range back to character offsets, computed independently of LineIndex."""
    lines = text.replace("\r\n", "\n").split("\n")
    assert "\r" not in text.replace("\r\n", "")

    def offset(pos: dict[str, int]) -> int:
        before = sum(len(line) + 2 for line in lines[: pos["line"]])  # CRLF: 2 characters
        line, units, col = lines[pos["line"]], 0, 0
        while units < pos["character"]:
            c = line[col]
            units += 2 if encoding == "utf-16" and ord(c) > 0xFFFF else 1
            col += 1
        assert units == pos["character"]
        return before + col

    return offset(rng["start"]), offset(rng["end"])


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_restated_passages_are_diagnostics_on_the_exact_spans(
    tmp_path: Path, encoding: str
) -> None:
    root = bounded_project(tmp_path)
    draft = root / "draft.md"
    draft.write_bytes(DRAFT.encode())
    uri = draft.as_uri()
    client = Client(cwd=root)
    try:
        reply = client.start([encoding])
        assert reply["result"]["capabilities"].get("positionEncoding", "utf-16") == encoding
        doc = {"uri": uri, "languageId": "markdown", "version": 1, "text": DRAFT}
        client.send("textDocument/didOpen", {"textDocument": doc})
        diags = client.wait_for("textDocument/publishDiagnostics")["params"]
        assert diags["uri"] == uri
        expected = check_text(DRAFT, str(draft)).findings
        assert len(expected) == 1
        f = expected[0]
        warning = [d for d in diags["diagnostics"] if d["severity"] == 2]
        hint = [d for d in diags["diagnostics"] if d["severity"] == 4]
        assert len(warning) == 1 and len(hint) == 1, diags
        start, end = _offsets(DRAFT, warning[0]["range"], encoding)
        assert (start, end) == (f.b.start, f.b.end) and DRAFT[start:end] == f.b.text
        assert warning[0]["source"] == "paradup" and warning[0]["code"] == f.kind
        assert "restates line 3" in warning[0]["message"] and "今天 → 今日" in warning[0]["message"]
        related = warning[0]["relatedInformation"][0]["location"]
        assert related["uri"] == uri
        assert _offsets(DRAFT, related["range"], encoding) == (f.a.start, f.a.end)
        assert _offsets(DRAFT, hint[0]["range"], encoding) == (f.a.start, f.a.end)

        # An edit that drops the restatement clears it (after the pause in typing).
        fixed = DRAFT.replace(P2, "")
        change = {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": fixed}]}
        client.send("textDocument/didChange", change)
        again = client.wait_for("textDocument/publishDiagnostics")["params"]
        assert again["diagnostics"] == [] and again["version"] == 2
        assert draft.read_bytes() == DRAFT.encode()  # the file on disk is never touched
        assert client.stop() == 0
    finally:
        client.proc.kill()


def test_a_broken_config_is_one_message_and_the_server_lives_on(tmp_path: Path) -> None:
    root = bounded_project(tmp_path)
    (root / ".paradup.toml").write_text("threshhold = 0.5\n", encoding="utf-8")
    draft = root / "draft.md"
    client = Client(cwd=root)
    try:
        client.start(["utf-16"])
        doc = {"uri": draft.as_uri(), "languageId": "markdown", "version": 1, "text": DRAFT}
        client.send("textDocument/didOpen", {"textDocument": doc})
        shown = client.wait_for("window/showMessage")["params"]
        assert shown["type"] == 1
        assert (
            ".paradup.toml" in shown["message"] and "did you mean 'threshold'" in shown["message"]
        )
        assert client.wait_for("textDocument/publishDiagnostics")["params"]["diagnostics"] == []
        (root / ".paradup.toml").write_text("threshold = 0.4\n", encoding="utf-8")
        client.send("textDocument/didSave", {"textDocument": {"uri": draft.as_uri()}})
        diags = client.wait_for("textDocument/publishDiagnostics")["params"]["diagnostics"]
        assert [d["severity"] for d in diags] == [2, 4]
        assert client.stop() == 0
    finally:
        client.proc.kill()


def test_line_index_counts_lsp_units() -> None:
    text = "a😀b\r\nc\rd\ne\x0cf"
    for enc, col in (("utf-16", 3), ("utf-32", 2), ("utf-8", 5)):
        assert LineIndex(text, enc).position(2) == (0, col)
    idx = LineIndex(text)
    assert idx.position(text.index("c")) == (1, 0)
    assert idx.position(text.index("d")) == (2, 0)
    assert idx.position(text.index("f")) == (3, 2)  # a form feed is no line end in LSP


def test_a_missing_index_is_refused_at_start(tmp_path: Path) -> None:
    start = time.monotonic()
    proc = subprocess.run(
        [shutil.which("paradup") or "paradup", "lsp", "--index", str(tmp_path / "no.paradup")],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "no.paradup" in proc.stderr
    assert time.monotonic() - start < 60


def test_with_an_index_a_published_passage_is_named(tmp_path: Path) -> None:
    root = bounded_project(tmp_path)
    (root / "arc").mkdir()
    (root / "arc" / "old.md").write_text(f"{X}\n\n{P1}\n", encoding="utf-8")
    built = subprocess.run(
        [shutil.which("paradup") or "paradup", "index", "build", "arc", "-i", "a.paradup", "-q"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert built.returncode == 0, built.stderr
    draft = root / "draft.md"
    text = f"{Y}\n\n{P2}\n"
    client = Client("--index", "a.paradup", cwd=root)
    try:
        client.start(["utf-16"])
        doc = {"uri": draft.as_uri(), "languageId": "markdown", "version": 1, "text": text}
        client.send("textDocument/didOpen", {"textDocument": doc})
        diags = client.wait_for("textDocument/publishDiagnostics")["params"]["diagnostics"]
        assert len(diags) == 1 and diags[0]["severity"] == 2, diags
        assert diags[0]["message"].startswith("already published in arc/old.md:3")
        related = diags[0]["relatedInformation"][0]["location"]
        assert related["uri"] == (root / "arc" / "old.md").as_uri()
        assert related["range"]["start"]["line"] == 2
        assert client.stop() == 0
    finally:
        client.proc.kill()


def test_a_config_edited_while_drafts_are_open_checks_them_again(tmp_path: Path) -> None:
    """Relaxing or fixing `.paradup.toml` left open drafts with the old diagnostics until
    they were edited: the server now asks the editor to watch configs and checks every open
    draft again when one changes. And a save right after an edit is one check, not a second
    one fired by the typing pause's timer in the middle of the next edits."""
    root = bounded_project(tmp_path)
    draft = root / "draft.md"
    uri = draft.as_uri()
    client = Client(cwd=root)
    try:
        caps = {
            "general": {"positionEncodings": ["utf-16"]},
            "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": True}},
        }
        rid = client.send(
            "initialize", {"processId": None, "rootUri": None, "capabilities": caps}, True
        )
        client.wait_for(rid=rid)
        client.send("initialized", {})
        asked = client.wait_for("client/registerCapability")
        (reg,) = asked["params"]["registrations"]
        assert reg["method"] == "workspace/didChangeWatchedFiles"
        globs = [w["globPattern"] for w in reg["registerOptions"]["watchers"]]
        assert "**/.paradup.toml" in globs, globs
        body = json.dumps({"jsonrpc": "2.0", "id": asked["id"], "result": None}).encode()
        assert client.proc.stdin
        client.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        client.proc.stdin.flush()

        doc = {"uri": uri, "languageId": "markdown", "version": 1, "text": DRAFT}
        client.send("textDocument/didOpen", {"textDocument": doc})
        diags = client.wait_for("textDocument/publishDiagnostics")["params"]["diagnostics"]
        assert [d["severity"] for d in diags] == [2, 4]

        (root / ".paradup.toml").write_text("threshold = 0.95\n", encoding="utf-8")
        change = {"uri": (root / ".paradup.toml").as_uri(), "type": 2}
        client.send("workspace/didChangeWatchedFiles", {"changes": [change]})
        again = client.wait_for("textDocument/publishDiagnostics")["params"]
        assert again["diagnostics"] == [] and again["version"] == 1

        edited = DRAFT.replace(Y, X)
        changed = {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": edited}]}
        client.send("textDocument/didChange", changed)
        client.send("textDocument/didSave", {"textDocument": {"uri": uri}})
        assert client.wait_for("textDocument/publishDiagnostics")["params"]["version"] == 2
        time.sleep(1.0)  # the typing pause's timer, had it survived the save, fires by now
        late = []
        while not client.messages.empty():
            msg = client.messages.get()
            if msg and msg.get("method") == "textDocument/publishDiagnostics":
                late.append(msg)
        assert late == []
        assert client.stop() == 0
    finally:
        client.proc.kill()


def test_uris_of_other_schemes_keep_their_folder() -> None:
    """VS Code's `git:/…/arc/03.md?…` view became `./03.md` (the current folder's config, and
    with `--index` the archived article flagged as restating itself)."""
    import os

    from paradup.lsp import uri_path

    assert uri_path("git:/repo/arc/03.md?%7B%22ref%22%3A%22HEAD%22%7D") == "/repo/arc/03.md"
    assert uri_path("file:///tmp/%E7%A8%BF%20a.md") == "/tmp/稿 a.md"
    assert uri_path("untitled:Untitled-1") == os.path.join(os.getcwd(), "Untitled-1")


def test_a_broken_config_under_several_open_drafts_is_one_message(tmp_path: Path) -> None:
    """Each open draft under a broken config popped the same error up again."""
    root = bounded_project(tmp_path)
    (root / ".paradup.toml").write_text("threshhold = 0.5\n", encoding="utf-8")
    client = Client(cwd=root)
    try:
        client.start(["utf-16"])
        for name in ("a.md", "b.md", "c.md"):
            doc = {"uri": (root / name).as_uri(), "languageId": "markdown", "version": 1}
            client.send("textDocument/didOpen", {"textDocument": {**doc, "text": DRAFT}})
        methods: list[str] = []
        while methods.count("textDocument/publishDiagnostics") < 3:
            msg = client.messages.get(timeout=60)
            assert msg is not None, "the server stopped"
            methods.append(str(msg.get("method")))
        assert methods.count("window/showMessage") == 1, methods
        assert client.stop() == 0
    finally:
        client.proc.kill()


def _long_draft(sentences: int = 6000) -> str:
    """About 200K characters of distinct sentences (a seeded draw of common characters) with
    one restatement near the end."""
    import random

    rng = random.Random(5)
    chars = (
        "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动"
        "同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自"
        "二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日"
        "那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变"
        "条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总"
        "次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指"
        "几九区强放决西被干做必战先回则任取据处理府研质"
    )
    body = ["# 数据\n"]
    for i in range(sentences):
        body.append("".join(rng.choice(chars) for _ in range(30)) + "。")
        if i % 8 == 7:
            body.append("\n\n")
    return f"{P1}\n\n" + "".join(body) + f"\n\n{P2}\n"


def test_a_long_check_does_not_hold_the_editors_requests(tmp_path: Path) -> None:
    """The check ran on the event loop: a 200K-character draft held every request (and the
    next keystroke) until its diagnostics were out. Now a request is answered first."""
    root = bounded_project(tmp_path)
    draft = root / "long.md"
    text = _long_draft()
    client = Client(cwd=root)
    try:
        client.start(["utf-16"])
        doc = {"uri": draft.as_uri(), "languageId": "markdown", "version": 1, "text": text}
        client.send("textDocument/didOpen", {"textDocument": doc})
        rid = client.send(
            "textDocument/hover",
            {"textDocument": {"uri": draft.as_uri()}, "position": {"line": 0, "character": 0}},
            True,
        )
        order: list[str] = []
        while True:
            msg = client.messages.get(timeout=60)
            assert msg is not None, "the server stopped"
            order.append("reply" if msg.get("id") == rid else str(msg.get("method")))
            if order[-1] == "textDocument/publishDiagnostics":
                break
        assert "reply" in order, order  # answered before the draft's diagnostics were out
        assert any("restates line 1" in d["message"] for d in msg["params"]["diagnostics"])
        assert client.stop() == 0
    finally:
        client.proc.kill()
