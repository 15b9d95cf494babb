"""`paradup lsp`: restated passages as an editor's diagnostics while the draft is typed.

A language server over standard input and output (pygls, the `lsp` extra). Each open draft is
checked as `paradup check - --stdin-name PATH` checks it: the config found from the file's
folder, its markers and allow-list, and with `--index` the archive too. A finding is a warning
on the later passage (the earlier one as related information) and a hint on the earlier one.

The pieces that need no editor (`notes`, `LineIndex`) are plain functions, tested directly;
pygls is imported only by `run_server`.
"""

from __future__ import annotations

import bisect
import logging
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from .model import Finding, Span

if TYPE_CHECKING:
    from lsprotocol import types

WARNING, HINT = 2, 4  # LSP DiagnosticSeverity
DEBOUNCE_S = 0.3  # a check per pause in typing, not per keystroke
_BREAK = re.compile(r"\r\n|\r|\n")  # LSP's line ends; str.splitlines also breaks at \x0c, \u2028


@dataclass(frozen=True)
class Note:
    """One diagnostic in character offsets of the draft; `other` is the other occurrence."""

    start: int
    end: int
    severity: int
    message: str
    code: str
    other: Span | None


class LineIndex:
    """Character offsets of one text as LSP positions: lines break at `\\n`, `\\r\\n` and
    `\\r` only, and a column counts the negotiated code units (`utf-16` unless the client
    offered `utf-32` or `utf-8`); an astral character (an emoji) is two UTF-16 units."""

    def __init__(self, text: str, encoding: str = "utf-16") -> None:
        self.text = text
        self.encoding = encoding
        self.starts = [0, *(m.end() for m in _BREAK.finditer(text))]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset) - 1
        piece = self.text[self.starts[line] : offset]
        if self.encoding == "utf-32":
            return line, len(piece)
        if self.encoding == "utf-8":
            return line, len(piece.encode("utf-8", "surrogatepass"))
        return line, len(piece) + sum(1 for c in piece if ord(c) > 0xFFFF)


def changed_words(f: Finding, limit: int = 8) -> str:
    """`今天 → 今日; ∅ → 的`: the changes of a finding on one line, as the text report shows."""
    from .report.text import change_side

    shown = "; ".join(f"{change_side(c.a)} → {change_side(c.b)}" for c in f.changes[:limit])
    return shown + (" …" if len(f.changes) > limit else "")


def _where(span: Span) -> str:
    if span.doc is None:  # the same draft
        return f"line {span.line}"
    from .report.text import archived_label

    label = archived_label(span)
    return f"{span.path}:{span.line}" + (f" {label}" if label else "")


def notes(text: str, path: str, against: str | None = None) -> list[Note]:
    """The diagnostics of a draft saved (or to be saved) at `path`, with the settings found
    from its folder. Raises ParadupError (a broken config, an incompatible index)."""
    from .read import Document
    from .run import check_docs
    from .settings import load_settings

    settings = load_settings([path])
    doc = Document(path, text, "utf-8")
    result = check_docs([doc], settings.config, settings.allow_patterns(), against)
    out: list[Note] = []
    for f in result.findings:
        what = "repeats a phrase of" if f.kind == "phrase" else "restates"
        archived = f.a.doc is not None
        if archived:
            what = "already published in"
        head = f"{what} {_where(f.a)} (similarity {f.similarity:.2f}, {f.kind})"
        words = changed_words(f)
        out.append(
            Note(f.b.start, f.b.end, WARNING, head + (f": {words}" if words else ""), f.kind, f.a)
        )
        if not archived:
            later = f"restated at line {f.b.line} (similarity {f.similarity:.2f}, {f.kind})"
            out.append(Note(f.a.start, f.a.end, HINT, later, f.kind, f.b))
    return out


