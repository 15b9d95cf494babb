"""The installed `paradup` command: reports, JSON contract, exit codes, bad input."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import SAMPLE, run_paradup


def test_check_sample_text_report() -> None:
    proc = run_paradup("check", str(SAMPLE))
    assert proc.returncode == 1, proc.stderr
    assert "复制比" in proc.stdout
    assert "restates" in proc.stdout
    assert proc.stderr == ""


def test_check_sample_json_contract() -> None:
    proc = run_paradup("check", str(SAMPLE), "--format", "json")
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data["version"] == 1
    text = SAMPLE.read_text(encoding="utf-8")
    assert data["files"][0]["path"] == str(SAMPLE)
    assert 0 < data["files"][0]["ratio"] < 1
    starts = [f["a"]["start"] for f in data["findings"]]
    assert starts == sorted(starts)
    for f in data["findings"]:
        assert f["kind"] in ("exact", "near")
        for side in ("a", "b"):
            s = f[side]
            assert text[s["start"] : s["end"]] == s["text"]
            line_start = text.rfind("\n", 0, s["start"]) + 1
            assert text.count("\n", 0, s["start"]) + 1 == s["line"]
            assert s["start"] - line_start + 1 == s["column"]
        assert f["a"]["start"] < f["b"]["start"]


def test_clean_file_exit_zero(tmp_path: Path) -> None:
    p = tmp_path / "clean.txt"
    p.write_text("今天天气很好，我们去公园散步。晚上回家吃饭，然后看了一部电影。", encoding="utf-8")
    proc = run_paradup("check", str(p))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_missing_path_one_line_exit_2(tmp_path: Path) -> None:
    missing = tmp_path / "nope.md"
    proc = run_paradup("check", str(missing))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(missing) in lines[0] and "Traceback" not in proc.stderr
