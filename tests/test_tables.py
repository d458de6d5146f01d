"""Tables pasted as text (``tables.read_tables``): what is a row, and what is not."""

from __future__ import annotations

import pytest

from bulletin_nlp.pipeline import process_text


def _cells(text: str) -> list[tuple[str, str, str | None]]:
    doc = process_text(text, "t.txt", use_model=False)
    return [(doc.norm[c.start : c.end], c.label, c.unit) for c in doc.table_cells]


def test_a_pipe_row_gives_its_figures_with_label_and_unit() -> None:
    text = "指标名称 | 单位 | 数量 |\n养老机构 | 个 | 45 |\n"
    assert _cells(text) == [("45", "养老机构", "个")]


@pytest.mark.parametrize(
    "text",
    [
        # A paragraph holding a stray bar, and figures: no table.
        "全市共建成社工站120个，覆盖所有乡镇街道，持证社工达到3500人，服务群众2.1万人次，"
        "开展各类活动800余场，惠及困难群众1.2万人，群众满意率达98% | 45 |\n",
        # A whole page run into one line (PDF text without line breaks), a bar at its end.
        "全市共建成社工站120个，覆盖所有乡镇街道，持证社工达到3500人，服务群众2.1万人次，"
        "开展各类活动800余场，惠及困难群众1.2万人，群众满意率达98%|\n养老机构|\n45|\n",
    ],
)
def test_a_paragraph_with_a_bar_is_no_table_row(text: str) -> None:
    assert _cells(text) == []
