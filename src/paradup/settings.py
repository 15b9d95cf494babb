"""Project configuration: `.paradup.toml` or `[tool.paradup]` in pyproject.toml.

Discovery walks up from the files being checked (like black and ruff): in each directory a
`.paradup.toml` wins over a `pyproject.toml`, and a pyproject.toml without a `[tool.paradup]`
table is passed over. The walk stops at the first directory that holds `.git`.

Precedence is defaults < file < command line. Relative paths in a file are resolved against the
file's directory; an unknown key or a value of the wrong type is an error naming the key.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .config import CheckConfig, OptionError
from .errors import InputError, UsageError
from .variants import fold_pattern

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

CONFIG_NAMES = (".paradup.toml", "pyproject.toml")

# Boilerplate never reported: bylines, dates, sources, editors (matched against each
# normalized sentence; NFKC has already turned full-width colons into ':'). The labels that also
# open interview questions and answers (`记者：今年以来，…如何取得的？`) count only on a short
# line with no comma, question or exclamation mark: `记者：张三 李四`, `时间：2017-10-17 12:00`.
DEFAULT_ALLOW = (
    r"^\s*(?:发布时间|发布日期|发稿时间|来源|稿源|责任编辑|责编|"
    r"通讯员|摄影|校对|审核|审校|监制|出品)\s*[:：]",
    r"^\s*(?:时间|日期|编辑|作者|记者)\s*[:：][^，,；;？?！!。]{0,40}[。.]?\s*$",
    r"^\s*(?:\(|（)\s*(?:责任编辑|编辑|来源)\s*[:：]",  # in parentheses: （编辑：王五）
    r"^\s*本文来源",
    r"^\s*原标题\s*[:：]",
    r"^\s*返回搜狐",  # a portal's footer, `返回搜狐，查看更多`
)


@dataclass(frozen=True)
class Settings:
    """Everything a hook or CI run needs: the check config plus repository-level policy."""

    config: CheckConfig = field(default_factory=CheckConfig)
    allow: tuple[str, ...] = DEFAULT_ALLOW  # regexes of boilerplate sentences never reported
    baseline: str = ".paradup-baseline.json"  # relative to the repository root unless absolute
    cache_dir: str = ".paradup"  # relative to the repository root unless absolute
    max_ratio: float | None = None  # fail only when a changed file's 复制比 is above this
    config_file: str | None = None  # where the file settings came from
    sources: Mapping[str, str] = field(default_factory=dict)  # key -> "default" | file | "cli"
    # The config was found, not given (--config): an article under another folder's config is
    # read with that config's encoding (a GBK folder beside UTF-8 ones).
    discovered: bool = False

    def limit_fix(self) -> str:
        """The fix for a file over `max-bytes`, naming the config file that set the limit."""
        if self.sources.get("max-bytes") in (None, "command line"):
            from .read import LIMIT_FIX

            return LIMIT_FIX
        place, key = self.key_place("max-bytes")
        return f"split it, or raise {key} in {place}"

    def key_place(self, key: str) -> tuple[str, str]:
        """Where to set `key`: the config file that set it, else the one in use, else a new
        `.paradup.toml`; and the key as that file spells it (`[tool.paradup] key`)."""
        src = self.sources.get(key)
        place = src if src and src != "command line" else self.config_file or ".paradup.toml"
        return place, key_in(place, key)

    def encoding_error(
        self, exc: InputError, *, option: bool = True, place: str | None = None
    ) -> InputError:
        """`exc` (a file that did not decode) with a fix that names where `encoding` is set.

        With an `--encoding` option (`check`), only an encoding a config file set is named
        there ("pass the right --encoding" sent users past the key that chose it); without
        one (the hook) every `--encoding` in the fix becomes the config key. `place`: the
        config file that read this article (its folder's), not the one in use."""
        src = self.sources.get("encoding")
        if option and src in (None, "default", "command line"):
            return exc
        where, key = (place, "encoding") if place else self.key_place("encoding")
        fix = exc.fix
        if option:
            fix = fix.replace("pass the right --encoding", f"the {key} in {where} (or --encoding)")
        else:
            fix = re.sub(
                r"pass --encoding (\S+)", lambda m: f'set {key} = "{m[1]}" in {where}', fix
            )
            fix = re.sub(r"--encoding (\w[\w-]*)", r'"\1"', fix)
            fix = fix.replace("the right --encoding", f"the right {key} in {where}")
        return InputError(exc.path, exc.problem, fix)

    def allow_patterns(self) -> list[re.Pattern[str]]:
        return compile_allow(self.allow)


def compile_allow(
    patterns: Iterable[str | re.Pattern[str]], source: str | None = None
) -> list[re.Pattern[str]]:
    """The allow-list compiled, traditional characters folded to simplified ones as the
    sentences it is matched against are (`variants`); a pattern that is not a regex (or not
    a str) is a UsageError naming it, and `source` (the config file) when given."""
    out = []
    where = f"{source}: " if source else ""
    for p in patterns:
        if isinstance(p, re.Pattern):
            compiled, shown = re.compile(fold_pattern(p.pattern), p.flags), p.pattern
        elif not isinstance(p, str):
            raise UsageError(f"{where}allow: patterns must be str or re.Pattern, got {p!r}")
        else:
            try:
                # Sentences are matched folded: a traditional label (來源：) reads 来源：.
                compiled, shown = re.compile(fold_pattern(p)), p
            except re.error as exc:
                raise UsageError(
                    f"{where}allow pattern {p!r} is not a regex ({exc}); fix it"
                ) from None
        # `extend-allow = [""]` (an unset template variable) took every sentence out: every
        # check passed with 0 of 0 prose characters.
        if compiled.search("") is not None:
            raise UsageError(
                f"{where}allow pattern {shown!r} matches empty text, so every sentence; "
                "fix it (anchor it to a word, e.g. ^来源：)"
            )
        out.append(compiled)
    return out


# key in the file -> (kind, CheckConfig field or None for a Settings field)
_CONFIG_KEYS: dict[str, str] = {
    "threshold": "float",
    "extend-threshold": "float",
    "lsh-threshold": "float",
    "shingle": "int",
    "ngram": "str",
    "num-perm": "int",
    "windows": "int-list",
    "min-chars": "int",
    "user-dict": "path",
    "encoding": "str",
    "include": "str-list",
    "exclude": "str-list",
    "max-bytes": "int",
    "max-bucket": "int",
    "phrase-chars": "int",
}
_SETTINGS_KEYS: dict[str, str] = {
    "allow": "str-list",
    "extend-allow": "str-list",
    "baseline": "path",
    "cache-dir": "path",
    "max-ratio": "float",
}
KNOWN_KEYS = {**_CONFIG_KEYS, **_SETTINGS_KEYS}


def _has_git(directory: Path) -> bool:
    return (directory / ".git").exists()


def find_config(paths: Iterable[str | os.PathLike[str]] = ()) -> Path | None:
    """The nearest config file above the common directory of `paths` (or the cwd)."""
    dirs = []
    for p in paths:
        if str(p) == "-":
            continue
        # realpath, not Path.resolve: a symlink loop must reach the reader's one-line error.
        ap = Path(os.path.realpath(p))
        dirs.append(ap if ap.is_dir() else ap.parent)
    start = Path(os.path.commonpath([str(d) for d in dirs])) if dirs else Path.cwd().resolve()
    for directory in (start, *start.parents):
        found = config_in(directory)
        if found is not None:
            return found
        if _has_git(directory):
            return None
    return None


def mixed_configs(paths: Iterable[str | os.PathLike[str]], used: str | None) -> str | None:
    """A warning when the paths given are configured by different files: `check a b` reads
    the one config above both, `used` (the hook reads each file's own), so one file's own
    config was dropped without a word."""
    own = {find_config([p]) for p in paths if str(p) != "-"}
    if len(own) < 2:
        return None
    named = ", ".join(sorted(str(c) if c else "none" for c in own))
    return (
        f"the files given are configured by different files ({named}); "
        f"{f'{used} applies' if used else 'the defaults apply'} to all of them: check each "
        "project's files on their own, or pass --config"
    )


def config_in(directory: Path) -> Path | None:
    """The config file of this folder itself, if it has one (a pyproject.toml only with a
    [tool.paradup] table; one that cannot be parsed is an error)."""
    for name in CONFIG_NAMES:
        candidate = directory / name
        if candidate.is_file() and (name != "pyproject.toml" or _has_table(candidate)):
            return candidate
    return None


def _has_table(pyproject: Path) -> bool:
    # A pyproject.toml that cannot be read or parsed is an error, not passed over: without
    # parsing it nobody can tell whether it holds a [tool.paradup] table meant for this check.
    data = _read_toml(pyproject)
    tool = data.get("tool")
    return isinstance(tool, dict) and "paradup" in tool


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise UsageError(
            f"{path}: cannot be read ({exc.strerror}); check its permissions"
        ) from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8; save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: invalid TOML ({exc}); fix the file's syntax") from None


def read_table(path: Path) -> dict[str, Any]:
    """The paradup table of a config file (whole file for .paradup.toml)."""
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("paradup", {})
        if not isinstance(table, dict):
            raise UsageError(f"{path}: [tool.paradup] must be a table; fix the file")
        return table
    return data


def key_in(config_file: str | os.PathLike[str], key: str) -> str:
    """A key as its config file spells it: `[tool.paradup] key` in pyproject.toml."""
    return f"[tool.paradup] {key}" if Path(config_file).name == "pyproject.toml" else key


def _convert(path: Path, key: str, kind: str, value: Any) -> Any:
    where = key_in(path, key)

    def bad(expected: str) -> UsageError:
        return UsageError(
            f"{path}: {where} must be {expected}, "
            f"got {type(value).__name__} {value!r}; fix the value"
        )

    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad("a number")
        return float(value)
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad("an integer")
        return value
    if kind in ("str", "path"):
        if not isinstance(value, str):
            raise bad("a string")
        if kind == "path" and not os.path.isabs(value):
            return str((path.parent / value).resolve())
        return value
    if kind == "str-list":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise bad("a list of strings")
        return tuple(value)
    if kind == "int-list":
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value
        ):
            raise bad("a list of integers")
        return tuple(value)
    raise AssertionError(kind)  # pragma: no cover


