"""A git repository's articles and the `.paradup/` cache of their fingerprints.

The hook compares changed files with themselves, each other and every tracked article. To stay
fast on large repositories it keeps, under `.paradup/cache/<settings digest>/`:

- `docs/<blob>.pickle`: the prepared (normalized, tokenized, hashed) document, keyed by the git
  blob id of its content and checked on load against a sha256 of the decoded text;
- `keys/<blob>.npy`: the LSH band keys of the document's units (sentences and windows);
- `index.npz` + `index.json`: every tracked article's band keys merged and sorted, so the
  articles that can match a changed file are found with one binary search per key.

Only those candidate articles go through the exact check. The settings digest covers every option
that changes fingerprints, so changing one starts a fresh cache. Writes are atomic (temporary file
then `os.replace`); anything unreadable, corrupt or stale is rebuilt from the files.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import pickle
import re
import subprocess
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .errors import InputError, ParadupError, UsageError
from .model import CheckResult
from .prepare import PreparedDoc
from .read import TEXT_SUFFIXES, _matches
from .settings import Settings, config_in
from .tokens import user_dict_id

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Keys = npt.NDArray[np.uint64]

CACHE_FORMAT = 2
PARALLEL_FROM = 48  # build the cache in worker processes from this many missing documents
# The modules whose code decides a prepared document or its band keys: their bytes are part of
# the settings digest, so a paradup that reads, normalizes, segments or hashes differently never
# reuses an older one's cache entries (bumping CACHE_FORMAT by hand is easy to forget).
PIPELINE_MODULES = (
    "read.py",
    "normalize.py",
    "units.py",
    "prepare.py",
    "tokens.py",
    "mmapseg.py",
    "suppress.py",
    "fingerprint.py",
    "_permutations.py",
    "lsh.py",
    "check.py",
    "config.py",
    "model.py",
    "repo.py",
    "variants.py",
    "settings.py",  # compile_allow: its patterns are baked into the cached documents
)
IGNORE_MARK = b"# paradup's fingerprint cache: never commit it\n*\n"


def git(root: Path, *args: str) -> bytes:
    try:
        proc = subprocess.run(["git", *args], cwd=root, capture_output=True, check=False)
    except FileNotFoundError:
        raise UsageError("git: not found on PATH; install git to use the hook") from None
    if proc.returncode != 0:
        command = next((a for a in args if not a.startswith("-")), "")
        raise UsageError(
            f"{root}: git {command} failed ({_git_says(proc)}); run paradup inside a git work tree"
        )
    return proc.stdout


def _git_says(proc: subprocess.CompletedProcess[bytes]) -> str:
    """git's own last line of complaint (`fatal: ...`), or its exit status."""
    lines = [x.strip() for x in proc.stderr.decode("utf-8", "replace").splitlines() if x.strip()]
    fatal = [x for x in lines if x.startswith(("fatal:", "error:"))]
    return (fatal or lines or [f"exit status {proc.returncode}"])[-1]


def repo_root(start: Path) -> Path:
    """The work tree's top folder. git's own reason is kept when it refuses (not a repository,
    `detected dubious ownership` in a CI container, a broken `.git`)."""
    start = start if start.is_dir() else start.parent
    env = None
    if "GIT_DIR" in os.environ and "GIT_WORK_TREE" not in os.environ:
        # git runs hooks of a linked worktree with GIT_DIR set: then the top is wherever git
        # is asked from (the file's folder), and no tracked path matched: every copy passed.
        # Found from the folder itself, as the `.git` file there says.
        env = {k: v for k, v in os.environ.items() if k != "GIT_DIR"}
    try:
        proc = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=start,
            capture_output=True,
            check=False,
            env=env,
        )
    except FileNotFoundError:
        raise UsageError("git: not found on PATH; install git to use the hook") from None
    except OSError as exc:
        raise UsageError(f"{start}: cannot run git ({exc.strerror}); check the folder") from None
    if proc.returncode != 0:
        said = _git_says(proc)
        if "not a git repository" in said:
            raise UsageError(
                f"{start}: not inside a git repository ({said}); run the hook in a work tree "
                "(or use paradup check for loose files)"
            )
        hint = (
            "; if the repository is yours, mark it safe with "
            f"`git config --global --add safe.directory {start}`"
            if "dubious ownership" in said
            else ""
        )
        raise UsageError(f"{start}: git cannot open the repository here ({said}){hint}")
    return Path(os.fsdecode(proc.stdout.rstrip(b"\n"))).resolve()


def blob_id(data: bytes) -> str:
    """git's object id of a blob with this content (what `git hash-object` prints)."""
    h = hashlib.sha1(b"blob %d\0" % len(data), usedforsecurity=False)
    h.update(data)
    return h.hexdigest()


def wanted(rel: str, settings: Settings, base: str = "") -> bool:
    """Articles of the configured types: text suffixes (or `include`), minus `exclude`. The
    globs are also matched from the config file's folder `base` (repository-relative), as
    `check` of that folder matches them: `drafts/*` in `articles/.paradup.toml` excluded
    `articles/drafts/d.md` from `check articles/` but not from the hook."""
    return _wanted(rel, settings.config.include, settings.config.exclude, base)


def _wanted(rel: str, include: Sequence[str], exclude: Sequence[str], base: str) -> bool:
    sub = rel[len(base) + 1 :] if base and rel.startswith(base + "/") else None

    def matches(patterns: Sequence[str]) -> bool:
        return _matches(rel, patterns) or (sub is not None and _matches(sub, patterns))

    ok = matches(include) if include else rel.lower().endswith(TEXT_SUFFIXES)
    return ok and not matches(exclude)


