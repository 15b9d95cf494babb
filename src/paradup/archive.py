"""Archive sources: directory trees of .txt/.md files and JSON Lines exports, streamed.

Every record becomes an ArchiveRecord with a stable key (the file path, or `file:line` for JSON
Lines), the decoded text that spans refer to, and a content hash for incremental updates.
Bad records are reported with file:line and skipped, never silently dropped.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from .errors import InputError
from .read import DEFAULT_MAX_BYTES, expand_paths, read_document
from .report import printable

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.txt")
# What a walk of an archive folder takes besides articles (`read.TEXT_SUFFIXES`): exports,
# and `.json` files, to name them as not read (`stray_json`).
FOLDER_SUFFIXES = (*JSONL_SUFFIXES, ".json")


_DATE = re.compile(
    r"\s*(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})(?:\s*[日号])?|月)?)?"
    r"(?:[T\s,，]*(上午|下午|晚上|凌晨|早上|中午)?\s*(\d{1,2})\s*(?:[:：时点]|\Z)\s*(?:(\d{1,2})\s*[:：分]?"
    r"\s*(?:(\d{1,2})\s*秒?)?)?)?"
)
_COMPACT = re.compile(r"\s*(\d{4})(\d{2})(\d{2})(?:T?(\d{2})(\d{2})(\d{2})?)?(?!\d)")


_EPOCH = re.compile(r"\s*(1\d{9}|1\d{12})(?:\.\d+)?\s*\Z")  # Unix seconds or milliseconds
_DAY_FIRST = re.compile(r"\s*(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?!\d)")  # 31/03/2019
_HALF = re.compile(r"\s*([AaPp])\.?\s?[Mm]\.?(?![A-Za-z])")  # 9:30 PM
_DATE_LIKE = re.compile(r"date|time|pub|day|日期|时间|發佈|发布", re.IGNORECASE)
UNREAD = "\ufff0"  # before the text of a date no form reads: after every date read


@lru_cache(maxsize=1 << 16)  # archives repeat dates: one parse each
def date_key(date: object) -> str:
    """A sort key of an archive's free-form date: earliest first, undated (None, blank, not
    text) last. Common forms become zero-padded ISO (`2019年2月3日`, `2019-2-3 9:05`,
    `2019/02/03`, `20190203`, `下午3点`, `9:30 PM`, `31/03/2019`, Unix seconds or
    milliseconds as UTC, full-width digits): as text, `2019-12-03` sorted before `2019-2-3`
    and `2019年12月3日` before `2019年2月3日`, so the later repost was named as the original.
    A date no form reads (`03/10/2019`, which day first? `19-03-10`) sorts after every date
    read (as text it sorted before them all: `1552176000` or `10/03/2019` named a repost the
    original), as written among its kind; a time zone is kept as written, not converted."""
    if not isinstance(date, str) or not date.strip():
        return "\uffff"
    text = unicodedata.normalize("NFKC", date)
    if (e := _EPOCH.match(text)) is not None:
        from datetime import datetime, timezone

        stamp = int(e.group(1)) / (1000 if len(e.group(1)) == 13 else 1)
        try:
            return datetime.fromtimestamp(stamp, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        except (OverflowError, OSError, ValueError):
            return UNREAD + date
    if (f := _DAY_FIRST.match(text)) is not None:
        day, month, year = (int(g) for g in f.groups())
        if month > 12 >= day:  # 03/31/2019: the month first
            day, month = month, day
        if day <= 12 or month > 12:  # 03/10/2019 reads either way; 31/31 no way
            return UNREAD + date
        text = f"{year}-{month}-{day}{text[f.end() :]}"
    if (c := _COMPACT.match(text)) is not None:
        y, mo, d, h, mi, sec = c.groups()
        time = f" {h}:{mi}:{sec or '00'}" if h else ""
        text = f"{y}-{mo}-{d}{time}{text[c.end() :]}"  # then read as the other forms are
    m = _DATE.match(text)
    if m is None:
        return UNREAD + date
    y, mo, d, half, h, mi, sec = m.groups()
    hour = int(h) if h else None
    rest = text[m.end() :]
    if hour is not None and (ap := _HALF.match(rest)) is not None:
        half = "下午" if ap.group(1) in "Pp" else "凌晨"
        rest = rest[ap.end() :]
    if hour is not None:
        if (half in ("下午", "晚上") and hour < 12) or (half == "中午" and hour < 11):
            hour += 12
        elif half == "凌晨" and hour == 12:
            hour = 0
    parts = [y, f"-{int(mo):02d}" if mo else "", f"-{int(d):02d}" if d else ""]
    if hour is not None:
        parts.append(f" {hour:02d}:{int(mi or 0):02d}:{int(sec or 0):02d}")
    return "".join(parts) + rest


def is_export(path: str) -> bool:
    """Whether a file is read as a JSON Lines export: by its suffix in any case (`B.JSONL`
    was one text article of raw JSON, while the folder walk took it as an export's name)."""
    return path.lower().endswith(JSONL_SUFFIXES)


class Blank(str):
    """The message of a blanked record or an emptied article: reported, but a retraction (it
    leaves the index), not a bad record that `--strict` fails on."""


def unread_article(path: str, exc: InputError) -> str:
    """The message of an article that could not be read: an emptied one is a retraction."""
    if exc.problem == "is empty":
        return Blank(f"{path}: is empty; not indexed")
    return str(InputError(path, exc.problem, exc.fix))


def nothing_read(where: str, bad: int, blank: int, first: str) -> InputError:
    """The error for an archive none of whose `bad + blank` records could be read (`blank`:
    retractions, empty texts); `first` is the first one's message, which has its own fix."""
    field = "fix the archive, or pass --text-field/--id-field for other JSON field names"
    if not bad:
        counted = f"{blank} empty"
        fix = "every article or record is empty: fill them, or name the archive with the text"
        if " is null; " in first:  # null everywhere: the text is likely under another name
            fix = field
    else:
        counted = f"{bad} bad record{'s' if bad > 1 else ''}"
        counted += f", {blank} empty" if blank else ""
        fix = (
            field
            if "no text in field " in first
            else "fix the archive's files as each message says"
        )
    return InputError(where, f"no documents were read ({counted}, the first: {first})", fix)


def record_id(key: str | None) -> str | None:
    """The id of a JSON Lines record from its key (`file#id`), else None (a record keyed by
    its line, an article file): what a CMS calls it, for the text reports."""
    if not key:
        return None
    head, sep, rid = key.rpartition("#")
    return rid if sep and head.lower().endswith(JSONL_SUFFIXES) else None


def record_place(path: str) -> tuple[str, int] | None:
    """(export file, line) when `path` is a JSON Lines record's `file:line`, else None (an
    article file, whose offsets index the file itself)."""
    head, sep, tail = path.rpartition(":")
    if sep and tail.isdigit() and head.lower().endswith(JSONL_SUFFIXES):
        return head, int(tail)
    return None


@dataclass(frozen=True)
class Fields:
    """Field names of a JSON Lines record (a CMS dump's usual shape)."""

    id: str = "id"
    text: str = "text"
    title: str = "title"
    date: str = "date"


@dataclass(frozen=True)
class ArchiveRecord:
    key: str  # stable identity: path, or path:line for JSON Lines
    path: str  # what reports show as the source
    text: str
    title: str | None
    date: str | None
    content_hash: str
    size: int = 0  # bytes of the source it was read from (the line, or the file): progress
    # With no date field: a field of the record that looks like one (`pubtime`): named in a
    # warning, as a date field named wrong changed nothing visible but the order of reposts.
    date_like: str | None = None


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _scalar(value: object) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


SURROGATE_MSG = "an unpaired surrogate escape (\\ud800-\\udfff) is not text; fix the export"


def has_surrogate(*values: str | None) -> bool:
    """True when a value holds a lone UTF-16 surrogate, which JSON's \\u escapes allow but
    UTF-8, the segmenter and SQLite refuse."""
    for v in values:
        if v is not None and not v.isascii():
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False


def iter_jsonl(
    path: str,
    fields: Fields,
    on_bad: Callable[[str], None],
    on_unreadable: Callable[[str], None] = lambda key: None,
) -> Iterator[ArchiveRecord]:
    """Records of one JSON Lines file. A bad line is reported; `on_unreadable` gets the
    record's key when its id can be read, else the file's path (any record of the file may be
    the one that broke), so an update keeps what it indexed instead of deleting it."""
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below; streamed line by line
    except OSError as exc:
        raise InputError(path, f"cannot be read ({exc.strerror})", "check the path") from None
    name = printable(path)  # keys are stored as text: an undecodable name as `\xd0` escapes
    with fh:
        lines = 0
        for _lineno, rec, bad, unreadable in jsonl_lines(name, fh, fields):
            lines += 1
            if rec is not None:
                yield rec
                continue
            if bad is not None:
                on_bad(bad)
            if unreadable is not None:
                on_unreadable(unreadable)
    if not lines:  # a truncated (zero-byte) export keeps what the index holds of it (the
        on_unreadable(name)  # update says so); deleting the file is how its records leave


JsonlLine = tuple[int, ArchiveRecord | None, str | None, str | None]


def _broken_key(path: str, raw: bytes, fields: Fields) -> str:
    """The key of the record a broken line held, when its id can still be read off the line
    (an update then keeps only that record as indexed); else the file's path (every record of
    the file the update does not see is kept: the line may have held any of them)."""
    rid = _top_level_id(raw.decode("utf-8", "replace"), fields.id)
    return f"{path}#{rid}" if rid and not has_surrogate(rid) else path


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?=\s*[,}])")


