"""`bulletin-nlp check`: breakdown sums, shares, growth rates, conflicts, implausible
values and unreported targets, on a corpus the tests build and on the sample bulletins."""

from __future__ import annotations

import itertools
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bulletin_nlp.check import check, check_rows, interval, rounding_step
from bulletin_nlp.cli import main
from bulletin_nlp.ingest import ingest
from bulletin_nlp.review import decide
from bulletin_nlp.rules import ruleset_version
from bulletin_nlp.store import Store

TODAY = date(2026, 11, 23)

# One article with a breakdown, a share and a growth rate; a second file with a figure
# for the same metric, place and year. BAD holds four injected problems; GOOD is the
# same text with figures that add up.
GOOD_A = (
    "武汉社工考试通过人数创新高\n\n"
    "2023年，武汉市共通过5629人，其中，助理社会工作者4792人，社会工作者819人，"
    "高级社会工作者18人。截至2023年底，杭州市共有社会工作专业人才2000人，"
    "其中持证社会工作者500人，占比25%。2023年，台州市报考人数为1200人，"
    "较2022年的1000人同比增长20%。目前，台州市持证社工达25271人。（据《台州日报》）\n"
)
GOOD_B = "台州社工队伍持续壮大\n\n2023年，台州市持证社工达2.5万人。（据台州民政）\n"
BAD_A = GOOD_A.replace("4792", "4700").replace("占比25%", "占比40%").replace("增长20%", "增长25%")
BAD_B = GOOD_B.replace("2.5万", "2.6万")


def build(tmp_path: Path, files: dict[str, str], name: str = "t") -> Store:
    folder = tmp_path / name
    folder.mkdir()
    for file, text in files.items():
        (folder / file).write_text(text, encoding="utf-8")
    db = tmp_path / f"{name}.db"
    result = ingest([folder], db)
    assert not result.failed
    return Store.open(db)


@pytest.fixture()
def bad(tmp_path: Path) -> Store:
    return build(tmp_path, {"a.txt": BAD_A, "b.txt": BAD_B})


def test_injected_problems_are_found(bad: Store) -> None:
    findings = {f.kind: f for f in check(bad, TODAY)}
    assert sorted(findings) == ["breakdown_sum", "conflict", "growth_mismatch", "share_mismatch"]
    parts = findings["breakdown_sum"]
    assert [f.quantity_text for f in parts.facts] == ["5629人", "4700人", "819人", "18人"]
    assert "add up to 5,537 人" in parts.message_en and "short by 92" in parts.message_en
    assert parts.message == (
        "总数之后列出的分项合计 5,537 人（助理社会工作者 4,700 + 社会工作者 819 + "
        "高级社会工作者 18），与所述总数 5629人 不符（少 92）。"
    )
    share = findings["share_mismatch"]
    assert [f.quantity_text for f in share.facts] == ["40%", "500人", "2000人"]
    assert share.message_en.endswith("500人 of 2000人 is 25.0%.")
    assert share.message == "所述占比 40% 与旁边的数字不符：500人 占 2000人 的 25.0%。"
    growth = findings["growth_mismatch"]
    assert "from 1000人 to 1200人 is +20.0%" in growth.message_en
    assert "从 1000人 到 1200人 为 +20.0%" in growth.message
    conflict = findings["conflict"]
    assert [(f.doc, f.quantity_text, f.value) for f in conflict.facts] == [
        ("a.txt", "25271人", 25271.0),
        ("b.txt", "2.6万人", 26000.0),
    ]
    for finding in findings.values():
        for f in finding.facts:  # evidence spans point into the stored source
            assert f.quantity_text in f.evidence_text
            assert f.evidence_start <= f.quantity_start < f.quantity_end <= f.evidence_end


def test_consistent_text_has_no_findings(tmp_path: Path) -> None:
    store = build(tmp_path, {"a.txt": GOOD_A, "b.txt": GOOD_B})
    assert check(store, TODAY) == []


def test_parts_over_the_total(tmp_path: Path) -> None:
    text = "2023年，武汉市共通过5629人，其中，助理社会工作者5000人，社会工作者819人。\n"
    findings = check(build(tmp_path, {"a.txt": text}), TODAY)
    assert [f.kind for f in findings] == ["breakdown_sum"]
    assert "more than the stated total 5629人" in findings[0].message_en
    assert "超过所述总数 5629人" in findings[0].message