def config_base(root: Path, settings: Settings) -> str:
    """The config file's folder relative to the repository's top ('' at the top, or none)."""
    if not settings.config_file:
        return ""
    folder = Path(os.path.realpath(settings.config_file)).parent
    try:
        rel = folder.relative_to(os.path.realpath(root))
    except ValueError:
        return ""
    return "" if rel == Path(".") else rel.as_posix()


def _articles(listing: bytes, settings: Settings, base: str = "") -> dict[str, str]:
    """Path -> blob of the wanted articles in `git ls-files -s -z` or `git ls-tree -r -z`
    output (both give the mode first and the blob id among the fields before the tab)."""
    files: dict[str, str] = {}
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        fields = meta.decode().split()
        mode = fields[0]
        rel = name.decode("utf-8", "surrogateescape")
        if mode.startswith("120") or mode.startswith("160") or not wanted(rel, settings, base):
            continue  # symlinks and submodules are not articles
        files[rel] = next(f for f in fields[1:] if len(f) >= 40)  # ls-tree: mode type blob
    return files


def read_as(root: Path, settings: Settings, files: dict[str, str]) -> dict[str, str]:
    """The articles as the config found from each one's folder takes them: one another
    config excludes is left out, and one it reads in another encoding is keyed
    `blob@encoding` (`blob@` for UTF-8). A config's check read every article with its own
    encoding, so a copy between a GBK folder and a UTF-8 one was never found, silently; and a
    file a folder's config excludes stopped `baseline write`. `build_doc` reads the tag."""
    if not settings.discovered:
        return files
    mine = settings.config.encoding
    here = os.path.realpath(settings.config_file) if settings.config_file else None
    rules: dict[str, _Rules | None] = {}  # config file -> its rules (None: this check's own)
    if here is not None:
        rules[here] = None
    of_dir: dict[str, _Rules | None] = {}  # folder -> the rules its articles are read by

    def rule(folder: str) -> _Rules | None:
        if folder not in of_dir:
            try:
                found = config_in(root / folder)
            except ParadupError:  # a pyproject.toml that cannot be parsed: none of ours
                found = None
            if found is not None:
                of_dir[folder] = _rules_of(found, folder, rules)
            elif folder:  # the parent's
                of_dir[folder] = rule(folder.rpartition("/")[0])
            else:  # none up to the repository's top: the defaults (UTF-8, text suffixes)
                of_dir[folder] = _Rules(None, (), (), "")
        return of_dir[folder]

    out: dict[str, str] = {}
    for rel, blob in files.items():
        own = rule(rel.rpartition("/")[0])
        if own is None:
            out[rel] = blob
        elif _wanted(rel, own.include, own.exclude, own.base):
            out[rel] = blob if own.encoding == mine else f"{blob}@{own.encoding or ''}"
    return out


class _Rules(NamedTuple):
    """What another folder's config says of its articles: their encoding, which are."""

    encoding: str | None
    include: Sequence[str]
    exclude: Sequence[str]
    base: str  # the config's folder, repository-relative


def _rules_of(config: Path, folder: str, seen: dict[str, _Rules | None]) -> _Rules | None:
    key = os.path.realpath(config)
    if key not in seen:
        from .settings import file_values

        try:
            values = file_values(config, quiet=True)
        except ParadupError:  # a broken config elsewhere: its articles taken as this check's
            seen[key] = None
        else:
            include, exclude = values.get("include", ()), values.get("exclude", ())
            seen[key] = _Rules(values.get("encoding"), include, exclude, folder)
    return seen[key]


def tracked(root: Path, settings: Settings, staged: bool = False) -> dict[str, str]:
    """Tracked articles: relative posix path -> blob id of the content, as in the work tree
    (unstaged edits included) or, with `staged`, as staged in the index (what a commit holds).
    Articles read in another encoding are keyed `blob@encoding` (`read_as`)."""
    files = _articles(git(root, "ls-files", "-s", "-z"), settings, config_base(root, settings))
    if staged:
        return read_as(root, settings, files)
    # Work-tree edits (unstaged, or outside a pre-commit run): hash what is on disk.
    for name in git(root, "diff", "--name-only", "-z").split(b"\0"):
        rel = name.decode("utf-8", "surrogateescape")
        if rel in files:
            try:
                files[rel] = blob_id((root / rel).read_bytes())
            except OSError:
                del files[rel]  # deleted in the work tree
    return read_as(root, settings, files)


def settings_digest(settings: Settings) -> str:
    """Everything that changes a prepared document or its band keys."""
    cfg = settings.config
    from . import __version__

    fields = {
        "format": CACHE_FORMAT,
        "version": __version__,
        "code": _pipeline_stamp(),
        "shingle": cfg.shingle,
        "ngram": cfg.ngram,
        "num_perm": cfg.num_perm,
        "seed": cfg.seed,
        "windows": list(cfg.windows),
        "min_chars": cfg.min_chars,
        "banding": cfg.banding_threshold,
        "user_dict": user_dict_id(cfg.user_dict),
        "encoding": cfg.encoding,
        "max_bytes": cfg.max_bytes,
        "allow": list(settings.allow),
    }
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:16]


_PIPELINE_STAMP: list[str] = []


def _pipeline_stamp() -> str:
    """sha256 of the pipeline modules' source (once per process; about 0.2 ms)."""
    if not _PIPELINE_STAMP:
        here = Path(__file__).resolve().parent
        h = hashlib.sha256()
        for name in PIPELINE_MODULES:
            try:
                data = (here / name).read_bytes()
            except OSError:  # a zipped or compiled-only install: the version still counts
                data = b"?"
            h.update(b"%s %d\0" % (name.encode(), len(data)))
            h.update(data)
        h.update(_segmenter_stamp().encode())
        _PIPELINE_STAMP.append(h.hexdigest())
    return _PIPELINE_STAMP[0]


