"""The mmap engine: jieba's algorithm over a memory-mapped dictionary gives jieba's tokens."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import jieba
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paradup import CheckConfig, check_paths, mmapseg, tokens
from paradup.normalize import normalize

from .conftest import SAMPLE, check_json
from .inews import inews_articles


@pytest.fixture(scope="module")
def dictionary(tmp_path_factory: pytest.TempPathFactory) -> mmapseg.Dictionary:
    d = mmapseg.load(tmp_path_factory.mktemp("dict"))
    assert d is not None
    return d


def _paragraphs(text: str) -> list[str]:
    return [p for p in normalize(text).text.split("\n") if p.strip()]


def test_identical_to_jieba_on_real_news(dictionary: mmapseg.Dictionary) -> None:
    """Raw tokens (before any canonicalization) equal jieba.lcut on every paragraph."""
    paras = [p for _t, c in inews_articles("dev")[:200] for p in _paragraphs(c)]
    assert len(paras) > 900
    differ = [p for p in paras if dictionary.cut(p) != jieba.lcut(p)]
    assert differ == []


def test_identical_to_jieba_on_raw_text(dictionary: mmapseg.Dictionary) -> None:
    """Un-normalized text: markup, full-width forms, CR LF, tabs and mixed scripts."""
    raw = SAMPLE.read_text("utf-8") + "".join(c for _t, c in inews_articles("dev")[200:230])
    for line in raw.split("\n\n"):
        assert dictionary.cut(line) == jieba.lcut(line), line[:60]
        assert dictionary.tokenize(line) == list(jieba.tokenize(line))


_PIECES = [
    *"的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经",
    *"十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严",
    *"，。、；：？！（）《》“”·—…",
    "2017.10.17",
    "www.example.com",
    "ABC",
    "x-y",
    "3.5%",
    " ",
    "\t",
    "\r\n",
    "\n",
    "ｆｕｌｌ",
    "１２",
    "😀",
    "\ud800",  # a lone surrogate (text decoded with surrogatepass)
    "新冠肺炎",
    "中华人民共和国",
    "习近平新时代中国特色社会主义思想",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=60))
def test_identical_to_jieba_on_random_text(pieces: list[str]) -> None:
    d = mmapseg.load()
    assert d is not None
    text = "".join(pieces)
    assert d.cut(text) == jieba.lcut(text)


def test_cli_findings_identical_with_every_engine() -> None:
    got = {e: check_json(str(SAMPLE), "--engine", e) for e in ("mmap", "jieba", "rjieba")}
    assert got["mmap"][0] == 1 and got["mmap"][1]["findings"]
    assert got["mmap"] == got["jieba"] == got["rjieba"]


def test_auto_moves_to_the_bulk_engine_with_the_same_findings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A process that has segmented SWITCH_CHARS characters continues on rjieba."""
    expected = check_paths([str(SAMPLE)], CheckConfig(engine="mmap")).findings
    import rjieba

    monkeypatch.setattr(tokens, "SWITCH_CHARS", 2000)
    monkeypatch.setattr(tokens, "_built", {})
    calls: list[str] = []
    real = rjieba.tokenize

    def spy(text: str) -> list[tuple[str, int, int]]:
        calls.append(text)
        return list(real(text))

    monkeypatch.setattr(rjieba, "tokenize", spy)
    got = check_paths([str(SAMPLE)], CheckConfig(engine="auto")).findings
    assert got == expected
    # The sample's paragraphs hold about 4,100 characters: the first 2,000 went to mmap.
    assert calls
    assert sum(map(len, calls)) < len(normalize(SAMPLE.read_text("utf-8")).text) - 1500


def test_cache_is_built_once_and_reused(tmp_path: Path) -> None:
    d = mmapseg.load(tmp_path)
    assert d is not None
    (built,) = [p for p in tmp_path.iterdir() if not p.name.startswith(".")]
    assert (built / "meta.json").is_file()
    stamp = (built / "keys.npy").stat().st_mtime_ns
    mmapseg._loaded.clear()
    assert mmapseg.load(tmp_path) is not None
    assert (built / "keys.npy").stat().st_mtime_ns == stamp
    assert sorted(p.name for p in tmp_path.iterdir()) == [built.name]  # no temp dirs left


