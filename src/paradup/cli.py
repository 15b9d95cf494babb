"""Thin typer CLI: parse options, build one config, call the library, map errors to exit codes."""

from __future__ import annotations

import io
import os
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .errors import EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, ParadupError, UsageError
from .shown import one_line

if TYPE_CHECKING:
    from .config import CheckConfig
    from .read import Document
    from .settings import Settings

app = typer.Typer(
    name="paradup",
    help="段落查重: find restated paragraphs and passages in Chinese news copy.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain click help: the rich help renderer imports markdown-it, pygments and more (≈ 0.17 s
    # of every `--help`, measured with -X importtime in reports/PERFORMANCE.md).
    rich_markup_mode=None,
)


class Format(str, Enum):
    text = "text"
    json = "json"
    html = "html"
    sarif = "sarif"
    github = "github"


class Engine(str, Enum):
    auto = "auto"
    jieba = "jieba"
    rjieba = "rjieba"
    mmap = "mmap"


class Ngram(str, Enum):
    word = "word"
    char = "char"


def _fail(message: str) -> typer.Exit:
    typer.echo(f"paradup: error: {one_line(message)}", err=True)
    return typer.Exit(EXIT_USAGE)


def _version(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"paradup {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """段落查重: find restated paragraphs and passages in Chinese news copy."""


@app.command()
def check(
    paths: Annotated[
        list[str], typer.Argument(help="Files, directories (recursive) or - for stdin.")
    ],
    format: Annotated[
        Format | None,
        typer.Option(
            "--format",
            "-f",
            help="Report format [text; with -o, its suffix's: .json, .html, .sarif].",
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report here, not stdout.")
    ] = None,
    threshold: Annotated[
        float | None, typer.Option(help="Jaccard similarity a passage pair needs [0.4].")
    ] = None,
    extend_threshold: Annotated[
        float | None, typer.Option(help="Similarity that lets a neighbour join [0.25].")
    ] = None,
    shingle: Annotated[int | None, typer.Option(help="n of the word/char n-grams [2].")] = None,
    ngram: Annotated[Ngram | None, typer.Option(help="Shingle words or characters [word].")] = None,
    num_perm: Annotated[int | None, typer.Option(help="MinHash permutations [128].")] = None,
    windows: Annotated[
        str | None, typer.Option(help="Sentence window sizes, comma-separated [2,3].")
    ] = None,
    min_chars: Annotated[
        int | None, typer.Option(help="Shortest passage reported, in characters [12].")
    ] = None,
    phrase_chars: Annotated[
        int | None,
        typer.Option(
            help="Also report phrases of at least this many characters a draft repeats "
            "inside differently framed sentences (20 is a good start) [0: off]."
        ),
    ] = None,
    user_dict: Annotated[
        Path | None, typer.Option(help="jieba user dictionary (one word per line).")
    ] = None,
    engine: Annotated[
        Engine | None,
        typer.Option(
            help="Segmentation, same tokens: mmap (jieba over a memory-mapped dictionary, fast "
            "start), rjieba (compiled), jieba; auto: mmap, then rjieba for bulk [auto]."
        ),
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="Input encoding, e.g. gb18030 [utf-8].")
    ] = None,
    include: Annotated[
        list[str] | None, typer.Option(help="Glob of files to take from directories (repeatable).")
    ] = None,
    exclude: Annotated[
        list[str] | None, typer.Option(help="Glob of files to skip in directories (repeatable).")
    ] = None,
    max_bytes: Annotated[
        int | None, typer.Option(help="Refuse larger files, in bytes [268435456: 256 MiB].")
    ] = None,
    against: Annotated[
        Path | None,
        typer.Option(
            "--against",
            "--index",
            "-i",
            help="Also find passages already in this archive index (-i/--index as in "
            "index, audit and serve).",
        ),
    ] = None,
    config_file: Annotated[
        Path | None,
        typer.Option(
            "--config", help="Config file (else .paradup.toml / [tool.paradup] discovered)."
        ),
    ] = None,
    quiet: Annotated[
        bool,
        typer.Option("--quiet", "-q", help="Print nothing (-o still writes its file); exit code."),
    ] = False,
    stdin_name: Annotated[
        str | None,
        typer.Option(
            help="Path that - (an editor's unsaved buffer) is reported as; its config is "
            "discovered from there."
        ),
    ] = None,
) -> None:
    """Find every passage a draft restates; exit 1 when there are findings, 2 on bad input."""
    from .output import by_suffix

    formats = {".json": Format.json, ".html": Format.html, ".htm": Format.html}
    format = format or by_suffix(output, {**formats, ".sarif": Format.sarif}, Format.text)
    from .read import STDIN_DOC, STDIN_NAME, expand_paths
    from .run import check_docs
    from .settings import load_settings, mixed_configs

    try:
        if paths.count(STDIN_NAME) > 1:
            raise _fail("- (standard input) is named twice; name it once")
        if stdin_name is not None and STDIN_NAME not in paths:
            raise _fail(f"--stdin-name {stdin_name}: no - among the inputs; add - to read stdin")
        if user_dict is not None and not user_dict.is_file():
            what = "is not a regular file" if user_dict.exists() else "not found"
            raise _fail(f"{user_dict}: user dictionary {what}; check --user-dict")
        try:
            sizes = tuple(int(w) for w in windows.split(",") if w.strip()) if windows else None
        except ValueError:
            raise _fail(f"--windows {windows!r}: expected sizes like 2,3") from None
        # The hook's settings: defaults < discovered or --config file < options given here
        # (every option defaults to None, so only those typed on the command line override).
        settings_paths = [stdin_name if p == STDIN_NAME and stdin_name else p for p in paths]
        settings = load_settings(
            settings_paths,
            config_file,
            {
                "threshold": threshold,
                "extend_threshold": extend_threshold,
                "shingle": shingle,
                "ngram": ngram.value if ngram else None,
                "num_perm": num_perm,
                "windows": sizes,
                "min_chars": min_chars,
                "phrase_chars": phrase_chars,
                "user_dict": str(user_dict) if user_dict else None,
                "encoding": encoding,
                "include": tuple(include) if include else None,
                "exclude": tuple(exclude) if exclude else None,
                "max_bytes": max_bytes,
            },
        )
        if config_file is None and (mixed := mixed_configs(settings_paths, settings.config_file)):
            typer.echo(f"paradup: warning: {one_line(mixed)}", err=True)
        # engine is not a config-file key (it changes speed, never tokens).
        config = settings.config.with_options(engine=engine.value if engine else None)
        files = list(expand_paths(paths, config.include, config.exclude))
        if stdin_name:  # the buffer is that file's new text: its saved copy is not checked too
            files = [f for f in files if os.path.realpath(f) != os.path.realpath(stdin_name)]
        if output is not None:
            from .output import refuse_input_as_output

            # A report saved into a folder being checked is a draft of the next run: the
            # second save failed with "--output is the input file", which named no way out.
            # (Skipping it could overwrite a real draft of that name.)
            out_real = os.path.realpath(output)
            named = {os.path.realpath(p) for p in paths if p != STDIN_NAME}
            found = output.exists() and out_real not in named  # a first save is no draft yet
            if found and out_real in {os.path.realpath(f) for f in files}:
                raise UsageError(
                    f"{output}: --output is a file found in a folder being checked; write "
                    f"the report to another path, or pass --exclude {Path(output).name}"
                )
            # Every file the run reads: the drafts, the archive, the config, the dictionary.
            read = [*files, against, config_file, settings.config_file, config.user_dict]
            read.append(stdin_name)  # the file the buffer will be saved to
            refuse_input_as_output(output, [str(f) for f in read if f is not None])
        # The index is opened once here for the notes and the archive's files (then again by
        # the check, in its own snapshot).
        notes = [] if against is None else _index_checks(against, output)
        docs, unread = _read_drafts(paths, files, config, settings)
        if not docs and not unread:
            raise _fail(f"{paths[0]}: every file found is empty; pass files that contain text")
        if stdin_name:
            from dataclasses import replace

            docs = [replace(d, path=stdin_name) if d.path == STDIN_DOC else d for d in docs]
        # Markers and allow-listed bylines are taken out exactly as the hook does.
        result = check_docs(docs, config, settings.allow_patterns(), against)
        for note in notes:
            typer.echo(f"paradup: warning: {one_line(str(against))}: {note}", err=True)
    except ParadupError as exc:
        message = str(exc)
        if against is not None:
            from .index.store import IndexError_

            if isinstance(exc, IndexError_):  # the store speaks of `index`'s option
                message = message.replace("--index", "--against")
        raise _fail(message) from None
    if not quiet or output is not None:  # -q silences stdout, not a report asked for
        try:
            _emit(result, format, output, {d.path: d.text for d in docs}, unread)
        except ParadupError as exc:
            raise _fail(str(exc)) from None
        except OSError as exc:
            if output is None or isinstance(exc, BrokenPipeError):
                raise  # stdout's: `main` says it
            why = exc.strerror or str(exc)  # a device (`-o /dev/full`) was named "stdout"
            raise _fail(f"{output}: cannot write the report ({why}); check --output") from None
    for line in unread:
        typer.echo(f"paradup: error: {one_line(line)}", err=True)
    if unread:  # like grep: the findings are shown, and an error is still an error
        raise typer.Exit(EXIT_USAGE)
    raise typer.Exit(EXIT_FINDINGS if result.findings else EXIT_CLEAN)


def _index_checks(index: Path, output: Path | None) -> list[str]:
    """Why answers from the index may miss what was published (an unfinished build, an
    earlier text pipeline: `index_notes`), after refusing an `--output` that would replace an
    archived article or export (a 68 KB JSON Lines export became the 159-byte report) or the
    index's side files, as `audit -o` refuses. A damaged index met here (its metadata read
    after the first probe) is one line, as `check_against` makes it."""
    import sqlite3

    from .audit import archive_files
    from .cli_index import _refuse_index_as_output, index_notes
    from .index.store import IndexStore, database_failure

    with IndexStore.open(index) as store:
        try:
            if output is not None:
                # Only an existing file can be an archived one; the side files whether or not.
                files = archive_files(store) if output.is_file() else []
                _refuse_index_as_output(output, index, files)
            return [note for _topic, note in index_notes(store, index)]
        except sqlite3.DatabaseError as exc:
            raise database_failure(index, exc) from None


def _read_drafts(
    paths: list[str], files: list[str], config: CheckConfig, settings: Settings
) -> tuple[list[Document], list[str]]:
    """The files' documents, and one line for each file found in a directory that could not
    be read (`check archive/` stopped at one binary or GBK file among hundreds)."""
    from .read import read_found

    unread: list[str] = []
    fix = settings.limit_fix()
    docs = read_found(
        paths, files, config.encoding, config.max_bytes, fix, unread, settings.encoding_error
    )
    return docs, unread


def _emit(
    result: object,
    format: Format,
    output: Path | None,
    texts: dict[str, str] | None = None,
    unread: list[str] | None = None,
) -> None:
    from .model import CheckResult
    from .output import stdout_report, write_data, write_report

    assert isinstance(result, CheckResult)
    if format in (Format.json, Format.html, Format.sarif, Format.github):
        if format is Format.json:
            from .report.json import render

            text = render(result)
        elif format in (Format.sarif, Format.github):
            from .report import absolute_result, checkout_root, github, sarif

            # Placed from the repository's top, as code scanning and annotations read them,
            # wherever in the checkout `check` runs.
            located, root = absolute_result(result), checkout_root()
            if format is Format.sarif:
                text = sarif.render(located, root=root, skipped=unread or ())
            else:
                text = github.render(located, root=root)
        else:
            from .report.html import render as render_html

            text = render_html(result, texts or {})
        if output is None:
            with stdout_report():
                if format is Format.github:  # lines for a console, in its encoding
                    sys.stdout.write(text)
                else:
                    write_data(text)
        else:
            write_report(output, text)
        return
    from rich.console import Console

    from .report.text import render as render_text

    if output is None:

        class _StdoutConsole(Console):
            def on_broken_pipe(self) -> None:  # rich would exit 1; keep the findings' code
                self.quiet = True
                raise BrokenPipeError

        # soft_wrap: rich breaks lines only at spaces, so a CJK passage wider than the
        # window jumped to a line of its own and a path split from "restates" at 80 columns
        # in a pipe; the terminal or viewer wraps long lines itself, at any character.
        with stdout_report():
            render_text(result, _StdoutConsole(highlight=False, soft_wrap=True, emoji=False))
    else:
        console = Console(
            record=True, file=io.StringIO(), width=100, highlight=False, soft_wrap=True, emoji=False
        )
        render_text(result, console)
        write_report(output, console.export_text())


from .cli_index import register as _register_index  # noqa: E402

_register_index(app)

from .cli_serve import register as _register_serve  # noqa: E402

_register_serve(app)

from .cli_hook import register as _register_hook  # noqa: E402

_register_hook(app)

from .cli_lsp import register as _register_lsp  # noqa: E402

_register_lsp(app)


def main() -> None:
    # paradup does no linear algebra; OpenBLAS would start a thread per core when numpy loads,
    # CPU time paid on every run (reports/HOOK.md).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from .stdio import folder_output, safe_stdio, terminate_as_interrupt

    safe_stdio()
    terminate_as_interrupt()
    if (folder := folder_output(sys.argv[1:])) is not None:
        typer.echo(
            f"paradup: error: {one_line(folder)}: --output names a folder; name the report file",
            err=True,
        )
        sys.exit(EXIT_USAGE)
    if sys.argv[1:2] == ["hook"]:  # the typer-free entry: the hook runs on every commit
        from .cli_hook import main as hook_main

        hook_main(sys.argv[2:])
    try:
        # standalone_mode=False: usage errors become one line instead of click's box.
        code = app(standalone_mode=False)
        if sys.stdout is not None:  # `>&-` with -o: nothing was written there
            sys.stdout.flush()  # a full disk under `> file` fails here, not in the exit's flush
    except OSError as exc:  # help or a command's output that stdout could not take
        from .output import discard_stdout

        discard_stdout()
        if isinstance(exc, BrokenPipeError):  # `paradup config | head -1`: the reader is done
            sys.exit(EXIT_CLEAN)
        why = exc.strerror or str(exc)
        if exc.filename is None:
            line = f"stdout: cannot write ({why}); free space where it goes"
        else:  # a file error no command turned into its own line
            line = f"{exc.filename}: {why}; check the path and its permissions"
        typer.echo(f"paradup: error: {one_line(line)}", err=True)
        sys.exit(EXIT_USAGE)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("paradup: interrupted", err=True)
        sys.exit(130)
    except typer.TyperException as exc:  # click's UsageError family, vendored by typer
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError":
            # `paradup index` alone: its help (the subcommands) on stderr, as click's own
            # standalone mode shows it; outside that mode nothing showed it (empty, exit 2).
            typer.echo(exc.format_message() if hasattr(exc, "format_message") else exc, err=True)
            sys.exit(EXIT_USAGE)
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
        typer.echo(f"paradup: error: {one_line(message)}{hint}", err=True)
        sys.exit(EXIT_USAGE)
    except Exception as exc:
        # An SQLite error no command turned into its own line (sqlite3 is loaded only by
        # the commands that open an index: a module not loaded raised nothing).
        sqlite3 = sys.modules.get("sqlite3")
        if sqlite3 is None or not isinstance(exc, sqlite3.DatabaseError):
            raise
        line = f"an index failed ({exc}); if it is damaged, delete it and build it again"
        typer.echo(f"paradup: error: {one_line(line)}", err=True)
        sys.exit(EXIT_USAGE)
    if code == 130:  # typer turns Ctrl-C into Exit(130), returned here without a word
        typer.echo("paradup: interrupted", err=True)
    sys.exit(code if isinstance(code, int) else EXIT_CLEAN)
