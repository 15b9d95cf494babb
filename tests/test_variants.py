"""Traditional characters fold to simplified ones: a Hong Kong or Taiwan restatement of
mainland copy is found, with spans into the traditional text as written."""

from __future__ import annotations

import json
from pathlib import Path

from paradup import check_text
from paradup.normalize import fold, normalize
from paradup.tokens import tokenizer
from paradup.variants import simplified

from ._repo import article, write
from .conftest import run_paradup
from .inews import inews_articles

SIMP = (
    "国务院新闻办公室今天上午举行新闻发布会，介绍了今年前三季度国民经济运行情况。"
    "国家统计局新闻发言人表示，经济运行总体平稳，就业形势保持稳定，居民消费价格温和上涨。"
)
TRAD = (
    "國務院新聞辦公室今天上午舉行新聞發佈會，介紹了今年前三季度國民經濟運行情況。"
    "國家統計局新聞發言人表示，經濟運行總體平穩，就業形勢保持穩定，居民消費價格溫和上漲。"
)
OTHER = "另据报道，多地近期出台措施支持消费，包括发放消费券和延长商场营业时间。"


def test_traditional_text_folds_one_character_for_one() -> None:
    norm = normalize(TRAD)
    assert norm.text == normalize(SIMP).text == SIMP.replace("，", ",")  # NFKC: full-width
    assert list(norm.starts) == list(range(len(TRAD)))
    # The reference loop (a combining mark sends the text there) folds the same way.
    slow = normalize(TRAD + "e\u0301")
    assert slow.text.startswith(norm.text)


def test_every_pair_of_the_table_folds_the_same_on_every_path() -> None:
    """Ideographs are learned in one vectorized step, the rest through `fold`; markup sends
    a text to another path again. Each must give the table's simplified form."""
    table = simplified()
    assert len(table) > 3000 and table["國"] == "国" and table["發"] == "发"
    keys = "".join(sorted(table))
    want = "".join(fold(k) for k in keys)
    assert want == "".join(table[k] for k in keys)
    assert normalize(keys).text == want  # plain text
    assert normalize("*" + keys + "*").text == want  # the markup path
    assert normalize(keys + "e\u0301").text == want + "é"  # the reference loop


def test_check_finds_a_traditional_restatement_with_raw_spans(tmp_path: Path) -> None:
    text = f"{SIMP}\n\n{OTHER}\n\n{TRAD}\n"
    (f,) = check_text(text).findings
    assert f.similarity == 1.0
    assert f.a.text == SIMP and f.b.text == TRAD
    assert text[f.b.start : f.b.end] == TRAD
    draft = tmp_path / "draft.md"
    write(tmp_path, {"draft.md": text})
    proc = run_paradup("check", str(draft), "-f", "json")
    assert proc.returncode == 1, proc.stderr
    out = json.loads(proc.stdout)
    (g,) = out["findings"]
    assert text[g["b"]["start"] : g["b"]["end"]] == g["b"]["text"] == TRAD
    assert out["files"][0]["ratio"] > 0.4


def test_a_traditional_draft_against_a_simplified_archive(tmp_path: Path) -> None:
    write(tmp_path / "arc", {"wire.md": article(3) + "\n\n" + SIMP + "\n", "x.md": article(4)})
    build = run_paradup("index", "build", "arc", "--index", "a.paradup", cwd=tmp_path)
    assert build.returncode == 0, build.stderr
    write(tmp_path, {"hk.md": "香港電台報道。\n\n" + TRAD + "\n"})
    proc = run_paradup("check", "hk.md", "--against", "a.paradup", "-f", "json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    (g,) = json.loads(proc.stdout)["findings"]
    assert g["a"]["path"] == "arc/wire.md" and g["a"]["text"] == SIMP
    assert g["b"]["text"] == TRAD


def test_traditional_words_of_a_user_dictionary_segment_the_folded_text(tmp_path: Path) -> None:
    ud = tmp_path / "ud.txt"
    ud.write_text("香港賽馬會 100 nt\n", encoding="utf-8")
    text = normalize("今天香港賽馬會宣佈").text
    assert ("香港赛马会", 2, 7) in list(tokenizer(str(ud))(text))
    assert ("香港赛马会", 2, 7) not in list(tokenizer(None)(text))


def test_real_news_converted_by_opencc_is_found_as_restated() -> None:
    """OpenCC (the reference converter) turns real news into Taiwan script and vocabulary
    (`s2twp`: 软件 -> 軟體); pasted after the original, nearly all of it is a restatement.
    Before the fold, half of such copies had no finding at all (benchmarks/variants_bench.py:
    mean coverage 0.05 -> 0.99 over 200 articles)."""
    import opencc

    convert = opencc.OpenCC("s2twp").convert
    covered = total = 0
    texts = [t for _title, t in inews_articles() if len(t.strip()) >= 200][:30]
    for text in texts:
        trad = convert(text)
        assert trad != text
        joined = text + "\n\n" + trad
        lo = len(text) + 2
        mask = bytearray(len(joined))
        for f in check_text(joined).findings:
            assert joined[f.b.start : f.b.end] == f.b.text
            mask[max(f.b.start, lo) : f.b.end] = b"\x01" * max(0, f.b.end - max(f.b.start, lo))
        body = [i for i in range(lo, len(joined)) if not joined[i].isspace()]
        covered += sum(mask[i] for i in body)
        total += len(body)
    assert covered / total > 0.9, covered / total  # 0.994 when written


def test_traditional_bylines_are_allow_listed_and_patterns_fold(tmp_path: Path) -> None:
    """The default allow-list (来源：, 责任编辑：) now sees traditional bylines folded; a
    pattern written in traditional script matches the folded sentences too."""
    byline = "來源：香港電台新聞部綜合報道整理"
    body = f"{byline}\n\n{SIMP}\n\n{byline}\n"
    assert check_text(body).findings == ()
    own = "本台記者現場報道整理完畢"
    text = f"{own}。\n\n{OTHER}\n\n{own}。\n"
    assert len(check_text(text).findings) == 1
    assert check_text(text, allow=["^本台記者"]).findings == ()
    write(tmp_path, {".paradup.toml": 'extend-allow = ["^本台記者"]\n', "d.md": text})
    proc = run_paradup("check", "d.md", "-f", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout


def test_simplified_characters_that_are_table_keys_stay_as_they_are() -> None:
    """乾 (乾隆), 吒 (哪吒) are keys of OpenCC's table too; folded, jieba cut ordinary
    simplified text differently (干隆/皇帝, 哪咤之魔童). (後, 於, 徵 and 麽 do fold: simplified
    news writes them only in traditional or classical text.)"""
    for word in ("乾隆皇帝", "哪吒"):
        assert normalize(word).text == word
    assert simplified()["國"] == "国" and "乾" not in simplified()


def test_compiled_and_full_width_allow_patterns_fold_too() -> None:
    import re

    own = "本台記者現場報道整理完畢"
    text = f"{own}。\n\n{OTHER}\n\n{own}。\n"
    assert len(check_text(text).findings) == 1
    assert check_text(text, allow=[re.compile("^本台記者")]).findings == ()
    text2 = f"本台記者：{own}。\n\n{OTHER}\n\n本台記者：{own}。\n"
    assert check_text(text2, allow=["^本台記者："]).findings == ()


def test_the_hook_cache_stamps_the_fold() -> None:
    from paradup import repo

    assert {"variants.py", "settings.py"} <= set(repo.PIPELINE_MODULES)
    assert "TSCharacters.txt" in repo._segmenter_stamp()