def _segmenter_stamp() -> str:
    """The installed segmenters' versions and the sizes of their module files and jieba's
    dictionary (an upgrade of either can cut words differently), and the traditional-character
    table's hash. Found without importing them (well under a millisecond; importlib.metadata took
    50 ms). No paths or times: the CLI's install and pre-commit's own environment share the
    cache (a path and mtime stamp made the first commit after `baseline write` a cold one)."""
    from importlib.util import find_spec

    parts: list[str] = []
    for name in ("jieba", "rjieba"):
        try:
            spec = find_spec(name)
        except (ImportError, ValueError):
            spec = None
        origin = spec.origin if spec is not None else None
        if not origin:
            parts.append(f"{name} -")
            continue
        folder = os.path.dirname(origin)
        files = [origin]
        if name == "jieba":
            files.append(os.path.join(folder, "dict.txt"))
        else:  # rjieba's compiled module sits beside its __init__.py
            with contextlib.suppress(OSError):
                files += sorted(e.path for e in os.scandir(folder) if e.is_file())
        version = _dist_version(os.path.dirname(folder), name)
        parts.append(f"{name} {version} " + ",".join(_sized(f) for f in dict.fromkeys(files)))
    with contextlib.suppress(ModuleNotFoundError, OSError):
        from .variants import _data_file

        table = _data_file().read_bytes()  # 39 KB: its hash, as a size alone could repeat
        parts.append(f"{_data_file().name}:{hashlib.sha1(table).hexdigest()[:16]}")
    return "|".join(parts)


def _sized(path: str) -> str:
    try:
        return f"{os.path.basename(path)}:{os.stat(path).st_size}"
    except OSError:
        return f"{os.path.basename(path)}:?"


def _dist_version(site: str, name: str) -> str:
    """The version in `name`'s `.dist-info` folder name beside its package, or `?`."""
    with contextlib.suppress(OSError):
        for e in os.scandir(site):
            stem, _, kind = e.name.rpartition(".")
            got, dash, version = stem.partition("-")
            if kind == "dist-info" and dash and got.lower().replace("-", "_") == name:
                return version
    return "?"


def _cache_entry(name: str) -> bool:
    """A name paradup itself puts in its cache folders."""
    if name in ("cache", ".gitignore") or name.startswith(".tmp-"):
        return True
    return len(name) == 16 and all(c in "0123456789abcdef" for c in name)


def _atomic_write(path: Path, data: bytes) -> None:
    import tempfile  # only when writing: a warm hook run writes nothing

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _blobs_sha(blobs: list[str]) -> str:
    return hashlib.sha256("\n".join(blobs).encode()).hexdigest()


def _text_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def doc_keys(doc: PreparedDoc, settings: Settings) -> Keys:
    """Unique LSH band keys of the document's units, exactly as the check computes them."""
    import numpy as np

    from .check import sentence_units, unit_band_keys
    from .lsh import optimal_bands, sorted_unique

    cfg = settings.config
    units = sentence_units(doc.sentences, cfg)
    if not units:
        return np.empty(0, dtype=np.uint64)
    bands, rows = optimal_bands(cfg.banding_threshold, cfg.num_perm)
    keys = unit_band_keys(doc.sentences, units, cfg.num_perm, cfg.seed, bands, rows)
    return sorted_unique(keys.ravel())


def content(root: Path, rel: str, blob: str) -> bytes:
    """The bytes of blob `blob` of article `rel`: the work-tree file when it holds exactly that
    blob (the usual case, no git process), else git's copy (a staged version that differs
    from the work tree, or a file deleted there)."""
    try:
        data = (root / rel).read_bytes()
        if blob_id(data) == blob:
            return data
    except OSError:
        pass
    return git(root, "cat-file", "blob", blob)


def build_doc(root: Path, rel: str, blob: str, settings: Settings) -> PreparedDoc:
    """Read, prepare and apply suppression to one article (doc id 0)."""
    from .prepare import prepare
    from .read import decode_capped
    from .suppress import apply

    cfg = settings.config
    blob, tagged, other = blob.partition("@")  # read in another config's encoding (`read_as`)
    encoding = (other or None) if tagged else cfg.encoding
    data = content(root, rel, blob)
    try:
        document = decode_capped(data, rel, encoding, cfg.max_bytes, settings.limit_fix())
    except InputError as exc:  # the hook has no --encoding: the config's key is the fix
        if exc.problem == "looks like a binary file":  # `pass a .txt or .md` of a `.md`
            where, key = settings.key_place("exclude")
            fix = f"list it in {key} in {where}, or rename it without a text suffix"
            raise InputError(exc.path, exc.problem, fix) from None
        # An article read by its own folder's config (`read_as`) is fixed there.
        place = "the config of its folder" if tagged else None
        raise settings.encoding_error(exc, option=False, place=place) from None
    return apply(prepare(0, document, cfg), settings.allow_patterns())


def renumber(doc: PreparedDoc, doc_id: int, path: str) -> PreparedDoc:
    """The same prepared document under another id and path (ids must be 0..n-1 in a check)."""
    if doc.doc == doc_id and doc.document.path == path:
        return doc
    sentences = tuple(replace(s, doc=doc_id) for s in doc.sentences)
    return replace(doc, doc=doc_id, document=replace(doc.document, path=path), sentences=sentences)


def _build_worker(args: tuple[str, str, str, str, Settings]) -> str | None:
    """Process-pool entry: build and store one article; returns an error line or None."""
    root, rel, blob, cache_dir, settings = args
    cache = RepoCache(Path(root), settings, Path(cache_dir))
    try:
        cache.build(rel, blob)
    except InputError as exc:
        return str(exc)
    return None


@dataclass
class Index:
    blobs: list[str]
    keys: Keys  # sorted
    owners: npt.NDArray[np.int32]


