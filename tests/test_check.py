"""The check pipeline end to end: span contract, cross-file order, kinds, sorting, big input."""

from __future__ import annotations

import random
from pathlib import Path

import jieba
import pytest

from paradup import CheckConfig, CheckResult, check_paths, check_text

from .conftest import RESTATED, check_json

MARKDOWN = """---
title: 港口物流
date: 2025-04-01
---

# 港口物流园二期投产

<p>本报讯（记者 李明）</p>

据[港务集团](https://example.com/port)消息，**物流园二期**于本月一日正式投产，\
新增冷链仓储面积四万平方米，可满足<b>进口水果和肉类</b>的周转需求。

项目负责人表示，二期工程采用自动化立体仓库，货物出入库效率比一期提高约三成。<PAGE_DIV>

据港务集团消息，物流园二期已于本月一日正式投产，新增冷链仓储面积四万平方米，\
能够满足进口水果与肉类的周转需求。

```
代码块不参与比较，代码块不参与比较。代码块不参与比较，代码块不参与比较。
```

<!-- 编辑备注：下一段来自通稿。项目负责人表示，二期工程采用自动化立体仓库。 -->

下一步，园区还将引入多式联运服务，打通铁路与海运的衔接。
"""

CRLF = (
    "第一段讲述了城市公园的改造计划，预计年底完成全部施工。\r\n\r\n"
    "第二段介绍了资金来源，主要由市财政拨款和社会捐赠组成。\r\n\r\n"
    "第一段讲述了城市公园的改造计划，预计年底前完成全部施工。\r\n"
)

EXACT = (
    "全市今年新建城市书房二十座，每座书房藏书不少于五千册，全年免费向市民开放。\n\n"
    "市图书馆馆长介绍，书房采用自助借还设备，与市图书馆实现通借通还。\n\n"
    "全市今年新建城市书房二十座，每座书房藏书不少于五千册，全年免费向市民开放。\n"
)

CLEAN = (
    "今年一季度，全省规模以上工业增加值同比增长百分之六点二。\n\n"
    "分行业看，电子信息制造业增长较快，汽车制造业保持平稳。\n\n"
    "业内人士认为，随着外部需求回暖，二季度出口有望继续改善。\n"
)

MIXED = (
    "The city opened a new light rail line on Monday, linking the airport with the old town. "
    "Officials said about 40,000 passengers are expected every day.\n\n"
    "新线路全长二十二公里，共设十五座车站。\n\n"
    "On Monday the city opened its new light rail line, which links the airport with the "
    "old town.\n"
)


def assert_span_contract(result: CheckResult, texts: dict[str, str]) -> None:
    """Every finding: both sides are exact slices of the decoded files, with line/column."""
    for f in result.findings:
        for span in (f.a, f.b):
            text = texts[span.path]
            assert 0 <= span.start < span.end <= len(text)
            assert span.text == text[span.start : span.end]
            assert span.text == span.text.strip() or span.text.strip()
            line_start = text.rfind("\n", 0, span.start) + 1
            assert span.line == text.count("\n", 0, span.start) + 1
            assert span.column == span.start - line_start + 1
        for c in f.changes:
            a_text, b_text = texts[f.a.path], texts[f.b.path]
            assert f.a.start <= c.a_start <= c.a_end <= f.a.end
            assert f.b.start <= c.b_start <= c.b_end <= f.b.end
            assert a_text[c.a_start : c.a_end].replace(" ", "") != "" or c.op == "insert"
            assert b_text[c.b_start : c.b_end].replace(" ", "") != "" or c.op == "delete"


def write(path: Path, text: str, encoding: str = "utf-8", bom: bool = False) -> str:
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
    return str(path)


