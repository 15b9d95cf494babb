"""Read stage: encodings, BOM, binary refusal, empty input, directories, stdin, read-only."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from paradup import CheckConfig, InputError, check_paths, read_document
from paradup import read as read_mod
from paradup.read import decode, expand_paths

from .conftest import RESTATED, check_json, run_paradup

PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 4


def _one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def _assert_spans(path: str, text: str, findings: list[dict[str, object]]) -> None:
    assert findings
    for f in findings:
        for side in ("a", "b"):
            s = f[side]
            assert isinstance(s, dict)
            assert s["path"] == path
            assert text[s["start"] : s["end"]] == s["text"]


def test_utf8_file_decoded_exactly(tmp_path: Path) -> None:
    p = tmp_path / "a.txt"
    p.write_bytes(RESTATED.encode("utf-8"))
    doc = read_document(str(p))
    assert doc.text == RESTATED
    assert doc.encoding == "utf-8"
    assert doc.path == str(p)


def test_utf8_bom_is_stripped_and_offsets_exclude_it(tmp_path: Path) -> None:
    p = tmp_path / "bom.txt"
    p.write_bytes(b"\xef\xbb\xbf" + RESTATED.encode("utf-8"))
    doc = read_document(str(p))
    assert doc.text == RESTATED  # no U+FEFF at offset 0
    result = check_paths([str(p)])
    assert result.findings
    first = result.findings[0]
    assert first.a.start == 0  # the BOM takes no offset
    assert first.a.text == RESTATED[first.a.start : first.a.end]
    code, data, _ = check_json(str(p))
    assert code == 1
    _assert_spans(str(p), RESTATED, data["findings"])
    assert data["findings"][0]["a"]["column"] == 1


def test_gb18030_needs_encoding_and_error_suggests_it(tmp_path: Path) -> None:
    p = tmp_path / "gbk.txt"
    p.write_bytes(RESTATED.encode("gb18030"))
    with pytest.raises(InputError) as err:
        read_document(str(p))
    assert "--encoding gb18030" in str(err.value)

    proc = run_paradup("check", str(p))
    assert proc.returncode == 2
    line = _one_error_line(proc.stderr)
    assert str(p) in line and "UTF-8" in line and "--encoding gb18030" in line
    assert proc.stdout == ""

    code, data, err_text = check_json(str(p), "--encoding", "gb18030")
    assert code == 1, err_text
    _assert_spans(str(p), RESTATED, data["findings"])
    assert read_document(str(p), encoding="gb18030").text == RESTATED


def test_gb18030_decode_of_utf8_bom_with_explicit_encoding(tmp_path: Path) -> None:
    p = tmp_path / "bom.txt"
    p.write_bytes(b"\xef\xbb\xbf" + RESTATED.encode("utf-8"))
    assert read_document(str(p), encoding="utf-8").text == RESTATED


def test_unknown_encoding_is_an_input_error(tmp_path: Path) -> None:
    p = tmp_path / "a.txt"
    p.write_text(RESTATED, encoding="utf-8")
    with pytest.raises(InputError, match="unknown encoding"):
        read_document(str(p), encoding="no-such-codec")


def test_wrong_explicit_encoding_is_an_input_error(tmp_path: Path) -> None:
    p = tmp_path / "a.txt"
    p.write_bytes("中文内容".encode() + b"\xff\xfe\xfa")
    with pytest.raises(InputError, match="cannot be decoded as ascii"):
        read_document(str(p), encoding="ascii")


@pytest.mark.parametrize(
    "data",
    [PNG_HEAD, b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(200), bytes(range(32)) * 40],
    ids=["png", "zip", "control-chars"],
)
def test_binary_refused(tmp_path: Path, data: bytes) -> None:
    p = tmp_path / "image.txt"
    p.write_bytes(data)
    with pytest.raises(InputError, match="binary"):
        read_document(str(p))
    proc = run_paradup("check", str(p))
    assert proc.returncode == 2
    line = _one_error_line(proc.stderr)
    assert str(p) in line and "binary" in line


def test_text_with_tabs_and_form_feeds_is_not_binary() -> None:
    data = ("第一页内容。\t表格\f第二页内容。\r\n" * 50).encode()
    assert decode(data, "x.txt").text.startswith("第一页内容")


@pytest.mark.parametrize("data", [b"", b"   \n\n\t \r\n", "\u3000\n".encode(), b"\xef\xbb\xbf"])
def test_empty_and_whitespace_only_refused(tmp_path: Path, data: bytes) -> None:
    p = tmp_path / "empty.md"
    p.write_bytes(data)
    with pytest.raises(InputError, match="is empty"):
        read_document(str(p))
    proc = run_paradup("check", str(p))
    assert proc.returncode == 2
    line = _one_error_line(proc.stderr)
    assert str(p) in line and "empty" in line


def _tree(root: Path) -> None:
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "a.md").write_text(RESTATED, encoding="utf-8")
    (root / "sub" / "b.txt").write_text(RESTATED, encoding="utf-8")
    (root / "sub" / "deeper" / "c.markdown").write_text(RESTATED, encoding="utf-8")
    (root / "sub" / "notes.log").write_text(RESTATED, encoding="utf-8")
    (root / "picture.png").write_bytes(PNG_HEAD)
    (root / ".git" / "HEAD.md").write_text(RESTATED, encoding="utf-8")


def test_directory_recursion_default_suffixes(tmp_path: Path) -> None:
    _tree(tmp_path)
    got = list(expand_paths([str(tmp_path)]))
    rel = [Path(p).relative_to(tmp_path).as_posix() for p in got]
    assert rel == ["a.md", "sub/b.txt", "sub/deeper/c.markdown"]  # sorted, hidden dirs skipped


def test_directory_include_and_exclude_globs(tmp_path: Path) -> None:
    _tree(tmp_path)

    def rel(include: tuple[str, ...] = (), exclude: tuple[str, ...] = ()) -> list[str]:
        got = expand_paths([str(tmp_path)], include, exclude)
        return [Path(p).relative_to(tmp_path).as_posix() for p in got]

    assert rel(include=("*.log",)) == ["sub/notes.log"]
    assert rel(include=("*.md", "*.log")) == ["a.md", "sub/notes.log"]
    assert rel(exclude=("sub/*",)) == ["a.md"]
    assert rel(exclude=("*.txt",)) == ["a.md", "sub/deeper/c.markdown"]
    assert rel(include=("sub/deeper/*",)) == ["sub/deeper/c.markdown"]


def test_directory_through_cli_with_globs(tmp_path: Path) -> None:
    _tree(tmp_path)
    code, data, err = check_json(str(tmp_path), "--exclude", "*.txt", "--exclude", "*/deeper/*")
    assert code == 1, err
    assert [f["path"] for f in data["files"]] == [str(tmp_path / "a.md")]
    code, data, err = check_json(str(tmp_path), "--include", "*.log")
    assert code == 1, err
    assert [f["path"] for f in data["files"]] == [str(tmp_path / "sub" / "notes.log")]


def test_explicit_file_kept_whatever_its_suffix(tmp_path: Path) -> None:
    p = tmp_path / "draft.log"
    p.write_text(RESTATED, encoding="utf-8")
    assert list(expand_paths([str(p)], exclude=("*.log",))) == [str(p)]


def test_directory_without_matching_files(tmp_path: Path) -> None:
    (tmp_path / "only.png").write_bytes(PNG_HEAD)
    (tmp_path / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"no \.txt, \.md, \.markdown or \.text files"):
        list(expand_paths([str(tmp_path)]))
    with pytest.raises(InputError, match="matching --include"):
        list(expand_paths([str(tmp_path)], include=("*.rst",)))
    proc = run_paradup("check", str(tmp_path))
    assert proc.returncode == 2
    line = _one_error_line(proc.stderr)
    assert str(tmp_path) in line and "--include" in line


def test_empty_directory(tmp_path: Path) -> None:
    proc = run_paradup("check", str(tmp_path))
    assert proc.returncode == 2
    assert str(tmp_path) in _one_error_line(proc.stderr)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_document(str(tmp_path / "nope.txt"))


def test_too_large_file_refused(tmp_path: Path) -> None:
    p = tmp_path / "big.txt"
    p.write_text(RESTATED, encoding="utf-8")
    with pytest.raises(InputError, match="limit"):
        read_document(str(p), max_bytes=10)
    with pytest.raises(InputError, match="limit"):
        check_paths([str(p)], CheckConfig(max_bytes=10))


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a chmod 000 file regardless")
def test_unreadable_file_chmod_000(tmp_path: Path) -> None:
    p = tmp_path / "secret.txt"
    p.write_text(RESTATED, encoding="utf-8")
    p.chmod(0)
    try:
        proc = run_paradup("check", str(p))
        assert proc.returncode == 2
        line = _one_error_line(proc.stderr)
        assert str(p) in line and "permission" in line
    finally:
        p.chmod(0o644)


def test_unreadable_file_reported_by_read_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The permission-denied path (also as root): open() refuses as it would for chmod 000."""
    p = tmp_path / "secret.txt"
    p.write_text(RESTATED, encoding="utf-8")

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(p))

    monkeypatch.setattr(read_mod, "open", refuse, raising=False)
    with pytest.raises(InputError) as err:
        read_document(str(p))
    assert str(err.value).startswith(f"{p}: cannot be read (permission denied)")
    assert "permissions" in err.value.fix


