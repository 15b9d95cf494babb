"""`check --against` fixes from an editor's and an auditor's review (2026-12-03, fifth session)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from ._repo import article, paragraph, write
from .conftest import paradup_exe, run_paradup

FOOTER = (
    "特别声明：本文转载仅仅是出于传播信息的需要，并不意味着代表本网站观点或证实其内容的真实性。"
)


def _findings(proc: object) -> list[tuple[str, str]]:
    out = json.loads(proc.stdout)["findings"]  # type: ignore[attr-defined]
    return [(f["a"]["path"], f["b"]["path"]) for f in out]


def test_a_footer_shared_by_many_archived_articles_hides_no_source(tmp_path: Path) -> None:
    """Sources were the 20 archived documents with the best single unit: a footer in 25 of
    them filled every place at similarity 1.00, and the article the draft's paragraph came
    from was never compared (复制比 100 % without the footer, 20 % with it)."""
    arc = tmp_path / "arc"
    write(arc, {f"{i:02d}.md": article(100 + i) + "\n" + FOOTER + "\n" for i in range(25)})
    write(arc, {"source.md": article(7)})
    assert (
        run_paradup("index", "build", "arc", "--index", "a.paradup", cwd=tmp_path).returncode == 0
    )
    write(tmp_path, {"draft.md": paragraph(7) + "\n\n" + FOOTER + "\n"})
    proc = run_paradup("check", "draft.md", "--against", "a.paradup", "-f", "json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    sources = {a for a, _ in _findings(proc)}
    assert "arc/source.md" in sources, sources
    assert len(sources) == 2  # the footer's earliest-indexed copy, and the paragraph's source
    assert json.loads(proc.stdout)["files"][0]["ratio"] == 1.0


def test_an_archived_draft_is_not_its_own_source(tmp_path: Path) -> None:
    """A published article checked again (a correction, an auditor's question) restated
    itself in full and hid the wire story it copies."""
    arc = tmp_path / "arc"
    write(arc, {"wire.md": article(1), "daily.md": article(1), "other.md": article(2)})
    assert (
        run_paradup("index", "build", "arc", "--index", "a.paradup", cwd=tmp_path).returncode == 0
    )
    proc = run_paradup(
        "check", "arc/daily.md", "--against", "a.paradup", "-f", "json", cwd=tmp_path
    )
    assert proc.returncode == 1, proc.stderr
    assert _findings(proc) == [("arc/wire.md", "arc/daily.md")]
    # Named another way (absolute, from another folder), it is still the same document.
    proc = run_paradup(
        "check", str(arc / "daily.md"), "--against", "a.paradup", "-f", "json", cwd=tmp_path
    )
    assert {a for a, _ in _findings(proc)} == {"arc/wire.md"}
    # An unsaved buffer named as the archived file.
    proc = run_paradup(
        "check",
        "-",
        "--stdin-name",
        "arc/wire.md",
        "--against",
        "a.paradup",
        "-f",
        "json",
        stdin=article(1).encode(),
        cwd=tmp_path,
    )
    assert _findings(proc) == [("arc/daily.md", "arc/wire.md")]


def test_archive_paths_are_shown_from_the_current_folder(tmp_path: Path) -> None:
    """Archive paths are stored as given from the folder the index was built in: from
    anywhere else the report named a file that is not there."""
    base = tmp_path / "desk"
    write(base / "arc", {"wire.md": article(1), "other.md": article(2)})
    assert run_paradup("index", "build", "arc", "--index", "a.paradup", cwd=base).returncode == 0
    write(tmp_path, {"draft.md": article(3) + "\n" + paragraph(1) + "\n"})
    proc = run_paradup(
        "check", "draft.md", "--against", "desk/a.paradup", "-f", "json", cwd=tmp_path
    )
    assert proc.returncode == 1
    ((source, _),) = _findings(proc)
    assert source == "desk/arc/wire.md" and (tmp_path / source).is_file()


def test_an_empty_text_field_is_named_as_such(tmp_path: Path) -> None:
    """`"text": ""` was "no text in field 'text'; pass --text-field", which sends the user to
    a flag that cannot help."""
    src = tmp_path / "a.jsonl"
    rows = [{"id": "1", "text": article(1)}, {"id": "2", "text": ""}, {"id": "3", "body": "x"}]
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    proc = run_paradup("index", "build", "a.jsonl", "--index", "a.paradup", cwd=tmp_path)
    assert "a.jsonl:2: field 'text' is empty" in proc.stderr, proc.stderr
    assert "a.jsonl:3: no text in field 'text'; pass --text-field" in proc.stderr


def test_an_archived_draft_through_a_symlink_or_from_a_deleted_folder(tmp_path: Path) -> None:
    arc = tmp_path / "arc"
    write(arc, {"wire.md": article(1), "daily.md": article(1), "other.md": article(2)})
    built = run_paradup("index", "build", "arc", "--index", "a.paradup", cwd=tmp_path)
    assert built.returncode == 0
    (tmp_path / "link").symlink_to(arc)
    (tmp_path / "daily-link.md").symlink_to(arc / "daily.md")
    for name in ("link/daily.md", "daily-link.md"):
        proc = run_paradup("check", name, "--against", "a.paradup", "-f", "json", cwd=tmp_path)
        assert {a for a, _ in _findings(proc)} == {"arc/wire.md"}, (name, proc.stdout)
    gone = tmp_path / "gone"
    gone.mkdir()
    proc = subprocess.run(
        f"cd {gone} && rmdir {gone} && {paradup_exe()} check {arc / 'daily.md'} "
        f"--against {tmp_path / 'a.paradup'} -f json",
        shell=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert proc.returncode == 1, proc.stderr
    assert [f["a"]["path"] for f in json.loads(proc.stdout)["findings"]] == ["arc/wire.md"]