def file_values(path: Path, quiet: bool = False) -> dict[str, Any]:
    """Validated values of a config file, keyed by their dashed names; `quiet`: no warning of
    unknown keys (another folder's config, read for its articles' encoding)."""
    table = read_table(path)
    out: dict[str, Any] = {}
    for raw_key, value in table.items():
        key = raw_key.replace("_", "-")
        kind = KNOWN_KEYS.get(key)
        if kind is None and quiet:
            continue
        if kind is None:
            raise _unknown_key(path, raw_key)
        out[key] = _convert(path, key, kind, value)
    return out


def _unknown_key(path: Path, raw_key: str) -> UsageError:
    """An unknown key is an error, as in ruff: a misspelt `threshhold` was a warning that
    pre-commit hides on a passing run, and the check ran with the default."""
    import difflib

    if raw_key == "tool" and path.name != "pyproject.toml":
        return UsageError(
            f"{path}: a [tool.paradup] table belongs in pyproject.toml; in this file write "
            "the keys at the top level (threshold = 0.4)"
        )
    if raw_key == "paradup" and path.name != "pyproject.toml":
        return UsageError(
            f"{path}: a [paradup] table is not read; write the keys at the top level of "
            "this file (threshold = 0.4)"
        )
    close = difflib.get_close_matches(raw_key.replace("_", "-"), list(KNOWN_KEYS), n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(KNOWN_KEYS)}"
    return UsageError(f"{path}: unknown key {key_in(path, raw_key)!r} ({hint}); fix or remove it")