def test_rejected_fact_is_left_out(bad: Store) -> None:
    conflict = next(f for f in check(bad, TODAY) if f.kind == "conflict")
    decide(bad, conflict.facts[1].id, "rejected", reviewer="t")
    assert "conflict" not in {f.kind for f in check(bad, TODAY)}


def test_corrected_value_is_checked(bad: Store) -> None:
    conflict = next(f for f in check(bad, TODAY) if f.kind == "conflict")
    decide(bad, conflict.facts[1].id, "corrected", value="25271", reviewer="t")
    assert "conflict" not in {f.kind for f in check(bad, TODAY)}


@pytest.mark.parametrize(
    ("a", "b", "agree"),
    [
        ((737000, "exact", "73.7万"), (737000, "exact", "737,000"), True),
        ((25271, "exact", "25271"), (26000, "exact", "2.6万"), False),
        ((25271, "exact", "25271"), (25000, "exact", "2.5万"), True),
        ((19858, "exact", "19858人"), (20000, "under", "近2万人"), True),
        ((21000, "exact", "21000人"), (20000, "under", "近2万人"), False),
        ((850000, "exact", "85万"), (800000, "over", "80余万人"), True),
        ((950000, "exact", "95万"), (800000, "over", "80余万人"), False),
        ((120000, "exact", "12万"), (80000, "over", "超过8万人"), True),
        ((17600, "exact", "17600"), (17500, "about", "约1.75万人"), True),
        ((5629, "exact", "5629人"), (5630, "exact", "5630人"), False),
    ],
)
def test_figures_agree_within_rounding(a: tuple, b: tuple, agree: bool) -> None:
    (lo1, hi1), (lo2, hi2) = interval(*a), interval(*b)
    assert (lo1 <= hi2 and lo2 <= hi1) is agree


@pytest.mark.parametrize(
    ("value", "approx", "text", "step"),
    [
        (737000, "exact", "73.7 万", 1000),
        (737000, "exact", "737,000", 1),
        (26000, "exact", "2.6万人", 1000),
        (20000, "exact", "2万人", 10000),
        (34.8, "exact", "34.8%", 0.1),
        (9000, "over", "9000余人次", 1000),
        (100000, "over", "10余\n万人", 100000),
        (30000, "over", "三万多人", 10000),
        (3, "exact", "三名", 1),
        (7500, "exact", "35732人", 1),  # a corrected value: as precise as typed
    ],
)
def test_rounding_step(value: float, approx: str, text: str, step: float) -> None:
    assert rounding_step(value, approx, text) == pytest.approx(step)


_ids = itertools.count()


def row(**fields: Any) -> dict[str, Any]:
    """A fact row as check reads it, with neutral defaults."""
    base: dict[str, Any] = {
        "id": f"f{next(_ids)}",
        "doc": "x.txt",
        "doc_id": "d1",
        "article_id": "a1",
        "metric": "certified_social_workers",
        "value": 10.0,
        "unit": "人",
        "approx": "exact",
        "place": "331000",
        "place_name": "浙江省台州市",
        "year": 2023,
        "modality": "actual",
        "qualifier": None,
        "quantity_text": "10人",
        "quantity_start": 5,
        "quantity_end": 8,
        "evidence_text": "共有10人",
        "evidence_start": 0,
        "evidence_end": 8,
        "review_status": "unreviewed",
        "rule_id": "facts.metric.list_item",
        "sentence_id": None,
    }
    return {**base, **fields}


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"metric": "share", "unit": "%", "value": 120.0, "quantity_text": "120%"}, "is over 100%"),
        ({"year": 1975}, "the year 1975 is before 1980"),
        ({"year": TODAY.year + 16}, f"the year {TODAY.year + 16} is more than 15 years ahead"),
        (
            {"unit": "个", "value": 1.5, "quantity_text": "1.5个"},
            "a count of 1.5个 has a fractional part",
        ),
    ],
)
def test_implausible(fields: dict[str, Any], problem: str) -> None:
    findings = check_rows([row(**fields)], TODAY)
    assert [f.kind for f in findings] == ["implausible"]
    assert problem in findings[0].message_en
    assert findings[0].message.startswith("数值不合理（")


