"""Quantity facts and role facts: metric, place, year, modality from the text around a figure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bulletin_nlp.cli import main
from bulletin_nlp.evaluate import evaluate
from bulletin_nlp.ingest import ingest
from bulletin_nlp.pipeline import process_text
from bulletin_nlp.store import Store, place_prefix

from .conftest import CORPUS, GOLD, SAMPLES


def facts_of(text: str) -> list[dict]:
    return process_text(text, "t.txt").facts


# An article dated 2023 (its first sentence), for sentences whose year depends on it.
_DATED = "2023年6月12日，广州市民政局召开会议。"


@pytest.mark.parametrize(
    ("text", "metric", "value", "year", "modality"),
    [
        ("2023年，台州市全市共报名35732人。", "exam_registrants", 35732, 2023, "actual"),
        (
            "截至2022年底，温州市拥有持证社工约1.75万人。",
            "certified_social_workers",
            17500,
            2022,
            "actual",
        ),
        (
            "2022年，武汉市建成15个区级社会工作服务指导中心。",
            "guidance_centers",
            15,
            2022,
            "actual",
        ),
        (
            "2022年，武汉市建成162个街道社会工作服务站、1466个社区社会工作服务室。",
            "social_work_stations",
            162,
            2022,
            "actual",
        ),
        (
            "铜仁市到2025年，争取发展社工类社会组织30家。",
            "social_work_agencies",
            30,
            2025,
            "target",
        ),
        ("2021年，该市提供帮扶资金60万元。", "funding", 600000, 2021, "actual"),
        # In a dated article: a year that opens the sentence (or stands as a clause of
        # its own) dates every figure of it, not only its own clause.
        (
            _DATED + "2022年，广州市共发放养老服务补贴2.6亿元，惠及老年人12.8万人。",
            "beneficiaries",
            128000,
            2022,
            "actual",
        ),
        (
            _DATED + "2022年全年，全市社会组织总数达到1.6万家。",
            "social_organizations",
            16000,
            2022,
            "actual",
        ),
        (_DATED + "据统计，2022年，全市共发放帮扶资金60万元。", "funding", 600000, 2022, "actual"),
        # "Since 2022" is no frame: the figure is a stock as of the article.
        (
            _DATED + "2022年以来，全市累计配备社会工作者1260余名。",
            "station_social_workers",
            1260,
            2023,
            "actual",
        ),
        # Deadlines given relative to the article's year make targets.
        (_DATED + "到今年年底，全市社区居家养老服务覆盖率提升至95%。", "share", 95, 2023, "target"),
        (_DATED + "明年年底前，全市建成社工站120个。", "social_work_stations", 120, 2024, "target"),
    ],
)
def test_fact_fields(text: str, metric: str, value: int, year: int, modality: str) -> None:
    fact = next(f for f in facts_of(text) if f["value"] == value)
    assert (fact["metric"], fact["year"], fact["modality"]) == (metric, year, modality)


def test_names_and_achieved_phrases_are_no_target_cues() -> None:
    facts = facts_of(
        _DATED + "2023年，全区共争取中央财政资金380万元，实施“童伴计划”等社工服务项目12个。"
        "到2025年，争取发展社工机构30家。"
    )
    assert [(f["value"], f["modality"]) for f in facts] == [
        (3800000, "actual"),
        (12, "actual"),
        (30, "target"),
    ]


def test_breakdown_parts_inherit_the_total_metric() -> None:
    text = (
        "2023年，武汉市5629人通过考试，占全省的34.8%，其中，助理社会工作者4792人，社会工作者819人。"
    )
    facts = facts_of(text)
    assert [f["metric"] for f in facts] == ["exam_passers", "share", "exam_passers", "exam_passers"]
    assert facts[2]["qualifier"] == "助理社会工作者"


def test_national_scope() -> None:
    fact = facts_of("2022年，全国共有73.7万人取得社会工作者职业资格证书。")[0]
    assert fact["place"] == "100000"


def test_comparison_base_is_not_the_year() -> None:
    facts = facts_of("2023年全市共报名35732人，较2022年同比增长115.83%。")
    assert facts[1]["metric"] == "growth_rate" and facts[1]["year"] == 2023


@pytest.mark.parametrize(
    ("adcode", "prefix"),
    [("330000", "33"), ("331000", "3310"), ("331002", "331002"), ("100000", "")],
)
def test_place_prefix(adcode: str, prefix: str) -> None:
    assert place_prefix(adcode) == prefix


def test_dev_gold_fact_scores_above_floor() -> None:
    report = evaluate(GOLD)
    assert report.facts.f1 >= 0.75
    for name in ("metric", "year", "modality"):
        assert report.fact_fields[name] >= 0.9, name


@pytest.fixture()
def corpus_db(tmp_path: Path) -> Path:
    db = tmp_path / "c.db"
    ingest([SAMPLES], db)
    return db


def test_place_filter_includes_sub_places(corpus_db: Path) -> None:
    store = Store.open(corpus_db)
    zhejiang = store.facts(place="浙江省")
    assert zhejiang and all(str(f["place"]).startswith("33") for f in zhejiang)
    assert {f["place"] for f in zhejiang} >= {"331000", "330300"}
    taizhou = store.facts(place="331000")
    assert 0 < len(taizhou) < len(zhejiang)


def test_year_range_and_modality_filters(corpus_db: Path) -> None:
    store = Store.open(corpus_db)
    targets = store.facts(modality="target", year="2025-2026")
    assert targets and all(f["modality"] == "target" and 2025 <= f["year"] <= 2026 for f in targets)


def test_facts_cli_json_and_csv(corpus_db: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(
        main, ["facts", "--db", str(corpus_db), "--metric", "exam_passers", "--format", "json"]
    )
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert rows and all(r["metric"] == "exam_passers" for r in rows)
    csv_out = runner.invoke(
        main, ["facts", "--db", str(corpus_db), "--metric", "exam_passers", "--format", "csv"]
    )
    assert csv_out.output.count("\n") == len(rows) + 1


def test_sql_in_filters_is_data(corpus_db: Path) -> None:
    out = CliRunner().invoke(
        main, ["facts", "--db", str(corpus_db), "--org", "x' or '1'='1", "--format", "json"]
    )
    assert out.exit_code == 0
    assert json.loads(out.output) == []


def test_show_highlights_the_figure(corpus_db: Path) -> None:
    store = Store.open(corpus_db)
    fact = next(f for f in store.facts() if f["quantity_text"] == "1700万元")
    out = CliRunner().invoke(main, ["show", fact["id"][:12], "--db", str(corpus_db)], color=True)
    assert out.exit_code == 0, out.output
    assert "\x1b[" in out.output and "1700万元" in out.output
    raw = (CORPUS / "000_44766cfa53dbf2a3.txt").read_text(encoding="utf-8")
    line = raw[: raw.index("1700万元")].count("\n") + 1
    assert f"000_44766cfa53dbf2a3.txt:{line}:" in out.output


def test_show_unknown_fact(corpus_db: Path) -> None:
    out = CliRunner().invoke(main, ["show", "zzzz", "--db", str(corpus_db)])
    assert out.exit_code == 1 and "no fact with id 'zzzz'" in out.output


def _roles(text: str) -> set[tuple[str, str, str]]:
    return {(r["person"], r["role"], r["org"]) for r in process_text(text, "t.txt").roles}


def test_a_bare_body_word_before_titles_refers_to_the_articles_organization() -> None:
    roles = _roles("中国社会工作联合会召开理事会。会上，联合会党委书记、副会长周惠宣读了任命。")
    assert ("周惠", "党委书记", "中国社会工作联合会") in roles
    assert ("周惠", "副会长", "中国社会工作联合会") in roles


def test_a_bare_body_word_without_an_earlier_organization_links_nothing() -> None:
    assert _roles("会上，联合会党委书记周惠宣读了任命。") == set()