@pytest.mark.parametrize(
    ("name", "text", "bom"),
    [
        ("article.md", MARKDOWN, False),
        ("bom.md", MARKDOWN, True),
        ("crlf.txt", CRLF, False),
        ("crlf_bom.txt", CRLF, True),
        ("lf_to_crlf.md", MARKDOWN.replace("\n", "\r\n"), False),
        ("exact.txt", EXACT, False),
        ("mixed.txt", MIXED, False),
    ],
)
def test_span_contract(tmp_path: Path, name: str, text: str, bom: bool) -> None:
    p = write(tmp_path / name, text, bom=bom)
    result = check_paths([p])
    assert result.findings, name
    assert_span_contract(result, {p: text})
    code, data, err = check_json(p)
    assert code == 1, err
    for f in data["findings"]:
        for side in ("a", "b"):
            s = f[side]
            assert text[s["start"] : s["end"]] == s["text"]


def test_markdown_restatement_spans() -> None:
    result = check_text(MARKDOWN, "m.md")
    assert len(result.findings) == 1
    f = result.findings[0]
    assert f.kind == "near" and 0.4 <= f.similarity < 1.0
    assert f.a.text.startswith("据[港务集团](https://example.com/port)消息")
    assert f.a.text.endswith("的周转需求。")
    assert f.b.text.startswith("据港务集团消息，物流园二期已于")
    assert f.b.text.endswith("的周转需求。")
    # Markup-only regions (front matter, code fence, comment, heading) are never reported.
    assert "代码块" not in f.a.text + f.b.text
    changed = {(c.a, c.b) for c in f.changes}
    assert ("可", "能够") in changed


def test_crlf_offsets_count_carriage_returns(tmp_path: Path) -> None:
    p = write(tmp_path / "crlf.txt", CRLF, bom=True)
    (f,) = check_paths([p]).findings
    assert (f.a.start, f.a.line, f.a.column) == (0, 1, 1)
    assert f.b.start == CRLF.rindex("第一段")
    assert f.b.line == 5 and f.b.column == 1
    assert "\r" not in f.a.text and "\r" not in f.b.text


def test_exact_repeat_is_exact_with_similarity_one() -> None:
    result = check_text(EXACT)
    assert len(result.findings) == 1
    f = result.findings[0]
    assert f.kind == "exact" and f.similarity == 1.0 and f.changes == ()
    assert f.a.text == f.b.text == EXACT.split("\n\n")[0]
    summary = result.files[0]
    assert summary.restated_chars == len(f.b.text)
    assert summary.ratio == pytest.approx(summary.restated_chars / summary.chars)


def test_exact_despite_full_width_and_spacing() -> None:
    text = (
        "ＧＤＰ增长百分之五，推动企 业高质量发展。\n\n"
        "另外一句毫不相干的话在这里。\n\n"
        "GDP增长百分之五，推动企业高质量发展。\n"
    )
    (f,) = check_text(text).findings
    assert f.kind == "exact" and f.similarity == 1.0


def test_clean_text_gives_no_findings(tmp_path: Path) -> None:
    result = check_text(CLEAN)
    assert result.findings == ()
    assert result.files[0].restated_chars == 0 and result.files[0].ratio == 0.0
    code, data, _ = check_json(write(tmp_path / "clean.txt", CLEAN))
    assert code == 0 and data["findings"] == []


def test_english_and_mixed_restatement_found() -> None:
    result = check_text(MIXED)
    assert len(result.findings) == 1
    f = result.findings[0]
    assert f.a.text.startswith("The city opened a new light rail line on Monday")
    assert f.b.text.startswith("On Monday the city opened its new light rail line")
    assert "新线路" not in f.a.text + f.b.text


def test_cross_file_a_is_the_earlier_file_on_the_command_line(tmp_path: Path) -> None:
    first = write(tmp_path / "z_first.txt", CLEAN + "\n" + RESTATED.split("\n\n")[0] + "\n")
    second = write(tmp_path / "a_second.md", RESTATED.split("\n\n")[2])
    for order in ([first, second], [second, first]):
        result = check_paths(order)
        assert len(result.findings) == 1
        f = result.findings[0]
        assert (f.a.path, f.b.path) == (order[0], order[1])
        assert [s.path for s in result.files] == order
        texts = {p: Path(p).read_text(encoding="utf-8") for p in order}
        assert_span_contract(result, texts)
        assert result.files[0].restated_chars == 0
        assert result.files[1].restated_chars > 0
    code, data, _ = check_json(second, first)
    assert code == 1
    assert data["findings"][0]["a"]["path"] == second
    assert data["findings"][0]["b"]["path"] == first


