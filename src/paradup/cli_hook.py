"""`paradup hook`, `paradup baseline write` and `paradup config`: the pre-commit and CI gate.

The hook runs on every commit, so its start-up matters more than anything it computes on a warm
cache: this module imports neither typer nor numpy at module level, and `main` is a typer-free
entry point (`python -m paradup.cli_hook FILES...`, argparse) that takes the same options and
runs the same code as the typer command `paradup hook`. typer 0.29 builds a pydantic adapter
for every option of the command it parses; on a warm cache that start-up cost more than the
check itself (reports/HOOK.md).
"""

import os
import sys
from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, NoReturn

from .errors import EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, ParadupError, UsageError
from .shown import one_line

if TYPE_CHECKING:
    import argparse

    import typer

    from .baseline import Entry, Verdict
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
    "`paradup baseline write` (and git add the baseline)"
)
HOOK_HELP = """Check changed files against themselves, each other and every tracked article.

Exit 1 when they introduce restated passages: not in the baseline, and not already in the
earlier commit (HEAD, pre-commit's --from-ref, or --since) when their files differ from it
(or, with --max-ratio, when a changed file's restated share is above it), 2 on bad input.

The files are read from the work tree (pre-commit stashes unstaged edits first, so there
that is the staged content); with --staged, every article is read as staged in git's index,
for a plain `.git/hooks/pre-commit`. Files already in HEAD count as earlier than files new in
this commit, whatever the argument order; deleted files are skipped, `include`/`exclude` apply.
Pass names that start with `-` after `--`.
"""
STAGED_HELP = "Read articles as staged in git's index, not the work tree (plain git hooks)."
NO_BASELINE_HELP = "Report every finding (no baseline; no --since unless given)."
SINCE_HELP = (
    "Findings this commit already had are not new [pre-commit's --from-ref, else HEAD; "
    "with --all, none]; `none` reports every finding not in the baseline."
)


def _warn(message: str) -> None:
    sys.stderr.write(f"paradup: warning: {one_line(message)}\n")


def _error(message: str) -> None:
    sys.stderr.write(f"paradup: error: {one_line(message)}\n")
    sys.stderr.flush()


def _excerpt(text: str, limit: int = 80) -> str:

    flat = one_line(" ".join(text.split()))
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def render_text(
    result: "CheckResult", verdict: "Verdict", failing: list[str], gate: str, since: str = ""
) -> str:
    """Plain lines a committer reads in the pre-commit output: file:line:col, both passages.

    Undecodable bytes in file names show as `\\xff` and controls as pictures (report.one_line):
    the lines always encode, and a file name never starts a line of its own."""

    out = []
    for f in verdict.new:
        out.append(
            f"{one_line(f.b.path)}:{f.b.line}:{f.b.column}: restated passage "
            f"(similarity {f.similarity:.2f}, {f.kind}, {len(f.b.text)} chars) "
            f"restates {one_line(f.a.path)}:{f.a.line}:{f.a.column}"
        )
        out.append(f"    earlier: {_excerpt(f.a.text)}")
        out.append(f"    later:   {_excerpt(f.b.text)}")
    for s in result.files:
        if s.restated_chars:
            out.append(
                f"{one_line(s.path)}: 复制比 {s.ratio:.1%} "
                f"({s.restated_chars} of {s.chars} prose characters)"
            )
    n_new, n_known, n_earlier = len(verdict.new), len(verdict.known), len(verdict.earlier)
    summary = f"paradup: {n_new} new restated passage{'s' if n_new != 1 else ''}"
    old = [f"{n_known} known in the baseline"] if n_known else []
    if n_earlier:
        old.append(f"{n_earlier} already in {since or 'the earlier commit'}")
    if old:
        summary += f" ({', '.join(old)}, not reported)"
    if failing:
        summary += f"; gate: {gate}: failing {', '.join(one_line(x) for x in failing)}"
    elif n_new:
        summary += f"; gate: {gate}: passing"
    out.append(summary)
    if failing:
        out.append(HINT)
    return "\n".join(out) + "\n"


def _emit(text: str, output: Path | None, data: bool = False) -> None:
    if output is None:
        from .output import stdout_report, write_data

        with stdout_report():
            if data:
                write_data(text)
            else:
                sys.stdout.write(text)
        return
    from .output import write_report

    write_report(output, text)  # atomic; UsageError naming --output when it cannot


