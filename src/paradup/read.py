"""Read stage: bytes to decoded text, refusing what is not text. Never writes."""

from __future__ import annotations

import bisect
import codecs
import fnmatch
import functools
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .errors import InputError, UsageError

TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text")
STDIN_NAME = "-"
STDIN_DOC = "<stdin>"  # the path reports give standard input's text
# Refuse inputs larger than this unless the caller raises the limit; a draft is far smaller.
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
# What starts a new line for reported line/column numbers: CRLF, CR (classic Mac) and LF, as in
# SARIF and editors; the longest alternative first, so CRLF is one break, not two.
LINE_BREAK = re.compile(r"\r\n|\r|\n")


class Locator:
    """Line and column (1-based) of raw offsets, via a line-start index built once per text."""

    def __init__(self, text: str) -> None:
        self.starts = [0, *(m.end() for m in LINE_BREAK.finditer(text))]

    def __call__(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1


@dataclass(frozen=True)
class Document:
    """One decoded input. `text` is what every span offset refers to."""

    path: str
    text: str
    encoding: str
    key: str | None = None  # archive documents: id, title and date shown with matches
    title: str | None = None
    date: str | None = None


def looks_binary(data: bytes) -> bool:
    """NUL bytes never occur in UTF-8/GB18030 prose; control-character soup means binary."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    if not head:
        return False
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls / len(head) > 0.1


# (magic bytes, what the file is, how to unpack it)
_COMPRESSED = (
    (b"\x1f\x8b", "gzip-compressed", "gunzip -k FILE"),
    (b"BZh", "bzip2-compressed", "bunzip2 -k FILE"),
    (b"\xfd7zXZ\x00", "xz-compressed", "unxz -k FILE"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed", "unzstd FILE"),
    (b"PK\x03\x04", "a zip archive", "unzip FILE"),
)


def decode(data: bytes, path: str, encoding: str | None = None) -> Document:
    """Decode bytes: UTF-8 (BOM stripped) by default, UTF-16/32 when a byte-order mark says
    so (Windows editors save "Unicode" that way), or the encoding asked for."""
    if encoding is None:
        encoding = _bom_encoding(data)
    # NULs are text in UTF-16/32: an encoding asked for is trusted to decide.
    if looks_binary(data) and (encoding is None or not _nul_text(encoding)):
        if encoding is not None and (marked := _bom_encoding(data)):
            # `--encoding utf-8` (or a config's) on a "Unicode" file was "a binary file".
            raise InputError(
                path,
                f"starts with a {marked.upper()} byte-order mark, not {encoding} text",
                f"pass --encoding {marked}",
            )
        if encoding is None and (utf16 := _bomless_utf16(data)):
            raise InputError(
                path, "looks like UTF-16 text without a byte-order mark", f"pass --encoding {utf16}"
            )
        packed = next((c for c in _COMPRESSED if data.startswith(c[0])), None)
        if packed is not None:  # `export.jsonl.gz` was "a binary file; pass a .txt or .md"
            tool = packed[2].replace("FILE", path)
            raise InputError(path, f"is {packed[1]}", f"decompress it first ({tool})")
        raise InputError(path, "looks like a binary file", "pass a .txt or .md text file")
    if encoding is None:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(
                path,
                f"is not valid UTF-8 (byte {exc.start})",
                "if it is GBK/GB18030, pass --encoding gb18030 (Big5: --encoding big5)",
            ) from None
        used = "utf-8"
    else:
        if not is_text_encoding(encoding):
            raise InputError(
                path, f"unknown encoding {encoding!r} for text", "pass e.g. --encoding gb18030"
            )
        try:
            text = data.decode(encoding)
        except UnicodeError as exc:  # punycode and idna raise the base class
            at = f" (byte {exc.start})" if isinstance(exc, UnicodeDecodeError) else ""
            raise InputError(
                path,
                f"cannot be decoded as {encoding}{at}",
                "check the file's encoding and pass the right --encoding",
            ) from None
        if text.startswith("\ufeff"):
            text = text[1:]
        used = encoding
    if not text.strip():
        raise InputError(path, "is empty", "pass a file that contains text")
    return Document(path=path, text=text, encoding=used)


def _bomless_utf16(data: bytes) -> str | None:
    """`utf-16-le`/`utf-16-be` for text saved as UTF-16 without a BOM (it decodes cleanly into
    Chinese, full-width punctuation and ASCII), else None."""
    head = data[:8192]
    head = head[: len(head) // 2 * 2]  # a file cut short, or a byte appended, is still one
    if len(head) < 16:  # too short to tell: `abc\0def` read as 扡c敤 "looked like" UTF-16
        return None
    for name in ("utf-16-le", "utf-16-be"):
        try:
            text = head.decode(name)
        except UnicodeDecodeError:
            continue
        plain = sum(
            1
            for c in text
            if "\u3400" <= c <= "\u9fff"
            or "\u3000" <= c <= "\u303f"
            or "\uff00" <= c <= "\uffef"
            or (c.isascii() and (c.isprintable() or c in "\t\r\n"))
        )
        if text and plain >= 0.9 * len(text):
            return name
    return None


def _bom_encoding(data: bytes) -> str | None:
    """utf-32 / utf-16 for data that starts with their byte-order mark (no UTF-8 text can)."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def is_text_encoding(encoding: str) -> bool:
    """A codec that decodes bytes to text: codecs also knows bytes-to-bytes ones (rot13, hex,
    zlib), which are not text encodings."""
    try:
        return bool(codecs.lookup(encoding)._is_text_encoding)
    except LookupError:
        return False


def _nul_text(encoding: str) -> bool:
    name = codecs.lookup(encoding).name
    return name.startswith(("utf-16", "utf-32"))


def _read_capped(fh: BinaryIO, max_bytes: int) -> bytes:
    """At most max_bytes + 1 bytes (one more tells "over the limit"), read in 64 MiB pieces:
    `read(n)` allocates n up front, which a huge --max-bytes turns into a MemoryError."""
    parts: list[bytes] = []
    left = max_bytes + 1
    while left > 0:
        got = fh.read(min(left, 1 << 26))
        if not got:
            break
        parts.append(got)
        left -= len(got)
    return b"".join(parts)


LIMIT_FIX = "split it, or raise --max-bytes"


def read_found(
    named: Iterable[str],
    files: Iterable[str],
    encoding: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    limit_fix: str = LIMIT_FIX,
    unread: list[str] | None = None,
    reword: Callable[[InputError], InputError] | None = None,
) -> list[Document]:
    """The documents of `files` (the paths `named` expanded), as `check` reads them: a file
    named (or standard input) must be readable; an empty file found in a folder restates
    nothing and is passed over; another unreadable one found there goes to `unread` as a
    line, or, without that list, is raised. `reword` rewrites each error's fix."""
    names = {os.path.realpath(p) for p in named if not os.path.isdir(p)}
    docs: list[Document] = []
    for p in files:
        try:
            docs.append(read_document(p, encoding, max_bytes, limit_fix))
        except InputError as exc:
            err = exc if reword is None else reword(exc)
            empty = err.problem == "is empty"
            if p == STDIN_NAME or os.path.realpath(p) in names or not (empty or unread is not None):
                raise err from None
            if not empty and unread is not None:
                unread.append(f"{err}; skipped")
    return docs


def read_document(
    path: str,
    encoding: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    limit_fix: str = LIMIT_FIX,
) -> Document:
    """Read one file (or standard input for '-') read-only and decode it. `limit_fix` is the
    fix named for a file over `max_bytes` (where the limit came from)."""
    if not isinstance(path, str | os.PathLike):  # an int was read as a file descriptor
        raise UsageError(f"path: expected a path, got {type(path).__name__} {path!r}")
    path = os.fspath(path)
    if path == STDIN_NAME:
        if sys.stdin is None:  # `<&-`
            raise InputError(STDIN_DOC, "is closed", "pipe the text in or pass a file")
        data = _read_capped(sys.stdin.buffer, max_bytes)
        name = STDIN_DOC
    else:
        name = path
        try:
            st = os.stat(path)
        except FileNotFoundError:
            raise InputError(path, "does not exist", "check the path") from None
        except PermissionError:
            raise InputError(
                path, "cannot be read (permission denied)", "check its permissions"
            ) from None
        except (OSError, ValueError) as exc:  # ELOOP, ENAMETOOLONG, ENOTDIR, a NUL in the path
            why = getattr(exc, "strerror", None) or str(exc)
            raise InputError(path, f"cannot be read ({why})", "check the path") from None
        if stat.S_ISDIR(st.st_mode):
            raise InputError(path, "is a directory", "pass files, or a directory via expand_paths")
        if st.st_size > max_bytes:
            raise InputError(
                path,
                f"is {st.st_size} bytes, over the {max_bytes}-byte limit",
                limit_fix,
            )
        try:
            with open(path, "rb") as fh:
                data = _read_capped(fh, max_bytes)
        except (PermissionError, IsADirectoryError):
            raise InputError(
                path, "cannot be read (permission denied)", "check its permissions"
            ) from None
        except OSError as exc:
            raise InputError(path, f"cannot be read ({exc.strerror})", "check the file") from None
    return decode_capped(data, name, encoding, max_bytes, limit_fix)


def decode_capped(
    data: bytes,
    name: str,
    encoding: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    limit_fix: str = LIMIT_FIX,
) -> Document:
    """`decode`, refusing more than `max_bytes` (read from a pipe, or from git)."""
    if len(data) > max_bytes:
        raise InputError(name, f"is over the {max_bytes}-byte limit", limit_fix)
    return decode(data, name, encoding)


def _variants(pattern: str) -> set[str]:
    """`**/` matches zero or more directories (gitignore): fnmatch's `*` already crosses `/`, so
    also try the pattern with those parts left out (`**/a.md` matches a top-level `a.md`)."""
    p = pattern.removeprefix("./").removeprefix("/")
    return {p, p.replace("**/", "")}


# fnmatch.fnmatch compares os.path.normcase'd names: nothing to do where that is the identity.
_PLAIN = os.path.normcase("aA/\\") == "aA/\\"
_SEP = os.path.normcase("/")


def _matches(rel: str, patterns: Sequence[str]) -> bool:
    """Whether a file (posix path relative to the walked directory) matches a glob, like
    gitignore: a pattern matches the path, the file name, or any directory above the file, so
    `drafts`, `drafts/` and `**/drafts` take the whole subtree; a trailing `/` matches only
    directories.

    Each pattern list is compiled once (`_compiled`); a file then costs a few regex calls."""
    if not patterns:
        return False
    files, dirs, above = _compiled(tuple(patterns))
    if not _PLAIN:
        rel = os.path.normcase(rel)  # as fnmatch.fnmatch does (Windows: `\\`, lower case)
    cut = rel.rfind(_SEP)
    if files is not None and (files(rel) or (cut >= 0 and files(rel[cut + 1 :]))):
        return True
    if dirs is None or cut < 0:
        return False
    # Every directory above the file: by its relative path (a prefix ending before a `/`; one
    # `match` tries them all) and by its own name.
    return above(rel) is not None or any(map(dirs, rel[:cut].split(_SEP)))


def _excludes_dir(rel: str, patterns: Sequence[str]) -> bool:
    """Whether `_matches` is true for every file below this directory (posix path relative to
    the walked directory): its path or its name matches, as a directory above those files."""
    if not patterns:
        return False
    dirs = _compiled(tuple(patterns))[1]
    if dirs is None:
        return False
    if not _PLAIN:
        rel = os.path.normcase(rel)
    return dirs(rel) is not None or dirs(rel[rel.rfind(_SEP) + 1 :]) is not None


_Match = Callable[[str], "re.Match[str] | None"]


@functools.lru_cache(maxsize=256)
def _compiled(patterns: tuple[str, ...]) -> tuple[_Match | None, _Match | None, _Match]:
    """(fullmatch of a file's path or name, fullmatch of a directory's name, match of a path
    that has a directory above it matching) for `_matches`: the variants of every pattern as
    fnmatch translates them, joined with `|`; `dir/` patterns only in the last two."""
    files: list[str] = []
    dirs: list[str] = []
    for raw in patterns:
        pattern = raw.rstrip("/")
        if not pattern:
            continue
        for v in sorted(_variants(pattern)):
            # `(?s:...)\Z` (`\z` in 3.14+): the anchor comes off, fullmatch or `/` ends it.
            rx = re.sub(r"\\[Zz]$", "", fnmatch.translate(os.path.normcase(v)))
            dirs.append(rx)
            if not raw.endswith("/"):
                files.append(rx)
    any_dir = "|".join(dirs)
    return (
        re.compile("|".join(files)).fullmatch if files else None,
        re.compile(any_dir).fullmatch if dirs else None,
        re.compile(f"(?:{any_dir}){re.escape(_SEP)}").match,
    )


def expand_paths(
    paths: Iterable[str],
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    *,
    also: Sequence[str] = (),
    what: str = "no .txt, .md, .markdown or .text files",
    fix: str = "point at a directory of articles or adjust --include/--exclude",
) -> Iterator[str]:
    """Expand directories recursively into text files (sorted, so runs are reproducible).

    Files named explicitly are always kept; files found in directories must end in a text
    suffix in any case, or have a lower-case name matching one of the globs `also` (or match
    `include` instead of both), and must not match `exclude`. A directory with none is an
    InputError: it "contains `what`", and `fix`.
    """
    seen: set[str] = set()
    for path in paths:
        if path == STDIN_NAME or not os.path.isdir(path):
            if _first(path, seen):
                yield path
            continue
        found = []
        root = Path(path)
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            if exclude:  # a directory `exclude` takes holds no file to find: not walked
                above = Path(dirpath).relative_to(root).as_posix()
                prefix = "" if above == "." else above + "/"
                dirnames[:] = [d for d in dirnames if not _excludes_dir(prefix + d, exclude)]
            for fname in filenames:
                full = Path(dirpath) / fname
                rel = full.relative_to(root).as_posix()
                # Suffixes in any case: `.TXT`/`.MD` files from Windows tools are articles too.
                wanted = (
                    _matches(rel, include)
                    if include
                    else fname.lower().endswith(TEXT_SUFFIXES)
                    # By the file's own name: Spark's `out/clusters.jsonl/part-0.json` in an
                    # archive folder is no export (a gitignore-style match took the folder).
                    or any(fnmatch.fnmatchcase(fname.lower(), p) for p in also)
                )
                # Not a FIFO or socket a walk happens on: opening one would wait forever.
                if wanted and not _matches(rel, exclude) and not _special(full):
                    found.append(str(full))
        if not found:
            raise InputError(
                path, f"contains {what}" + (" matching --include" if include else ""), fix
            )
        yield from (f for f in sorted(found) if _first(f, seen))


def _special(path: Path) -> bool:
    import stat

    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:  # a dangling link: read_document names it
        return False


def _first(path: str, seen: set[str]) -> bool:
    """False for a file already listed under another spelling (`a.txt`, `./a.txt`, `d/`)."""
    if path == STDIN_NAME:
        return True
    key = os.path.realpath(path)
    if key in seen:
        return False
    seen.add(key)
    return True