def load_settings(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] = (),
    config_file: str | os.PathLike[str] | None = None,
    cli: Mapping[str, Any] | None = None,
) -> Settings:
    """Defaults < the discovered (or given) config file < command-line values (None = unset).

    `paths` is one path or an iterable of them: the config is found from their folder."""
    if isinstance(paths, str | os.PathLike):
        paths = [paths]  # one path, not its characters (a config was silently not found)
    found: Path | None
    if config_file is not None:
        found = Path(config_file)
        if not found.is_file():
            what = "is not a regular file" if found.exists() else "not found"
            raise UsageError(f"{config_file}: config file {what}; check --config")
    else:
        found = find_config(paths)
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    if found is not None:
        for k, v in file_values(found).items():
            values[k] = v
            sources[k] = str(found)
    for k, v in (cli or {}).items():
        key = k.replace("_", "-")
        if v is None:
            continue
        if key not in KNOWN_KEYS:
            raise UsageError(f"unknown option {k!r}")  # programming error surfaced as usage
        values[key] = v
        sources[key] = "command line"
    config = _check_config(values, sources)
    allow = tuple(values.get("allow", DEFAULT_ALLOW)) + tuple(values.get("extend-allow", ()))
    compile_allow(allow, sources.get("allow") or sources.get("extend-allow") or "allow")
    ratio_src = sources.get("max-ratio")
    if ratio_src in (None, "command line"):
        validate_ratio(values.get("max-ratio"))
    else:  # worded like every other key of a file
        try:
            validate_ratio(values.get("max-ratio"))
        except UsageError:
            where = key_in(str(ratio_src), "max-ratio")
            raise UsageError(
                f"{ratio_src}: {where} must be in [0, 1], got {values['max-ratio']}; fix the value"
            ) from None
    return Settings(
        config=config,
        allow=allow,
        baseline=values.get("baseline", Settings.baseline),
        cache_dir=values.get("cache-dir", Settings.cache_dir),
        max_ratio=values.get("max-ratio"),
        config_file=str(found) if found else None,
        sources=sources,
        discovered=config_file is None,
    )


