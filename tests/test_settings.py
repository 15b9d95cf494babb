"""Configuration discovery, precedence, validation and `paradup config`."""

from __future__ import annotations

from pathlib import Path

import pytest

from paradup.errors import UsageError
from paradup.settings import DEFAULT_ALLOW, find_config, load_settings

from .conftest import run_paradup


def test_discovery_walks_up_and_prefers_paradup_toml(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text("[tool.paradup]\nthreshold = 0.6\n")
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    (sub / "x.md").write_text("x")
    assert find_config([sub / "x.md"]) == tmp_path / "pyproject.toml"
    (tmp_path / "a" / "pyproject.toml").write_text("[project]\nname = 'x'\n")  # no table: skipped
    assert find_config([sub / "x.md"]) == tmp_path / "pyproject.toml"
    (tmp_path / "a" / ".paradup.toml").write_text("threshold = 0.7\n")
    assert find_config([sub / "x.md"]) == tmp_path / "a" / ".paradup.toml"
    assert load_settings([sub / "x.md"]).config.threshold == 0.7


def test_walk_stops_at_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.paradup]\nthreshold = 0.6\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    assert find_config([repo]) is None


def test_precedence_defaults_file_cli(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".paradup.toml").write_text("threshold = 0.6\nmin_chars = 20\n")
    s = load_settings([tmp_path], cli={"threshold": 0.8, "min_chars": None})
    assert s.config.threshold == 0.8 and s.config.min_chars == 20
    assert s.config.shingle == 2
    assert s.sources["threshold"] == "command line"
    assert s.sources["min-chars"] == str(tmp_path / ".paradup.toml")


def test_relative_paths_resolve_against_the_config_file(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / ".paradup.toml").write_text('baseline = "../b.json"\nuser-dict = "words.txt"\n')
    s = load_settings([conf])
    assert s.baseline == str(tmp_path / "b.json")
    assert s.config.user_dict == str(conf / "words.txt")


@pytest.mark.parametrize(
    ("name", "body", "shown", "hint"),
    [
        (".paradup.toml", "treshold = 0.5\n", "'treshold'", "did you mean 'threshold'?"),
        (".paradup.toml", "min_char = 5\n", "'min_char'", "did you mean 'min-chars'?"),
        ("pyproject.toml", "[tool.paradup]\nzzz = 1\n", "'[tool.paradup] zzz'", "known keys:"),
        (".paradup.toml", "[paradup]\nthreshold = 0.9\n", "[paradup] table", "top level"),
    ],
)
def test_unknown_key_is_an_error(
    tmp_path: Path, name: str, body: str, shown: str, hint: str
) -> None:
    """A misspelt key was a warning, which pre-commit hides on a passing run, and the check
    ran with the default: it is an error naming the key and its likely spelling (as ruff)."""
    (tmp_path / ".git").mkdir()
    (tmp_path / name).write_text(body)
    with pytest.raises(UsageError) as exc:
        load_settings([tmp_path])
    assert str(tmp_path / name) in str(exc.value)
    assert shown in str(exc.value) and hint in str(exc.value)


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ('threshold = "high"', "threshold"),
        ("min-chars = 1.5", "min-chars"),
        ('windows = [2, "3"]', "windows"),
        ('allow = "^x"', "allow"),
        ("max-ratio = true", "max-ratio"),
    ],
)
def test_wrong_types_name_the_key(tmp_path: Path, line: str, key: str) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(f"[tool.paradup]\n{line}\n")
    with pytest.raises(UsageError) as exc:
        load_settings([tmp_path])
    assert f"[tool.paradup] {key}" in str(exc.value) and "pyproject.toml" in str(exc.value)


def test_out_of_range_and_bad_regex(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".paradup.toml").write_text("threshold = 3.0\n")
    with pytest.raises(UsageError, match="threshold"):
        load_settings([tmp_path])
    (tmp_path / ".paradup.toml").write_text('allow = ["("]\n')
    with pytest.raises(UsageError, match="not a regex"):
        load_settings([tmp_path])
    (tmp_path / ".paradup.toml").write_text("max-ratio = 2\n")
    with pytest.raises(UsageError, match="max-ratio"):
        load_settings([tmp_path])


def test_allow_replaces_and_extend_allow_adds(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".paradup.toml").write_text('extend-allow = ["^本报讯"]\n')
    assert load_settings([tmp_path]).allow == (*DEFAULT_ALLOW, "^本报讯")
    (tmp_path / ".paradup.toml").write_text('allow = ["^x"]\n')
    assert load_settings([tmp_path]).allow == ("^x",)


def test_config_command_prints_effective_settings(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text("[tool.paradup]\nthreshold = 0.55\n")
    proc = run_paradup("config", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == f"# config file: {tmp_path / 'pyproject.toml'}"
    assert f"threshold = 0.55  # {tmp_path / 'pyproject.toml'}" in lines
    assert "min-chars = 12  # default" in lines
    assert "# max-ratio is unset  # default" in lines
    # The output is a config file as it stands (it said `max-ratio = null`, not TOML).
    (tmp_path / "saved.toml").write_text(proc.stdout, encoding="utf-8")
    again = run_paradup("config", "--config", "saved.toml", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "threshold = 0.55  # saved.toml" in again.stdout.splitlines()
    proc = run_paradup("config", "--config", str(tmp_path / "missing.toml"), cwd=tmp_path)
    assert proc.returncode == 2 and "missing.toml" in proc.stderr