def _top_level_id(text: str, name: str) -> str | None:
    """The value of key `name` of the object a (possibly cut) JSON line opens, read only at its
    top level (a nested `"id"` belongs to something else) and only when the value is complete
    (a number cut short, `"id": 10` of 1024, would name another record)."""
    depth = 0
    i = 0
    while i < len(text):
        c = text[i]
        if c == '"':
            m = _STRING.match(text, i)
            if m is None:
                return None  # a string cut short: nothing after it is known
            j = m.end()
            rest = text[j:].lstrip()
            if depth == 1 and rest.startswith(":") and _json_str(m.group()) == name:
                value = rest[1:].lstrip()
                v = _STRING.match(value) or _NUMBER.match(value)
                return _scalar(json.loads(v.group())) if v is not None else None
            i = j
            continue
        if c in "{[":
            depth += 1
        elif c in "}]":
            depth -= 1
        i += 1
    return None


def _json_str(literal: str) -> str | None:
    try:
        value = json.loads(literal)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, str) else None


def jsonl_lines(path: str, lines: Iterable[bytes], fields: Fields) -> Iterator[JsonlLine]:
    """(line number, record, bad-record message, unreadable key) for each non-blank line of the
    JSON Lines file `path`, whose raw lines (bytes, newline included) are `lines`: a record,
    or a message naming `path:line` and the fix with the key `iter_jsonl` passes to
    `on_unreadable`. Shared by `iter_jsonl` and the Spark engine (which reads files whole)."""
    for lineno, raw in enumerate(lines, 1):
        where = f"{path}:{lineno}"
        if not raw.strip():
            continue
        problem = None
        try:
            line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
            rec = json.loads(line)
        except UnicodeDecodeError:
            problem, fix = "not valid UTF-8", "re-export the file as UTF-8"
        except json.JSONDecodeError as exc:
            why = exc.msg.removesuffix(" at")  # "Invalid control character at"
            problem, fix = f"invalid JSON ({why} at column {exc.colno})", "fix or remove the line"
        if problem is not None:
            # The last line, cut mid-record (no newline, no closing brace, or a character cut
            # in two): the records after it are lost. A typo in a last line that merely lacks
            # its newline is an ordinary broken record.
            if not raw.endswith(b"\n") and (
                not raw.rstrip().endswith(b"}") or problem == "not valid UTF-8"
            ):
                msg = (
                    f"{where}: {problem} at the end of the file, which looks cut short; what "
                    "the index holds of it is kept until the file is whole"
                )
                yield lineno, None, msg, path
            else:
                yield lineno, None, f"{where}: {problem}; {fix}", _broken_key(path, raw, fields)
            continue
        if not isinstance(rec, dict):
            msg = f"{where}: not a JSON object; each line must be one article object"
            yield lineno, None, msg, path
            continue
        rid = _scalar(rec.get(fields.id))
        key = f"{path}#{rid}" if rid else where
        if has_surrogate(rid):
            yield lineno, None, f"{where}: {SURROGATE_MSG}", path  # no usable key
            continue
        text = rec.get(fields.text)
        if (isinstance(text, str) and not text.strip()) or (text is None and fields.text in rec):
            # A blanked body (or a null one) is a retraction: not kept as indexed (it stayed
            # "published").
            if text is not None:
                msg = f"{where}: field {fields.text!r} is empty; not indexed (fill it or drop "
                msg += "the line)"
            else:  # a retraction, or the text is under another name
                msg = f"{where}: field {fields.text!r} is null; not indexed (fill it or drop "
                msg += "the line, or pass --text-field if the text is in another field)"
            yield lineno, None, Blank(msg), None
            continue
        if not isinstance(text, str):
            if fields.text in rec:  # a number, a list: the field is right, its value is not
                shown = json.dumps(text, ensure_ascii=False)
                shown = shown if len(shown) <= 20 else shown[:19] + "…"
                msg = f"{where}: field {fields.text!r} holds {shown}, not text; fix the record"
            else:
                msg = f"{where}: no text in field {fields.text!r}; pass --text-field"
            yield lineno, None, msg, key
            continue
        title, date = _scalar(rec.get(fields.title)), _scalar(rec.get(fields.date))
        if has_surrogate(text, title, date):
            yield lineno, None, f"{where}: {SURROGATE_MSG}", key
            continue
        like = None
        if date is None and fields.date not in rec:
            like = next((k for k in rec if _DATE_LIKE.search(k) and rec[k]), None)
        record = ArchiveRecord(
            key=key,
            path=where,
            text=text,
            title=title,
            date=date,
            content_hash=content_hash(text),
            size=len(raw),
            date_like=like,
        )
        yield lineno, record, None, None