def _refuse_output(
    output: Path,
    root: Path,
    settings: "Settings",
    files: Sequence[str],
    baseline: Path,
) -> None:
    """--output must not replace a file of the repository: a checked or tracked file (any
    type, not only articles), the baseline or the config file."""
    from .output import refuse_input_as_output
    from .repo import git

    inputs: list[str | os.PathLike[str]] = [baseline]
    if settings.config_file:
        inputs.append(settings.config_file)
    inputs.extend(root / rel for rel in files)
    refuse_input_as_output(output, inputs)
    target = Path(os.path.realpath(output))
    try:
        rel = target.relative_to(root)
    except ValueError:
        return
    if rel.parts and git(root, "--literal-pathspecs", "ls-files", "-z", "--", rel.as_posix()):
        raise UsageError(
            f"{output}: --output is the tracked file {rel.as_posix()}; "
            "write the report to another path"
        )


def _settings(paths: list[str], config: Path | None, **cli: object) -> "tuple[Settings, Path]":
    from .repo import repo_root
    from .settings import load_settings, require_user_dict

    settings = load_settings(paths or ["."], config, cli)
    require_user_dict(settings)
    start = Path(paths[0]) if paths else Path.cwd()
    return settings, repo_root(start.resolve() if start.exists() else Path.cwd())


def _baseline_path(settings: "Settings", root: Path) -> Path:
    p = Path(settings.baseline)
    return p if p.is_absolute() else root / p


def _committed_baseline(
    root: Path, path: Path, staged: bool, all_files: bool, existing: set[str] | None
) -> list["Entry"]:
    """The baseline the commit holds: as staged with --staged; not a file git does not know
    (written by `baseline write` and not added yet: the commit, and CI after it, would not
    have it), which is warned about. An ignored or outside file is the user's own. Entries
    name a renamed file by its new path, so a moved copy's entry is not free to explain a
    fresh copy elsewhere."""
    from .baseline import read, repath
    from .repo import baseline_state, git, renames

    state, rel = baseline_state(root, path)
    if state in ("outside", "ignored", "missing"):
        entries = read(path)
    elif state == "untracked" and all_files:  # a check of the tree, not of a commit
        _warn(f"{path}: the baseline is not in git, so CI would not have it; git add it")
        entries = read(path)
    elif state == "untracked":
        _warn(
            f"{path}: the baseline is not in git, so the commit leaves it out and this check "
            "does not use it; git add it"
        )
        return []
    elif staged:
        entries = read(path, git(root, "--literal-pathspecs", "show", f":{rel}"))
    else:
        entries = read(path)  # pre-commit has stashed edits that are not staged
    if existing is None:
        return entries
    gone = {p for e in entries for p in e.paths if p not in existing}
    if not gone:
        return entries
    # Only a path that is gone follows its rename, and only to a path that exists: a file
    # moved away and back, or a path reused after a rename, keeps its entries.
    moved = {old: new for old, new in renames(root).items() if old in gone and new in existing}
    return repath(entries, moved)


def _since(since: str | None, all_files: bool) -> tuple[str | None, bool]:
    """The commit whose findings are not new: `--since`, else pre-commit's `--from-ref`
    (PRE_COMMIT_FROM_REF, with or without --all), else HEAD for changed files; none with
    `--since none`. And whether it is that implicit HEAD, which explains only findings in
    files that differ from it: `pre-commit run --all-files` passes every file, unchanged ones
    too, to be checked whole."""
    implicit = False
    if since is not None and not since.strip():
        raise UsageError("--since: empty; name a commit (a branch, a tag, a hash) or none")
    if since is None:
        since = os.environ.get("PRE_COMMIT_FROM_REF")
        if not since and not all_files:
            since, implicit = "HEAD", True
    return (None if not since or since.lower() == "none" else since), implicit


class _Run(NamedTuple):  # not a dataclass: the hook's start-up imports no dataclasses
    """What one config's hook run knows, for `_earlier`: `result` as checked now, `checked`
    the changed files, `now` path -> blob of the articles checked, `implicit` whether the
    earlier commit is the default HEAD, `baseline` the committed baseline's entries less those
    that explained nothing now."""

    root: Path
    settings: "Settings"
    result: "CheckResult"
    checked: list[str]
    now: dict[str, str]
    implicit: bool
    baseline: "list[Entry]"
    staged: bool