def test_build_prunes_caches_of_removed_installations(tmp_path: Path) -> None:
    """A build removes caches whose dict.txt is gone or changed (a deleted virtual
    environment, a reinstall) and unknown ones older than 30 days; it keeps caches of live
    installations and recent unknown ones."""
    live = tmp_path / "live-dict.txt"
    live.write_text("x")
    gone = {"source": str(tmp_path / "deleted-venv" / "dict.txt")}
    changed = {"source": str(live)}  # the file exists, but this is not its current cache
    kept = {"source": str(live)}
    for name, meta in [
        ("jieba-dict-gone", gone),
        ("jieba-dict-changed", changed),
        (mmapseg._cache_name(live), kept),
        ("jieba-dict-nosource", {"format": mmapseg.FORMAT}),
        ("jieba-dict-nosource-old", {"format": mmapseg.FORMAT}),
    ]:
        (tmp_path / name).mkdir()
        (tmp_path / name / "meta.json").write_text(json.dumps(meta))
    month_ago = time.time() - 31 * 86400
    os.utime(tmp_path / "jieba-dict-nosource-old" / "meta.json", (month_ago, month_ago))
    assert mmapseg.load(tmp_path) is not None
    left = sorted(p.name for p in tmp_path.iterdir() if p.is_dir())
    real = mmapseg._cache_name(mmapseg._dict_source())  # type: ignore[arg-type]
    assert left == sorted([real, mmapseg._cache_name(live), "jieba-dict-nosource"])
    mmapseg._loaded.clear()  # a start with the cache in place prunes nothing
    (tmp_path / "jieba-dict-gone").mkdir()
    (tmp_path / "jieba-dict-gone" / "meta.json").write_text(json.dumps(gone))
    assert mmapseg.load(tmp_path) is not None
    assert (tmp_path / "jieba-dict-gone").is_dir()


@pytest.mark.parametrize("damage", ["truncate", "meta", "missing"])
def test_damaged_cache_is_rebuilt(tmp_path: Path, damage: str) -> None:
    assert mmapseg.load(tmp_path) is not None
    (built,) = list(tmp_path.iterdir())
    if damage == "truncate":
        data = (built / "offs.npy").read_bytes()
        (built / "offs.npy").write_bytes(data[: len(data) // 2])
    elif damage == "meta":
        (built / "meta.json").write_text(json.dumps({"format": -1}))
    else:
        (built / "lp.npy").unlink()
    mmapseg._loaded.clear()
    d = mmapseg.load(tmp_path)
    assert d is not None
    assert d.cut("中华人民共和国成立了") == jieba.lcut("中华人民共和国成立了")


def test_concurrent_first_runs_share_one_cache(tmp_path: Path) -> None:
    """Processes that find no cache build it at once; all get jieba's tokens, one cache stays."""
    probe = (
        "from paradup import mmapseg; print('|'.join(mmapseg.load().cut('中华人民共和国成立了')))"
    )
    env = {**os.environ, "PARADUP_CACHE_DIR": str(tmp_path)}
    procs = [
        subprocess.Popen([sys.executable, "-c", probe], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outs = [p.communicate(timeout=120)[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert outs == ["|".join(jieba.lcut("中华人民共和国成立了"))] * 3
    assert len(list(tmp_path.iterdir())) == 1  # no build or aside directories left


def test_unusable_cache_root_gives_none(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert mmapseg.load(blocker) is None
    assert blocker.read_text() == "x"


def test_unwritable_cache_dir_still_checks(tmp_path: Path) -> None:
    """A cache path that is a file: the CLI falls back to the bulk engine, same findings."""
    blocker = tmp_path / "cache"
    blocker.write_text("not a directory")
    env = {**os.environ, "PARADUP_CACHE_DIR": str(blocker)}
    assert check_json(str(SAMPLE), env=env) == check_json(str(SAMPLE), "--engine", "rjieba")
