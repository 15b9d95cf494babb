"""Baseline: record today's findings so later runs fail only on new ones.

A finding's fingerprint is content-based: a hash of the normalized texts of its two passages,
order-free, so reflowing, moving a passage within or between files, or renumbering lines keeps
it. The baseline keeps every finding with its two file paths, as a multiset:

A run that checks a set of changed files may explain, per fingerprint, as many findings as the
baseline holds entries with that fingerprint that touch a changed file (or a file that no longer
exists: the passage may have moved out of it). Findings beyond that count are new, so a fresh
copy of an already-baselined passage is still reported.

Each entry also keeps a short hash of every sentence of its two passages. Paragraphs of a
baselined passage that are reordered, or split apart by new text, make findings with other
texts than the entry's: such a finding is explained when each of its sides consists of
sentences the entry still has unexplained on one side each, and it uses them up (so a second
copy of them is new again). Entries of the same two files are tried first.

Paths are stored, and matched, in their printable form (`report.printable`): a file name with
undecodable bytes is written as `\\xff`, so the baseline is always valid UTF-8 JSON.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import UsageError
from .model import CheckResult, Finding
from .report import printable

BASELINE_VERSION = 4
# Version 1 has no sentence hashes (its entries match whole passages only); versions 1 and 2
# hash text without whitespace (scheme 2), version 3 only its letters, digits and ideographs,
# version 4 those with traditional characters folded, and pieces of 1-2 characters left out.
_READS = (1, 2, 3, 4)
SCHEME = 4
_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]*")


def _norm(text: str, scheme: int = SCHEME) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    if scheme == 2:
        return "".join(folded.split())
    if scheme >= 4:
        # A Hong Kong edition of a baselined copy (國務院 for 国务院) is the same copy, as the
        # checker sees it: it was reported as new.
        from .variants import fold_str

        folded = fold_str(folded)
    # Scheme 3: markup (`**`, `> `, `#`), punctuation (`。` → `！`) and spacing an editor
    # changes inside a baselined copy do not make it a new finding.
    return "".join(c for c in folded if c.isalnum())


def fingerprint(f: Finding, scheme: int = SCHEME) -> str:
    """Order-free content hash of the two passages (positions and paths excluded)."""
    a, b = sorted((_norm(f.a.text, scheme), _norm(f.b.text, scheme)))
    return hashlib.sha256(f"{a}\0{b}".encode()).hexdigest()[:20]


@lru_cache(maxsize=4096)  # a finding's two texts are cut once per entry they are held to
def sentences(text: str, scheme: int = SCHEME) -> tuple[str, ...]:
    """The passage's sentences, normalized as `fingerprint` does (empty ones left out), cut
    at terminators and line breaks: a list item or an unpunctuated line is a piece, so a
    baselined list split by new text, moved in part or trimmed stays known. Since scheme 4
    pieces of one or two characters are left out: `（完）` put under a baselined unpunctuated
    line was a piece the entry did not hold, and the commit failed."""
    cut = (_norm(m.group(), scheme) for m in _SENTENCE.finditer(text))
    return tuple(n for n in cut if n and (scheme < 4 or len(n) > 2))


def _hash(sentence: str) -> str:
    return hashlib.sha256(sentence.encode()).hexdigest()[:10]


def parts(text: str, scheme: int = SCHEME) -> tuple[str, ...]:
    """Short hashes of the passage's sentences, normalized as `fingerprint` does."""
    return tuple(_hash(n) for n in sentences(text, scheme))


@dataclass(frozen=True)
class Entry:
    fingerprint: str
    paths: tuple[str, str]
    parts: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())  # sentence hashes of a and b
    scheme: int = SCHEME  # how its text was normalized before hashing (2: baselines v1-v2)
    # The normalized sentences themselves: only entries made from an earlier commit's findings
    # (never written to the file), so an old pair whose words were edited is recognized.
    texts: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())


@dataclass(frozen=True)
class Verdict:
    """Findings split into new ones (which fail the gate), known ones (in the baseline) and
    earlier ones (present before the change: at `paradup hook --since`'s commit)."""

    new: tuple[Finding, ...]
    known: tuple[Finding, ...]
    earlier: tuple[Finding, ...] = ()