class Selection(NamedTuple):
    """Which files of a folder are articles, and how large one may be: the config's
    `include`, `exclude` and `max-bytes`, as `check` applies them (an index took every file,
    and its size message named a `--max-bytes` that `index` does not have)."""

    include: Sequence[str] = ()
    exclude: Sequence[str] = ()
    max_bytes: int = DEFAULT_MAX_BYTES
    limit_fix: str = "split it, or raise max-bytes in .paradup.toml or [tool.paradup]"


EVERY_FILE = Selection()


def iter_records(
    roots: Iterable[str],
    fields: Fields | None = None,
    encoding: str | None = None,
    on_bad: Callable[[str], None] = lambda msg: None,
    on_unreadable: Callable[[str], None] = lambda key: None,
    on_empty: Callable[[str, int], None] = lambda root, bad: None,
    select: Selection = EVERY_FILE,
) -> Iterator[ArchiveRecord]:
    """Stream every article under the roots; unreadable files and records are reported and
    skipped, and their keys passed to `on_unreadable` (an update keeps what it indexed of
    them): a JSON Lines file's own path stands for every record of it (`key_in_file`). A root
    that gave bad records and no good one goes to `on_empty` with its count of bad ones (a
    wrong --text-field for one export among several)."""
    fields = fields or Fields()
    bad_here = [0]

    def counted(msg: str) -> None:
        bad_here[0] += not isinstance(msg, Blank)  # a root of blanked records is no wrong field
        on_bad(msg)

    for root, paths in archive_files(roots, select):
        bad_here[0] = 0
        good = 0
        for rec in _root_records(root, paths, fields, encoding, counted, on_unreadable, select):
            good += 1
            yield rec
        if not good and bad_here[0]:
            on_empty(root, bad_here[0])


