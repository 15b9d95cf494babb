"""The index on a full disk, damaged, read-only, or with a worker killed: one line naming the
file and the fix (exit 2), never a traceback, and a run that can be resumed (from a review that
filled a tmpfs, overwrote pages and killed workers)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from paradup.errors import ParadupError
from paradup.index import build as build_mod
from paradup.index import store as store_mod
from paradup.index.build import build_index
from paradup.index.store import IndexStore

from .conftest import one_line_error, paradup_exe, run_paradup
from .test_index import write_jsonl


def _limited(size: int, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`paradup ARGS` allowed to write files of at most `size` bytes (a disk that fills up)."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return subprocess.run(
        [paradup_exe(), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        preexec_fn=limit,
        timeout=300,
    )


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE")
def test_full_disk_is_one_line_and_the_build_resumes(tmp_path: Path) -> None:
    """A full disk was a traceback of sqlite3.OperationalError, exit 1."""
    write_jsonl(tmp_path / "a.jsonl", 600)
    proc = _limited(
        200_000, "index", "build", "a.jsonl", "--index", "i.paradup", "-j", "1", cwd=tmp_path
    )
    one_line_error(proc, "i.paradup", "free space", "paradup index update")
    done = run_paradup("index", "update", "a.jsonl", "--index", "i.paradup", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    fresh = run_paradup("index", "build", "a.jsonl", "--index", "f.paradup", cwd=tmp_path)
    assert fresh.returncode == 0, fresh.stderr
    audits = [
        run_paradup("audit", "--index", name, "-f", "jsonl", cwd=tmp_path).stdout
        for name in ("i.paradup", "f.paradup")
    ]
    assert audits[0] and audits[0] == audits[1]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 60 KB tmpfs (root only: skipped where it cannot be mounted)."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=60k", "tmpfs", str(mnt)], capture_output=True
    )
    if proc.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


def test_audit_report_on_a_full_disk_is_one_line(tmp_path: Path, small_disk: Path) -> None:
    """CSV gave two lines: the write error, then the report file's own as it was closed."""
    write_jsonl(tmp_path / "a.jsonl", 300)
    assert run_paradup("index", "build", "a.jsonl", "--index", "i.paradup", cwd=tmp_path)
    for fmt in ("jsonl", "csv"):
        out = small_disk / f"out.{fmt}"
        proc = run_paradup(
            "audit", "--index", "i.paradup", "-qf", fmt, "-o", str(out), cwd=tmp_path
        )
        one_line_error(proc, str(out), "No space left on device")
        assert not out.exists() and not list(small_disk.iterdir())


def _damage(path: Path, how: str) -> None:
    data = bytearray(path.read_bytes())
    if how == "truncated":
        del data[len(data) // 2 :]
    else:  # pages overwritten a third of the way in
        at = len(data) // 3
        data[at : at + 8192] = b"\xff" * len(data[at : at + 8192])
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["truncated", "overwritten"])
def test_damaged_index_is_named_as_damaged(tmp_path: Path, how: str) -> None:
    """ "another kind of file" (truncated: even --force refused it, unexplained) or tracebacks
    from audit and update (pages overwritten)."""
    write_jsonl(tmp_path / "a.jsonl", 400)
    assert run_paradup("index", "build", "a.jsonl", "--index", "i.paradup", cwd=tmp_path)
    index = tmp_path / "i.paradup"
    _damage(index, how)
    before = index.read_bytes()
    write_jsonl(tmp_path / "b.jsonl", 200, start=1000)  # new texts; every old one removed
    for args in (
        ("index", "info", "--index", "i.paradup"),
        ("audit", "--index", "i.paradup", "-f", "jsonl", "-q"),
        ("index", "update", "b.jsonl", "--index", "i.paradup", "--prune"),
        ("index", "build", "a.jsonl", "--index", "i.paradup", "--force"),
    ):
        proc = run_paradup(*args, cwd=tmp_path)
        if proc.returncode == 0 and how == "overwritten" and args[1] in ("info", "build"):
            continue  # the counts may not touch those pages; --force replaces an index whose
            # settings still read as ours
        line = one_line_error(proc, "i.paradup")
        assert "damaged" in line and "delete it" in line, (args, line)
    if how == "truncated":
        assert index.read_bytes() == before  # refused before anything was written


def _die(*_args: object) -> None:
    os._exit(9)  # as the OOM killer ends a worker


@pytest.mark.skipif(sys.platform == "win32", reason="fork")
def test_a_killed_worker_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """BrokenProcessPool's fifty lines of traceback, exit 1."""
    write_jsonl(tmp_path / "a.jsonl", 50)
    monkeypatch.setattr(build_mod, "_work", _die)
    with pytest.raises(ParadupError, match=r"a worker process died .*paradup index update"):
        build_index([str(tmp_path / "a.jsonl")], str(tmp_path / "i.paradup"), jobs=2)
    monkeypatch.undo()
    stats = build_index([str(tmp_path / "a.jsonl")], str(tmp_path / "i.paradup"), jobs=2)
    assert stats.indexed == 50


def test_a_read_only_index_is_read_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A team's read-only copy was refused by every reader ("attempt to write a readonly
    database"): WAL mode needs to write beside it."""
    write_jsonl(tmp_path / "a.jsonl", 30)
    index = tmp_path / "i.paradup"
    build_index([str(tmp_path / "a.jsonl")], str(index), jobs=1)
    before = index.read_bytes()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if mode == os.W_OK else real(p, mode))
    with IndexStore.open(index) as store:
        assert store.counts()["docs"] == 30
        # Nothing written beside it either (WAL mode makes a -shm file on open).
        assert not Path(f"{index}-wal").exists() and not Path(f"{index}-shm").exists()
    assert index.read_bytes() == before
    assert not Path(f"{index}-wal").exists() and not Path(f"{index}-shm").exists()


