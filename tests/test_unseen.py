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
        ("陈晓东", "局长", "南海区民政局"),
        ("刘芳", "会长", "顺德区社会工作协会"),
    }