def entries_of(result: CheckResult, texts: bool = False) -> list[Entry]:
    """An entry per finding; with `texts`, keeping the passages' normalized sentences."""
    return [
        Entry(
            fingerprint(f),
            (printable(f.a.path), printable(f.b.path)),
            (parts(f.a.text), parts(f.b.text)),
            texts=(sentences(f.a.text), sentences(f.b.text)) if texts else ((), ()),
        )
        for f in result.findings
    ]


def repath(entries: Iterable[Entry], moved: dict[str, str]) -> list[Entry]:
    """The entries with each path found in `moved` replaced by what it maps to (a renamed
    file's old path by its new one)."""
    return [
        replace(e, paths=(moved.get(e.paths[0], e.paths[0]), moved.get(e.paths[1], e.paths[1])))
        for e in entries
    ]


def _bigrams(sentence: str) -> set[str]:
    return {sentence[i : i + 2] for i in range(len(sentence) - 1)} or {sentence}


def _edited(side: tuple[str, ...], hashes: tuple[str, ...], texts: tuple[str, ...]) -> bool:
    """Whether every sentence of a finding's side is one of an entry side's, or an edit of
    one (half of the character pairs of the two shared or more), each of the entry's
    sentences accounting for one: words changed in an old copy, nothing new pasted in (a
    second copy beside the old one is more sentences than the entry has)."""
    left = list(range(len(texts)))
    edits: list[str] = []
    for sentence in side:
        h = _hash(sentence)
        j = next((j for j in left if hashes[j] == h), None)
        if j is None:
            edits.append(sentence)
        else:
            left.remove(j)
    grams = {j: _bigrams(texts[j]) for j in left}
    for sentence in edits:
        mine = _bigrams(sentence)
        score = {j: len(mine & grams[j]) / len(mine | grams[j]) for j in left}
        j = max(score, key=lambda k: (score[k], -k), default=None)
        if j is None or score[j] < 0.5:
            return False
        left.remove(j)
    return bool(side)


def write(path: Path, result: CheckResult) -> int:
    """Write the baseline file (sorted, so it diffs well in review); returns the entry count."""
    rows = []
    for f in result.findings:
        rows.append(
            {
                "fingerprint": fingerprint(f),
                "a": printable(f.a.path),
                "b": printable(f.b.path),
                "excerpt": f.b.text[:40],
                "a_parts": list(parts(f.a.text)),
                "b_parts": list(parts(f.b.text)),
            }
        )
    rows.sort(key=lambda r: (r["a"], r["b"], r["fingerprint"]))
    data = {"version": BASELINE_VERSION, "tool": "paradup", "findings": rows}
    text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    if path.is_dir():
        raise UsageError(f"{path}: is a folder; set the baseline to a file path")
    fix = "check the baseline setting"
    try:
        text.encode("utf-8")  # before any file is made (printable paths; text is decoded)
        path.parent.mkdir(parents=True, exist_ok=True)
    except (OSError, UnicodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UsageError(f"{path}: cannot write the baseline ({why}); {fix}") from None
    from .output import write_report

    write_report(path, text, "the baseline", fix)  # atomic, nothing left behind on failure
    return len(rows)


def read(path: Path, text: str | bytes | None = None) -> list[Entry]:
    """The baseline's entries; a missing file is an empty baseline. `text`: its content as
    staged in git, read instead of the file."""
    if text is None and not path.exists():
        return []
    regenerate = "regenerate it with paradup baseline write"
    try:
        raw = path.read_bytes() if text is None else text
    except OSError as exc:
        raise UsageError(
            f"{path}: cannot read the baseline ({exc.strerror}); check the file"
        ) from None
    body = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    if re.search(r"^(<<<<<<<|>>>>>>>) ", body, re.MULTILINE):
        raise UsageError(
            f"{path}: the baseline has git merge conflict markers; resolve them, or {regenerate}"
        )
    try:
        data: Any = json.loads(body)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}: {exc.msg}"
        raise UsageError(
            f"{path}: the baseline is not valid JSON ({where}); {regenerate}"
        ) from None
    version = data.get("version") if isinstance(data, dict) else None
    if isinstance(version, int) and version > BASELINE_VERSION:
        raise UsageError(
            f"{path}: written by a newer paradup (baseline version {version}; this one reads "
            f"up to {BASELINE_VERSION}); upgrade paradup"
        )
    try:
        if version not in _READS:
            raise ValueError("version")
        scheme = min(data["version"], SCHEME) if data["version"] >= 3 else 2
        return [
            Entry(
                str(r["fingerprint"]),
                (str(r["a"]), str(r["b"])),
                (
                    tuple(str(x) for x in r.get("a_parts", ())),
                    tuple(str(x) for x in r.get("b_parts", ())),
                ),
                scheme,
            )
            for r in data["findings"]
        ]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise UsageError(
            f"{path}: not a paradup baseline (version {BASELINE_VERSION}); {regenerate}"
        ) from None