def _no_rebuild_files(index: Path) -> bool:
    return not list(index.parent.glob(index.name + ".rebuild*"))


@pytest.mark.skipif(sys.platform == "win32", reason="fork, RLIMIT_FSIZE")
def test_a_failed_force_rebuild_leaves_the_old_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`index build --force` deleted the index first: a rebuild that then failed (an archive
    it could not read, a full disk, a dead worker) left an empty index where a good one was."""
    write_jsonl(tmp_path / "a.jsonl", 600)
    index = tmp_path / "i.paradup"
    build_index([str(tmp_path / "a.jsonl")], str(index), jobs=1)
    audit = run_paradup("audit", "--index", "i.paradup", "-f", "jsonl", cwd=tmp_path).stdout
    assert audit
    (tmp_path / "bad.jsonl").write_text('{"id": "x", "body": "no text"}\n', encoding="utf-8")

    def intact() -> None:
        assert _no_rebuild_files(index)
        with IndexStore.open(index) as store:
            assert store.counts()["docs"] == 600
        again = run_paradup("audit", "--index", "i.paradup", "-f", "jsonl", cwd=tmp_path)
        assert again.stdout == audit

    build = ("index", "build", "--index", "i.paradup", "--force", "-j", "1")
    proc = run_paradup(*build, "bad.jsonl", cwd=tmp_path)
    one_line_error(proc, "bad.jsonl", "no documents were read")
    intact()
    (tmp_path / "empty.jsonl").write_bytes(b"")  # an export that came out empty
    proc = run_paradup(*build, "empty.jsonl", cwd=tmp_path)
    one_line_error(proc, "empty.jsonl: no documents in it", "the old index is kept")
    intact()
    proc = _limited(200_000, *build, "a.jsonl", cwd=tmp_path)
    one_line_error(proc, "i.paradup", "free space")
    intact()
    monkeypatch.setattr(build_mod, "_work", _die)
    with pytest.raises(ParadupError, match=r"worker process died.*the old index is unchanged"):
        build_index([str(tmp_path / "a.jsonl")], str(index), jobs=2, force=True)
    monkeypatch.undo()
    intact()
    # A rebuild that completes replaces it, and leaves nothing beside it.
    proc = run_paradup(*build, "a.jsonl", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert _no_rebuild_files(index)
    with IndexStore.open(index) as store:
        assert store.counts()["docs"] == 600


def test_the_rebuild_file_is_ours_alone(tmp_path: Path) -> None:
    """`--force` removed whatever file was named `INDEX.rebuild`, and another writer could build
    an index by that name at the same time; a killed rebuild's file was mentioned nowhere."""
    write_jsonl(tmp_path / "a.jsonl", 40)
    index, side = tmp_path / "i.paradup", tmp_path / "i.paradup.rebuild"
    build_index([str(tmp_path / "a.jsonl")], str(index), jobs=1)
    force = ("index", "build", "a.jsonl", "--index", "i.paradup", "--force", "-q", "-j", "1")
    side.write_text("my notes\n", encoding="utf-8")
    proc = run_paradup(*force, cwd=tmp_path)
    one_line_error(proc, "i.paradup.rebuild", "not a paradup index", "move it away")
    assert side.read_text(encoding="utf-8") == "my notes\n"
    side.unlink()
    # Another writer on that name: refused while it writes.
    with IndexStore.create_or_open(side, IndexStore.open(index).settings):
        proc = run_paradup(*force, cwd=tmp_path)
        one_line_error(proc, "i.paradup.rebuild", "another paradup process is writing")
    # What a killed rebuild leaves (an index by that name): `index info` says so, and the next
    # rebuild starts over in its place.
    build_index([str(tmp_path / "a.jsonl")], str(side), jobs=1)
    info = run_paradup("index", "info", "--index", "i.paradup", cwd=tmp_path)
    assert "rebuild: i.paradup.rebuild (" in info.stdout, info.stdout
    assert "interrupted `index build --force` left" in info.stdout
    assert run_paradup(*force, cwd=tmp_path).returncode == 0
    assert _no_rebuild_files(index)
    info = run_paradup("index", "info", "--index", "i.paradup", "-f", "json", cwd=tmp_path)
    assert json.loads(info.stdout)["notes"] == {}


def test_a_rebuild_killed_at_the_swap_keeps_the_old_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The old index's -wal was deleted before the new file moved over it: a rebuild dying in
    between lost the commits still in that -wal (an update killed while a reader read)."""
    write_jsonl(tmp_path / "a.jsonl", 40)
    index = tmp_path / "i.paradup"
    build_index([str(tmp_path / "a.jsonl")], str(index), jobs=1)
    # A commit left in the -wal: its writer died before SQLite's checkpoint at close.
    script = (
        "import os, sqlite3, sys; con = sqlite3.connect(sys.argv[1]); "
        "con.execute(\"INSERT INTO meta VALUES ('late', '1')\"); con.commit(); os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", script, str(index)], check=True)
    assert Path(f"{index}-wal").stat().st_size > 0

    def die(*_args: object) -> None:
        raise KeyboardInterrupt  # the rebuild killed between the two steps

    monkeypatch.setattr(store_mod.os, "replace", die)
    with pytest.raises(KeyboardInterrupt):
        build_index([str(tmp_path / "a.jsonl")], str(index), jobs=1, force=True)
    monkeypatch.undo()
    with IndexStore.open(index) as store:
        assert store.counts()["docs"] == 40
        row = store.con.execute("SELECT value FROM meta WHERE key = 'late'").fetchone()
    assert row == ("1",)