def _root_records(
    root: str,
    paths: Iterable[str],
    fields: Fields,
    encoding: str | None,
    on_bad: Callable[[str], None],
    on_unreadable: Callable[[str], None],
    select: Selection,
) -> Iterator[ArchiveRecord]:
    """The records of one archive root (`iter_records`). A file's key is its path, as text:
    a name that is not valid UTF-8 (GBK names from a Windows zip) with its bytes as `\xd0`
    escapes (SQLite stores no lone surrogates: the build died with a traceback)."""
    for path in paths:
        stray = stray_json(path, root)
        if stray:
            on_bad(stray)
            continue
        if is_export(path):
            try:
                yield from iter_jsonl(path, fields, on_bad, on_unreadable)
            except InputError as exc:  # the file cannot be opened: like a text file
                if path == root:
                    raise
                on_bad(str(exc))
                on_unreadable(printable(path))
            continue
        try:
            doc = read_document(path, encoding, select.max_bytes, select.limit_fix)
        except InputError as exc:
            if path == root:
                raise
            msg = unread_article(exc.path, exc)
            on_bad(msg)
            if not isinstance(msg, Blank):
                on_unreadable(printable(path))  # a text file's key is its path
            continue
        size = len(doc.text.encode("utf-8", "surrogatepass"))
        name = printable(path)
        yield ArchiveRecord(name, name, doc.text, None, None, content_hash(doc.text), size)


def shown_path_from(folder: str | None) -> Callable[[str], str]:
    """Archive paths as seen from here: they are stored as given from the folder the index was
    built in (`folder`), which named a missing file in reports (`check --against`, `audit`)
    run anywhere else."""
    try:
        here = os.getcwd()
    except OSError:  # the current folder was deleted: paths as stored
        here = None
    if folder is None or here is None or folder == here:
        return lambda path: path

    def shown(path: str) -> str:
        if os.path.isabs(path):
            return path
        return os.path.relpath(os.path.join(folder, path), here)

    return shown


