"""What a fact row is, defined once: each column's name, type and description, and where
it appears.

Every place that shows a fact derives its columns from :data:`FACT_COLUMNS`, in its
order: the stored ``facts`` table (:data:`STORED`), the rows of ``bulletin-nlp facts
--format json|csv`` and ``bulletin-nlp export`` (:data:`EXPORTED`, the columns of
``facts_view``), Datasette's ``facts_browse`` table (:data:`BROWSED`) and the column
descriptions of the Datasette metadata for ``facts`` and ``facts_browse``.

A plain dataclass, not a pydantic model: the store is imported by a no-op re-ingest,
which must not import pydantic (tests/test_batch.py).
"""

from __future__ import annotations

from dataclasses import dataclass

#: SQLite's type of each Python type a column holds.
SQL_TYPES: dict[type, str] = {str: "text", int: "integer", float: "real"}


@dataclass(frozen=True)
class Column:
    """One column of a fact row: ``description`` is what Datasette shows (中文 / English);
    ``stored``, ``exported`` and ``browsed`` say which of the three fact rows has it."""

    name: str
    py_type: type
    description: str
    stored: bool = False  # a column of the ``facts`` table
    exported: bool = False  # of ``facts --format json|csv``, ``export`` and ``facts_view``
    browsed: bool = False  # of Datasette's ``facts_browse``

    @property
    def sql_type(self) -> str:
        """The column's SQLite type (``text``, ``integer``, ``real``)."""
        return SQL_TYPES[self.py_type]


def _col(name: str, py_type: type, description: str, where: str) -> Column:
    """A column from a compact ``where``: ``s`` stored, ``e`` exported, ``b`` browsed."""
    return Column(name, py_type, description, "s" in where, "e" in where, "b" in where)


#: Every column of a fact row, in the order each row shows them.
FACT_COLUMNS: tuple[Column, ...] = (
    _col("id", str, "事实编号（稳定哈希）/ Fact id (stable hash)", "seb"),
    _col("doc_id", str, "来源简报 / Source bulletin", "sb"),
    _col("doc", str, "来源简报文件名 / Source bulletin file name", "e"),
    _col("article_id", str, "所在文章 / Article the fact is in", "sb"),
    _col(
        "sentence_id",
        str,
        "证据句（点击查看原句）/ Evidence sentence (click for the source sentence)",
        "b",
    ),
    _col(
        "metric", str, "指标 / Metric (id from rules/metrics.yaml; `other` with a subject)", "seb"
    ),
    _col("subject", str, "计数对象（指标为 other 时）/ What is counted, for metric `other`", "seb"),
    _col(
        "value",
        float,
        "数值（已换算，如 73.7万 → 737000）/ Value, normalized (73.7万 → 737000)",
        "seb",
    ),
    _col("unit", str, "单位 / Unit", "seb"),
    _col(
        "approx", str, "精确度：exact 精确、about 约、over 超过、under 不足 / Approximation", "seb"
    ),
    _col("place", str, "地点（行政区划代码）/ Place (administrative code)", "seb"),
    _col("place_name", str, "地点名称 / Place name", "e"),
    _col("province", str, "所属省份 / Province the place is in", "b"),
    _col("org", str, "机构 / Organization", "seb"),
    _col("year", int, "年份 / Year the figure refers to", "seb"),
    _col("modality", str, "actual 实际完成 / target 目标 / Reported figure or target", "seb"),
    _col("qualifier", str, "细分（如证书等级）/ Breakdown such as a certificate level", "seb"),
    _col("quantity_text", str, "原文数字 / The figure as written in the source", "seb"),
    _col("evidence_text", str, "原文证据 / Evidence text from the source", "seb"),
    _col(
        "quantity_start", int, "数字在原文中的起始偏移 / Raw offset where the figure starts", "seb"
    ),
    _col("quantity_end", int, "数字在原文中的结束偏移 / Raw offset where the figure ends", "seb"),
    _col("evidence_start", int, "证据起始偏移 / Raw offset where the evidence starts", "seb"),
    _col("evidence_end", int, "证据结束偏移 / Raw offset where the evidence ends", "seb"),
    _col(
        "review_status",
        str,
        "审核状态：unreviewed 未审核、accepted 已确认、corrected 已更正、rejected 已驳回 / "
        "Review status",
        "eb",
    ),
    _col("review_note", str, "审核备注 / The editor's note", "eb"),
    # The extracted value of each field a correction changed (empty where none did).
    _col("original_value", float, "更正前的抽取数值 / Extracted value a correction replaced", "eb"),
    _col("original_metric", str, "更正前的指标 / Extracted metric a correction replaced", "eb"),
    _col("original_place", str, "更正前的地点 / Extracted place a correction replaced", "eb"),
    _col(
        "original_place_name",
        str,
        "更正前的地点名称 / Name of the extracted place a correction replaced",
        "e",
    ),
    _col("original_year", int, "更正前的年份 / Extracted year a correction replaced", "eb"),
    _col("rule_id", str, "产生该事实的规则 / Rule that produced the fact", "sb"),
    _col("ruleset_version", str, "规则集版本 / Version of the rules that produced it", "s"),
    _col("pipeline_version", str, "程序版本 / Version of the pipeline that produced it", "s"),
)

#: The columns of the stored ``facts`` table.
STORED: tuple[Column, ...] = tuple(c for c in FACT_COLUMNS if c.stored)
#: The columns of ``facts --format json|csv`` and ``export`` (facts as reviewed).
EXPORTED: tuple[Column, ...] = tuple(c for c in FACT_COLUMNS if c.exported)
#: The columns of Datasette's ``facts_browse`` table.
BROWSED: tuple[Column, ...] = tuple(c for c in FACT_COLUMNS if c.browsed)
#: Which columns each table that holds fact rows has, by table name.
FACT_TABLES: dict[str, tuple[Column, ...]] = {"facts": STORED, "facts_browse": BROWSED}


def names(columns: tuple[Column, ...]) -> list[str]:
    """The names of ``columns``, in order."""
    return [c.name for c in columns]