def _check_config(values: Mapping[str, Any], sources: Mapping[str, str]) -> CheckConfig:
    """The CheckConfig of the merged values; a bad value is reported against its source."""
    changes = {k.replace("-", "_"): v for k, v in values.items() if k in _CONFIG_KEYS}
    try:
        config = CheckConfig().with_options(**changes)
    except OptionError as exc:
        src = sources.get(exc.option)
        if src == "command line":  # as the option is spelled, like --max-ratio, --doc-share
            raise UsageError(f"option --{exc.option}: {exc.why}") from None
        if src is None:
            raise  # "option threshold: ...": a library caller's keyword
        where = key_in(src, exc.option)
        raise UsageError(f"{src}: {where} {exc.why}; fix the value") from None
    if config.user_dict is not None:
        _check_user_dict(config.user_dict, sources.get("user-dict"))
    src = sources.get("encoding")
    if config.encoding is not None and src not in (None, "command line"):
        from .read import is_text_encoding

        if not is_text_encoding(config.encoding):  # named here, not as each file's problem
            where = key_in(str(src), "encoding")
            raise UsageError(
                f"{src}: {where} {config.encoding!r} is not a text encoding; fix the value "
                "(e.g. gb18030)"
            )
    return config


def _check_user_dict(path: str, source: str | None) -> None:
    """A user dictionary that exists must be a UTF-8 file (jieba's own errors are tracebacks).

    A missing one is left to the tokenizer (an InputError naming it when a check needs it):
    `paradup config` and library callers may load settings before the dictionary is written.
    """
    fix = _user_dict_fix(source)
    p = Path(path)
    if not p.exists():
        return
    if not p.is_file():
        raise UsageError(f"{path}: user dictionary is not a regular file; {fix}")
    try:
        p.read_bytes().decode("utf-8")
    except OSError as exc:
        problem = f"user dictionary cannot be read ({exc.strerror})"
        raise UsageError(f"{path}: {problem}; {fix}") from None
    except UnicodeDecodeError:
        where = f" (user-dict in {source})" if _from_file(source) else ""
        raise UsageError(f"{path}: user dictionary is not UTF-8{where}; save it as UTF-8") from None


def require_user_dict(settings: Settings) -> None:
    """A missing user dictionary named once, with the key that set it, for commands that read
    many articles: the hook skipped every article in turn (one line each), and `baseline
    write` then replaced a good baseline with an empty one."""
    path = settings.config.user_dict
    if path is None or Path(path).exists():
        return
    source = settings.sources.get("user-dict")
    fix = _user_dict_fix(source, missing=True)
    raise UsageError(f"{path}: user dictionary not found; {fix}")


def _from_file(source: str | None) -> bool:
    return source is not None and source != "command line"


def _user_dict_fix(source: str | None, missing: bool = False) -> str:
    """Where a user dictionary's path is fixed: the config file that set it, or the option."""
    if not _from_file(source):
        return "check --user-dict"
    return f"fix user-dict in {source}" + (" or create the file" if missing else "")


def effective(settings: Settings) -> list[tuple[str, Any, str]]:
    """(key, value, source) for every setting, for `paradup config`."""
    cfg = settings.config
    rows: list[tuple[str, Any, str]] = []
    names = {f.name for f in fields(cfg)}
    for key in _CONFIG_KEYS:
        attr = key.replace("-", "_")
        if attr in names:
            rows.append((key, getattr(cfg, attr), settings.sources.get(key, "default")))
    src = settings.sources
    allow_src = src.get("extend-allow") or src.get("allow") or "default"
    rows.append(("allow", list(settings.allow), allow_src))
    rows.append(("baseline", settings.baseline, src.get("baseline", "default")))
    rows.append(("cache-dir", settings.cache_dir, src.get("cache-dir", "default")))
    rows.append(("max-ratio", settings.max_ratio, src.get("max-ratio", "default")))
    return rows


def validate_ratio(value: float | None, name: str = "--max-ratio") -> float | None:
    if value is not None and not 0.0 <= value <= 1.0:
        raise UsageError(f"option {name}: must be in [0, 1], got {value}")
    return value
