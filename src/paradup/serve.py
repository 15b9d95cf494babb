"""`paradup serve`: a local page where an editor pastes or drops a draft and sees the HTML report.

Built on Starlette (run by uvicorn from `cli_serve`). No login, no state, nothing written to disk:
the request body is read into memory up to a limit and parsed there (uploads never spool to a
temporary file), and every piece of input shown back is HTML-escaped. Imports of the web stack
happen here only, so the rest of paradup works without the `serve` extra.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import threading
from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING

from .config import CheckConfig
from .errors import InputError, ParadupError
from .model import CheckResult
from .read import Document, decode
from .report.html import CSS, SCRIPT_CSP, csp_hash
from .report.html import render as render_report

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

DEFAULT_MAX_BYTES = 2 * 1024 * 1024  # a news draft is a few KB; 2 MB is generous
FORM_OVERHEAD = 64 * 1024  # multipart boundaries, headers and the small fields
DRAIN_LIMIT = 32 * 1024 * 1024  # read (and discard) an oversize body up to this, then answer
# A draft's upload takes well under a second; a client trickling its body holds one of the
# server's 32 connections for as long as it likes without this.
BODY_TIMEOUT = 60.0
ENCODINGS = {
    "": None,
    "utf-8": None,
    "gb18030": "gb18030",
    "big5": "big5",
    # A file that says "UTF-16" with a byte-order mark needs none; these are for one without.
    "utf-16-le": "utf-16-le",
    "utf-16-be": "utf-16-be",
}
NON_TEXT_TYPES = ("image/", "audio/", "video/", "font/", "application/pdf", "application/zip")
PASTED_NAME = "粘贴的稿件"

FORM_SCRIPT = """
(function () {
  "use strict";
  var form = document.getElementById("draft-form");
  var input = document.getElementById("file");
  var label = document.getElementById("file-name");
  var text = document.getElementById("text");
  function show() {
    label.textContent = input.files && input.files.length ? input.files[0].name : "";
  }
  input.addEventListener("change", show);
  ["dragenter", "dragover"].forEach(function (t) {
    form.addEventListener(t, function (ev) { ev.preventDefault(); form.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (t) {
    form.addEventListener(t, function () { form.classList.remove("over"); });
  });
  form.addEventListener("drop", function (ev) {
    var dt = ev.dataTransfer;
    if (dt && dt.files && dt.files.length) {
      ev.preventDefault();
      input.files = dt.files;
      show();
    }
  });
  form.addEventListener("submit", function () {
    document.getElementById("submit").disabled = true;
    document.getElementById("busy").hidden = false;
  });
  text.focus();
})();
"""

FORM_CSS = """
main.form { max-width:960px; margin:0 auto; padding:20px 24px; display:block; }
form { background:#fff; border:2px dashed var(--line); border-radius:10px; padding:16px; }
form.over { border-color:var(--accent); background:#fff5f7; }
textarea { width:100%; min-height:22em; font:inherit; padding:10px; border:1px solid var(--line);
  border-radius:6px; resize:vertical; }
.row { display:flex; flex-wrap:wrap; gap:12px 24px; align-items:center; margin-top:12px; }
button#submit { font:inherit; font-size:17px; padding:6px 28px; border:0; border-radius:6px;
  background:var(--accent); color:#fff; cursor:pointer; }
button#submit:disabled { opacity:.6; }
.error { background:#ffebee; color:#b71c1c; border:1px solid #ef9a9a; border-radius:6px;
  padding:10px 14px; margin:0 0 14px; }
"""


def _csp(script_hash: str) -> str:
    return (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"script-src {script_hash}; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )


HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # Not no-referrer: under it a browser sends `Origin: null` for our own form, which is what
    # a cross-site page sends too; same-origin sends our origin to us and nothing elsewhere.
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    # A page that opened ours cannot later steer the tab (to a look-alike); old browsers
    # without CSP frame-ancestors do not frame it.
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


class Refused(Exception):
    """A request the page answers with a status and one clear message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Part:
    """One form field of a request body: a text field or an uploaded file."""

    name: str
    filename: str | None
    content_type: str
    data: bytes


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def form_page(
    max_bytes: int,
    index_name: str | None,
    error: str | None = None,
    text: str = "",
    encoding: str = "",
    against_checked: bool = True,
) -> str:
    """The paste-or-drop page; `error` and `text` are shown escaped. `encoding` is the one
    selected: a menu value, or a config's codec name, which gets an option of its own."""
    menu = [
        ("", "UTF-8"),
        ("gb18030", "GBK / GB18030"),
        ("big5", "Big5"),
        ("utf-16-le", "UTF-16 LE"),
        ("utf-16-be", "UTF-16 BE"),
    ]
    if encoding not in ENCODINGS:
        menu.append((encoding, encoding))
    options = "".join(
        f'<option value="{escape(v)}"{" selected" if v == encoding else ""}>{escape(label)}'
        "</option>"
        for v, label in menu
    )
    against = (
        '<label><input type="checkbox" name="against" value="1"'
        f"{' checked' if against_checked else ''}> "
        f"对照存档 also check against the archive <code>{escape(index_name)}</code></label>"
        if index_name
        else ""
    )
    err = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    return (
        '<!DOCTYPE html>\n<html lang="zh-Hans"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>paradup 段落查重</title>"
        f"<style>{CSS}{FORM_CSS}</style></head><body>"
        '<header class="top"><h1>paradup 段落查重</h1>'
        '<p class="help">粘贴稿件或拖入 .txt / .md 文件，查找重述段落。Paste a draft or drop a '
        f".txt / .md file (at most {_mb(max_bytes)}). Nothing is stored.</p></header>"
        f'<main class="form">{err}'
        '<form id="draft-form" method="post" action="/check" enctype="multipart/form-data" '
        'accept-charset="utf-8">'
        '<label for="text"><strong>稿件 Draft</strong></label>'
        # The newline after the tag is dropped by HTML's parser, not one of the draft's own.
        f'<textarea id="text" name="text" placeholder="在此粘贴稿件全文 Paste the draft here">'
        f"\n{escape(text)}</textarea>"
        '<div class="row"><label>或拖入文件 or drop / choose a file: '
        '<input type="file" id="file" name="file" '
        'accept=".txt,.md,.markdown,.text,text/plain,text/markdown"></label>'
        '<span id="file-name" class="meta"></span>'
        f'<label>编码 Encoding <select name="encoding">{options}</select></label>'
        f"{against}</div>"
        '<div class="row"><button id="submit" type="submit">查重 Check</button>'
        '<span id="busy" class="meta" hidden>正在查重… checking…</span></div>'
        f"</form></main><script>{FORM_SCRIPT}</script></body></html>\n"
    )


FORM_CSP = _csp(csp_hash(FORM_SCRIPT))
REPORT_CSP = _csp(SCRIPT_CSP)


def _browser_name(raw: bytes) -> str:
    """A multipart file name as the user saw it: browsers send `"`, CR and LF as %22, %0D and
    %0A (the HTML form-data encoding), which the report showed as they came."""
    name = raw.decode("utf-8", "replace")
    return name.replace("%22", '"').replace("%0D", "\r").replace("%0A", "\n")


def parse_body(body: bytes, content_type: str) -> list[Part]:
    """Parse a multipart/form-data or urlencoded body entirely in memory."""
    from python_multipart.multipart import MultipartParser, parse_options_header

    ctype, params = parse_options_header(content_type)
    if ctype == b"application/x-www-form-urlencoded":
        from urllib.parse import parse_qsl

        try:
            pairs = parse_qsl(body.decode("ascii"), keep_blank_values=True, errors="strict")
        except UnicodeError:
            raise Refused(400, "The form is not valid UTF-8; paste the text again.") from None
        return [Part(k, None, "text/plain", v.encode("utf-8")) for k, v in pairs]
    boundary = params.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary:
        raise Refused(415, "Send the draft from the page: a multipart/form-data form.")

    parts: list[Part] = []
    state: dict[str, bytes] = {}
    headers: dict[bytes, bytes] = {}
    data = bytearray()

    def part_begin() -> None:
        headers.clear()
        data.clear()

    def header_field(buf: bytes, start: int, end: int) -> None:
        state["field"] = state.get("field", b"") + buf[start:end]

    def header_value(buf: bytes, start: int, end: int) -> None:
        state["value"] = state.get("value", b"") + buf[start:end]

    def header_end() -> None:
        headers[state.pop("field", b"").lower()] = state.pop("value", b"")

    def part_data(buf: bytes, start: int, end: int) -> None:
        data.extend(buf[start:end])

    def part_end() -> None:
        _, opts = parse_options_header(headers.get(b"content-disposition", b""))
        filename = opts.get(b"filename")
        parts.append(
            Part(
                opts.get(b"name", b"").decode("utf-8", "replace"),
                _browser_name(filename) if filename is not None else None,
                headers.get(b"content-type", b"").decode("latin-1").strip().lower(),
                bytes(data),
            )
        )

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": part_begin,
            "on_header_field": header_field,
            "on_header_value": header_value,
            "on_header_end": header_end,
            "on_part_data": part_data,
            "on_part_end": part_end,
            "on_end": lambda: state.__setitem__("ended", b"1"),
        },
    )
    try:
        parser.write(body)
        parser.finalize()
        # A body cut off before its closing boundary lost its last part silently: "paste a
        # draft" answered a draft that was sent.
        if "ended" not in state:
            raise ValueError("no closing boundary")
    except Exception:  # python-multipart raises several error types for malformed bodies
        raise Refused(400, "The form data is malformed; send the draft from the page.") from None
    return parts


def encoding_field(parts: Sequence[Part], default: str = "") -> str:
    """The form's encoding choice, lower case (the last field of that name, as a form's field
    dictionary has it); `default` for a form without the field."""
    found = [p for p in parts if p.name == "encoding" and p.filename is None]
    return found[-1].data.decode("utf-8", "replace").strip().lower() if found else default


def draft_from_parts(
    parts: Sequence[Part], max_bytes: int, default_encoding: str = ""
) -> tuple[Document, str]:
    """The draft a form carries (a dropped file wins over pasted text) and the encoding field.

    `default_encoding` (a config's `encoding`, preselected on the page) applies to a form
    without the field and is accepted besides the menu's."""
    fields = {p.name: p for p in parts if p.filename is None}
    enc_value = encoding_field(parts, default_encoding)
    if enc_value not in ENCODINGS and enc_value != default_encoding:
        raise Refused(
            400, f"Unknown encoding {enc_value!r}; choose UTF-8, GB18030, Big5 or UTF-16."
        )
    encoding = ENCODINGS.get(enc_value, enc_value)
    upload = next((p for p in parts if p.name == "file" and p.filename), None)
    if upload is not None:
        name = PureWindowsPath(PurePosixPath(upload.filename or "draft").name).name or "draft"
        if len(upload.data) > max_bytes:
            raise Refused(
                413,
                f"{name} is {len(upload.data):,} bytes, over this server's {max_bytes:,}-byte "
                "limit (--max-bytes); split the draft or restart paradup serve with a larger "
                "--max-bytes.",
            )
        if upload.content_type.startswith(NON_TEXT_TYPES):
            raise Refused(
                415,
                f"{name} is {upload.content_type}, not text; drop a .txt or .md file or paste "
                "the text.",
            )
        try:
            doc = decode(upload.data, name, encoding)
        except InputError as exc:
            if "binary" in exc.problem:
                raise Refused(
                    415, f"{name} is not a text file; drop a .txt or .md file or paste the text."
                ) from None
            if exc.problem == "is empty":  # no bytes, a byte-order mark or only blanks
                raise Refused(
                    400, f"{name} is empty; drop a file that holds the draft or paste it."
                ) from None
            if "byte-order mark, not" in exc.problem:  # UTF-8 (automatic) reads its mark
                fix = "choose UTF-8 (it reads a UTF-16/32 byte-order mark) and drop it again."
            elif "UTF-16 text without" in exc.problem:  # the menu has both byte orders
                order = "BE" if exc.fix.endswith("-be") else "LE"
                fix = f"choose UTF-16 {order} and drop it again."
            elif "UTF-8" in exc.problem:
                fix = "if it is GBK/GB18030, choose that encoding and drop it again."
            else:
                fix = "choose the file's encoding and drop it again."
            raise Refused(400, f"{name} {exc.problem}; {fix}") from None
        return doc, enc_value
    text_part = fields.get("text")
    raw = text_part.data if text_part else b""
    if len(raw) > max_bytes:
        raise Refused(
            413,
            f"The pasted draft is {len(raw):,} bytes, over this server's {max_bytes:,}-byte "
            "limit (--max-bytes); split it or restart paradup serve with a larger --max-bytes.",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "The pasted text is not valid UTF-8; paste it again.") from None
    text = text.replace("\r\n", "\n")
    if not text.strip():
        raise Refused(400, "Paste a draft into the box or drop a .txt / .md file, then Check.")
    if "\x00" in text:
        raise Refused(415, "The pasted text contains NUL bytes; paste plain text.")
    return Document(PASTED_NAME, text, "utf-8"), enc_value


def cross_site(headers: Mapping[str, str]) -> bool:
    """A form posted by another site's page: refused, so no web page can make the editor's
    machine run checks (the lock would also hold the editor's own drafts behind them).

    Browsers say where a request comes from in Sec-Fetch-Site (not to a plain-http address
    that is not loopback, though), and in Origin, which our own page sends as our origin
    (Referrer-Policy same-origin); `null` is what a cross-site page with no-referrer, a
    sandboxed frame or a file:// page sends. Scripts and curl send neither."""
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = headers.get("origin")
    if origin is None:
        return False
    if origin == "null":
        return True
    scheme, _, rest = origin.partition("://")
    return scheme not in ("http", "https") or host_port(rest) != host_port(headers.get("host", ""))


def host_port(header: str) -> tuple[str, str]:
    """(host, port) of a Host header or an origin's authority, the host as `host_of` reads it."""
    header = header.strip()
    port = ""
    if header.startswith("["):
        end = header.find("]")
        port = header[end + 2 :] if end > 0 and header[end + 1 : end + 2] == ":" else ""
    elif header.count(":") == 1:
        port = header.rsplit(":", 1)[1]
    return host_of(header), port


def _host_key(host: str) -> str:
    """A host name or address compared case-insensitively, IPv6 in its compressed form."""
    host = host.strip().lower().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        return ipaddress.ip_address(host).compressed
    except ValueError:
        return host


def host_of(header: str) -> str:
    """The host of a Host header without its port: `[::1]:8765` -> `::1`, `a.b:80` -> `a.b`."""
    header = header.strip()
    if header.startswith("["):  # an IPv6 literal: bracketed, the port after `]:`
        end = header.find("]")
        return _host_key(header[1:end]) if end > 0 else ""
    return _host_key(header.rsplit(":", 1)[0] if header.count(":") == 1 else header)


ASGIApp = Callable[
    [MutableMapping[str, object], Callable[[], Awaitable[object]], Callable[..., Awaitable[None]]],
    Awaitable[None],
]


class HostCheck:
    """Refuse requests whose Host header names another machine (DNS rebinding of a loopback
    server). Unlike Starlette's TrustedHostMiddleware it reads bracketed IPv6 (`[::1]:8765`)."""

    def __init__(
        self, app: ASGIApp, allowed_hosts: Sequence[str], any_address: bool = False
    ) -> None:
        self.app = app
        self.allowed = {host_of(h) for h in allowed_hosts}  # `--allow-host name:8765` too
        self.any_address = any_address  # an IP literal is not a name DNS could rebind

    def allows(self, host: str) -> bool:
        if host in self.allowed:
            return True
        if not self.any_address:
            return False
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return False
        return True

    async def __call__(
        self,
        scope: MutableMapping[str, object],
        receive: Callable[[], Awaitable[object]],
        send: Callable[..., Awaitable[None]],
    ) -> None:
        if scope.get("type") in ("http", "websocket"):
            headers = scope.get("headers") or []
            assert isinstance(headers, list)
            raw = next((v for k, v in headers if k == b"host"), b"")
            if not self.allows(host_of(raw.decode("latin-1"))):
                from starlette.responses import PlainTextResponse

                response = PlainTextResponse("Invalid host header", status_code=400)
                await response(scope, receive, send)  # type: ignore[arg-type]
                return
        await self.app(scope, receive, send)


def create_app(
    index: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    config: CheckConfig | None = None,
    allowed_hosts: Sequence[str] | None = None,
    any_address: bool = False,
    allow: Sequence[re.Pattern[str]] | None = None,
    body_timeout: float = BODY_TIMEOUT,
) -> Starlette:
    """The web app: GET / (the page), POST /check (the report), GET /healthz.

    `config` and `allow` (the settings' allow-list; default the built-in bylines) are applied to
    every draft, with its off/on markers, as `paradup check` applies them."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.middleware import Middleware
    from starlette.responses import HTMLResponse, PlainTextResponse, Response
    from starlette.routing import Route

    from .run import check_docs

    config = config or CheckConfig()
    if allow is None:
        from .settings import Settings

        allow = Settings().allow_patterns()
    patterns = list(allow)
    index_name = PurePosixPath(index).name if index else None
    lock = threading.Lock()  # one check at a time: jieba's lazy setup is not thread-safe
    queue = asyncio.Lock()  # and waiting in line on the event loop, where a gone client shows

    def page(body: str, status: int = 200, csp: str = FORM_CSP) -> Response:
        return HTMLResponse(body, status, headers={**HEADERS, "Content-Security-Policy": csp})

    def run_check(doc: Document, against: bool) -> CheckResult:
        # The name the browser sends is a label: checked under it, a name that is an archive
        # key (`0007.md`, run from the archive's folder) made the draft its own source and
        # dropped every match with that document, looking the name up on this machine.
        with lock:
            target = index if against and index else None
            return check_docs([doc], config, patterns, target, by_path=False)

    default_encoding = (config.encoding or "").lower()
    if default_encoding in ("utf-8", "utf8"):
        default_encoding = ""

    async def home(request: Request) -> Response:
        return page(form_page(max_bytes, index_name, encoding=default_encoding))

    async def read_body(request: Request) -> bytes:
        limit = max_bytes + FORM_OVERHEAD
        declared = request.headers.get("content-length", "")
        body = bytearray()
        stream = request.stream()

        async def fill() -> bool:  # True once the body is over the limit
            async for chunk in stream:
                body.extend(chunk)
                if len(body) > limit:
                    return True
            return False

        async def drain(drained: int) -> int:
            async for chunk in stream:
                drained += len(chunk)
                if drained > DRAIN_LIMIT:
                    break
            return drained

        too_big = declared.isdigit() and int(declared) > limit
        if not too_big:
            try:
                too_big = await asyncio.wait_for(fill(), body_timeout)
            except asyncio.TimeoutError:
                raise Refused(
                    408,
                    f"The upload took over {body_timeout:.0f} s and was stopped; send the draft "
                    "again.",
                ) from None
        if too_big:
            size = int(declared) if declared.isdigit() else len(body)
            # Let the browser finish sending (up to a point), so that it shows our answer; a
            # slow sender still gets the 413, not a 408 for the part nobody wanted.
            drained, finished = len(body), True
            if size <= DRAIN_LIMIT:
                try:
                    drained = await asyncio.wait_for(drain(drained), body_timeout)
                except asyncio.TimeoutError:
                    finished = False
            size = max(size, drained)
            # A body of unknown length is read only up to DRAIN_LIMIT (or the timeout): its
            # size is not known.
            known = declared.isdigit() or (finished and size <= DRAIN_LIMIT)
            shown = _mb(size) if known else f"over {_mb(min(size, DRAIN_LIMIT))}"
            raise Refused(
                413,
                f"The upload is {shown}, over this server's {_mb(max_bytes)} limit "
                "(--max-bytes); split the draft or restart paradup serve with a larger "
                "--max-bytes.",
            )
        return bytes(body)

    async def check(request: Request) -> Response:
        text = ""
        encoding = default_encoding
        against = True
        try:
            if cross_site(request.headers):
                raise Refused(403, "This page only checks drafts sent from its own form.")
            body = await read_body(request)
            parts = parse_body(body, request.headers.get("content-type", ""))
            pasted = next((p for p in parts if p.name == "text" and p.filename is None), None)
            if pasted is not None and len(pasted.data) <= max_bytes:
                text = pasted.data.decode("utf-8", "replace")
            against = any(p.name == "against" and p.data == b"1" for p in parts)
            encoding = encoding_field(parts, default_encoding)  # shown again even if refused
            doc, encoding = draft_from_parts(parts, max_bytes, default_encoding)
            try:
                async with queue:
                    # Checks run one at a time: one whose editor gave up waiting (closed the
                    # tab, pressed stop) is not run, so it does not hold up the next one.
                    if await request.is_disconnected():
                        return Response(status_code=499)
                    result = await run_in_threadpool(run_check, doc, against)
            except ParadupError as exc:
                raise Refused(500, f"The check failed: {exc}") from None
        except Refused as exc:
            shown = form_page(max_bytes, index_name, exc.message, text, encoding, against)
            return page(shown, exc.status)
        html = render_report(
            result,
            {doc.path: doc.text},
            title=f"{doc.path} — paradup 段落查重",
            new_check_href="/",
        )
        return page(html, csp=REPORT_CSP)

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    middleware = []
    if allowed_hosts:  # refuse other Host headers (DNS rebinding); `any_address`: IP literals
        hosts = list(allowed_hosts)
        middleware.append(Middleware(HostCheck, allowed_hosts=hosts, any_address=any_address))
    return Starlette(
        routes=[
            Route("/", home, methods=["GET"]),
            Route("/check", check, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        middleware=middleware,
    )