def uri_path(uri: str) -> str:
    """The file a `file:` URI names (pygls's reading: a Windows drive, a UNC host); another
    scheme with an absolute path (VS Code's `git:/…/a.md?…` view of a file) names that
    file, so its folder's config applies and `--index` knows the archived article itself;
    anything else (an unsaved `untitled:` buffer) is a name in the current folder."""
    from pygls.uris import to_fs_path

    parsed = urlparse(uri)
    if parsed.scheme == "file":
        return to_fs_path(uri) or unquote(parsed.path)
    path = unquote(parsed.path)
    if os.path.isabs(path):
        return path
    return os.path.join(os.getcwd(), os.path.basename(path) or "untitled")


def to_diagnostics(items: Sequence[Note], index: LineIndex, uri: str) -> list[types.Diagnostic]:
    from pathlib import Path

    from lsprotocol import types as t

    from .archive import record_place

    def rng(start: int, end: int, where: LineIndex) -> t.Range:
        (l0, c0), (l1, c1) = where.position(start), where.position(end)
        return t.Range(
            start=t.Position(line=l0, character=c0), end=t.Position(line=l1, character=c1)
        )

    out = []
    for n in items:
        related = None
        if n.other is not None:
            if n.other.doc is None:  # in this draft
                related_uri, other_rng = uri, rng(n.other.start, n.other.end, index)
            else:  # an archived article: a file we can point at, its first line
                # A JSON Lines record (`cms.jsonl:672`): its line of the export.
                place = record_place(n.other.path)
                file = Path(place[0] if place else n.other.path)
                related_uri = file.resolve().as_uri() if file.is_file() else ""
                line = max((place[1] if place else n.other.line) - 1, 0)
                other_rng = t.Range(
                    start=t.Position(line=line, character=0), end=t.Position(line=line, character=0)
                )
            if related_uri:
                related = [
                    t.DiagnosticRelatedInformation(
                        location=t.Location(uri=related_uri, range=other_rng),
                        message=" ".join(n.other.text.split())[:120],
                    )
                ]
        out.append(
            t.Diagnostic(
                range=rng(n.start, n.end, index),
                message=n.message,
                severity=t.DiagnosticSeverity(n.severity),
                code=n.code,
                source="paradup",
                related_information=related,
            )
        )
    return out