@pytest.mark.parametrize(
    "fields",
    [
        {"metric": "share", "unit": "%", "value": 100.0, "quantity_text": "100%"},
        {"metric": "growth_rate", "unit": "%", "value": 115.83, "quantity_text": "115.83%"},
        {"unit": "元", "value": 1.5, "quantity_text": "1.5元"},
        {"year": 1980},
    ],
)
def test_plausible(fields: dict[str, Any]) -> None:
    assert check_rows([row(**fields)], TODAY) == []


def test_target_past_deadline_without_actual() -> None:
    target = row(id="t1", modality="target", year=2025, value=500.0, quantity_text="500人")
    older = row(id="a1", year=2021, value=89.0, quantity_text="89人")
    findings = check_rows([target, older], TODAY)
    assert [(f.kind, f.severity, [x.id for x in f.facts]) for f in findings] == [
        ("target_unreported", "warning", ["t1"])
    ]
    assert "The 2025 target" in findings[0].message_en
    assert "的 2025 年目标（500人）已过期限" in findings[0].message
    reported = row(id="a2", year=2025, value=520.0, quantity_text="520人", article_id="a9")
    assert check_rows([target, older, reported], TODAY) == []
    assert check_rows([target], date(2025, 6, 1)) == []  # deadline year not over yet


def test_same_article_values_are_not_a_conflict() -> None:
    a = row(id="x1", value=34.0, quantity_text="34家", unit="家", metric="community_social_orgs")
    b = row(id="x2", value=110.0, quantity_text="110家", unit="家", metric="community_social_orgs")
    assert check_rows([a, b], TODAY) == []
    assert [f.kind for f in check_rows([a, {**b, "article_id": "a2"}], TODAY)] == ["conflict"]


def test_sample_bulletins_have_no_errors(corpus_docs: dict, tmp_path: Path) -> None:
    """The sample bulletins are consistent: only targets past their deadline remain."""
    store = Store.open(tmp_path / "s.db")
    for doc in corpus_docs.values():
        store.write_document(doc, ruleset_version())
    findings = check(store, TODAY)
    assert [f.message for f in findings if f.severity == "error"] == []
    assert {f.kind for f in findings} <= {"target_unreported"}