def split_touched(
    findings: Sequence[Finding],
    baseline: Sequence[Entry],
    touched: Iterable[str],
    existing: Iterable[str],
    unused: list[Entry] | None = None,
) -> Verdict:
    """`split` when the files a change touched are known (`hook --all --since`): a finding
    with a side in one is explained as the hook explains it on those files (by the entries of
    a touched or vanished file), the rest by the entries of files left alone. Every entry
    explained every finding: one whose pair was gone before the change (the copy removed from
    its file in an earlier commit) let a fresh copy of the passage pass CI while the
    pre-commit hook failed it."""
    changed = {printable(p) for p in touched}

    def hit(paths: Iterable[str]) -> bool:
        return any(printable(p) in changed for p in paths)

    ours = [f for f in findings if hit((f.a.path, f.b.path))]
    rest = [f for f in findings if not hit((f.a.path, f.b.path))]
    existing = list(existing)
    mine = split(ours, baseline, changed, existing, unused)
    left = split(rest, [e for e in baseline if not hit(e.paths)], None, existing, unused)
    at = {id(f): n for n, f in enumerate(findings)}
    new = sorted((*mine.new, *left.new), key=lambda f: at[id(f)])
    known = sorted((*mine.known, *left.known), key=lambda f: at[id(f)])
    return Verdict(tuple(new), tuple(known))


def _reserved(findings: Sequence[Finding], entries: Sequence[Entry]) -> set[int]:
    """Indexes of the entries whose own pair is still found now, holding at least half of
    their sentences (the copy since reworded): their whole passage (step 1) explains only
    that pair. Left free, one (its copy reworded in an earlier commit, then renamed)
    explained a fresh copy of the passage in a third file, while the earlier commit
    explained the reworded pair."""
    by_pair: dict[frozenset[str], list[Finding]] = {}
    for f in findings:
        by_pair.setdefault(frozenset((printable(f.a.path), printable(f.b.path))), []).append(f)
    out: set[int] = set()
    for i, e in enumerate(entries):
        mine = set(e.parts[0]) | set(e.parts[1])
        for f in by_pair.get(frozenset(e.paths), ()):
            now = set(parts(f.a.text, e.scheme)) | set(parts(f.b.text, e.scheme))
            if mine and 2 * len(mine & now) >= len(mine):
                out.add(i)
                break
    return out