def _earlier(run: _Run, since: str, verdict: "Verdict") -> "Verdict":
    """Move the new findings that the `since` commit already had to `earlier`. A passage
    restated before the change is not the change's, so touching either of its files does not
    fail the commit; a fresh copy of it still does (the same multiset rule as the baseline).

    A named commit is taken where the branch left it (the merge-base with HEAD, as pre-commit
    lists a range's files), and a merge in between brings the findings of its other parents:
    copies merged in from upstream are upstream's."""
    from .repo import commit_of, earlier_commits

    commit = _since_commit(run.root, since)
    if commit is None:
        return verdict  # no commit yet: everything is new
    for at in [commit] if run.implicit else earlier_commits(run.root, commit):
        if not verdict.new:
            break
        verdict = _explained_at(run, at, verdict)
    if run.implicit and verdict.new and (merged := commit_of(run.root, "MERGE_HEAD")):
        # A merge being committed (pre-merge-commit, or `git commit` after conflicts): the
        # merged branch's own copies were blamed on whoever merged it. What it held is
        # earlier, as a named commit's (every changed file counts, not only those unlike it).
        verdict = _explained_at(run._replace(implicit=False), merged, verdict)
    return verdict


def _since_commit(root: Path, since: str) -> str | None:
    """The commit `since` names; None for HEAD before the first commit; else a UsageError."""
    from .repo import commit_of

    commit = commit_of(root, since)
    if commit is None and since != "HEAD":
        from_ref = since == os.environ.get("PRE_COMMIT_FROM_REF")
        where = "PRE_COMMIT_FROM_REF" if from_ref else "--since"
        raise UsageError(
            f"{where} {since}: not a commit in this repository; fetch it (a shallow clone "
            "lacks history: fetch-depth: 0) or name another"
        )
    return commit


def _changed_since(root: Path, since: str, staged: bool) -> set[str]:
    """The files that differ from where the branch left `since`: with `--all`, they are the
    later side of a pair (a PR that pasted a newer article's text into an older one blamed
    the newer, untouched file, outside the PR's diff)."""
    from .repo import commit_of, diff_since, earlier_commits

    commit = commit_of(root, since)
    if commit is None:
        return set()  # `_judge` named a mistyped one (HEAD: no commit yet)
    touched, _moved = diff_since(root, earlier_commits(root, commit)[0], staged)
    return touched


def _pending(root: Path, since: str | None, implicit: bool, staged: bool) -> set[str] | None:
    """The files the change being checked brings, given to this run or not: the index against
    HEAD for a commit (None, all of them, before the first), else the files changed since
    `since` (a push's range); none to tell with `--since none`."""
    from .repo import commit_of, diff_since

    if since is None:
        return set()
    if implicit:
        if commit_of(root, "HEAD") is None:
            return None
        return diff_since(root, "HEAD", staged=True)[0]
    return _changed_since(root, since, staged)