PRUNE_DAYS = 30  # a settings folder of the cache unused this long is removed
USED_STAMP = "used"


class RepoCache:
    """The fingerprint cache of one repository under one settings digest."""

    def __init__(self, root: Path, settings: Settings, base: Path | None = None) -> None:
        self.root = root
        self.settings = settings
        self.digest = settings_digest(settings)
        top = Path(settings.cache_dir)
        top = top if top.is_absolute() else root / top
        self.top = top
        self.base = base or top / "cache" / self.digest
        self.skipped: dict[str, str] = {}  # rel -> why (unreadable articles)
        self._docs: dict[str, PreparedDoc] = {}
        self._top_ok = False

    def mark_used(self) -> None:
        """Stamp this settings' folder as used now, and remove sibling folders (other settings
        or paradup versions) unused for PRUNE_DAYS: an upgrade left the old cache (138 MB for
        3,000 articles) behind for good."""
        if not self.base.is_dir():
            return
        import time

        try:
            (self.base / USED_STAMP).touch()
            siblings = [e for e in os.scandir(self.base.parent) if e.name != self.base.name]
        except OSError:
            return  # a read-only checkout
        cutoff = time.time() - PRUNE_DAYS * 86400
        for entry in siblings:
            if not (_cache_entry(entry.name) and len(entry.name) == 16):
                continue  # only settings folders
            folder = Path(entry.path)
            try:
                stamp = folder / USED_STAMP
                used = (stamp if stamp.exists() else folder).stat().st_mtime
            except OSError:
                continue
            if used < cutoff:
                import shutil

                shutil.rmtree(folder, ignore_errors=True)

    # -- per-document entries -------------------------------------------------------------
    def _doc_path(self, blob: str) -> Path:
        return self.base / "docs" / f"{blob}.pickle"

    def _keys_path(self, blob: str) -> Path:
        return self.base / "keys" / f"{blob}.npy"

    def _ensure_top(self) -> None:
        """Create `.paradup/` with a .gitignore so the cache is never committed.

        The ignore-everything file goes only into a folder paradup owns: one it creates, or one
        holding nothing but its own `cache/` (and that file). A `cache-dir` that is the
        repository root or an existing folder of the user's (`cache-dir = "."`, `articles`)
        gets the file in paradup's own `cache/` subfolder instead, so no article is hidden
        from git; an existing foreign `cache/` there is refused."""
        if self._top_ok:
            return
        for folder in (self.top, self.top / "cache"):
            if self._own(folder):
                self._top_ok = True
                return
        raise UsageError(
            f"{self.top / 'cache'}: cache-dir holds a folder paradup did not create; "
            "set cache-dir to a new folder (default .paradup)"
        )

    def _own(self, folder: Path) -> bool:
        """Whether the folder is paradup's (creating it and its .gitignore when it is)."""
        ignore = folder / ".gitignore"
        try:
            if folder.exists():
                if not folder.is_dir() or folder.resolve() == self.root:
                    return False
                if not all(_cache_entry(e.name) for e in os.scandir(folder)):
                    return False  # a folder of the user's files
                if ignore.exists():
                    # ours, or the user's own .gitignore: never replaced
                    return ignore.is_file() and ignore.read_bytes() == IGNORE_MARK
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return True  # a read-only checkout works without a cache; build() copes
        with contextlib.suppress(OSError):
            _atomic_write(ignore, IGNORE_MARK)
        return True

    def build(self, rel: str, blob: str) -> PreparedDoc:
        """Prepare the article from disk and store its entry (overwriting a bad one)."""
        import numpy as np

        doc = build_doc(self.root, rel, blob, self.settings)
        keys = doc_keys(doc, self.settings)
        payload = (CACHE_FORMAT, self.digest, blob, _text_sha(doc.document.text), doc)
        self._ensure_top()
        try:
            _atomic_write(self._doc_path(blob), pickle.dumps(payload, protocol=5))
            buf = io.BytesIO()
            np.save(buf, keys, allow_pickle=False)
            _atomic_write(self._keys_path(blob), buf.getvalue())
        except OSError:
            pass  # a read-only checkout still works, just without a warm cache
        self._docs[blob] = doc
        return doc

    def load(self, blob: str) -> PreparedDoc | None:
        """The cached entry, verified; None when missing, stale or corrupt."""
        if blob in self._docs:
            return self._docs[blob]
        try:
            with self._doc_path(blob).open("rb") as fh:
                payload = pickle.load(fh)
            fmt, digest, stored_blob, sha, doc = payload
            ok = (
                fmt == CACHE_FORMAT
                and digest == self.digest
                and stored_blob == blob
                and isinstance(doc, PreparedDoc)
                and _text_sha(doc.document.text) == sha
            )
        except FileNotFoundError:
            return None
        except Exception:  # corrupt: truncated, garbage, wrong shape
            ok = False
        if not ok:
            return None
        self._docs[blob] = doc
        return doc  # type: ignore[no-any-return]

    def doc(self, rel: str, blob: str) -> PreparedDoc:
        doc = self.load(blob)
        return doc if doc is not None else self.build(rel, blob)

    def keys(self, rel: str, blob: str) -> Keys:
        import numpy as np

        try:
            keys = np.load(self._keys_path(blob), allow_pickle=False)
            if keys.dtype == np.uint64 and keys.ndim == 1 and self.load(blob) is not None:
                return keys  # type: ignore[no-any-return]
        except Exception:
            pass
        try:
            doc = self.build(rel, blob)
        except InputError as exc:
            self.skipped[rel] = str(exc)
            return np.empty(0, dtype=np.uint64)
        return doc_keys(doc, self.settings)

    def ensure(self, files: dict[str, str], jobs: int | None = None) -> None:
        """Build every missing entry (in parallel when many are missing)."""
        missing: dict[str, str] = {}
        seen: set[str] = set()  # blobs already looked at: a set, not missing.values() (O(n²))
        for rel, blob in files.items():
            if blob in seen:
                continue
            seen.add(blob)
            if not (self._doc_path(blob).exists() and self._keys_path(blob).exists()):
                missing[rel] = blob
        if not missing:
            return
        self._ensure_top()
        workers = jobs if jobs is not None else min(8, os.cpu_count() or 1)
        if len(missing) < PARALLEL_FROM or workers <= 1:
            for rel, blob in missing.items():
                try:
                    self.build(rel, blob)
                except InputError as exc:
                    self.skipped[rel] = str(exc)
            return
        args = [
            (str(self.root), rel, blob, str(self.base), self.settings)
            for rel, blob in missing.items()
        ]
        from concurrent.futures import ProcessPoolExecutor  # cold runs only

        with ProcessPoolExecutor(max_workers=workers) as pool:
            for (_, rel, *_rest), err in zip(
                args, pool.map(_build_worker, args, chunksize=16), strict=False
            ):
                if err is not None:
                    self.skipped[rel] = err

    # -- the merged index ----------------------------------------------------------------
    def _load_index(self) -> Index | None:
        import numpy as np

        try:
            meta = json.loads((self.base / "index.json").read_text(encoding="utf-8"))
            # Memory-mapped: a lookup touches only the pages its binary searches visit.
            keys = np.load(self.base / "index-keys.npy", mmap_mode="r", allow_pickle=False)
            owners = np.load(self.base / "index-owners.npy", mmap_mode="r", allow_pickle=False)
            blobs = meta["blobs"]
            ok = (
                meta.get("format") == CACHE_FORMAT
                and meta.get("digest") == self.digest
                and meta.get("blobs_sha") == _blobs_sha(blobs)
                and meta.get("length") == len(keys) == len(owners)
                and keys.dtype == np.uint64
                and owners.dtype == np.int32
            )
        except Exception:
            return None
        return Index(blobs, keys, owners) if ok else None

    def _build_index(self, files: dict[str, str], save: bool = True) -> Index:
        import numpy as np

        blobs = sorted(set(files.values()))
        rel_of = {b: r for r, b in files.items()}
        parts = [self.keys(rel_of[b], b) for b in blobs]
        if parts:
            keys = np.concatenate(parts)
            owners = np.concatenate(
                [np.full(len(p), i, dtype=np.int32) for i, p in enumerate(parts)]
            )
        else:
            keys, owners = np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int32)
        order = np.lexsort((owners, keys))
        keys, owners = keys[order], owners[order]
        meta = {
            "format": CACHE_FORMAT,
            "digest": self.digest,
            "blobs": blobs,
            "blobs_sha": _blobs_sha(blobs),
            "length": len(keys),
        }
        if not save:
            return Index(blobs, keys, owners)
        try:
            for name, arr in (("index-keys.npy", keys), ("index-owners.npy", owners)):
                buf = io.BytesIO()
                np.save(buf, arr, allow_pickle=False)
                _atomic_write(self.base / name, buf.getvalue())
            _atomic_write(self.base / "index.json", json.dumps(meta).encode())
        except OSError:
            pass
        return Index(blobs, keys, owners)

    def candidates(self, files: dict[str, str], focus_keys: Keys, persist: bool = True) -> set[str]:
        """Blobs of tracked articles that share a band key with the focus documents. Without
        `persist` (an earlier commit's articles), the merged index on disk is used as it is,
        with the rest as an overlay, and never rewritten: the next hook run on the work tree
        would rebuild it back."""
        import numpy as np

        index = self._load_index()
        present = set(files.values())
        if index is not None:
            overlay = present - set(index.blobs)
            stale = len(set(index.blobs) - present)
            if persist and (len(overlay) > 64 or stale > max(64, len(index.blobs) // 4)):
                index = None
        if index is None:
            self.ensure(files)
            index = self._build_index(files, save=persist)
            overlay = set()
        found: set[str] = set()
        cap = self.settings.config.max_bucket
        if len(focus_keys) and len(index.keys):
            lo = np.searchsorted(index.keys, focus_keys, side="left")
            hi = np.searchsorted(index.keys, focus_keys, side="right")
            # Each key's last `cap` owners, gathered at once: a slice of the memory map per
            # key cost 3 µs, seconds for `pre-commit run --all-files` (1.4M keys).
            some = hi > lo
            lo, hi = np.maximum(lo, hi - cap)[some], hi[some]
            if len(lo):
                lengths = hi - lo
                starts = np.repeat(lo - np.cumsum(lengths) + lengths, lengths)
                rows = starts + np.arange(int(lengths.sum()), dtype=np.int64)
                owners = np.unique(np.asarray(index.owners)[rows])
                found.update(index.blobs[o] for o in owners.tolist())
        rel_of = {b: r for r, b in files.items()}
        for blob in overlay:
            keys = self.keys(rel_of[blob], blob)
            if len(np.intersect1d(keys, focus_keys, assume_unique=True)):
                found.add(blob)
        return found & present


def relative(root: Path, paths: Iterable[str]) -> list[str]:
    """Repository-relative posix paths of the given files (which must be inside the root).
    The folders are resolved, not the file itself: a symlink keeps its own name (resolved,
    a link to `a.md` was checked as `a.md`, a changed file)."""
    out = []
    for p in paths:
        full = os.path.abspath(p)
        ap = Path(os.path.realpath(os.path.dirname(full))) / os.path.basename(full)
        try:
            out.append(ap.relative_to(root).as_posix())
        except ValueError:
            raise UsageError(
                f"{p}: is outside the repository {root}; pass files inside it"
            ) from None
    return out


def _names(out: bytes) -> set[str]:
    return {os.fsdecode(n) for n in out.split(b"\0") if n}


def in_head(root: Path, rels: list[str]) -> set[str]:
    """Which of the paths are files in the HEAD commit (none before the first commit)."""
    if not rels:
        return set()
    try:
        out = git(
            root, "--literal-pathspecs", "ls-tree", "-r", "-z", "--name-only", "HEAD", "--", *rels
        )
    except UsageError:
        return set()  # no commit yet: every file is new
    wanted_set = set(rels)
    return {n for n in _names(out) if n in wanted_set}


def commit_of(root: Path, ref: str) -> str | None:
    """The commit `ref` names, or None (no such ref, or no commit yet)."""
    proc = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"],
        cwd=root,
        capture_output=True,
    )
    out = proc.stdout.decode().strip()
    return out if proc.returncode == 0 and out else None


def articles_at(root: Path, settings: Settings, commit: str) -> dict[str, str]:
    """The wanted articles of a commit: path -> blob id."""
    listing = git(root, "ls-tree", "-r", "-z", "--full-tree", commit)
    return read_as(root, settings, _articles(listing, settings, config_base(root, settings)))


def diff_since(root: Path, commit: str, staged: bool) -> tuple[set[str], dict[str, str]]:
    """The paths (as now) whose content, mode or name differ from `commit`, as staged or in
    the work tree; and path now -> path at `commit` for those git sees renamed."""
    args = ["diff", "--cached"] if staged else ["diff"]
    out = git(root, *args, "-M", "--name-status", "-z", commit, "--")
    touched: set[str] = set()
    moved: dict[str, str] = {}
    for status, old, new in _changes(iter(out.decode("utf-8", "surrogateescape").split("\0"))):
        if status != "D":
            touched.add(new)
        if status == "R":
            moved[new] = old
    return touched, moved


def earlier_commits(root: Path, commit: str, limit: int = 8) -> list[str]:
    """Where the branch left `commit` (their merge-base), then the other parents of the merges
    since then that a remote-tracking branch already holds (at most `limit`): upstream's work
    merged in, whose findings are not the branch's own. A local topic branch merged with
    --no-ff is the author's own unchecked work: its commits are not earlier.

    HEAD itself merging into the merge-base is the change under review, not upstream's: CI
    checks a pull request out as a merge of its head into the base branch (GitHub's
    refs/pull/N/merge), whose other parent a remote branch holds (origin/feature), so every
    copy the pull request made passed. Nor is a ref that holds HEAD (the merge ref itself)."""
    proc = subprocess.run(
        ["git", "merge-base", commit, "HEAD"], cwd=root, capture_output=True, text=True
    )
    base = proc.stdout.strip() if proc.returncode == 0 and proc.stdout.strip() else commit
    try:
        out = git(root, "rev-list", "--parents", "--merges", f"{base}..HEAD").decode()
        head = git(root, "rev-parse", "HEAD").decode().strip()
    except UsageError:
        return [base]
    merges = [line.split() for line in out.splitlines()]
    others = list(
        dict.fromkeys(p for m in merges if not (m[0] == head and m[1] == base) for p in m[2:])
    )
    upstream = [
        p
        for p in others[: 4 * limit]
        if git(
            root,
            "for-each-ref",
            "--count=1",
            "--contains",
            p,
            "--no-contains",
            "HEAD",
            "refs/remotes",
        ).strip()
    ]
    return [base, *upstream[:limit]]


def _refuse_unknown(root: Path, missing: list[str]) -> None:
    """Paths not on disk must be known to git (deleted in the work tree or the index)."""
    if not missing:
        return
    known = _names(git(root, "--literal-pathspecs", "ls-files", "-z", "--", *missing))
    known |= in_head(root, missing)
    for rel in missing:
        if rel not in known:
            fix = "check the file name"
            if re.search(r"\\[0-7]{3}", rel):  # `\346\226\260.md`: a name git quoted
                fix = (
                    "git quoted the name (core.quotePath): list files with "
                    "`git -c core.quotePath=false diff --cached --name-only -z` and `xargs -0`"
                )
            raise UsageError(f"{rel}: does not exist (and git does not know it as deleted); {fix}")


def _name_status(root: Path, *args: str) -> Iterator[tuple[str, str, str]]:
    """`_changes` of `git log --name-status` with renames, oldest first in graph order
    (`args`: the format, a filter); none before the first commit."""
    try:
        out = git(root, "log", "--reverse", "--topo-order", "-M", "--name-status", "-z", *args)
    except UsageError:
        return iter(())
    return _changes(iter(out.decode("utf-8", "surrogateescape").split("\0")))


def _changes(tokens: Iterator[str]) -> Iterator[tuple[str, str, str]]:
    """(status letter, old path, new path) of `--name-status -z` tokens (names unquoted): the
    two paths differ only for a rename (R) or a copy (C), which give a score and both; a
    `%x01` commit line of `git log` comes as ("\x01", "", "")."""
    for token in tokens:
        status = token.lstrip("\n")
        if status == "\x01":
            yield status, "", ""
        elif status[:1] in ("R", "C"):
            old, new = next(tokens, ""), next(tokens, "")
            yield status[0], old, new
        elif status:
            path = next(tokens, "")
            yield status[0], path, path


def first_added(root: Path) -> dict[str, int]:
    """Path -> rank of the commit that added its present content, older commits lower (one
    `git log`, oldest first in graph order, so commits in the same second keep their order;
    none before the first commit). A renamed file keeps the rank of its old path, so moving an
    old article does not make it new; a path deleted or renamed away and added again later
    takes the later rank. Names come NUL-separated, unquoted."""
    added: dict[str, int] = {}
    rank = 0
    for status, old, new in _name_status(root, "--format=%x01"):
        if status == "\x01":
            rank += 1
        elif status == "R":
            added[new] = added.get(old, rank)
        elif status in ("C", "A"):  # M, D, T: a path this log need not date
            added[new] = rank
    return added


def pending_renames(root: Path) -> dict[str, str]:
    """Path in HEAD -> path now, for the renames staged to be committed (a `git mv`); none
    before the first commit. The index, not the work tree: a rename is part of a commit once
    staged, and git compares the work tree's every tracked file (3x the time)."""
    if commit_of(root, "HEAD") is None:
        return {}
    _touched, moved = diff_since(root, "HEAD", staged=True)
    return {old: new for new, old in moved.items()}


def renames(root: Path) -> dict[str, str]:
    """Each path git saw renamed, committed or being committed, to the path its content has
    now (chains followed), so a baseline entry of a moved file still names the pair it
    describes."""
    step: dict[str, str] = {}
    for status, old, new in _name_status(root, "--diff-filter=R", "--format="):
        if status == "R":
            step[old] = new
    # A rename in the commit being made: its entry, left naming the gone path, was free to
    # explain a fresh copy in another file while HEAD's pair explained the renamed one.
    step.update(pending_renames(root))
    moved: dict[str, str] = {}
    for old in step:
        at, seen = old, {old}
        while at in step and step[at] not in seen:  # a -> b -> a: stop where it turns
            at = step[at]
            seen.add(at)
        if at != old:
            moved[old] = at
    return moved


def baseline_state(root: Path, path: Path) -> tuple[str, str]:
    """`outside` (not under the work tree), `tracked` (in git's index), `ignored`, `untracked`
    or `missing`: whether the commit being checked holds this baseline; and its path relative
    to the work tree ("" when outside)."""
    try:
        rel = Path(os.path.realpath(path)).relative_to(os.path.realpath(root)).as_posix()
    except ValueError:
        return "outside", ""
    if git(root, "--literal-pathspecs", "ls-files", "-z", "--", rel):
        return "tracked", rel
    if not path.exists():
        return "missing", rel
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "--no-index", "--", rel], cwd=root, capture_output=True
    )
    return ("ignored" if ignored.returncode == 0 else "untracked"), rel