def test_stdin_dash(tmp_path: Path) -> None:
    code, data, err = check_json("-", stdin=RESTATED.encode("utf-8"))
    assert code == 1, err
    assert data["files"][0]["path"] == "<stdin>"
    _assert_spans("<stdin>", RESTATED, data["findings"])


def test_stdin_with_bom_and_gb18030() -> None:
    code, data, err = check_json("-", stdin=b"\xef\xbb\xbf" + RESTATED.encode())
    assert code == 1, err
    _assert_spans("<stdin>", RESTATED, data["findings"])
    code, data, err = check_json("-", "--encoding", "gb18030", stdin=RESTATED.encode("gb18030"))
    assert code == 1, err
    _assert_spans("<stdin>", RESTATED, data["findings"])


def test_stdin_empty_is_error() -> None:
    proc = run_paradup("check", "-", stdin=b"")
    assert proc.returncode == 2
    assert "<stdin>" in _one_error_line(proc.stderr)


def test_inputs_never_modified(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    files = {
        tmp_path / "a.md": b"\xef\xbb\xbf" + RESTATED.replace("\n", "\r\n").encode(),
        tmp_path / "sub" / "b.txt": RESTATED.encode("utf-8"),
    }
    (tmp_path / "sub").mkdir()
    for p, data in files.items():
        p.write_bytes(data)
        os.utime(p, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_mode) for p in files}
    listing = sorted(str(p) for p in tmp_path.rglob("*"))
    out = tmp_path_factory.mktemp("report") / "report.json"

    assert run_paradup("check", str(tmp_path)).returncode == 1
    assert run_paradup("check", *map(str, files), "--format", "json").returncode == 1
    assert run_paradup("check", str(tmp_path), "-f", "json", "-o", str(out)).returncode == 1
    check_paths([str(tmp_path)])

    after = {p: (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_mode) for p in files}
    assert after == before
    assert sorted(str(p) for p in tmp_path.rglob("*")) == listing  # nothing written beside them
    assert out.exists()