def _explained_at(run: _Run, commit: str, verdict: "Verdict") -> "Verdict":
    """`_earlier` for one commit: the changed files, and the files of the new findings, are
    checked as they were then (renamed ones under their old path); what that finds, less what
    the baseline explained then, is one more baseline. With the implicit HEAD, only findings
    with a side in a file that differs from it count."""
    from dataclasses import replace

    from .baseline import Verdict, entries_of, repath, split
    from .repo import articles_at, check_changed, diff_since
    from .report import printable

    then = articles_at(run.root, run.settings, commit)
    touched, moved = diff_since(run.root, commit, run.staged)
    sides = {p for f in verdict.new for p in (f.a.path, f.b.path)}
    old_of: dict[str, str] = {}
    # This config's changed files only: an old pair of another config's file is explained
    # (or found new) there, and counted here too it let a fresh copy of it pass.
    checked = set(run.checked)
    for p in sides | (touched & checked):
        old = moved.get(p, p)
        if old in then:
            old_of[p] = old
    changed = checked & touched if run.implicit else checked
    # The earlier side existed then; the later one too, or it is a changed file (a new file
    # the copy moved into: it failed, though moving it into an existing file passed). Only
    # changed files are checked as they were then, so an old pair in a file left alone
    # explains nothing: a fresh copy beside it stays new.
    eligible = [
        f
        for f in verdict.new
        if f.a.path in old_of
        and (f.b.path in old_of or f.b.path in changed)
        and {f.a.path, f.b.path} & changed
    ]
    # A pair between two files that are byte-for-byte as they were then (neither touched nor
    # moved) was found then too: with `--since`, changed files come after every other, so
    # they cannot have taken its place. Such pairs no longer widen the earlier commit's check
    # (checking every old pair of the repository again there cost `hook --all --since` more
    # than the whole `--all` check); they still take their entries first below, so an old
    # pair's entry never explains a fresh copy of the same text. Not with a baseline: which
    # pairs its entries explained then is decided by checking that commit (a review found no
    # case, but could not rule one out), and old pairs there are mostly baselined anyway.
    shortcut = not run.implicit and not run.baseline
    same = [f for f in eligible if shortcut and not {f.a.path, f.b.path} & touched]
    if same:
        ids = {id(f) for f in same}
        eligible = [f for f in eligible if id(f) not in ids]
        if not eligible:
            order = {id(f): n for n, f in enumerate(run.result.findings)}
            earlier = sorted((*verdict.earlier, *same), key=lambda f: order[id(f)])
            new = tuple(f for f in verdict.new if id(f) not in ids)
            return Verdict(new, verdict.known, tuple(earlier))
    if not eligible:
        return verdict
    # The changed files too, not only those with a finding now: a copy moved from one file
    # to another was found at its old place.
    mine = {p for f in eligible for p in (f.a.path, f.b.path)} | touched
    # And the files this change deleted: a copy moved out of one (`git rm`, or a rename git
    # sees as a delete and an add) was found there, not in the files left.
    gone = set(then) - set(run.now) - set(moved.values())
    focus = sorted({old_of[p] for p in mine & checked if p in old_of} | gone)
    before, _, _ = check_changed(run.root, run.settings, focus, staged=True, files=then)
    # What the baseline explained then is not counted twice: its entries that still explain
    # a pair now, or that this run does not see (`run.baseline` holds no idle ones).
    unexplained = split(before.findings, run.baseline, focus, then).new
    now_of = {printable(o): printable(p) for p, o in old_of.items()}
    entries = repath(entries_of(replace(before, findings=unexplained), texts=True), now_of)
    again = split([*same, *eligible], entries, None, run.now)
    order = {id(f): n for n, f in enumerate(run.result.findings)}
    explained = {id(f): f for f in (*again.known, *same)}
    known = set(explained)
    earlier = sorted((*verdict.earlier, *explained.values()), key=lambda f: order[id(f)])
    return Verdict(
        tuple(f for f in verdict.new if id(f) not in known), verdict.known, tuple(earlier)
    )


