"""Review fixes: `serve` reads the config and applies markers and the allow-list as `check` does,
answers on `--host ::1`; `check -o` never replaces the config or dictionary it read; `--against`
errors name `--against`; a failed write to stdout is one line (a closed pipe, a quiet exit)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .conftest import RESTATED, SAMPLE, bounded_project, one_line_error, paradup_exe, run_paradup
from .test_serve import _free_port, client

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

BYLINE = "记者：张三 李四 王五 赵六 孙七 周八\n\n"
OFF = "# paradup: off\n" + RESTATED + "# paradup: on\n"


def _summary(html: str) -> tuple[int, int]:
    m = re.search(r"(\d+) / (\d+) 字", html)
    assert m, html[:2000]
    return int(m.group(1)), int(m.group(2))


def _check_json(path: Path, *args: str, cwd: Path | None = None) -> dict[str, object]:
    proc = run_paradup("check", str(path), "-f", "json", *args, cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    data = json.loads(proc.stdout)
    assert isinstance(data, dict)
    return data


def _served_app(monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[Starlette | None, int, str]:
    """Run `paradup serve ARGS` in-process with the server's run replaced: the app it would
    serve."""
    pytest.importorskip("uvicorn")
    from typer.testing import CliRunner

    from paradup import cli_serve
    from paradup.cli import app

    served: list[Starlette] = []
    monkeypatch.setattr(cli_serve, "_run", lambda a, *args: served.append(a))
    result = CliRunner().invoke(app, ["serve", "--port", str(_free_port()), *args])
    return (served[0] if served else None), result.exit_code, result.output


def _client(app: Starlette) -> TestClient:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    return TestClient(app, base_url="http://127.0.0.1:8765")  # a Host the loopback check allows


# -- 1. serve agrees with check -------------------------------------------------------------


def test_serve_counts_as_check_does() -> None:
    """The built-in byline allow-list: the sample's 复制比 denominator is check's."""
    data = _check_json(SAMPLE)
    files = data["files"]
    assert isinstance(files, list)
    got = client().post("/check", files={"text": (None, SAMPLE.read_text(encoding="utf-8"))})
    assert got.status_code == 200
    assert _summary(got.text) == (files[0]["restated_chars"], files[0]["chars"])


def test_serve_applies_off_markers() -> None:
    got = client().post("/check", files={"text": (None, OFF)})
    assert got.status_code == 200
    assert 'data-findings="0"' in got.text


def test_serve_discovers_config_in_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = bounded_project(tmp_path)
    (project / ".paradup.toml").write_text('extend-allow = ["地铁五号线"]\n', encoding="utf-8")
    draft = project / "d.txt"
    draft.write_text(RESTATED, encoding="utf-8")
    assert _check_json(draft, cwd=project)["findings"] == []
    monkeypatch.chdir(project)
    app, code, out = _served_app(monkeypatch)
    assert code == 0 and app is not None, out
    got = _client(app).post("/check", files={"text": (None, RESTATED)})
    assert got.status_code == 200 and 'data-findings="0"' in got.text


def test_serve_config_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "strict.toml"
    cfg.write_text("threshold = 0.99\n", encoding="utf-8")
    monkeypatch.chdir(bounded_project(tmp_path))  # no config file to discover here
    app, code, out = _served_app(monkeypatch, "--config", str(cfg))
    assert code == 0 and app is not None, out
    got = _client(app).post("/check", files={"text": (None, RESTATED)})
    assert 'data-findings="0"' in got.text
    plain = client().post("/check", files={"text": (None, RESTATED)})
    assert 'data-findings="0"' not in plain.text


@pytest.mark.parametrize(
    ("content", "words"),
    [(None, ("missing.toml", "--config")), ("threshold = [", ("bad.toml", "invalid TOML"))],
)
def test_serve_bad_config_is_one_line_at_startup(
    tmp_path: Path, content: str | None, words: tuple[str, ...]
) -> None:
    name = "missing.toml" if content is None else "bad.toml"
    if content is not None:
        (tmp_path / name).write_text(content, encoding="utf-8")
    proc = run_paradup("serve", "--port", str(_free_port()), "--config", str(tmp_path / name))
    one_line_error(proc, *words)


# -- 2. --host ::1 ----------------------------------------------------------------------------


def test_ipv6_loopback_host_header() -> None:
    c = client(allowed_hosts=["::1", "127.0.0.1", "localhost"])
    assert c.get("/", headers={"host": "[::1]:8765"}).status_code == 200
    assert c.get("/", headers={"host": "[::1]"}).status_code == 200
    assert c.get("/", headers={"host": "LOCALHOST:8765"}).status_code == 200
    for bad in ("evil.example:8765", "[::2]:8765", "[::1.evil.example]:80", "", "[::1"):
        assert c.get("/", headers={"host": bad}).status_code == 400, bad


def test_serve_host_ipv6_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here")
    for host in ("::1", "[::1]"):  # bracketed as the served URL prints it: "cannot resolve"
        app, code, out = _served_app(monkeypatch, "--host", host)
        assert code == 0 and app is not None, out
        assert "http://[::1]:" in out
        c = _client(app)
        assert c.get("/healthz", headers={"host": "[::1]:8765"}).text == "ok"
        assert c.get("/healthz", headers={"host": "evil.example"}).status_code == 400


# -- 3. -o never replaces the config or the dictionary ----------------------------------------


def test_output_refuses_discovered_config(tmp_path: Path) -> None:
    project = bounded_project(tmp_path)
    cfg = project / ".paradup.toml"
    cfg.write_text("threshold = 0.4\n", encoding="utf-8")
    (project / "a.txt").write_text(RESTATED, encoding="utf-8")
    proc = run_paradup("check", "a.txt", "-o", ".paradup.toml", cwd=project)
    one_line_error(proc, ".paradup.toml", "--output")
    assert cfg.read_text(encoding="utf-8") == "threshold = 0.4\n"


def test_output_refuses_config_option(tmp_path: Path) -> None:
    project = bounded_project(tmp_path)
    cfg = project / "my.toml"
    cfg.write_text("threshold = 0.4\n", encoding="utf-8")
    (project / "a.txt").write_text(RESTATED, encoding="utf-8")
    proc = run_paradup("check", "a.txt", "--config", "my.toml", "-o", "./my.toml", cwd=project)
    one_line_error(proc, "my.toml", "--output")
    assert cfg.read_text(encoding="utf-8") == "threshold = 0.4\n"


@pytest.mark.parametrize("via", ["option", "config"])
def test_output_refuses_user_dict(tmp_path: Path, via: str) -> None:
    project = bounded_project(tmp_path)
    words = project / "dict.txt"
    words.write_text("五号线\n南延段\n", encoding="utf-8")
    (project / "a.txt").write_text(RESTATED, encoding="utf-8")
    if via == "config":
        (project / ".paradup.toml").write_text('user-dict = "dict.txt"\n', encoding="utf-8")
        args = ("check", "a.txt", "-o", "dict.txt")
    else:
        args = ("check", "a.txt", "--user-dict", "dict.txt", "-o", "dict.txt")
    proc = run_paradup(*args, cwd=project)
    one_line_error(proc, "dict.txt", "--output")
    assert words.read_text(encoding="utf-8") == "五号线\n南延段\n"


# -- 4. --against errors name --against -------------------------------------------------------


def test_against_not_an_index_names_against(tmp_path: Path) -> None:
    draft = tmp_path / "x.txt"
    draft.write_text(RESTATED, encoding="utf-8")
    proc = run_paradup("check", str(draft), "--against", str(draft))
    one_line_error(proc, "x.txt", "--against")
    assert "--index" not in proc.stderr


def test_index_errors_still_name_index(tmp_path: Path) -> None:
    draft = tmp_path / "x.txt"
    draft.write_text(RESTATED, encoding="utf-8")
    for args in (("index", "info", "-i", str(draft)), ("audit", "-i", str(draft))):
        proc = run_paradup(*args)
        one_line_error(proc, "x.txt", "--index")


# -- 5. stdout write failures -----------------------------------------------------------------


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("fmt", ["text", "json", "index info"])
def test_full_stdout_is_one_line(tmp_path: Path, fmt: str) -> None:
    if fmt == "index info":
        (tmp_path / "a").mkdir()
        (tmp_path / "a" / "x.txt").write_text(SAMPLE.read_text(encoding="utf-8"), "utf-8")
        index = tmp_path / "i.paradup"
        build = [paradup_exe(), "index", "build", str(tmp_path / "a"), "--index", str(index)]
        subprocess.run([*build, "-q"], check=True, timeout=300)
        argv = [paradup_exe(), "index", "info", "--index", str(index)]
    else:
        argv = [paradup_exe(), "check", str(SAMPLE), "-f", fmt]
    with open("/dev/full", "wb") as full:
        proc = subprocess.run(
            argv,
            stdout=full,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
            timeout=300,
        )
    err = proc.stderr.decode("utf-8")
    one_line_error(
        subprocess.CompletedProcess(proc.args, proc.returncode, "", err),
        "cannot write the report (No space left on device)",
    )


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes")
@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize("restated", [True, False])
def test_closed_pipe_exits_quietly(tmp_path: Path, fmt: str, restated: bool) -> None:
    """`| head -1`: no traceback, and the exit code still says whether there were findings
    (click's EPIPE handler answered 1 even for a clean draft)."""
    draft = tmp_path / "d.txt"
    draft.write_text(RESTATED if restated else "本市今日天气晴朗。\n", encoding="utf-8")
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the report is written
    try:
        proc = subprocess.run(
            [paradup_exe(), "check", str(draft), "-f", fmt],
            stdout=write_end,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
            timeout=300,
        )
    finally:
        os.close(write_end)
    assert proc.stderr.decode("utf-8") == ""
    assert proc.returncode == (1 if restated else 0)


def test_the_config_max_bytes_is_the_page_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A newsroom's `max-bytes` in .paradup.toml held for `check` and the hook, not for the
    page, which took 2 MB whatever the config said."""
    project = bounded_project(tmp_path)
    (project / ".paradup.toml").write_text("max-bytes = 300\n", encoding="utf-8")
    monkeypatch.chdir(project)
    app, code, out = _served_app(monkeypatch)
    assert code == 0 and app is not None, out
    got = _client(app).post("/check", files={"file": ("a.txt", RESTATED.encode(), "text/plain")})
    assert got.status_code == 413 and "300-byte limit" in got.text, got.text[-500:]
    # --max-bytes still wins.
    app, code, out = _served_app(monkeypatch, "--max-bytes", "100000")
    assert code == 0 and app is not None, out
    got = _client(app).post("/check", files={"file": ("a.txt", RESTATED.encode(), "text/plain")})
    assert got.status_code == 200
