"""The Spark engine reads an archive as the local engine does, and fails in one line.

One test per finding of the engine's review: records without an id, duplicate ids, the file
set of a text tree, paths, GBK JSON Lines, and the errors (an input as --output-dir, a missing
path, a wrong format or setting, a file as --output-dir, a bad --master, an unreadable archive).
Parity is checked against `index build` + `audit` as sets: clusters of members, documents.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from paradup.archive import content_hash
from paradup.audit import Cluster, audit
from paradup.errors import InputError, ParadupError, UsageError
from paradup.index.build import build_index
from paradup.index.store import IndexStore
from paradup.spark_engine import spark_audit

from .conftest import one_line_error, run_paradup
from .test_index import BYLINE, article

SPARK_CLI = ("audit", "--engine", "spark", "--master", "local[1]", "-q")


def _write_jsonl(path: Path, rows: Sequence[dict[str, str]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")


def _members(clusters: Sequence[Cluster]) -> set[frozenset[tuple[Any, ...]]]:
    """Clusters as sets of members (document, path, span, text): no order, no numbering."""
    return {frozenset((m.doc, m.path, m.start, m.end, m.text) for m in c.members) for c in clusters}


def _docs(clusters: Sequence[Cluster]) -> set[tuple[str, str]]:
    return {(m.doc, m.path) for c in clusters for m in c.members}


class Case:
    """One archive audited by both engines."""

    def __init__(self, spark: Any, tmp: Path, roots: Sequence[str]) -> None:
        idx = tmp / "local.paradup"
        stats = build_index(list(roots), str(idx), jobs=1)
        with IndexStore.open(idx) as store:
            self.local = list(audit(store))
            self.local_docs = store.counts()["docs"]
        self.local_bad = stats.bad
        self.res = spark_audit(list(roots), spark=spark, collect=True, partitions=2)
        assert self.res.collected is not None
        self.clusters: list[Cluster] = self.res.collected


@pytest.fixture(scope="module")
def jsonl_case(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Case]:
    """A JSON Lines export with records without an id (lines 1, 3), an id given twice (lines 2
    and 6: the later text sorts first by content hash) and a GBK line (5)."""
    tmp = tmp_path_factory.mktemp("jsonl")
    first = article(1, shared=True)
    later = next(
        t
        for t in (article(50 + i) + "\n\n" + BYLINE for i in range(100))
        if content_hash(t) < content_hash(first)  # the old rule kept the smallest hash
    )
    lines = [
        {"text": article(2, True)},
        {"id": "d", "text": first},
        {"text": article(3, True)},
        {"id": "k", "text": article(4, True)},
        {"id": "g", "text": article(5, True)},
        {"id": "d", "text": later},
    ]
    raw = [json.dumps(r, ensure_ascii=False).encode() for r in lines]
    raw[4] = raw[4].decode().encode("gbk")
    src = tmp / "export.jsonl"
    src.write_bytes(b"\n".join(raw) + b"\n")
    return src, Case(spark, tmp, [str(src)])


def test_jsonl_records_without_id_are_keyed_by_line(jsonl_case: tuple[Path, Case]) -> None:
    # Finding 3: records without an id were dropped ("no id in field 'id'").
    src, case = jsonl_case
    docs = _docs(case.clusters)
    assert (f"{src}:1", f"{src}:1") in docs and (f"{src}:3", f"{src}:3") in docs
    assert (f"{src}#k", f"{src}:4") in docs  # key `file#id`, path `file:line`
    assert case.res.docs == case.local_docs == 4
    assert docs == _docs(case.local)
    assert _members(case.clusters) == _members(case.local)


def test_duplicate_id_keeps_the_first_record(jsonl_case: tuple[Path, Case]) -> None:
    # Finding 4: the record with the smallest content hash was kept, not the first.
    src, case = jsonl_case
    assert (f"{src}#d", f"{src}:2") in _docs(case.clusters)
    dup = [m for m in case.res.bad if "duplicate id" in m]
    assert dup == [
        f"{src}:6: duplicate id 'd'; ids must be unique, the first record with it is audited"
    ]
    assert next(m for m in case.local_bad if "duplicate id" in m).startswith(f"{src}:6: dupl")
    assert _members(case.clusters) == _members(case.local)


def test_gbk_jsonl_lines_are_refused_by_line(jsonl_case: tuple[Path, Case]) -> None:
    # Finding 6: a GBK line was decoded with replacement characters and audited.
    src, case = jsonl_case
    msg = f"{src}:5: not valid UTF-8; re-export the file as UTF-8"
    assert msg in case.res.bad and msg in case.local_bad
    assert f"{src}#g" not in {d for d, _ in _docs(case.clusters)}


@pytest.fixture(scope="module")
def tree_case(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Case]:
    """A tree of articles under a name with a space and CJK: `_`/`.` files, a `.text` file (an
    article, as `check` takes it), JSON Lines files (one without ids), names with spaces."""
    root = tmp_path_factory.mktemp("tree") / "新闻 存档"
    (root / "sub").mkdir(parents=True)
    names = ["a b.txt", "b.md", "_c.txt", ".d.md", "e.text", "f.markdown", "sub/g.txt"]
    for i, name in enumerate(names):
        (root / name).write_text(article(i, shared=True), "utf-8")
    _write_jsonl(root / "h i.jsonl", [{"id": "h1", "text": article(8, shared=True)}])
    _write_jsonl(root / "sub" / "j.jsonl.txt", [{"text": article(9, shared=True)}])
    return root, Case(spark, root.parent, [str(root)])


def test_text_tree_is_the_local_engines_file_set(tree_case: tuple[Path, Case]) -> None:
    # Finding 5: `_c.txt` was hidden, JSON Lines files in a directory not read; `.text` is an
    # article to both engines now (as to `check`).
    root, case = tree_case
    assert case.res.docs == case.local_docs == 9
    docs = _docs(case.clusters)
    files = {p.rpartition(":")[0] if p.endswith(":1") else p for _, p in docs}
    assert {str(root / "_c.txt"), str(root / ".d.md"), str(root / "sub/j.jsonl.txt")} <= files
    assert str(root / "e.text") in files
    assert docs == _docs(case.local)
    assert _members(case.clusters) == _members(case.local)


def test_paths_are_the_local_engines(tree_case: tuple[Path, Case]) -> None:
    # Finding 11: paths were Spark's URIs (`file:/.../a%20b.txt`), JSON Lines without a line.
    root, case = tree_case
    docs = _docs(case.clusters)
    assert (str(root / "a b.txt"), str(root / "a b.txt")) in docs
    assert (f"{root / 'h i.jsonl'}#h1", f"{root / 'h i.jsonl'}:1") in docs
    assert docs == _docs(case.local)


def test_output_dir_never_replaces_an_input(spark: Any, tmp_path: Path) -> None:
    # Finding 1: Spark's overwrite of {out}/clusters.jsonl deleted this input.
    victim = tmp_path / "victim"
    victim.mkdir()
    src = victim / "clusters.jsonl"
    _write_jsonl(src, [{"id": f"a{i}", "text": article(i)} for i in range(3)])
    before = src.read_bytes()
    with pytest.raises(UsageError, match=r"would replace .*clusters\.jsonl, which holds the input"):
        spark_audit([str(src)], spark=spark, output_dir=str(victim))
    assert src.read_bytes() == before
    # A directory input under an output path (an earlier run's output read back), as file:.
    out = tmp_path / "out"
    (out / "clusters.jsonl").mkdir(parents=True)
    part = out / "clusters.jsonl" / "part.jsonl"
    part.write_bytes(before)
    with pytest.raises(UsageError, match="holds the input"):
        spark_audit([f"file:{out}/clusters.jsonl"], spark=spark, output_dir=f"file:{out}")
    assert part.read_bytes() == before


def test_bad_inputs_and_settings_are_one_line(spark: Any, tmp_path: Path) -> None:
    # Finding 7: a missing path, Parquet asked of a JSON Lines file, a bad --spark-conf value.
    with pytest.raises(InputError, match=r"nope\.jsonl: does not exist; check the archive path"):
        spark_audit([str(tmp_path / "nope.jsonl")], spark=spark)
    src = tmp_path / "a.jsonl"
    _write_jsonl(src, [{"id": "a", "text": article(1)}])
    with pytest.raises(
        ParadupError, match=r"a.jsonl: Spark could not read it as parquet .*--input"
    ):
        spark_audit([str(src)], spark=spark, input_format="parquet")
    proc = run_paradup(
        *SPARK_CLI, "--input", str(src), "--spark-conf", "spark.sql.shuffle.partitions=abc"
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert "spark.sql.shuffle.partitions" in last and "check --master and --spark-conf" in last


def test_output_dir_that_is_a_file_is_refused_up_front(spark: Any, tmp_path: Path) -> None:
    # Finding 8: a traceback after the whole run.
    src = tmp_path / "a.jsonl"
    _write_jsonl(src, [{"id": "a", "text": article(1)}])
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(UsageError, match="afile: --output-dir is a file; pass a directory"):
        spark_audit([str(src)], spark=spark, output_dir=str(afile))
    with pytest.raises(UsageError, match=r"--output-dir lies under the file .*afile"):
        spark_audit([str(src)], spark=spark, output_dir=str(afile / "sub"))


def test_bad_master_names_the_master_not_java(tmp_path: Path) -> None:
    # Finding 9: "install a Java runtime" (Java is there) after a Java stack.
    src = tmp_path / "a.jsonl"
    _write_jsonl(src, [{"id": "a", "text": article(1)}])
    proc = run_paradup("audit", "--engine", "spark", "--master", "foo", "--input", str(src))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "paradup: error: Spark could not start with --master 'foo' (Master must either be yarn "
        "or start with spark, k8s, or local); check --master and --spark-conf"
    ]


def _same_error(spark: Any, root: Path, index: Path) -> str:
    """The InputError both engines raise for an archive nothing can be read from (equal)."""
    with pytest.raises(InputError) as local:
        build_index([str(root)], str(index), jobs=1)
    with pytest.raises(InputError) as remote:
        spark_audit([str(root)], spark=spark)
    assert str(remote.value) == str(local.value)
    return str(local.value)


def test_unreadable_archive_is_an_error(spark: Any, tmp_path: Path) -> None:
    # Finding 10: an archive where nothing could be read exited 0; no --encoding to pass.
    tree = tmp_path / "gbk"
    tree.mkdir()
    for i in range(2):
        (tree / f"{i}.txt").write_bytes(article(i, True).encode("gbk"))
    error = _same_error(spark, tree, tmp_path / "x.paradup")
    assert "no documents were read (2 bad records, the first: " in error
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"empty: contains no \.txt, \.md or JSON Lines files"):
        spark_audit([str(tmp_path / "empty")], spark=spark)
    # The skip messages say "pass --encoding gb18030": `audit` takes it. A named article is
    # read before Spark starts (as `index build` does): with the encoding it decodes, and the
    # run stops at the next check, the --output-dir that is a file; without, at the article.
    (tmp_path / "afile").write_text("x")
    named = ("--input", str(tree / "0.txt"), "--output-dir", str(tmp_path / "afile"))
    proc = run_paradup(*SPARK_CLI, *named, "--encoding", "gb18030")
    assert proc.returncode == 2 and "--output-dir is a file" in proc.stderr, proc.stderr
    proc = run_paradup(*SPARK_CLI, *named)
    assert proc.returncode == 2 and "0.txt: is not valid UTF-8" in proc.stderr
    assert "pass --encoding gb18030" in proc.stderr
    proc = run_paradup(*SPARK_CLI, "--input", str(tree), "--encoding", "bogus")
    assert proc.returncode == 2 and "unknown text encoding" in proc.stderr


def test_an_archive_of_retractions_is_the_same_error(spark: Any, tmp_path: Path) -> None:
    """Emptied articles and blanked records: `index build` said "N empty … fill them", the
    Spark engine "N bad records … pass --text-field/--id-field"."""
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "a.md").write_text("", encoding="utf-8")
    (tmp_path / "tree" / "b.md").write_text("  \n", encoding="utf-8")
    blanked = tmp_path / "blank.jsonl"
    _write_jsonl(blanked, [{"id": "a", "text": ""}, {"id": "b", "text": " "}])
    mixed = tmp_path / "mixed.jsonl"
    _write_jsonl(mixed, [{"id": "a", "text": ""}, {"id": "b", "body": article(1)}])
    for root, words in (
        (tmp_path / "tree", "(2 empty, the first: "),
        (blanked, "(2 empty, the first: "),
        (mixed, "(1 bad record, 1 empty, the first: "),
    ):
        error = _same_error(spark, root, tmp_path / "x.paradup")
        assert words in error, error
    assert "no text in field 'text'; pass --text-field" in error  # (mixed's first)
    # With documents to audit, retractions are counted apart from bad records (the CLI prints
    # them as `retracted:`), and the first bad record is named past 100 retractions.
    some = tmp_path / "some.jsonl"
    _write_jsonl(some, [{"id": "a", "text": ""}, {"id": "b", "text": article(1)}])
    result = spark_audit([str(some)], spark=spark)
    assert (result.bad_count, result.blank_count, result.docs) == (0, 1, 1)
    assert result.blank == [
        f"{some}:1: field 'text' is empty; not indexed (fill it or drop the line)"
    ]
    late = tmp_path / "late.jsonl"
    _write_jsonl(late, [{"id": f"e{i}", "text": ""} for i in range(120)] + [{"id": "x"}])
    error = _same_error(spark, late, tmp_path / "y.paradup")
    assert "(1 bad record, 120 empty, the first: " in error


def _spark_lines(stderr: str) -> list[str]:
    """stderr without the JVM launcher's own notice (Spark 4 loads an incubator module)."""
    return [ln for ln in stderr.splitlines() if not ln.startswith("WARNING: Using incubator")]


