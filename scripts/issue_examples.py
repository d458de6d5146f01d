"""The examples of issues 15 and 16 through the pipeline (rules only), one JSON line each.

    python scripts/issue_examples.py > after.jsonl
    PYTHONPATH=/path/to/older/checkout/src python scripts/issue_examples.py > before.jsonl
    python scripts/issue_examples.py --table before.jsonl after.jsonl

The last form prints a Markdown table of each example before and after: its facts
(``span=value unit/approx metric place year``, ``q=`` the qualifier) and dates, or its
ORG/PERSON mentions and role facts.
"""

from __future__ import annotations

import json
import sys
from typing import Any

LEAD = "2021年4月26日，市民政局召开会议。"
EX = [
    # issue 15: figures
    ("15", "投入资金3千万元", LEAD + "全市投入资金3千万元。"),
    ("15", "百分之一点五七", LEAD + "全市社工占比为百分之一点五七。"),
    ("15", "总额82，225.00元", LEAD + "捐款总额82，225.00元。"),
    ("15", "增长率为-1.18%", LEAD + "全市社会组织增长率为-1.18%。"),
    ("15", "下降1.2%", LEAD + "全市社会组织数量比上年下降1.2%。"),
    ("15", "负增长", LEAD + "全市社会组织数量负增长1.5%。"),
    ("15", "1月3至2月10", LEAD + "活动于1月3至2月10举行。"),
    ("15", "15年3月2日", LEAD + "该中心于15年3月2日成立。"),
    ("15", "19年底", LEAD + "截至19年底，全市建成社工站12个。"),
    ("15", "2017年五月至2018年四月", LEAD + "2017年五月至2018年四月，全市开展培训。"),
    ("15", "50万元（含）以上", LEAD + "资助金额50万元（含）以上的项目。"),
    ("15", "小于40万", LEAD + "资助金额小于40万元的项目。"),
    ("15", "查处案件1293起", LEAD + "全年查处案件1293起。"),
    ("15", "撤销登记2060起", LEAD + "全年撤销登记2060起。"),
    # issue 16: year
    (
        "16",
        "year: 2.3万 (comparison frame)",
        "2023年3月，省民政厅发布报告。截至2022年底，全省共有社会组织5.1万个，比上年减少0.2万个。从类型看，社会团体有2.3万个，与2021年的2.4万个相比减少0.1万个。",
    ),
    (
        "16",
        "year: 比上年 against the frame",
        "截至2019年底，全省社会组织增长到3.2万个，比上年增加3.1%。",
    ),
    ("16", "year: 先后 distributes", "2019年至2021年，全市志愿者人数先后达到5万人、6万人和8万人。"),
    ("16", "year: 以来 cumulative", LEAD + "2018年以来，全市累计建成社工站120个。"),
    ("16", "year: 2010年至2015年 cumulative", "2010年至2015年，全市累计培训社工5000人次。"),
    (
        "16",
        "year: report named with its year",
        "民政部发布《2019年民政事业发展统计公报》。全年共有社会组织86.6万个。",
    ),
    (
        "16",
        "year: headline figure",
        "全国社会组织总量突破89万个\n新华社北京3月5日电 截至2023年底，全国共有社会组织89.2万个。",
    ),
    ("16", "year: no date gives null", "宁波市民政局介绍，全市共有社区社会组织3200家。"),
    # issue 16: metric
    ("16", "metric: 社会服务类2153个", LEAD + "社会团体中，社会服务类2153个。"),
    ("16", "metric: 服务居民3500余人次", LEAD + "社工站服务居民3500余人次。"),
    ("16", "metric: 每万人拥有持证社工12人", LEAD + "全市每万人拥有持证社工12人。"),
    (
        "16",
        "metric: 31个省区市 / price band",
        LEAD + "全国31个省区市参与，资助100万元到500万元之间的项目。",
    ),
    ("16", "metric: 捐赠 donations", LEAD + "全市接收社会捐赠1.2亿元。"),
    ("16", "metric: 财政安排 funding", LEAD + "省财政安排社会救助资金12亿元。"),
    ("16", "metric: 比上年增加2.3%", LEAD + "全市社会组织比上年增加2.3%。"),
    ("16", "metric: 取得证书的人", LEAD + "全市取得社会工作者职业资格证书的有1.2万人。"),
    ("16", "metric: social_organizations", LEAD + "全市共有社会组织5600个，其中基金会120家。"),
    ("16", "metric: service_projects", LEAD + "全市实施公益创投项目86个。"),
    # issue 16: place
    (
        "16",
        "place: 全市 after a district",
        "南京市鼓楼区2023年新建社工站5个。全市共建成社工站96个。",
    ),
    ("16", "place: 分别为 list", "2023年，杭州市、宁波市分别建成社工站190个和150个。"),
    (
        "16",
        "place: a street keeps its level",
        LEAD + "长春市朝阳区永昌街道社工站服务居民1200人次。",
    ),
]