def run_hook(
    files: Sequence[str] | None,
    all_files: bool = False,
    format: HookFormat | None = None,
    output: Path | None = None,
    max_ratio: float | None = None,
    baseline: Path | None = None,
    no_baseline: bool = False,
    threshold: float | None = None,
    min_chars: int | None = None,
    config: Path | None = None,
    staged: bool = False,
    since: str | None = None,
) -> int:
    """The hook: check, report, and return the exit code (ParadupError on bad input).
    Without `format`, `output`'s suffix names it (`.json`, `.sarif`), else text."""
    from .baseline import Verdict
    from .model import CheckResult

    if format is None:
        format = HookFormat.text
        if output is not None:  # (the module is the report's writer: imported only then)
            from .output import by_suffix

            format = by_suffix(output, {".json": format.json, ".sarif": format.sarif}, format)

    paths = list(files or [])
    if not paths and not all_files:
        raise UsageError("no files given; pass changed files, or --all to check every article")
    if no_baseline and baseline is not None:  # contradictory: one was silently ignored
        raise UsageError(f"--no-baseline ignores --baseline {baseline}; pass one of them")
    # --no-baseline reports every finding: the earlier commit too explains none unless named.
    since, implicit = _since("none" if no_baseline and since is None else since, all_files)
    cli: dict[str, object] = {
        "max_ratio": max_ratio,
        "baseline": str(baseline) if baseline else None,
        "threshold": threshold,
        "min_chars": min_chars,
    }
    groups: list[tuple[list[str], set[str] | None]]
    if config is not None:
        groups = [(paths, None)]
    elif all_files:
        groups = _tree_groups()
    else:
        groups = [(group, None) for group in _config_groups(paths)]
    unread: list[str] = []  # articles `--all` could not read
    judged = [
        _judge(
            group, all_files, output, no_baseline, config, staged, cli, since, implicit, unread, of
        )
        for group, of in groups
    ]
    if len(judged) == 1:
        result, verdict, failing, gate, root = judged[0]
    else:  # files under different configs: each judged by its own, one report
        seen: set[tuple[tuple[str, int], ...]] = set()
        findings = []
        for j in judged:
            for f in j[0].findings:
                # Either orientation: a pre-commit run orders each group's changed files last.
                key = tuple(sorted(((f.a.path, f.a.start), (f.b.path, f.b.start))))
                if key not in seen:  # a pair across two groups is found by both
                    seen.add(key)
                    findings.append(f)
        kept = {id(f) for f in findings}
        result = CheckResult(tuple(s for j in judged for s in j[0].files), tuple(findings))
        verdict = Verdict(
            tuple(f for j in judged for f in j[1].new if id(f) in kept),
            tuple(f for j in judged for f in j[1].known if id(f) in kept),
            tuple(f for j in judged for f in j[1].earlier if id(f) in kept),
        )
        failing = sorted({p for j in judged for p in j[2]})
        gate = ", ".join(dict.fromkeys(j[3] for j in judged))  # each config's
        root = judged[0][4]
    new_ids = {id(f) for f in verdict.new}
    new_index = {i for i, f in enumerate(result.findings) if id(f) in new_ids}
    if format is HookFormat.text:
        _emit(render_text(result, verdict, failing, gate, since or ""), output)
    elif format is HookFormat.json:
        from dataclasses import replace

        from .report import printable
        from .report.json import render

        verdict_data = {
            "failing": [printable(p) for p in failing],
            "gate": gate,
            "new": len(verdict.new),
            "known": len(verdict.known),
            "earlier": len(verdict.earlier),
        }
        _emit(render(replace(result, findings=verdict.new), hook=verdict_data), output, data=True)
    elif format is HookFormat.sarif:
        from .report.sarif import render as render_sarif

        _emit(render_sarif(result, new_index, root, unread), output, data=True)
    else:
        from .report.github import render as render_github

        _emit(render_github(result, new_index, set(failing)), output)
    for why in unread:  # like `check`: the report stands, and an unread article is an error
        print(f"paradup: error: {one_line(why)}; skipped", file=sys.stderr)
    if unread:
        return EXIT_USAGE
    return EXIT_FINDINGS if failing else EXIT_CLEAN


def _config_groups(paths: list[str]) -> list[list[str]]:
    """The changed files grouped by the config each one discovers, in their order: a commit
    that touched `content/a.md` (under `content/.paradup.toml`) and the root `README.md` was
    checked under the config of their common folder, none, so content's threshold and
    baseline were dropped for that commit only."""
    from .settings import find_config

    by_dir: dict[str, Path | None] = {}
    groups: dict[Path | None, list[str]] = {}
    for p in paths:
        folder = p if os.path.isdir(p) else os.path.dirname(p)  # find_config resolves it
        if folder not in by_dir:
            by_dir[folder] = find_config([p])
        groups.setdefault(by_dir[folder], []).append(p)
    return list(groups.values())


def _tree_groups() -> list[tuple[list[str], set[str] | None]]:
    """`--all`'s tracked files grouped by the config each discovers, as pre-commit passes
    them (`pre-commit run --all-files`): a group is one of its files (its config is found from
    there) and its members, repository-relative. One config for all: `([], None)`, every file.
    `hook --all` judged `content/` under the root's config, without its baseline. Only the
    folders of articles (text suffixes, or the working directory's `include`) seek a config:
    a broken `pyproject.toml` among templates is no article's."""
    from .read import TEXT_SUFFIXES, _matches
    from .repo import git, repo_root
    from .settings import load_settings

    root = repo_root(Path.cwd())
    include = load_settings(["."]).config.include
    names = [n.decode("utf-8", "surrogateescape") for n in git(root, "ls-files", "-z").split(b"\0")]
    paths = [
        os.path.join(root, rel)
        for rel in names
        if rel and (rel.lower().endswith(TEXT_SUFFIXES) or (include and _matches(rel, include)))
    ]
    groups = _config_groups(paths)
    if len(groups) < 2:
        return [([], None)]
    return [([g[0]], {os.path.relpath(p, root).replace(os.sep, "/") for p in g}) for g in groups]