def test_spark_log_is_off_unless_asked_for(tmp_path: Path) -> None:
    """Spark's banner, WARN lines and a page of Java stack came above the one-line error; its
    log is now off, and `--spark-conf spark.log.level=...` brings it back."""
    src = tmp_path / "a.jsonl"
    _write_jsonl(src, [{"id": "a", "text": article(1)}])
    argv = (*SPARK_CLI, "--input", str(src))
    proc = run_paradup(*argv, "--input-format", "parquet")
    assert proc.returncode == 2, proc.stderr
    lines = _spark_lines(proc.stderr)
    assert len(lines) == 1 and "Spark could not read it as parquet" in lines[0], proc.stderr
    proc = run_paradup(*argv, "--input-format", "parquet", "--spark-conf", "spark.log.level=info")
    assert proc.returncode == 2
    assert sum(" INFO " in ln for ln in _spark_lines(proc.stderr)) > 10, proc.stderr
    assert "paradup: error: " in proc.stderr and "could not read it as parquet" in proc.stderr
    proc = run_paradup(*argv, "--spark-conf", "spark.log.level=loud")  # no JVM starts
    one_line_error(proc, "spark.log.level 'loud' is none of OFF, FATAL")


def test_the_spark_audit_takes_the_config_as_index_build_does(tmp_path: Path) -> None:
    """The Spark audit used the default settings and every file of a folder, whatever the
    config said: its clusters differed from the local engine's on the same archive."""
    from ._repo import article as generated
    from ._repo import paragraph, write

    write(tmp_path, {".paradup.toml": 'exclude = ["drafts"]\n'})
    write(
        tmp_path / "arc",
        {"a.md": generated(21), "drafts/b.md": "草稿。\n\n" + paragraph(21) + "\n"},
    )
    proc = run_paradup(*SPARK_CLI, "--input", "arc", "-f", "jsonl", cwd=tmp_path)
    assert proc.returncode == 0, (proc.stdout, _spark_lines(proc.stderr))
    assert "drafts/b.md" not in proc.stdout
    (tmp_path / ".paradup.toml").unlink()
    proc = run_paradup(*SPARK_CLI, "--input", "arc", "-f", "jsonl", cwd=tmp_path)
    assert proc.returncode == 1 and "drafts/b.md" in proc.stdout, proc.stderr
