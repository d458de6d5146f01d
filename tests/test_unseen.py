"""A bulletin written for the tests (not in the dev gold): the rules must carry over."""

from __future__ import annotations

from pathlib import Path

from bulletin_nlp.pipeline import process_file

SAMPLE = Path(__file__).parent / "data" / "unseen_foshan.txt"


def test_mentions_of_an_unseen_bulletin() -> None:
    doc = process_file(SAMPLE)
    found = {(m.type, "".join(m.text.split())) for m in doc.mentions}
    assert {
        ("PLACE", "广东佛山"),
        ("ORG", "佛山市民政局"),
        ("ORG", "南海区民政局"),
        ("ORG", "顺德区社会工作协会"),
        ("PERSON", "王建华"),
        ("PERSON", "陈晓东"),
        ("PERSON", "刘芳"),
        ("DATE", "2023年底"),
        ("QUANTITY", "1.2万余人次"),
        ("QUANTITY", "超过35万人次"),
        ("QUANTITY", "突破2.5万人"),
        ("QUANTITY", "200万元"),
        ("INITIATIVE", "暖心佛山"),
        ("ORG", "佛山日报"),
    } <= found
    assert doc.raw[doc.mentions[0].start : doc.mentions[0].end] == doc.mentions[0].text


def test_facts_of_an_unseen_bulletin() -> None:
    doc = process_file(SAMPLE)
    facts = {(f["metric"], f["value"], f["year"], f["modality"]) for f in doc.facts}
    assert ("social_work_stations", 32, 2023, "actual") in facts
    assert ("certified_social_workers", 18000, 2023, "actual") in facts
    assert ("certified_social_workers", 25000, 2025, "target") in facts
    assert ("growth_rate", 12.5, 2023, "actual") in facts
    assert all(f["place"] == "440600" for f in doc.facts)
    roles = {(r["person"], r["role"], r["org"]) for r in doc.roles}
    assert roles == {
        ("王建华", "副局长", "佛山市民政局"),
        ("陈晓东", "局长", "佛山市南海区民政局"),
        ("刘芳", "会长", "顺德区社会工作协会"),
    }


# More bulletins written for the tests, each with what it must show: (type, compact text,
# norm) mentions, (metric, value, year, modality) facts and (person, role, org) roles.
DATA = Path(__file__).parent / "data"


def _facts(name: str) -> set[tuple[str, float, int | None, str]]:
    doc = process_file(DATA / name)
    return {(f["metric"], f["value"], f["year"], f["modality"]) for f in doc.facts}


def _roles(name: str) -> set[tuple[str, str, str]]:
    return {(r["person"], r["role"], r["org"]) for r in process_file(DATA / name).roles}


def test_a_part_of_a_year_dates_the_article() -> None:
    """2024年上半年 in the lead dates the article: 今年第三季度 and 6月底 resolve."""
    doc = process_file(DATA / "unseen_deqing.txt")
    dates = {"".join(m.text.split()): m.norm for m in doc.mentions if m.type == "DATE"}
    assert dates["今年第三季度"] == "2024-Q3" and dates["6月底"] == "2024-06"
    facts = _facts("unseen_deqing.txt")
    assert ("social_work_rooms", 30, 2024, "target") in facts
    assert ("certified_social_workers", 516, 2024, "actual") in facts
    assert ("donations", 120000, 2024, "actual") in facts


def test_sentence_frames_and_follow_cues() -> None:
    facts = _facts("unseen_wuhan_chengdu.txt")
    assert ("social_organizations", 16000, 2022, "actual") in facts  # 2022年全年，…1.6万家
    assert ("community_social_orgs", 50, 2024, "target") in facts  # 力争在2024年底前
    # 2023年以来 is a span to the article's date, which no line of the page prints.
    assert ("growth_rate", 18.6, None, "actual") in facts
    assert _roles("unseen_wuhan_chengdu.txt") >= {
        ("陈晓东", "副教授", "华中科技大学社会学院"),  # …副教授陈晓东受邀为…
        ("周敏", "局长", "武汉市江岸区民政局"),
        ("李卫国", "副局长", "武汉市江岸区民政局"),
    }


def test_party_body_titles_glued_to_a_lexicon_name() -> None:
    """jieba cuts 民政|部党组|成员: 民政部 still ends there, and its titles link."""
    assert _roles("unseen_mca_assistance.txt") >= {
        ("刘喜堂", "党组成员", "民政部"),
        ("刘喜堂", "副部长", "民政部"),
        ("王春光", "研究员", "中国社会科学院社会学研究所"),
    }


def test_obtained_funds_and_programme_names_are_results() -> None:
    facts = _facts("unseen_bijie.txt")
    assert ("funding", 3800000, 2023, "actual") in facts  # 共争取中央财政资金380万元
    assert ("trainees", 1000, None, "target") in facts  # 计划每年培训社工1000人次
    assert not any(f[1] == 12 and f[3] == "target" for f in facts)  # “童伴计划”…项目12个


def test_titles_with_their_own_organizations() -> None:
    """协会副会长、大学教授徐永祥: each title links to its own organization."""
    assert _roles("unseen_jingan.txt") == {
        ("顾红", "局长", "上海市静安区民政局"),
        ("徐永祥", "副会长", "上海市社会工作者协会"),
        ("徐永祥", "教授", "华东理工大学"),
    }
    facts = _facts("unseen_jingan.txt")
    assert ("certified_social_workers", 3125, 2023, "actual") in facts  # 截至2023年底
    assert ("funding", 15000000, 2024, "target") in facts  # 今年…将投入
    assert ("social_work_rooms", 260, 2025, "target") in facts


def test_party_bodies_of_streets_and_titles_read_across_them() -> None:
    """湖南路街道党工委书记: jieba's title 党工委书记 starts inside the ORG; the role is 书记."""
    doc = process_file(DATA / "unseen_nanjing.txt")
    orgs = {m.text: m.norm for m in doc.mentions if m.type == "ORG"}
    assert orgs["南京市委社会工作部"] == "中共南京市委社会工作部"
    assert "鼓楼区湖南路街道党工委" in orgs
    assert _roles("unseen_nanjing.txt") == {
        ("陈红军", "部长", "中共南京市委社会工作部"),
        ("陈红军", "局长", "南京市民政局"),
        ("吴静", "书记", "鼓楼区湖南路街道党工委"),
    }
    facts = _facts("unseen_nanjing.txt")
    assert ("growth_rate", 10, 2026, "target") in facts
    assert ("funding", 21000000, 2023, "actual") in facts  # 撬动社会资金2100余万元