def _live_entries(
    root: Path,
    settings: "Settings",
    entries: "list[Entry]",
    existing: set[str],
    all_files: bool,
    since: str | None,
) -> "list[Entry]":
    """The entries, less those naming a file that is gone and was gone before this change
    too: a deleted baselined copy left its entry free to explain a fresh copy of the passage
    anywhere, for good. One deleted by this change (held by the earlier commit: HEAD, or
    `--since`) still explains the copy it moved; with `--all` and no `--since`, nobody can
    tell."""
    from .repo import articles_at, commit_of
    from .report import printable

    now = {printable(p) for p in existing}
    gone = {p for e in entries for p in e.paths if p not in now}
    if not gone or (all_files and since is None):
        return entries
    commit = commit_of(root, since if since is not None else "HEAD")
    if commit is None:
        return entries
    then = {printable(p) for p in articles_at(root, settings, commit)}
    return [e for e in entries if all(p in now or p in then for p in e.paths)]


def _judge(
    paths: list[str],
    all_files: bool,
    output: Path | None,
    no_baseline: bool,
    config: Path | None,
    staged: bool,
    cli: dict[str, object],
    since: str | None = None,
    implicit: bool = False,
    unread: list[str] | None = None,
    members: set[str] | None = None,
) -> "tuple[CheckResult, Verdict, list[str], str, Path]":
    """One config's files checked and split by its baseline, then by what the `since` commit
    held: (result, verdict, failing files, gate, repository root). With `--all`, `members`
    are this config's files of several (`paths` holds one of them)."""
    from .baseline import split, split_touched
    from .repo import check_changed, relative

    settings, root = _settings(paths, config, **cli)
    if since is not None and not implicit:
        # Up front: a mistyped `--since origin/mian` passed CI whenever nothing was new.
        _since_commit(root, since)
    changed = None if all_files else relative(root, paths)
    later = _changed_since(root, since, staged) if all_files and since is not None else set()
    result, checked, tracked = check_changed(
        root,
        settings,
        changed,
        staged,
        unread=unread,
        later=later,
        members=members,
        pending=None if all_files else lambda: _pending(root, since, implicit, staged),
    )
    baseline_file = _baseline_path(settings, root)
    if output is not None:
        given = [str(Path(x).resolve()) for x in paths]  # absolute: root / it is itself
        _refuse_output(output, root, settings, [*checked, *tracked, *given], baseline_file)
    existing = set(tracked) | set(checked)
    # With no finding to explain, the entries' renames are not looked up (a git log).
    known = existing if result.findings else None
    entries = (
        [] if no_baseline else _committed_baseline(root, baseline_file, staged, all_files, known)
    )
    if entries and result.findings:
        entries = _live_entries(root, settings, entries, existing, all_files, since)
    unused: list[Entry] = []
    if all_files and since is not None:
        verdict = split_touched(result.findings, entries, later, existing, unused)
    else:
        verdict = split(result.findings, entries, None if all_files else checked, existing, unused)
    if since is not None and verdict.new:
        # An entry that explains nothing now (its pair was edited: a typo fixed inside a
        # baselined copy failed) leaves the earlier commit's pair free to explain the edit.
        idle = {id(e) for e in unused}
        holding = [e for e in entries if id(e) not in idle]
        run = _Run(root, settings, result, checked, tracked, implicit, holding, staged)
        verdict = _earlier(run, since, verdict)
    new_files = {f.b.path for f in verdict.new}
    limit = settings.max_ratio
    if limit is None:
        return result, verdict, sorted(new_files), "any new finding", root
    failing = [s.path for s in result.files if s.path in new_files and s.ratio > limit]
    return result, verdict, failing, f"复制比 above {limit:.1%}", root


# -- the typer-free entry point ------------------------------------------------------------