def split(
    findings: Sequence[Finding],
    baseline: Iterable[Entry],
    changed: Iterable[str] | None,
    existing: Iterable[str],
    unused: list[Entry] | None = None,
) -> Verdict:
    """Which findings the baseline explains.

    `changed` is the set of files this run checked against the repository (None: every file).
    Entries between two unchanged files cannot show up in this run, so only entries touching a
    changed or vanished file are available to explain its findings. `unused`, when given, gets
    the available entries that explained no finding (their pair is gone, or edited).
    """
    changed_set = None if changed is None else {printable(p) for p in changed}
    existing_set = {printable(p) for p in existing}
    available = [
        e
        for e in baseline
        if changed_set is None
        or any(p in changed_set for p in e.paths)
        or any(p not in existing_set for p in e.paths)
    ]
    reserved = _reserved(findings, available)
    # 1. Whole passages, by fingerprint (moved anywhere, reflowed), hashed the way each entry
    # was (a baseline written by an older paradup keeps working).
    schemes = sorted({e.scheme for e in available}, reverse=True)
    pool: dict[tuple[int, str], list[int]] = {}
    for i, e in enumerate(available):
        pool.setdefault((e.scheme, e.fingerprint), []).append(i)
    used: set[int] = set()
    rest: list[Finding] = []
    known: list[Finding] = []
    for f in findings:
        ids = next((x for sc in schemes if (x := pool.get((sc, fingerprint(f, sc))))), None)
        if ids:
            # The entry of the same two files first: another pair's entry must stay for it.
            pair = {printable(f.a.path), printable(f.b.path)}
            own = (k for k in range(len(ids)) if set(available[ids[k]].paths) == pair)
            others = (k for k in reversed(range(len(ids))) if ids[k] not in reserved)
            at = next(own, None)
            at = next(others, None) if at is None else at
            if at is None:
                rest.append(f)
                continue
            used.add(ids.pop(at))
            known.append(f)
        else:
            rest.append(f)
    # 2. Pieces of passages (reordered or split apart): sentences the unused entries still hold.
    left = [
        (e, Counter(e.parts[0]), Counter(e.parts[1]))
        for i, e in enumerate(available)
        if i not in used and e.parts[0] and e.parts[1]
    ]
    new: list[Finding] = []
    pieced: set[int] = set()  # entries step 2 took sentences from
    # The findings of an entry's own two files first, across all findings: the sentences
    # they still hold are theirs (explained or not: a reworded copy holds the rest of its
    # passage), and only what is left may explain a copy elsewhere (an article split in two
    # through an old copy still passes; a fresh copy beside a reworded old one does not).
    pairs = {frozenset(e.paths) for e, _, _ in left}
    rest.sort(key=lambda f: frozenset((printable(f.a.path), printable(f.b.path))) not in pairs)
    for f in rest:
        pieces = {
            sc: (Counter(parts(f.a.text, sc)), Counter(parts(f.b.text, sc))) for sc in schemes
        }
        pair = {printable(f.a.path), printable(f.b.path)}
        # Entries of the same two files first: a copy elsewhere must not use up their pieces.
        order = sorted(left, key=lambda t: set(t[0].paths) != pair)
        for e, ea, eb in order:
            fa, fb = pieces[e.scheme]
            side = next(
                ((x, y) for x, y in ((ea, eb), (eb, ea)) if fa and fb and fa <= x and fb <= y),
                None,
            )
            if side is not None:
                side[0].subtract(fa)
                side[1].subtract(fb)
                pieced.add(id(e))
                known.append(f)
                break
        else:
            new.append(f)
            for e, ea, eb in order:
                if set(e.paths) != pair:
                    break
                fa, fb = pieces[e.scheme]
                # The orientation that shares more: what this pair still holds is spoken for.
                hold_a, hold_b = max(
                    ((ea, eb), (eb, ea)),
                    key=lambda t: (t[0] & fa).total() + (t[1] & fb).total(),
                )
                hold_a.subtract(hold_a & fa)
                hold_b.subtract(hold_b & fb)
    # 3. An old pair of the same two files edited in place (entries with texts only).
    free = [
        e
        for i, e in enumerate(available)
        if i not in used and id(e) not in pieced and e.texts[0] and e.texts[1]
    ]
    edited: list[Entry] = []  # entries step 3 matched
    if free and new:
        still: list[Finding] = []
        for f in new:
            pair = {printable(f.a.path), printable(f.b.path)}
            sa, sb = sentences(f.a.text), sentences(f.b.text)
            for e in free:
                if set(e.paths) != pair:
                    continue
                (ha, hb), (ta, tb) = e.parts, e.texts
                ab = _edited(sa, ha, ta) and _edited(sb, hb, tb)
                if ab or (_edited(sa, hb, tb) and _edited(sb, ha, ta)):
                    free.remove(e)
                    edited.append(e)
                    known.append(f)
                    break
            else:
                still.append(f)
        new = still
    if unused is not None:
        taken = {id(e) for e in edited} | pieced
        unused += [e for i, e in enumerate(available) if i not in used and id(e) not in taken]
    by_id = {id(f): n for n, f in enumerate(findings)}
    known.sort(key=lambda f: by_id[id(f)])
    new.sort(key=lambda f: by_id[id(f)])
    return Verdict(tuple(new), tuple(known))
