"""Fixes of the eleventh session (2026-12-05)."""

from __future__ import annotations

from pathlib import Path

from ._repo import article, make_repo
from .conftest import one_line_error, run_paradup


def test_an_encoding_set_in_a_config_is_named_in_the_decode_fix(tmp_path: Path) -> None:
    """`encoding = "utf-16"` in `.paradup.toml` and a file that is not: the fix said "pass the
    right --encoding", which sent the user past the key that chose the wrong codec."""
    (tmp_path / "a.md").write_bytes(article(810).encode("gbk"))
    (tmp_path / ".paradup.toml").write_text('encoding = "utf-16"\n', encoding="utf-8")
    proc = run_paradup("check", "a.md", cwd=tmp_path)
    one_line_error(proc, "a.md", "cannot be decoded as utf-16", ".paradup.toml", "--encoding")
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "b.md").write_bytes(article(811).encode("gbk"))
    (folder / "c.md").write_text(article(812), encoding="utf-16")
    found = run_paradup("check", "d", cwd=tmp_path)
    assert found.returncode == 2, found.stderr
    assert "d/b.md" in found.stderr and ".paradup.toml" in found.stderr, found.stderr
    # Given on the command line, the option is the fix, as before.
    given = run_paradup("check", "a.md", "--encoding", "utf-16", cwd=tmp_path)
    one_line_error(given, "a.md", "pass the right --encoding")
    assert ".paradup.toml" not in given.stderr


def test_no_baseline_with_a_baseline_is_refused(tmp_path: Path) -> None:
    """`hook --no-baseline --baseline FILE` ran without the baseline the user named."""
    repo = make_repo(tmp_path / "r", {"a.md": article(820)})
    proc = run_paradup("hook", "--no-baseline", "--baseline", "b.json", "a.md", cwd=repo)
    one_line_error(proc, "--no-baseline", "--baseline b.json")