def parser() -> "argparse.ArgumentParser":
    """`paradup hook`'s options for argparse, the same names, defaults and meaning as typer's."""
    import argparse

    class Parser(argparse.ArgumentParser):
        def error(self, message: str) -> NoReturn:  # one line, exit 2, like the typer CLI
            _error(f"{message} (see `paradup hook --help`)")
            raise SystemExit(EXIT_USAGE)

    ap = Parser(
        prog="paradup hook",
        description=HOOK_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument(
        "files",
        nargs="*",
        help="Changed files (pre-commit passes them); after `--`, names starting with `-`.",
    )
    ap.add_argument(
        "--all", dest="all_files", action="store_true", help="Check every tracked article."
    )
    ap.add_argument(
        "--format",
        "-f",
        choices=[f.value for f in HookFormat],
        default=None,
        help="Report format [text; with -o, its suffix's: .json, .sarif].",
    )
    ap.add_argument("--output", "-o", type=Path, help="Write the report here.")
    ap.add_argument(
        "--max-ratio",
        type=float,
        help="Fail only when a changed file's 复制比 is above this (0-1).",
    )
    ap.add_argument("--baseline", type=Path, help="Baseline file [.paradup-baseline.json].")
    ap.add_argument("--no-baseline", action="store_true", help=NO_BASELINE_HELP)
    ap.add_argument("--threshold", type=float, help="Jaccard similarity a passage pair needs.")
    ap.add_argument("--min-chars", type=int, help="Shortest passage reported, in characters.")
    ap.add_argument("--config", type=Path, help="Config file (else discovered).")
    ap.add_argument("--staged", action="store_true", help=STAGED_HELP)
    ap.add_argument("--since", metavar="REF", help=SINCE_HELP)
    return ap


def split_argv(ap: "argparse.ArgumentParser", argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """Arguments for argparse, and file names it must not see as options.

    Everything after `--` is a file name (parse_intermixed_args does not honour `--`). Before
    it, a token that starts with `-`, is no option of the hook (nor an option's value) and names
    an existing file is a file name too: pre-commit passes `-draft.md` without `--`."""
    argv = list(argv)
    tail: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, tail = argv[:cut], argv[cut + 1 :]
    known = ap._option_string_actions
    options: list[str] = []
    names: list[str] = []
    value_next = False
    for token in argv:
        if value_next:
            options.append(token)
            value_next = False
            continue
        name, eq, _ = token.partition("=")
        action = known.get(name)
        if action is not None:
            options.append(token)
            value_next = not eq and action.nargs != 0
        elif token.startswith("-") and token != "-" and os.path.lexists(token):
            names.append(token)
        else:
            options.append(token)
    return options, [*names, *tail]


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """`paradup hook` without typer: what pre-commit runs (`python -m paradup.cli_hook`)."""
    # The hook does no linear algebra; OpenBLAS would otherwise start a thread per core when
    # numpy is imported, which costs CPU time on every commit (reports/HOOK.md).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from .stdio import folder_output, safe_stdio, terminate_as_interrupt

    safe_stdio()
    terminate_as_interrupt()
    ap = parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    if (folder := folder_output(argv)) is not None:
        _error(f"{folder}: --output names a folder; name the report file")
        raise SystemExit(EXIT_USAGE)
    options, names = split_argv(ap, argv)
    # Intermixed: options may follow file names, as click allows.
    args = ap.parse_intermixed_args(options)
    try:
        code = run_hook(
            [*args.files, *names],
            all_files=args.all_files,
            format=HookFormat(args.format) if args.format else None,
            output=args.output,
            max_ratio=args.max_ratio,
            baseline=args.baseline,
            no_baseline=args.no_baseline,
            threshold=args.threshold,
            min_chars=args.min_chars,
            config=args.config,
            staged=args.staged,
            since=args.since,
        )
    except ParadupError as exc:
        _error(str(exc))
        raise SystemExit(EXIT_USAGE) from None
    except KeyboardInterrupt:
        _error("interrupted")
        raise SystemExit(130) from None
    raise SystemExit(code)


# -- the typer commands --------------------------------------------------------------------


def register(app: "typer.Typer") -> None:
    """Add `hook`, `baseline` and `config` to the paradup command line."""
    from typing import Annotated

    import typer

    def fail(message: str) -> typer.Exit:
        _error(message)
        return typer.Exit(EXIT_USAGE)

    baseline_app = typer.Typer(
        help="Record today's findings so later runs fail only on new ones.",
        no_args_is_help=True,
    )

    @baseline_app.callback()
    def _baseline() -> None:
        """Record today's findings so later runs fail only on new ones."""

    @app.command(help=HOOK_HELP)
    def hook(
        files: Annotated[
            list[str] | None,
            typer.Argument(
                help="Changed files (pre-commit passes them); after `--`, names starting with `-`."
            ),
        ] = None,
        all_files: Annotated[
            bool, typer.Option("--all", help="Check every tracked article (CI, first run).")
        ] = False,
        format: Annotated[
            HookFormat | None,
            typer.Option(
                "--format", "-f", help="Report format [text; with -o, its suffix's: .json, .sarif]."
            ),
        ] = None,
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
        no_baseline: Annotated[bool, typer.Option("--no-baseline", help=NO_BASELINE_HELP)] = False,
        threshold: Annotated[
            float | None, typer.Option(help="Jaccard similarity a passage pair needs [0.4].")
        ] = None,
        min_chars: Annotated[
            int | None, typer.Option(help="Shortest passage reported, in characters [12].")
        ] = None,
        config: Annotated[
            Path | None, typer.Option("--config", help="Config file (else discovered).")
        ] = None,
        staged: Annotated[bool, typer.Option("--staged", help=STAGED_HELP)] = False,
        since: Annotated[
            str | None, typer.Option("--since", metavar="REF", help=SINCE_HELP)
        ] = None,
    ) -> None:
        try:
            code = run_hook(
                files,
                all_files=all_files,
                format=format,
                output=output,
                max_ratio=max_ratio,
                baseline=baseline,
                no_baseline=no_baseline,
                threshold=threshold,
                min_chars=min_chars,
                config=config,
                staged=staged,
                since=since,
            )
        except ParadupError as exc:
            raise fail(str(exc)) from None
        raise typer.Exit(code)

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
            unread: list[str] = []
            result, checked, _ = check_changed(root, settings, None, unread=unread)
            path = _baseline_path(settings, root)
            if unread:
                # The findings of an unread article would be missing from the new baseline and
                # fail later as new: the old file is kept until every article can be read.
                for why in unread:
                    typer.echo(f"paradup: error: {one_line(why)}; skipped", err=True)
                n = len(unread)
                raise fail(
                    f"{path}: not written: {n} article{'' if n == 1 else 's'} could not be read; "
                    "fix them or exclude them in the config, then run it again"
                )
            n = write(path, result)
        except ParadupError as exc:
            raise fail(str(exc)) from None
        typer.echo(
            f"paradup: wrote {n} finding{'' if n == 1 else 's'} among {len(checked)} "
            f"article{'' if len(checked) == 1 else 's'} to {path}"
        )

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

        from .output import discard_stdout
        from .settings import effective, load_settings, mixed_configs, require_user_dict

        for name in files or []:
            if not os.path.lexists(name):  # its settings would be the defaults' (exit 0)
                raise fail(f"{name}: does not exist; check the path")
        try:
            settings = load_settings(files or ["."], config)
        except ParadupError as exc:
            raise fail(str(exc)) from None
        if config is None and (mixed := mixed_configs(files or [], settings.config_file)):
            _warn(mixed)
        try:  # shown all the same: the dictionary may be written next
            require_user_dict(settings)
        except ParadupError as exc:
            _warn(str(exc))
        lines = [f"# config file: {settings.config_file or 'none (defaults)'}"]
        for key, value, source in effective(settings):
            if value is None:  # TOML has no null: a comment, so the output stays a config
                lines.append(f"# {key} is unset  # {source}")
                continue
            shown = list(value) if isinstance(value, tuple) else value
            lines.append(f"{key} = {json.dumps(shown, ensure_ascii=False)}  # {source}")
        try:  # `| head -1` ends it quietly, exit 0 (click's own handler said 1)
            sys.stdout.write("\n".join(lines) + "\n")
            sys.stdout.flush()
        except BrokenPipeError:
            discard_stdout()

    app.add_typer(baseline_app, name="baseline")


if __name__ == "__main__":
    main()