def key_in_file(key: str, path: str) -> bool:
    """Whether a record key (`path#id` or `path:line`) belongs to the JSON Lines file `path`."""
    if not key.startswith(path):
        return False
    rest = key[len(path) :]
    return rest.startswith("#") or (rest[:1] == ":" and rest[1:].isdigit())


def refuse_json(path: str) -> None:
    """A `.json` file named as an archive root: a CMS export, not an article (it was indexed
    as one plain-text article of raw JSON, exit 0). JSON Lines are read by their own names."""
    if not (path.lower().endswith(".json") and os.path.isfile(path)):
        return
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    except OSError:
        return  # the reader names it
    if head == b"[":
        problem = "is a JSON array; the archive reads JSON Lines (one record per line)"
        fix = f"convert it: jq -c '.[]' {path} > {path[:-5]}.jsonl"
    else:
        problem = "is a .json file, which would be read as one plain-text article"
        fix = "if it holds one JSON record per line, name it .jsonl (or .ndjson)"
    raise InputError(path, problem, fix)


def archive_files(
    roots: Iterable[str], select: Selection = EVERY_FILE
) -> Iterator[tuple[str, Iterable[str]]]:
    """(root, the article files under it) for every archive root."""
    # Articles as `check` finds them (.txt/.md/.markdown/.text in any case), and JSON Lines
    # exports (by their lower-case suffix: that is how `iter_records` tells them apart).
    seen: set[str] = set()  # files already read, by absolute path
    done: set[str] = set()
    for given in roots:
        if not os.path.exists(given):
            raise InputError(given, "does not exist", "check the archive path")
        root = os.path.normpath(given)  # keys are paths: `./a.jsonl` and `a.jsonl` are one
        if root not in done:  # named twice: read once
            done.add(root)
            yield root, _files(root, select, seen)


def _files(root: str, select: Selection, seen: set[str]) -> Iterator[str]:
    """`expand_paths` for an archive: its articles and JSON Lines exports, less the files an
    earlier root already gave (`d1 d1/a.jsonl`, `arc /abs/arc`: each record was read twice,
    a "duplicate id" or, under another spelling, a second document). The `.json` files of a
    folder come too, for the reader to name as not read (`stray_json`): beside `.jsonl`
    exports they were passed over without a word."""
    also = tuple("*" + s for s in FOLDER_SUFFIXES)
    what = "no .txt, .md or JSON Lines files"
    fix = "point at the archive's folder of articles or exports"
    found = [
        path
        for path in expand_paths(
            [root], select.include, select.exclude, also=also, what=what, fix=fix
        )
        # The parts of Spark's `--output-dir out/` (`out/clusters.jsonl/part-0.json`): no export.
        if not (stray_json(path, root) and os.path.dirname(path).lower().endswith(JSONL_SUFFIXES))
    ]
    if os.path.isdir(root) and all(stray_json(p, root) for p in found):  # CMS exports as .json
        raise InputError(
            root,
            "contains no .txt, .md or JSON Lines files, only .json ones (not read)",
            "name JSON Lines exports .jsonl; convert a JSON array with jq -c '.[]'",
        )
    for path in found:
        full = os.path.abspath(path)
        if full not in seen:
            seen.add(full)
            yield path


def stray_json(path: str, root: str | None) -> str | None:
    """Why a `.json` file found in an archive folder (not the root named, `root`; None: the
    caller has refused named ones) is not read: a CMS export is JSON Lines or converted."""
    if path == root or not path.lower().endswith(".json"):
        return None
    suffix = path[-5:]  # as written: exclude globs match case-sensitively (`*.JSON`)
    return (
        f"{path}: a {suffix} file is not read (an archive holds articles and JSON Lines); name "
        f"a JSON Lines export .jsonl, convert a JSON array with jq -c '.[]', or add \"*{suffix}\" "
        "to the config's exclude"
    )


def archive_bytes(roots: Iterable[str], select: Selection = EVERY_FILE) -> int:
    """Total size of the archive's files: the 100 % of a build's progress bar."""
    from contextlib import suppress

    total = 0
    for root, paths in archive_files(roots, select):
        for path in paths:
            if stray_json(path, root):  # never read
                continue
            with suppress(OSError):  # an unreadable file is reported when it is read
                total += os.path.getsize(path)
    return total
