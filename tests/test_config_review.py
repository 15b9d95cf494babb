"""Review fixes: markers on any line ending, config-file errors, CheckConfig validation, and the
library applying the same suppression as `paradup check`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

import paradup
from paradup import CheckConfig, InputError, UsageError, check_paths, check_text

from .conftest import RESTATED, bounded_project, one_line_error, run_paradup

FIRST, MIDDLE, THIRD = (p.strip() for p in RESTATED.split("\n\n"))


def _json(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert proc.returncode in (0, 1), proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


# -- 1. off/on markers in CRLF and CR-only files ---------------------------------------------


@pytest.mark.parametrize(
    ("name", "off", "on"),
    [
        ("draft.md", "<!-- paradup: off -->", "<!-- paradup: on -->"),
        ("draft.txt", "# paradup: off", "# paradup: on"),
    ],
)
def test_markers_work_with_every_line_ending(tmp_path: Path, name: str, off: str, on: str) -> None:
    lines = [FIRST, "", off, THIRD, on, "", MIDDLE, ""]
    bounded_project(tmp_path)
    results = []
    for label, eol in (("lf", "\n"), ("crlf", "\r\n"), ("cr", "\r")):
        (tmp_path / label).mkdir()
        draft = tmp_path / label / name
        draft.write_bytes(eol.join(lines).encode("utf-8"))
        data = _json(run_paradup("check", str(draft), "-f", "json"))
        lib = check_paths(draft)
        results.append((len(data["findings"]), data["files"][0]["restated_chars"]))
        assert (len(lib.findings), lib.files[0].restated_chars) == results[-1]
    assert results == [(0, 0)] * 3, results
    # Without the markers the copy is found: the markers, not the text, silence it.
    plain = tmp_path / f"plain{Path(name).suffix}"
    plain.write_bytes("\r\n".join([FIRST, "", THIRD, "", MIDDLE, ""]).encode("utf-8"))
    assert check_paths(plain).findings


# -- 2a. config files that are not UTF-8 -----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "body"),
    [
        (".paradup.toml", "# 阈值\nthreshold = 0.5\n"),
        ("pyproject.toml", '[project]\nname = "测试"\n'),  # no [tool.paradup] table at all
    ],
)
def test_config_file_not_utf8_is_one_line(tmp_path: Path, name: str, body: str) -> None:
    root = bounded_project(tmp_path)
    (root / name).write_bytes(body.encode("gbk"))
    sub = root / "drafts"
    sub.mkdir()
    (sub / "a.txt").write_text(RESTATED, encoding="utf-8")
    proc = run_paradup("check", str(sub / "a.txt"))
    one_line_error(proc, str(root / name), "not UTF-8", "save it as UTF-8")


# -- 2b. user dictionaries -------------------------------------------------------------------


def test_missing_user_dict_from_config_is_one_line(tmp_path: Path) -> None:
    root = bounded_project(tmp_path)
    (root / ".paradup.toml").write_text('user-dict = "missing.txt"\n', encoding="utf-8")
    (root / "a.txt").write_text(RESTATED, encoding="utf-8")
    proc = run_paradup("check", str(root / "a.txt"))
    one_line_error(proc, str(root / "missing.txt"), "not found", "user-dict")


def test_gbk_user_dict_is_one_line(tmp_path: Path) -> None:
    root = bounded_project(tmp_path)
    words = root / "words.txt"
    words.write_bytes("南延段 10 n\n试运营 10 n\n".encode("gbk"))
    (root / "a.txt").write_text(RESTATED, encoding="utf-8")
    proc = run_paradup("check", str(root / "a.txt"), "--user-dict", str(words))
    one_line_error(proc, str(words), "not UTF-8", "save it as UTF-8")
    # From a config file, the line names the file that set it.
    (root / ".paradup.toml").write_text('user-dict = "words.txt"\n', encoding="utf-8")
    proc = run_paradup("check", str(root / "a.txt"))
    one_line_error(proc, str(words), str(root / ".paradup.toml"), "UTF-8")


def test_library_user_dict_errors_are_input_errors(tmp_path: Path) -> None:
    words = tmp_path / "words.txt"
    words.write_bytes("南延段 10 n\n".encode("gbk"))
    for path in (words, tmp_path / "missing.txt"):
        config = CheckConfig(user_dict=str(path), engine="jieba")
        with pytest.raises(InputError) as exc:
            check_text(RESTATED, config=config)
        assert str(path) in str(exc.value)


# -- 2c and 3. range errors name the config file ---------------------------------------------


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("threshold = 5", "threshold"),
        ("windows = [1]", "windows"),
        ("min-chars = 0", "min-chars"),
        ('ngram = "x"', "ngram"),
        ("num-perm = 100000", "num-perm"),
        ("max-bucket = -3", "max-bucket"),
        ("max-ratio = 2", "max-ratio"),  # said "option <file> max-ratio: ..."
    ],
)
def test_bad_value_in_config_file_names_the_file(tmp_path: Path, line: str, key: str) -> None:
    root = bounded_project(tmp_path)
    (root / ".paradup.toml").write_text(line + "\n", encoding="utf-8")
    (root / "a.txt").write_text(RESTATED, encoding="utf-8")
    proc = run_paradup("check", str(root / "a.txt"))
    msg = one_line_error(proc, f"{root / '.paradup.toml'}: {key} ", "fix the value")
    assert "option" not in msg


def test_bad_value_in_pyproject_and_on_the_command_line(tmp_path: Path) -> None:
    root = bounded_project(tmp_path)
    (root / "pyproject.toml").write_text("[tool.paradup]\nthreshold = 5\n", encoding="utf-8")
    (root / "a.txt").write_text(RESTATED, encoding="utf-8")
    proc = run_paradup("check", str(root / "a.txt"))
    one_line_error(proc, str(root / "pyproject.toml"), "[tool.paradup] threshold", "5.0")
    # A command-line value keeps the option wording, though a config file exists.
    proc = run_paradup("check", str(root / "a.txt"), "--threshold", "7")
    msg = one_line_error(proc, "option --threshold: ", "7.0")
    assert "pyproject.toml" not in msg
    # audit's own --threshold too (it said "option threshold:").
    proc = run_paradup("audit", "--index", str(root / "none.paradup"), "--threshold", "2")
    one_line_error(proc, "option --threshold: must be in (0, 1], got 2.0")


def test_library_max_bucket_must_be_positive() -> None:
    for bad in (0, -1, -3):
        with pytest.raises(UsageError, match="max-bucket"):
            CheckConfig(max_bucket=bad)


# -- 4. CheckConfig types, with_options, check_paths ----------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"threshold": "0.5"},
        {"threshold": True},
        {"max_bytes": "1"},
        {"shingle": 2.5},
        {"num_perm": 64.5},
        {"windows": (2.5,)},
        {"windows": 3},
        {"seed": -1},
        {"seed": 2**32},
        {"min_chars": None},
        {"include": 3},
        {"exclude": ["*.md", 1]},
    ],
)
def test_check_config_rejects_bad_types(kwargs: dict[str, Any]) -> None:
    name = next(iter(kwargs)).replace("_", "-")
    with pytest.raises(UsageError, match=f"option {name}:"):
        CheckConfig(**kwargs)


def test_check_config_normalizes_harmless_spellings() -> None:
    # The annotations say tuples; the runtime takes lists and a single glob str too.
    c = CheckConfig(threshold=1, windows=[2], include="*.md", seed=2**32 - 1)  # type: ignore[arg-type]
    assert (c.threshold, c.windows, c.include, c.seed) == (1.0, (2,), ("*.md",), 2**32 - 1)
    assert isinstance(c.threshold, float)


def test_with_options_rejects_unknown_keys() -> None:
    with pytest.raises(UsageError, match="treshold"):
        CheckConfig().with_options(treshold=0.9)
    assert CheckConfig().with_options(threshold=0.9, seed=None).threshold == 0.9


def test_include_str_is_one_glob(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(RESTATED, encoding="utf-8")
    (tmp_path / "b.txt").write_text(RESTATED, encoding="utf-8")
    got = check_paths([str(tmp_path)], CheckConfig(include="*.md"))  # type: ignore[arg-type]
    assert [Path(f.path).name for f in got.files] == ["a.md"]


def test_check_paths_takes_one_path(tmp_path: Path) -> None:
    draft = tmp_path / "draft.md"
    draft.write_text(RESTATED, encoding="utf-8")
    want = check_paths([str(draft)])
    assert want.findings
    assert check_paths(str(draft)) == want
    assert check_paths(draft) == want
    with pytest.raises(UsageError):
        check_paths(3)  # type: ignore[arg-type]


# -- 5. the library suppresses like the command -----------------------------------------------

BYLINE = "来源：本报记者从市交通运输局新闻发布会获悉"


def test_library_matches_the_command_without_config(tmp_path: Path) -> None:
    root = bounded_project(tmp_path)
    a, b = root / "a.txt", root / "b.txt"
    a.write_text(f"{BYLINE}\n\n{FIRST}\n", encoding="utf-8")
    b.write_text(f"{BYLINE}\n\n{MIDDLE}\n", encoding="utf-8")
    cli = _json(run_paradup("check", str(a), str(b), "-f", "json"))
    lib = check_paths([str(a), str(b)])
    assert cli["findings"] == [] and not lib.findings
    assert [f["restated_chars"] for f in cli["files"]] == [f.restated_chars for f in lib.files]
    # The old behaviour, every sentence compared, is one keyword away.
    assert check_paths([str(a), str(b)], suppress=False).findings
    # allow=() keeps the markers but drops the byline list.
    assert check_paths([str(a), str(b)], allow=()).findings


def test_library_with_project_settings(tmp_path: Path) -> None:
    root = bounded_project(tmp_path)
    (root / ".paradup.toml").write_text('allow = ["^据介绍"]\n', encoding="utf-8")
    a = root / "a.txt"
    a.write_text(f"{MIDDLE}\n\n{MIDDLE.replace('二十', '三十')}\n", encoding="utf-8")
    settings = paradup.load_settings([a])
    lib = check_paths(a, settings.config, allow=settings.allow_patterns())
    cli = _json(run_paradup("check", str(a), "-f", "json"))
    assert cli["findings"] == [] and not lib.findings
    assert check_paths(a).findings  # the default list does not know this lead-in
    with pytest.raises(UsageError, match="not a regex"):
        check_text(RESTATED, allow=["("])


@pytest.mark.parametrize(
    ("name", "body", "where"),
    [
        (".paradup.toml", 'encoding = "nosuch"\n', "encoding"),
        ("pyproject.toml", '[tool.paradup]\nencoding = "rot13"\n', "[tool.paradup] encoding"),
    ],
)
def test_unknown_encoding_in_config_names_the_config(
    tmp_path: Path, name: str, body: str, where: str
) -> None:
    """An encoding from a config file that is no text codec is named against the config (it
    read as the article's problem, with a --encoding fix)."""
    root = bounded_project(tmp_path)
    (root / name).write_text(body, encoding="utf-8")
    (root / "a.txt").write_text(RESTATED, encoding="utf-8")
    proc = run_paradup("check", str(root / "a.txt"))
    line = one_line_error(proc, str(root / name), where, "not a text encoding", "fix the value")
    assert "a.txt" not in line


def test_tool_table_in_paradup_toml_is_named_in_the_error(tmp_path: Path) -> None:
    """The README's example used `[tool.paradup]`; inside `.paradup.toml` that table is not
    read: an error says why (it was "unknown key 'tool'", then a warning the hook hid)."""
    root = bounded_project(tmp_path)
    (root / ".paradup.toml").write_text("[tool.paradup]\nthreshold = 0.9\n", encoding="utf-8")
    (root / "a.txt").write_text(RESTATED, encoding="utf-8")
    for command in ("config", "check", "hook"):
        proc = run_paradup(command, str(root / "a.txt"))
        one_line_error(proc, str(root / ".paradup.toml"), "[tool.paradup] table", "pyproject.toml")


@pytest.mark.parametrize(
    ("name", "body", "key"),
    [
        (".paradup.toml", "max-bytes = 50\n", "max-bytes"),
        ("pyproject.toml", "[tool.paradup]\nmax-bytes = 50\n", "[tool.paradup] max-bytes"),
    ],
)
def test_size_limit_from_a_config_names_the_config(
    tmp_path: Path, name: str, body: str, key: str
) -> None:
    """A file over a `max-bytes` set in a config file said "raise --max-bytes"; the fix now
    names the key and the file that set the limit (the command line's is kept)."""
    root = bounded_project(tmp_path)
    (root / name).write_text(body, encoding="utf-8")
    (root / "a.txt").write_text(RESTATED, encoding="utf-8")
    proc = run_paradup("check", str(root / "a.txt"))
    one_line_error(proc, str(root / "a.txt"), "byte limit", f"raise {key} in {root / name}")
    flag = run_paradup("check", str(root / "a.txt"), "--max-bytes", "60")
    one_line_error(flag, "raise --max-bytes")