def test_cli_check(bad: Store, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["check", "--db", bad.path, "--today", "2026-11-23"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "4 findings"
    assert "error: [breakdown_sum]" in result.output
    strict = runner.invoke(main, ["check", "--db", bad.path, "--strict", "--json"])
    assert strict.exit_code == 1
    lines = [json.loads(line) for line in strict.output.splitlines()]
    assert sorted(x["kind"] for x in lines) == [
        "breakdown_sum",
        "conflict",
        "growth_mismatch",
        "share_mismatch",
    ]
    good = build(tmp_path, {"a.txt": GOOD_A}, name="good")
    ok = runner.invoke(main, ["check", "--db", good.path, "--strict"])
    assert ok.exit_code == 0 and ok.output == "0 findings\n"
    missing = runner.invoke(main, ["check", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 1 and "no such database" in missing.output


def test_a_conflict_is_one_finding_with_each_value_once(tmp_path: Path) -> None:
    """Copies of one article are compared once: 3 bulletins say 25271, 2 say 2.6万; copies
    with two figures of one key (a total and its breakdown) are no conflict."""
    files = {f"a{i}.txt": f"第{i}期\n{GOOD_A}" for i in range(3)}  # distinct: not duplicates
    files.update({f"b{i}.txt": f"第{i}期\n{BAD_B}" for i in range(2)})
    store = build(tmp_path, files)
    findings = [f for f in check(store, TODAY) if f.kind == "conflict"]
    assert len(findings) == 1
    conflict = findings[0]
    assert conflict.message == (
        "浙江省台州市 2023年 持证社会工作者人数：不同文章给出的数字不一致，超出四舍五入的范围："
        "25271人（3 份简报）；2.6万人 (26,000 人)（2 份简报）。"
    )
    assert conflict.message_en.endswith(
        "more than rounding allows: 25271人 (3 bulletins); 2.6万人 (26,000 人) (2 bulletins)."
    )
    assert (conflict.metric, conflict.place, conflict.year) == (
        "certified_social_workers",
        "331000",
        2023,
    )
    assert len(conflict.facts) == 5 and conflict.docs == [
        "a0.txt",
        "a1.txt",
        "a2.txt",
        "b0.txt",
        "b1.txt",
    ]
    # the same article in every copy: no conflict at all
    same = build(tmp_path, {f"c{i}.txt": f"第{i}期\n{BAD_A}" for i in range(3)}, name="copies")
    assert "conflict" not in {f.kind for f in check(same, TODAY)}


def test_same_article_figures_repeated_elsewhere_are_no_conflict() -> None:
    a = row(id="x1", value=34.0, quantity_text="34家", unit="家", metric="community_social_orgs")
    b = row(id="x2", value=110.0, quantity_text="110家", unit="家", metric="community_social_orgs")
    copy = [{**a, "id": "y1", "article_id": "a2"}, {**b, "id": "y2", "article_id": "a2"}]
    assert check_rows([a, b, *copy], TODAY) == []  # each article gives both figures
    one = {**a, "id": "z1", "article_id": "a3"}
    assert check_rows([a, b, one], TODAY) == []  # 34 is one of the first article's


def test_ingest_stores_the_findings(bad: Store) -> None:
    """An ingest stores what check finds (in Chinese and English), with the facts."""
    findings = check(bad)
    stored = list(bad.db.query("select * from check_findings order by id"))
    assert [r["id"] for r in stored] == sorted(f.id for f in findings)
    conflict = next(r for r in stored if r["kind"] == "conflict")
    assert conflict["message"].startswith("浙江省台州市 2023年 持证社会工作者人数")
    assert conflict["message_en"].startswith("Different articles give different")
    assert (conflict["facts"], conflict["docs"], conflict["severity"]) == (2, 2, "error")
    assert json.loads(conflict["doc_names"]) == ["a.txt", "b.txt"]
    facts = {
        r["fact_id"]
        for r in bad.db.query(
            "select fact_id from check_finding_facts where finding_id = ?", [conflict["id"]]
        )
    }
    assert facts == set(json.loads(conflict["fact_ids"]))
    runs = list(bad.db.query("select * from check_runs"))
    assert [(r["trigger"], r["findings"]) for r in runs] == [("ingest", len(findings))]
    assert runs[0]["ingest_run"] == next(bad.db.query("select max(id) as i from runs"))["i"]


def test_cli_check_stores_findings_only_when_they_changed(bad: Store, tmp_path: Path) -> None:
    runner = CliRunner()
    path = Path(bad.path)
    conflict = next(f for f in check(bad, TODAY) if f.kind == "conflict")
    before = path.read_bytes()
    first = runner.invoke(main, ["check", "--db", bad.path])
    assert first.exit_code == 0 and path.read_bytes() == before  # same findings: no write
    assert "error: [conflict] 浙江省台州市 2023年 持证社会工作者人数" in first.output
    english = runner.invoke(main, ["check", "--db", bad.path, "--lang", "en"])
    assert "error: [conflict] Different articles give different" in english.output
    decide(bad, conflict.facts[1].id, "rejected", reviewer="t")
    runner.invoke(main, ["check", "--db", bad.path, "--no-store"])
    assert {r["kind"] for r in bad.db.query("select kind from check_findings")} >= {"conflict"}
    result = runner.invoke(main, ["check", "--db", bad.path])
    assert result.exit_code == 0, result.output
    kinds = {r["kind"] for r in Store.open(bad.path).db.query("select kind from check_findings")}
    assert "conflict" not in kinds and "breakdown_sum" in kinds
    runs = [
        r["trigger"] for r in Store.open(bad.path).db.query("select * from check_runs order by id")
    ]
    assert runs == ["ingest", "check"]


def test_cli_check_folds_the_facts_of_a_large_finding(tmp_path: Path) -> None:
    files = {f"a{i}.txt": f"第{i}期\n{GOOD_A}" for i in range(7)}
    files["b.txt"] = BAD_B
    store = build(tmp_path, files)
    result = CliRunner().invoke(main, ["check", "--db", store.path, "--today", "2026-11-23"])
    lines = result.output.splitlines()
    assert lines[0].startswith("error: [conflict] ") and "25271人（7 份简报）" in lines[0]
    assert lines[6] == "    ... and 3 more facts (--json lists them all)"
    assert max(len(line) for line in lines) < 300