def run_server(against: str | None = None) -> int:
    """Serve until the editor says exit (pygls answers initialize, shutdown and exit); the
    exit code."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from lsprotocol import types as t
    from pygls.lsp.server import LanguageServer

    from . import __version__
    from .errors import ParadupError
    from .shown import one_line

    server = LanguageServer(
        "paradup", __version__, text_document_sync_kind=t.TextDocumentSyncKind.Full
    )
    pending: dict[str, asyncio.TimerHandle] = {}
    told: dict[str, str] = {}  # each draft's current error: shown once, not per keystroke
    # The check runs in one worker thread: on the event loop a 200K-character draft held every
    # request (and the next keystroke's change) for a second. The latest check asked for each
    # draft is its ticket; an older one is skipped before it starts and dropped when it ends.
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="paradup-check")
    asked: dict[str, object] = {}

    def publish(uri: str) -> None:
        if (timer := pending.pop(uri, None)) is not None:
            timer.cancel()  # a save right after typing: checked once, not again mid-typing
        if unquote(uri) not in server.workspace.text_documents:
            return  # a save or change of a draft never opened: nothing of it is held
        doc = server.workspace.get_text_document(uri)
        source, version, ticket = doc.source, doc.version, object()
        asked[uri] = ticket

        def work() -> list[Note] | None:
            if asked.get(uri) is not ticket:
                return None  # edited again while waiting: that newer check will tell
            return notes(source, uri_path(uri), against)

        job = asyncio.get_running_loop().run_in_executor(worker, work)
        job.add_done_callback(lambda done: deliver(uri, ticket, source, version, done))

    def deliver(
        uri: str, ticket: object, source: str, version: int | None, done: asyncio.Future[Any]
    ) -> None:
        if asked.get(uri) is not ticket or done.cancelled():
            return  # a newer check is on its way, or the draft was closed
        del asked[uri]
        try:
            items = done.result()
            told.pop(uri, None)
        except Exception as exc:  # a damaged index is a ParadupError: `check_against` names it
            # A bug too: the timer's call is outside pygls's handlers, so the draft kept its
            # last diagnostics, now on the wrong words, and nothing was said.
            if isinstance(exc, ParadupError):
                message = f"paradup: {one_line(str(exc))}"
            else:
                logging.getLogger("paradup.lsp").error("check failed", exc_info=exc)
                message = (
                    f"paradup: internal error ({type(exc).__name__}: {one_line(str(exc))}); "
                    "this draft is not checked, please report it"
                )
            # Once while it lasts, for all drafts: a broken config under three open drafts
            # was three pop-ups.
            shown = message in told.values()
            told[uri] = message
            if not shown:
                server.window_show_message(
                    t.ShowMessageParams(type=t.MessageType.Error, message=message)
                )
            items = []
        encoding = str(server.workspace.position_encoding or "utf-16")
        diagnostics = to_diagnostics(items, LineIndex(source, encoding), uri)
        server.text_document_publish_diagnostics(
            t.PublishDiagnosticsParams(uri=uri, version=version, diagnostics=diagnostics)
        )

    def later(uri: str) -> None:
        if uri in pending:
            pending[uri].cancel()
        pending[uri] = asyncio.get_running_loop().call_later(DEBOUNCE_S, publish, uri)

    @server.feature(t.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: t.DidOpenTextDocumentParams) -> None:
        publish(params.text_document.uri)

    @server.feature(t.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: t.DidChangeTextDocumentParams) -> None:
        later(params.text_document.uri)

    @server.feature(t.TEXT_DOCUMENT_DID_SAVE)
    def did_save(params: t.DidSaveTextDocumentParams) -> None:
        publish(params.text_document.uri)

    def again(*_params: object) -> None:
        """Every open draft checked again: a config (or the editor's settings) changed."""
        told.clear()
        for uri in list(server.workspace.text_documents):
            publish(uri)

    server.feature(t.WORKSPACE_DID_CHANGE_WATCHED_FILES)(again)
    server.feature(t.WORKSPACE_DID_CHANGE_CONFIGURATION)(again)

    @server.feature(t.INITIALIZED)
    def initialized(_params: t.InitializedParams) -> None:
        # Told when a config is edited (an open draft kept the old threshold's findings, or
        # none after a broken config was fixed), where the editor can watch files for us.
        caps = server.client_capabilities.workspace
        watched = caps.did_change_watched_files if caps else None
        if watched and watched.dynamic_registration:
            watchers = [
                t.FileSystemWatcher(glob_pattern=f"**/{name}")
                for name in (".paradup.toml", "pyproject.toml")
            ]
            options = t.DidChangeWatchedFilesRegistrationOptions(watchers=watchers)
            registration = t.Registration(
                id="paradup-configs",
                method=t.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=options,
            )
            server.client_register_capability(t.RegistrationParams(registrations=[registration]))

    @server.feature(t.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: t.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri in pending:
            pending.pop(uri).cancel()
        told.pop(uri, None)
        asked.pop(uri, None)  # a check still running: its result is for a closed draft
        server.text_document_publish_diagnostics(
            t.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )

    stopped: list[bool] = []

    @server.feature(t.SHUTDOWN)
    def on_shutdown(_params: None) -> None:
        stopped.append(True)

    # pygls closes the stream it writes to at exit: a duplicate keeps sys.stdout open for the
    # CLI's last flush. Its exit code (0 after shutdown, 1 without, as LSP says) it swallows.
    with os.fdopen(os.dup(sys.stdout.fileno()), "wb") as out:
        server.start_io(sys.stdin.buffer, out)
    worker.shutdown(wait=False, cancel_futures=True)  # a check still running ends on its own
    return 0 if stopped else 1