ROLE_EXAMPLES = [
    "2023年3月5日，南京市召开会议。中共南京市委、市委组织部、市委社会工作部负责同志出席。",
    "2023年3月5日，江苏省人大常委会、全国人大常委会社会建设委员会、团省委、省工商联、市公安局有关负责人参加。",
    "2023年3月5日，全国妇联、团市委在杭州市联合举办活动。",
    "2023年3月5日，南京市民政局召开会议，鼓楼区民政局作交流发言。",
    "2023年3月5日，宁波市召开会议，市政府办公室主持。",
    "2023年3月5日，宁波市召开会议。市委副书记、政法委书记李明出席。",
    "2023年3月5日，浚县召开会议。县委常委、宣传部部长王强讲话。",
    "2023年3月5日，浚县召开会议。刘洋（县民政局党组书记、局长）介绍情况。",
    "2023年3月5日，台州市民政局召开会议。张伟局长讲话。",
    "2023年3月5日，宁波市召开会议，副市长赵敏出席。",
    "本报讯（记者 张敏 通讯员 刘洋）2023年3月5日，报道员 王磊 赵晨 孙悦，李娜供稿。",
    "2023年3月5日，社工王芳和同事们走访了10户家庭。",
    "2023年3月5日，推动公募基金会、非营利组织、行业协会商会发展，推行“无障碍”登记，在管委会三楼会堂召开会议。",
    "2023年3月5日，发布蓝皮书，由高级社工师组成的团队参加。",
]


def run() -> None:
    from bulletin_nlp.pipeline import process_text

    for issue, label, text in EX:
        d = process_text(text, "ex.txt", use_model=False)
        keys = ("metric", "value", "unit", "approx", "place", "year", "modality", "qualifier")
        facts = [
            {k: f.get(k) for k in keys} | {"text": d.raw[slice(*f["quantity_span"])]}
            for f in d.facts
        ]
        dates = [
            (m.text, m.norm) for m in d.mentions if m.type == "DATE" and m.start >= len(LEAD) - 5
        ]
        line = {"issue": issue, "label": label, "facts": facts, "dates": dates}
        print(json.dumps(line, ensure_ascii=False))
    for text in ROLE_EXAMPLES:
        d = process_text(text, "ex.txt", use_model=False)
        mentions = [
            f"{m.type}:{m.text}" + (f"→{m.norm}" if m.type == "ORG" and m.norm != m.text else "")
            for m in d.mentions
            if m.type in ("ORG", "PERSON")
        ]
        roles = [f"({r['person']},{r['role']},{r['org']})" for r in d.roles]
        print(
            json.dumps(
                {"issue": "16", "label": text[11:], "mentions": mentions, "roles": roles},
                ensure_ascii=False,
            )
        )


def _cell(row: dict[str, Any]) -> str:
    if "facts" not in row:
        return "; ".join(row["mentions"] + row["roles"])
    facts = [
        f"{f['text']}={f['value']}{f['unit'] or ''}/{f['approx'][0]} {f['metric']} {f['place']} {f['year']}"
        + (f" q={f['qualifier']}" if f.get("qualifier") else "")
        for f in row["facts"]
    ]
    return "; ".join(facts + [f"{t}={n}" for t, n in row["dates"]])


def table(before: str, after: str) -> None:
    with open(before, encoding="utf-8") as b, open(after, encoding="utf-8") as a:
        for x, y in zip(map(json.loads, b), map(json.loads, a), strict=True):
            print(f"| {x['label']} | {_cell(x)} | {_cell(y)} |")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--table":
        table(sys.argv[2], sys.argv[3])
    else:
        run()