def focus_order(
    root: Path, settings: Settings, changed: Iterable[str], staged: dict[str, str] | None = None
) -> list[str]:
    """The changed articles to check, in an order that does not depend on the arguments'.

    A finding's later side is the document that comes later, so files already in HEAD (edited
    articles) come first and files new in this commit after them, each group sorted: a copy in
    a new file is blamed on the new file, never on the edited original. Files outside the
    configured types or matched by `exclude` are left out, as with --all. A deleted file (in
    HEAD or the index but gone from the work tree) is skipped; any other missing path, a
    folder or a special file is an error. With `staged` (the index's articles), a file gone
    from the work tree but still staged is checked as staged, and one not in the index (not
    part of the commit) is left out.
    """
    rels = sorted(dict.fromkeys(changed))
    for rel in rels:
        if (root / rel).is_dir():
            raise UsageError(
                f"{rel}: is a folder; pass the changed files (or --all to check every article)"
            )
    if staged is not None:
        # A name git knows neither staged nor deleted, and not on disk, is a typo (or a quoted
        # name from `git diff --name-only` without core.quotePath=false): not "nothing new".
        _refuse_unknown(root, [r for r in rels if r not in staged and not (root / r).exists()])
        rels = [r for r in rels if r in staged]  # staged holds only wanted articles
    else:
        missing: list[str] = []
        for rel in rels:
            path = root / rel
            if path.is_file():
                continue
            if path.exists():
                raise UsageError(f"{rel}: is not a regular file; pass article files only")
            missing.append(rel)
        _refuse_unknown(root, missing)
        gone = set(missing)  # deleted: nothing to check
        base = config_base(root, settings)
        # A symlink is no article (git lists it as a link, and --all skips it): given by name,
        # its target's text was checked under the link's name.
        rels = [
            r
            for r in rels
            if r not in gone and not (root / r).is_symlink() and wanted(r, settings, base)
        ]
    head = in_head(root, rels) if len(rels) > 1 else set()
    if len(head) < len(rels) > 1:
        # A file renamed in this commit keeps its age: the original moved beside a new copy
        # of it was blamed for the copy (and CI, after the commit, blamed the copy).
        head |= set(pending_renames(root).values())
    return sorted(rels, key=lambda r: (r not in head, r))