def test_findings_sorted_by_file_then_a_start(tmp_path: Path) -> None:
    one = write(tmp_path / "one.txt", EXACT + "\n" + CRLF.replace("\r\n", "\n"))
    two = write(tmp_path / "two.md", RESTATED + "\n" + MIXED)
    three = write(tmp_path / "three.txt", CLEAN + "\n" + EXACT.split("\n\n")[0] + "\n")
    order = [one, two, three]
    result = check_paths(order)
    keys = [(order.index(f.a.path), f.a.start) for f in result.findings]
    assert len(keys) >= 5
    assert keys == sorted(keys)
    assert {f.a.path for f in result.findings} >= {one, two}
    for f in result.findings:
        if f.a.path == f.b.path:
            assert f.a.end <= f.b.start
        else:
            assert order.index(f.a.path) < order.index(f.b.path)
    texts = {p: Path(p).read_text(encoding="utf-8") for p in order}
    assert_span_contract(result, texts)
    _, data, _ = check_json(*order)
    got = [(order.index(f["a"]["path"]), f["a"]["start"]) for f in data["findings"]]
    assert got == keys


def test_headings_never_reported() -> None:
    text = (
        "# 全市新建城市书房二十座\n\n"
        "全市新建城市书房二十座，免费向市民开放。\n\n"
        "# 全市新建城市书房二十座\n"
    )
    result = check_text(text, config=CheckConfig(min_chars=4))
    for f in result.findings:
        assert not f.a.text.startswith("#") and not f.b.text.startswith("#")


def _big_text(size_bytes: int, seed: int) -> tuple[str, list[str]]:
    """Varied prose from jieba dictionary words, with a few restated sentences planted."""
    dict_path = Path(jieba.__file__).parent / "dict.txt"
    lines = dict_path.read_text(encoding="utf-8").splitlines()[:60000:10]
    words = [w for w in (ln.split(" ", 1)[0] for ln in lines) if len(w) >= 2]
    rnd = random.Random(seed)
    planted = [
        "国家统计局今天发布数据显示，上月全国居民消费价格同比上涨零点七个百分点。",
        "这座跨海大桥全长二十六公里，建成后两岸通行时间将由一小时缩短到二十分钟。",
        "专家提醒市民，冬季流感高发，老人和儿童应尽早接种疫苗并注意室内通风。",
    ]
    out: list[str] = []
    size = 0
    k = 0
    while size < size_bytes:
        sents = []
        for _ in range(rnd.randint(2, 6)):
            clauses = [
                "".join(rnd.choice(words) for _ in range(rnd.randint(3, 7)))
                for _ in range(rnd.randint(1, 3))
            ]
            sents.append("，".join(clauses) + rnd.choice("。！；？"))
        if rnd.random() < 0.0005:
            sents.append(planted[k % len(planted)])
            k += 1
        para = "".join(sents) + "\n\n"
        out.append(para)
        size += len(para.encode("utf-8"))
    return "".join(out), planted


def test_large_input_completes(tmp_path: Path) -> None:
    """~5 MB of varied text goes through the whole pipeline (speed is measured in benchmarks)."""
    text, planted = _big_text(5_000_000, seed=11)
    p = write(tmp_path / "big.txt", text)
    result = check_paths([p])
    assert result.files[0].chars > 1_000_000
    assert_span_contract(result, {p: text})
    restated = {f.b.text for f in result.findings}
    for sentence in planted:
        if text.count(sentence) >= 2:
            assert sentence in restated
    assert sum(1 for s in restated if s in planted) >= 2
