"""`paradup hook`, `paradup baseline write` and `paradup config`: the pre-commit and CI gate."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .errors import EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, ParadupError

if TYPE_CHECKING:
    from .baseline import Verdict
    from .model import CheckResult
    from .settings import Settings


class HookFormat(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"


HINT = (
    "fix: rewrite or remove the later passage; wrap a deliberate quotation in "
    "<!-- paradup: off --> ... <!-- paradup: on -->; or accept today's findings with "
    "`paradup baseline write`"
)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"paradup: error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def _excerpt(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def render_text(result: CheckResult, verdict: Verdict, failing: list[str], gate: str) -> str:
    """Plain lines a committer reads in the pre-commit output: file:line:col, both passages."""
    out = []
    for f in verdict.new:
        out.append(
            f"{f.b.path}:{f.b.line}:{f.b.column}: restated passage "
            f"(similarity {f.similarity:.2f}, {f.kind}, {len(f.b.text)} chars) "
            f"restates {f.a.path}:{f.a.line}:{f.a.column}"
        )
        out.append(f"    earlier: {_excerpt(f.a.text)}")
        out.append(f"    later:   {_excerpt(f.b.text)}")
    for s in result.files:
        if s.restated_chars:
            out.append(
                f"{s.path}: 复制比 {s.ratio:.1%} ({s.restated_chars} of {s.chars} prose characters)"
            )
    n_new, n_known = len(verdict.new), len(verdict.known)
    summary = f"paradup: {n_new} new restated passage{'s' if n_new != 1 else ''}"
    if n_known:
        summary += f" ({n_known} known in the baseline, not reported)"
    if failing:
        summary += f"; {gate}: failing {', '.join(failing)}"
    elif n_new:
        summary += f"; {gate}: passing"
    out.append(summary)
    if failing:
        out.append(HINT)
    return "\n".join(out) + "\n"


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _fail(f"{output}: cannot write the report ({exc.strerror}); check --output") from None


def _settings(paths: list[str], config: Path | None, **cli: object) -> tuple[Settings, Path]:
    from .repo import repo_root
    from .settings import load_settings

    settings = load_settings(paths or ["."], config, cli)
    start = Path(paths[0]) if paths else Path.cwd()
    return settings, repo_root(start.resolve() if start.exists() else Path.cwd())


def _baseline_path(settings: Settings, root: Path) -> Path:
    p = Path(settings.baseline)
    return p if p.is_absolute() else root / p


def register(app: typer.Typer) -> None:
    """Add `hook`, `baseline` and `config` to the paradup command line."""
    baseline_app = typer.Typer(
        help="Record today's findings so later runs fail only on new ones.",
        no_args_is_help=True,
    )

    @baseline_app.callback()
    def _baseline() -> None:
        """Record today's findings so later runs fail only on new ones."""

    @app.command()
    def hook(
        files: Annotated[
            list[str] | None, typer.Argument(help="Changed files (pre-commit passes them).")
        ] = None,
        all_files: Annotated[
            bool, typer.Option("--all", help="Check every tracked article (CI, first run).")
        ] = False,
        format: Annotated[
            HookFormat, typer.Option("--format", "-f", help="Report format.")
        ] = HookFormat.text,
        output: Annotated[
            Path | None, typer.Option("--output", "-o", help="Write the report here.")
        ] = None,
        max_ratio: Annotated[
            float | None,
            typer.Option(help="Fail only when a changed file's 复制比 is above this (0-1)."),
        ] = None,
        baseline: Annotated[
            Path | None, typer.Option(help="Baseline file [.paradup-baseline.json].")
        ] = None,
        no_baseline: Annotated[
            bool, typer.Option("--no-baseline", help="Report every finding.")
        ] = False,
        threshold: Annotated[
            float | None, typer.Option(help="Jaccard similarity a passage pair needs [0.4].")
        ] = None,
        min_chars: Annotated[
            int | None, typer.Option(help="Shortest passage reported, in characters [12].")
        ] = None,
        config: Annotated[
            Path | None, typer.Option("--config", help="Config file (else discovered).")
        ] = None,
    ) -> None:
        """Check changed files against themselves, each other and every tracked article.

        Exit 1 when they introduce restated passages that are not in the baseline (or, with
        --max-ratio, when a changed file's restated share is above it), 2 on bad input.
        """
        from .baseline import read, split
        from .repo import check_changed, relative

        paths = list(files or [])
        try:
            if not paths and not all_files:
                raise _fail("no files given; pass changed files, or --all to check every article")
            settings, root = _settings(
                paths,
                config,
                max_ratio=max_ratio,
                baseline=str(baseline) if baseline else None,
                threshold=threshold,
                min_chars=min_chars,
            )
            changed = None if all_files else relative(root, paths)
            result, checked, tracked = check_changed(root, settings, changed)
            entries = [] if no_baseline else read(_baseline_path(settings, root))
            verdict = split(
                result.findings,
                entries,
                None if all_files else checked,
                set(tracked) | set(checked),
            )
        except ParadupError as exc:
            raise _fail(str(exc)) from None
        new_ids = {id(f) for f in verdict.new}
        new_files = {f.b.path for f in verdict.new}
        limit = settings.max_ratio
        if limit is None:
            failing = sorted(new_files)
            gate = "gate: any new finding"
        else:
            failing = [s.path for s in result.files if s.path in new_files and s.ratio > limit]
            gate = f"gate: 复制比 above {limit:.1%}"
        new_index = {i for i, f in enumerate(result.findings) if id(f) in new_ids}
        if format is HookFormat.text:
            _emit(render_text(result, verdict, failing, gate), output)
        elif format is HookFormat.json:
            from dataclasses import replace

            from .report.json import render

            _emit(render(replace(result, findings=verdict.new)), output)
        elif format is HookFormat.sarif:
            from .report.sarif import render as render_sarif

            _emit(render_sarif(result, new_index), output)
        else:
            from .report.github import render as render_github

            _emit(render_github(result, new_index), output)
        raise typer.Exit(EXIT_FINDINGS if failing else EXIT_CLEAN)

    @baseline_app.command("write")
    def baseline_write(
        baseline: Annotated[
            Path | None, typer.Option(help="Baseline file [.paradup-baseline.json].")
        ] = None,
        config: Annotated[
            Path | None, typer.Option("--config", help="Config file (else discovered).")
        ] = None,
    ) -> None:
        """Record every finding among the tracked articles; later runs report only new ones."""
        from .baseline import write
        from .repo import check_changed

        try:
            settings, root = _settings([], config, baseline=str(baseline) if baseline else None)
            result, checked, _ = check_changed(root, settings, None)
            path = _baseline_path(settings, root)
            n = write(path, result)
        except ParadupError as exc:
            raise _fail(str(exc)) from None
        typer.echo(f"paradup: wrote {n} findings among {len(checked)} articles to {path}")

    @app.command("config")
    def show_config(
        files: Annotated[
            list[str] | None, typer.Argument(help="Files whose configuration to show [.].")
        ] = None,
        config: Annotated[
            Path | None, typer.Option("--config", help="Config file (else discovered).")
        ] = None,
    ) -> None:
        """Print the effective settings and the file each came from."""
        import json

        from .settings import effective, load_settings

        try:
            settings = load_settings(files or ["."], config)
        except ParadupError as exc:
            raise _fail(str(exc)) from None
        typer.echo(f"# config file: {settings.config_file or 'none (defaults)'}")
        for key, value, source in effective(settings):
            shown = list(value) if isinstance(value, tuple) else value
            text = json.dumps(shown, ensure_ascii=False) if shown is not None else "null"
            typer.echo(f"{key} = {text}  # {source}")

    app.add_typer(baseline_app, name="baseline")