def check_changed(
    root: Path,
    settings: Settings,
    changed: Iterable[str] | None,
    staged: bool = False,
    files: dict[str, str] | None = None,
    unread: list[str] | None = None,
    later: Collection[str] = (),
    members: Collection[str] | None = None,
    pending: Callable[[], Collection[str] | None] | None = None,
) -> tuple[CheckResult, list[str], dict[str, str]]:
    """Check the changed files (repository-relative) against themselves and every article.

    With `changed=None`, every tracked article is checked against every other. With `staged`,
    every article is read as staged in the index, not as in the work tree (a plain git hook:
    pre-commit stashes unstaged edits itself). `files` (path -> blob, with `staged`) replaces
    the tracked articles: a commit's, to check the changed files as they were then. Returns the
    result (findings with a side in a changed file, summaries of the changed files), the
    changed files actually checked, and the tracked articles. With `changed=None`, the
    articles that cannot be read (binary, another encoding, over max-bytes) are appended to
    `unread` as messages (empty ones are passed over, as `check` does), and the files in
    `later` (changed since `--since`) are the later side of any pair; `members`, when given,
    are the only ones checked against every article (those of one config of several), and a
    finding is theirs when its later side is one. `pending`, with changed files, gives the
    other files the change being checked brings (None: all of them, before a first commit):
    they are dated with the changed ones, not taken as older, and their findings are left
    to the run that is given them.
    """
    from .check import check_prepared

    given = files is not None
    if files is None:
        files = tracked(root, settings, staged)
    cache = RepoCache(root, settings)
    if not given:
        cache.mark_used()
    if changed is None:
        cache.ensure(files)
        # Earlier documents are the sources: order by when git first saw each path, so in CI a
        # copy is blamed on the article the branch added, not on whichever name sorts later.
        added = first_added(root)
        rels = sorted(
            (r for r in files if r not in cache.skipped),
            key=lambda r: (r in later, added.get(r, math.inf), r),  # not committed yet: newest
        )
        every: list[PreparedDoc] = []
        for rel in rels:
            try:
                every.append(renumber(cache.doc(rel, files[rel]), len(every), rel))
            except InputError as exc:
                cache.skipped[rel] = str(exc)
        ours = [i for i, d in enumerate(every) if members is None or d.document.path in members]
        if unread is not None:  # `--all` in CI said nothing of them, and exited 0
            unread += [
                why
                for rel, why in sorted(cache.skipped.items())
                if " is empty;" not in why and (members is None or rel in members)
            ]
        checked = [every[i].document.path for i in ours]
        if members is None:
            return check_prepared(every, settings.config, None), checked, files
        # A pair across two configs is judged once, by its later side's: both groups found
        # it, and which verdict was kept (and the exit code) depended on the groups' order.
        result = check_prepared(every, settings.config, ours)
        theirs = tuple(f for f in result.findings if f.b.path in members)
        return CheckResult(result.files, theirs), checked, files
    focus: list[tuple[str, str, PreparedDoc]] = []
    # A commit's articles (`given`): its paths need not exist in the work tree (an old path
    # that is a folder now is no error).
    rels = (
        focus_order(root, settings, changed, files if staged else None)
        if not given
        else sorted(r for r in set(changed) if r in files)
    )
    for rel in rels:
        if staged:
            blob = files[rel]
        else:
            try:
                data = (root / rel).read_bytes()
            except OSError as exc:
                raise InputError(
                    rel, f"cannot be read ({exc.strerror})", "check the file"
                ) from None
            blob = blob_id(data)
        try:
            focus.append((rel, blob, cache.doc(rel, blob)))
        except InputError as exc:
            if exc.problem == "is empty":
                continue
            raise
    import numpy as np

    from .lsh import sorted_unique

    parts = [cache.keys(rel, blob) for rel, blob, _ in focus]
    keys = sorted_unique(np.concatenate(parts)) if parts else np.empty(0, dtype=np.uint64)
    focus_rels = {rel for rel, _, _ in focus}
    # A commit's articles are looked up without rewriting the repository's merged index.
    hits = cache.candidates(files, keys, persist=not given) if len(keys) else set()
    others = sorted(r for r, b in files.items() if b in hits and r not in focus_rels)
    # pre-commit splits a long list of files over several runs (a folder moved, 2,000 files):
    # the commit's files given to another run are no older for this one. A baselined pair
    # across two runs was reported as new, and an original blamed for its new copy.
    new_too = pending() if others and pending is not None else ()
    docs: list[PreparedDoc] = []
    mine = [(rel, doc) for rel, _, doc in focus]
    for rel in others:
        try:
            doc = cache.doc(rel, files[rel])
        except InputError:
            continue
        if new_too is None or rel in new_too:
            mine.append((rel, doc))
        else:
            docs.append(renumber(doc, len(docs), rel))
    first = len(docs)

    def run() -> CheckResult:
        # The changed files come after the others: text a change brings is the later side.
        del docs[first:]
        docs.extend(renumber(doc, first + n, rel) for n, (rel, doc) in enumerate(mine))
        result = check_prepared(docs, settings.config, range(first, len(docs)))
        if len(mine) == len(focus):
            return result
        return CheckResult(
            tuple(s for s in result.files if s.path in focus_rels),
            tuple(f for f in result.findings if f.b.path in focus_rels),
        )

    # Among the changed files, the earlier-added one is the source: `pre-commit run
    # --all-files` passes an original and its later copy both, and name order blamed the
    # original. Dated only when two changed files restate each other, then checked again in
    # that order (if it is another); many changed files (`--all-files`) are dated first, as
    # two of them nearly always do and the check ran twice. The whole history's log, as --all
    # reads it: one limited to these paths took a moved original's rename for an add and
    # made it newer than its own copy.
    dated = len(mine) > DATE_FIRST or len(mine) > len(focus)
    if dated:
        mine = _by_age(root, mine)
    result = run()
    if (
        not dated
        and len(mine) > 1
        and any(f.a.path in focus_rels and f.b.path in focus_rels for f in result.findings)
    ):
        aged = _by_age(root, mine)
        if [rel for rel, _ in aged] != [rel for rel, _ in mine]:
            mine = aged
            result = run()
    return result, [rel for rel, _, _ in focus], files


DATE_FIRST = 16  # changed files beyond which they are dated before the check, not after


def _by_age(root: Path, mine: list[tuple[str, PreparedDoc]]) -> list[tuple[str, PreparedDoc]]:
    """The changed files, those added to the history earlier first; files not in HEAD last
    (a file renamed in this commit is dated by its old path, which HEAD holds); ties by name."""
    committed = in_head(root, [rel for rel, _ in mine])
    added = first_added(root)
    was = {new: old for old, new in pending_renames(root).items()}
    committed |= {rel for rel, _ in mine if was.get(rel) in added}
    added.update({rel: added[old] for rel, old in was.items() if old in added})
    return sorted(
        mine, key=lambda t: (added.get(t[0], math.inf) if t[0] in committed else math.inf, t[0])
    )
