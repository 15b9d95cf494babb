"""CLI command `lsp`: the language server for editors (the `lsp` extra)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .errors import EXIT_USAGE, ParadupError
from .shown import one_line


def _fail(message: str) -> typer.Exit:
    typer.echo(f"paradup: error: {one_line(message)}", err=True)
    return typer.Exit(EXIT_USAGE)


def lsp(
    index: Annotated[
        Path | None,
        typer.Option(
            "--index",
            "--against",
            "-i",
            help="Also report passages already in this archive index (paradup index build).",
        ),
    ] = None,
) -> None:
    """Language server on stdin/stdout: restated passages as diagnostics while a draft is typed
    (each open draft is checked with the config found from its folder)."""
    try:
        import pygls  # noqa: F401
    except ImportError:
        raise _fail(
            "`paradup lsp` needs the editor extra; install it with pip install 'paradup[lsp]'"
        ) from None
    if index is not None:  # refused now, once: not as an error on every keystroke
        from .index.store import IndexStore, missing_index

        if not index.is_file():
            raise _fail(missing_index(index))
        try:
            IndexStore.open(str(index)).close()
        except ParadupError as exc:
            raise _fail(str(exc)) from None
    from .lsp import run_server

    raise typer.Exit(run_server(str(index.resolve()) if index else None))


def register(app: typer.Typer) -> None:
    app.command("lsp")(lsp)
