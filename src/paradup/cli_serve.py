"""CLI command `serve`: the editor's review page on a local web server (the `serve` extra)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .errors import EXIT_USAGE, ParadupError
from .shown import one_line

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def _fail(message: str) -> typer.Exit:
    typer.echo(f"paradup: error: {one_line(message)}", err=True)
    return typer.Exit(EXIT_USAGE)


def _check_port(host: str, port: int) -> None:
    """Fail with one clear line when the address cannot be bound (uvicorn would log a trace)."""
    import errno
    import socket  # here, not at the top: every other command starts faster without it

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise _fail(f"--host {host}: cannot resolve it ({exc.strerror}); pass an address") from None
    family, kind, proto, _, addr = infos[0]
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(addr)
        except OSError as exc:
            raise _fail(
                f"{host}:{port}: cannot listen there ({exc.strerror}); "
                + (
                    "pick another --port"
                    if exc.errno in (errno.EADDRINUSE, errno.EACCES)
                    else "pass an address of this machine to --host"
                )
            ) from None


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(
    host: Annotated[
        str, typer.Option(help="Address to listen on; loopback unless you mean otherwise.")
    ] = DEFAULT_HOST,
    port: Annotated[int, typer.Option(help="Port to listen on.")] = DEFAULT_PORT,
    index: Annotated[
        Path | None, typer.Option("--index", "-i", help="Also check drafts against this index.")
    ] = None,
    max_bytes: Annotated[
        int | None,
        typer.Option(
            help="Refuse drafts larger than this many bytes [the config's max-bytes, else 2 MB]."
        ),
    ] = None,
    config_file: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Config file (else .paradup.toml / [tool.paradup] discovered from the current "
            "directory), read once at startup.",
        ),
    ] = None,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host",
            help="A DNS name editors reach this server by (repeatable); with a non-loopback "
            "--host, IP addresses and this machine's own name are accepted already.",
        ),
    ] = None,
) -> None:
    """Serve a local page where an editor pastes or drops a draft and sees the HTML report."""
    try:
        import python_multipart  # noqa: F401
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise _fail(
            "`paradup serve` needs the web extras; install them with pip install 'paradup[serve]'"
        ) from None
    if not 0 < port < 65536:
        raise _fail(f"--port {port}: expected 1-65535")
    if max_bytes is not None and max_bytes <= 0:
        raise _fail(f"--max-bytes {max_bytes}: expected a positive number of bytes")
    from .settings import load_settings

    try:
        # As `paradup check` reads it: the markers and allow-list apply to every draft.
        settings = load_settings([], config_file, {})
    except ParadupError as exc:
        raise _fail(str(exc)) from None
    if max_bytes is None:  # a config's max-bytes is this page's limit too, as it is check's
        from_file = settings.sources.get("max-bytes") not in (None, "command line")
        from .serve import DEFAULT_MAX_BYTES

        max_bytes = settings.config.max_bytes if from_file else DEFAULT_MAX_BYTES
    if index is not None:
        from .index.store import IndexStore, missing_index

        if not index.is_file():
            raise _fail(missing_index(index))
        from .against import require_compatible

        try:
            store = IndexStore.open(str(index))
            try:  # the config must fingerprint as the index did, or every check would fail
                require_compatible(store, str(index), settings.config)
            finally:
                store.close()
        except ParadupError as exc:
            raise _fail(str(exc)) from None
    try:
        # A tiny check through the real pipeline: a config that cannot check (a user dictionary
        # that is missing or unreadable) is refused here, not by a 500 on every draft, and the
        # segmenter is warm for the editor's first draft.
        from .read import Document
        from .run import check_docs

        check_docs([Document("warm-up", "预热。\n", "utf-8")], settings.config, [])
    except ParadupError as exc:
        raise _fail(str(exc)) from None
    host = host.strip("[]")  # `[::1]`, as the served URL is printed
    _check_port(host, port)
    from .serve import create_app

    loopback = _is_loopback(host)
    allowed = [host, "127.0.0.1", "::1", "localhost", *(allow_host or [])]
    if not loopback:
        # Any page an editor visits could rebind its own DNS name to this server (a bind to
        # 0.0.0.0 answers on 127.0.0.1 too) and read every report: names are refused unless
        # they are this machine's or named; an address typed as such cannot be rebound.
        import socket

        allowed.append(socket.gethostname())  # not getfqdn(): a reverse lookup may hang
    app = create_app(
        str(index) if index else None,
        max_bytes,
        config=settings.config,
        allowed_hosts=allowed,
        allow=settings.allow_patterns(),
        any_address=not loopback,
    )
    shown = f"[{host}]" if ":" in host else host
    if not loopback:
        typer.echo(
            f"paradup: warning: listening on {host}, reachable from other machines, with no login",
            err=True,
        )
    typer.echo(f"paradup: serving http://{shown}:{port}/ (Ctrl+C to stop)", err=True)
    _run(app, host, port)


def _run(app: object, host: str, port: int) -> None:
    """uvicorn, stopped at once by Ctrl-C or SIGTERM: uvicorn's graceful shutdown waited for a
    running check (seconds for a long draft) and a second Ctrl-C printed its tracebacks. The
    server holds no state and writes nothing, so nothing is lost by not waiting."""
    import os
    import signal
    import sys

    import uvicorn

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: object) -> None:
            if sig == signal.SIGINT:
                sys.stderr.write("paradup: interrupted\n")
                sys.stderr.flush()
            os._exit(128 + sig)

    # A newsroom's handful of editors: past 32 open connections new ones get 503 at once, and
    # an idle keep-alive connection is closed after 5 s, so stalled clients cannot pile up.
    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        limit_concurrency=32,
        timeout_keep_alive=5,
    )
    Server(config).run()


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
