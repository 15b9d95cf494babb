"""rjieba gives jieba's words around CJK characters that only jieba-rs counts as Han, and the
changes shown for a draft do not depend on which engine the process has reached (`auto` moves
from mmap to rjieba after SWITCH_CHARS characters, so the same draft was checked differently
after a large one)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import jieba
import rjieba
from hypothesis import example, given, settings
from hypothesis import strategies as st

from paradup.tokens import SWITCH_CHARS, _jieba_pieces, cutter, group_clauses, tokenizer

from .conftest import run_paradup

# Outside jieba's Han class (it ends at U+9FD5), inside jieba-rs's: extension A, U+9FD6-9FFF,
# compatibility ideographs, extension B.
RARE = ["㐀", "䲈", "鿖", "鿫", "鿬", "鿿", "豈", "郞", "𠮷", "𪚥"]
COMMON = [*"国家语委发布新元素的中文名称浦口区自是绝配张说野家会议在北京召开", "中华人民共和国"]
OTHER = ["-", "+", "%", ".", "2017.10.17", "covid-19", " ", "，", "。", "\n"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(RARE + COMMON + OTHER), max_size=40))
@example(pieces=["京", "国", "国", "国", "称"])  # the engines' HMMs differ: skipped, not failed
@example(pieces=["国", "鿬", "鿫", "家", "语委"])
def test_rjieba_cuts_rare_characters_as_jieba(pieces: list[str]) -> None:
    text = "".join(pieces)
    want = jieba.lcut(text)
    got = tokenizer(None, "rjieba")(text)
    assert all(text[s:e] == w for w, s, e in got)
    assert "".join(w for w, _s, _e in got) == text
    assert cutter(None, "rjieba")(text) == [w for w, _s, _e in got]
    # jieba segments the text between rare characters piece by piece. Where the two engines
    # already differ on such a piece of common characters there is nothing to compare: their
    # HMMs split nonsense like `京国国国称` differently (real news agrees on every paragraph,
    # reports/PERFORMANCE.md).
    between = [text[a:b] for a, b, alone in _jieba_pieces(text) if not alone]
    if any(rjieba.cut(p) != jieba.lcut(p) for p in between):
        return
    # Raw ASCII tokens may differ (`2017.10.17` whole or cut); the canonical clauses may not.
    assert group_clauses(got) == group_clauses(tokenizer(None, "jieba")(text))
    if not any(c.isascii() and not c.isspace() for c in text):
        assert [w for w, _s, _e in got] == want


def _filler(chars: int) -> str:
    """Unrelated sentences of common characters, no two alike: no findings of their own."""
    rng = random.Random(7)
    pool = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    paras = []
    while sum(map(len, paras)) < chars:
        paras.append("".join(rng.choice(pool) for _ in range(80)) + "。")
    return "\n\n".join(paras) + "\n"


def test_a_draft_is_checked_alike_after_a_large_one(tmp_path: Path) -> None:
    big = tmp_path / "big.md"
    big.write_text(_filler(SWITCH_CHARS + 10_000), encoding="utf-8")
    rare = tmp_path / "rare.md"  # restated with rare characters in it
    rare.write_text(
        "国家语委发布新元素鿬鿫的中文名称。\n\n国家语委发布了新元素鿬和鿫的中文名称。\n",
        encoding="utf-8",
    )
    dated = tmp_path / "dated.md"  # a date edited inside an ASCII run
    dated.write_text(
        "会议于2017.10.17在北京召开，各方代表出席并发表讲话，会议取得圆满成功。\n\n"
        "会议于2017.10.18在北京召开，各方代表出席并发表讲话，会议取得圆满成功。\n",
        encoding="utf-8",
    )

    def findings(*paths: Path) -> list[dict[str, object]]:
        proc = run_paradup("check", *map(str, paths), "-f", "json")
        assert proc.returncode == 1, proc.stderr
        found = json.loads(proc.stdout)["findings"]
        return [f for f in found if str(big) not in json.dumps(f, ensure_ascii=False)]

    alone = findings(rare, dated)
    assert len(alone) == 2
    assert findings(big, rare, dated) == alone
    changes = [c for f in alone for c in f["changes"]]
    edits = [("", "了"), ("", "和"), ("2017.10.17", "2017.10.18")]  # numbers whole
    assert [(c["a"], c["b"]) for c in changes] == edits
