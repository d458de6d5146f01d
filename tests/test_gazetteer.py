"""The admin-division gazetteer: structure, generated short forms, lookups with context."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bulletin_nlp.errors import RulesError
from bulletin_nlp.gazetteer import Gazetteer, PlaceRule, gazetteer, lookup, place_rules
from bulletin_nlp.rules import load_entries

# (name, expected full path name or None, expected adcode or None)
LOOKUPS = [
    ("浙江省", "浙江省", "330000"),
    ("浙江", "浙江省", "330000"),
    ("台州", "浙江省台州市", "331000"),
    ("台州市", "浙江省台州市", "331000"),
    ("浙江台州", "浙江省台州市", "331000"),
    ("浙江省台州市", "浙江省台州市", "331000"),
    ("吉林省长春市", "吉林省长春市", "220100"),
    ("吉林", "吉林省", "220000"),  # province before the city of the same short name
    ("吉林市", "吉林省吉林市", "220200"),
    ("内蒙古", "内蒙古自治区", "150000"),
    ("广西", "广西壮族自治区", "450000"),
    ("新疆", "新疆维吾尔自治区", "650000"),
    ("黑龙江", "黑龙江省", "230000"),
    ("北京", "北京市", "110000"),
    ("鄂托克前旗", "内蒙古自治区鄂尔多斯市鄂托克前旗", "150623"),
    ("内蒙古鄂托克前旗", "内蒙古自治区鄂尔多斯市鄂托克前旗", "150623"),
    ("沈北新区", "辽宁省沈阳市沈北新区", "210113"),
    ("浚县", "河南省鹤壁市浚县", "410621"),
    ("河南浚县", "河南省鹤壁市浚县", "410621"),
    ("红河州", "云南省红河哈尼族彝族自治州", "532500"),
    ("新疆昌吉州", "新疆维吾尔自治区昌吉回族自治州", "652300"),
    ("黔西南州", "贵州省黔西南布依族苗族自治州", "522300"),
    ("锡林郭勒", "内蒙古自治区锡林郭勒盟", "152500"),
    ("东莞", "广东省东莞市", "441900"),
    ("东莞市", "广东省东莞市", "441900"),
    ("济源", "河南省济源市", "419001"),  # county-level city directly under the province
    ("泉州市惠安县", "福建省泉州市惠安县", "350521"),
    ("长春市朝阳区", "吉林省长春市朝阳区", "220104"),
    ("浚县王庄镇", "河南省鹤壁市浚县王庄镇", "410621"),
    ("上乐村镇", "河南省新乡市卫辉市上乐村镇", "410781"),  # a unique township name
    ("合作市", "甘肃省甘南藏族自治州合作市", "623001"),
    ("海宁", "浙江省嘉兴市海宁市", "330481"),
    ("襄樊", "湖北省襄阳市", "420600"),
    ("香港", "香港特别行政区", "810000"),
    ("长阳县", "湖北省宜昌市长阳土家族自治县", "420528"),
    ("合作", None, None),  # an ordinary word; 合作市 needs its suffix
    ("东西部", None, None),
    ("全省", None, None),
    ("城区", None, None),  # a real district name, generic in running text
    ("市辖区", None, None),  # NBS placeholder
    ("省直辖县级行政区划", None, None),
    ("惠安", None, None),  # county short forms only after their parent
    ("苏州工业园区", None, None),  # statistical unit, not an administrative place
    ("永昌街道", None, None),  # ambiguous township without context
    ("伦敦", None, None),
]


@pytest.mark.parametrize(("name", "full_name", "adcode"), LOOKUPS)
def test_lookup(name: str, full_name: str | None, adcode: str | None) -> None:
    place = lookup(name)
    if full_name is None:
        assert place is None
    else:
        assert place is not None
        assert (place.full_name, place.adcode) == (full_name, adcode)


# (name, context adcodes nearest first, expected adcode or None)
CONTEXT_LOOKUPS = [
    ("朝阳区", ("220100",), "220104"),  # after 长春市
    ("朝阳区", ("110000",), "110105"),
    ("和平区", ("210100",), "210102"),  # in a list of 沈阳 districts
    ("和平区", ("210103",), "210102"),  # sibling of 沈河区
    ("和平区", ("120000",), "120101"),
    ("永昌街道", ("220104",), "220104"),
    ("永昌街道", ("220000",), "220104"),  # the only 永昌街道 in 吉林省
    ("王庄镇", ("410621",), "410621"),
    ("小河镇", ("410621",), "410621"),
    ("上乐村镇", ("330000",), None),  # unique, but the context points elsewhere
    ("东城街道", ("441900",), "441900"),  # 东莞 has townships but no counties
]


@pytest.mark.parametrize(("name", "context", "adcode"), CONTEXT_LOOKUPS)
def test_lookup_with_context(name: str, context: tuple[str, ...], adcode: str | None) -> None:
    place = lookup(name, context)
    assert (place.adcode if place else None) == adcode


def test_township_keeps_county_adcode_and_own_name() -> None:
    place = lookup("王庄镇", ("410621",))
    assert place is not None
    assert (place.name, place.level, place.parent) == ("王庄镇", "township", "410621")
    assert place.norm() == {"name": "河南省鹤壁市浚县王庄镇", "adcode": "410621"}


def test_municipality_districts_hang_on_the_province() -> None:
    place = lookup("朝阳区", ("110000",))
    assert place is not None
    assert (place.full_name, place.parent) == ("北京市朝阳区", "110000")


def test_levels_and_adcodes() -> None:
    gaz = gazetteer()
    levels = [p.level for p in gaz.places]
    assert levels.count("province") == 34  # 31 NBS + 台湾, 香港, 澳门 from rules
    assert all(len(p.adcode) == 6 and p.adcode.isdigit() for p in gaz.places)
    assert all(p.parent in gaz.by_adcode for p in gaz.places if p.level != "province")
    for place in gaz.by_adcode.values():
        if place.level == "city":
            assert place.adcode.endswith("00") and not place.adcode.endswith("0000")
    assert not any(p.name in {"市辖区", "县", "省直辖县级行政区划"} for p in gaz.places)


def test_within_and_shared() -> None:
    gaz = gazetteer()
    taizhou = gaz.by_adcode["331000"]
    assert gaz.within(taizhou, gaz.by_adcode["330000"])
    assert not gaz.within(gaz.by_adcode["330000"], taizhou)
    assert gaz.shared(gaz.by_adcode["210102"], gaz.by_adcode["210103"]) == 2
    assert gaz.shared(gaz.by_adcode["120101"], gaz.by_adcode["210103"]) == 0


def test_builds_fast() -> None:
    rules = place_rules()[1]
    started = time.perf_counter()
    Gazetteer(rules)
    # About 0.2 s on a laptop; the bound leaves room for a busy CI machine.
    assert time.perf_counter() - started < 1.5


def test_rule_fields_checked_per_kind(tmp_path: Path) -> None:
    (tmp_path / "place.yaml").write_text(
        'version: "1"\nentries:\n'
        "  - {id: a, kind: short_form, levels: [city], forms: ['{stem}']}\n"
        "  - {id: b, kind: short_form, levels: [city], pattern: '^(.+)市$', forms: ['x']}\n"
        "  - {id: c, kind: extra_place, full_name: 某省, adcode: '12'}\n",
        encoding="utf-8",
    )
    with pytest.raises(RulesError) as err:
        load_entries("place", PlaceRule, tmp_path)
    message = str(err.value)
    assert "3 problem(s)" in message
    assert "id=a" in message and "needs pattern" in message
    assert "id=b" in message and "named group 'stem'" in message
    assert "id=c" in message and "6 digits" in message


def test_streets_csv_has_the_shape_the_fast_reader_expects() -> None:
    """The township reader splits lines instead of using csv: names hold no comma or quote."""
    import csv

    from bulletin_nlp.gazetteer import DATA_DIR

    with (DATA_DIR / "streets.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["code", "name", "areaCode", "provinceCode", "cityCode"]
    assert all(len(row) == 5 and not set(row[1]) & {",", '"'} for row in rows[1:])


@pytest.mark.parametrize(
    ("name", "adcode"),
    [
        ("章丘市", "370114"),  # a county-level city that became a district
        ("济阳县", "370115"),  # a county that became a district
        ("坪山新区", "440310"),
        ("朝阳县", "211321"),  # a county of its own today: never a district's old name
        ("朝阳市", "211300"),
    ],
)
def test_former_names_of_districts(name: str, adcode: str) -> None:
    place = lookup(name)
    assert place is not None and place.adcode == adcode


@pytest.mark.parametrize(
    ("name", "full_name", "adcode"),
    [
        ("沧浪区", "江苏省苏州市沧浪区", "320500"),
        ("宣武区", "北京市宣武区", "110000"),
        ("闸北区", "上海市闸北区", "310000"),
    ],
)
def test_a_merged_district_keeps_its_name_with_its_citys_code(
    name: str, full_name: str, adcode: str
) -> None:
    place = lookup(name)
    assert place is not None and (place.full_name, place.adcode) == (full_name, adcode)


def test_a_merged_district_must_not_name_a_place_of_today() -> None:
    rule = PlaceRule(id="merged-x", kind="merged_district", target="北京市", surfaces=["东城区"])
    with pytest.raises(ValueError, match="merged-x: 东城区 names a place today"):
        Gazetteer((*place_rules()[1], rule))
