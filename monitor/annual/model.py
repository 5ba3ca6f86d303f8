"""The national annual-report template (2019 regulations, 2021 revised layout) as data.

An annual report on government-information disclosure (政府信息公开工作年度报告) has six
sections; three of them hold tables of figures. The labels here are the template's own,
so a reader can recognise them and a draft can print them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

__all__ = [
    "PROACTIVE",
    "PROACTIVE_ROWS",
    "REQUESTS",
    "REQUEST_COLUMNS",
    "REQUEST_RESULT_ROWS",
    "REQUEST_ROWS",
    "REVIEWS",
    "REVIEW_COLUMNS",
    "SECTIONS",
    "AnnualReport",
    "Cell",
    "Table",
]

# The six sections: (number, heading, the words that recognise it in a published report).
SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("一", "总体情况", "总体情况"),
    ("二", "主动公开政府信息情况", "主动公开政府信息情况"),
    ("三", "收到和处理政府信息公开申请情况", "收到和处理政府信息公开申请情况"),
    ("四", "政府信息公开行政复议、行政诉讼情况", "行政复议、行政诉讼情况"),
    ("五", "存在的主要问题及改进情况", "存在的主要问题"),
    ("六", "其他需要报告的事项", "其他需要报告的事项"),
)
PROACTIVE = "主动公开政府信息情况"
REQUESTS = "收到和处理政府信息公开申请情况"
REVIEWS = "政府信息公开行政复议、行政诉讼情况"

# Section 二: (row, group printed above it, its columns).
_DOCS = ("本年制发件数", "本年废止件数", "现行有效件数")
PROACTIVE_ROWS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("规章", "第二十条第（一）项", _DOCS),
    ("行政规范性文件", "第二十条第（一）项", _DOCS),
    ("行政许可", "第二十条第（五）项", ("本年处理决定数量",)),
    ("行政处罚", "第二十条第（六）项", ("本年处理决定数量",)),
    ("行政强制", "第二十条第（六）项", ("本年处理决定数量",)),
    ("行政事业性收费", "第二十条第（八）项", ("本年收费金额（单位：万元）",)),
)

# The 2019 layout names 行政规范性文件 规范性文件 and adds 政府集中采购; its columns differ
# (本年新制作数量, 本年新公开数量, 对外公开总数量; 上一年项目数量, 本年增/减, 处理决定数量).
PROACTIVE_ALIASES = {"规范性文件": "行政规范性文件"}
PROACTIVE_EXTRA = ("政府集中采购",)

# Section 三: columns by applicant type, the last one their total.
REQUEST_COLUMNS: tuple[str, ...] = (
    "自然人",
    "商业企业",
    "科研机构",
    "社会公益组织",
    "法律服务机构",
    "其他",
    "总计",
)
LEGAL_PERSON_COLUMNS = REQUEST_COLUMNS[1:6]  # 法人或其他组织

# Section 三's outcome rows (三、本年度办理结果): (group, row); the group's own label
# when the row is the group itself.
REQUEST_RESULT_ROWS: tuple[tuple[str, str], ...] = (
    ("（一）予以公开", "予以公开"),
    ("（二）部分公开", "部分公开"),
    ("（三）不予公开", "属于国家秘密"),
    ("（三）不予公开", "其他法律行政法规禁止公开"),
    ("（三）不予公开", "危及“三安全一稳定”"),
    ("（三）不予公开", "保护第三方合法权益"),
    ("（三）不予公开", "属于三类内部事务信息"),
    ("（三）不予公开", "属于四类过程性信息"),
    ("（三）不予公开", "属于行政执法案卷"),
    ("（三）不予公开", "属于行政查询事项"),
    ("（四）无法提供", "本机关不掌握相关政府信息"),
    ("（四）无法提供", "没有现成信息需要另行制作"),
    ("（四）无法提供", "补正后申请内容仍不明确"),
    ("（五）不予处理", "信访举报投诉类申请"),
    ("（五）不予处理", "重复申请"),
    ("（五）不予处理", "要求提供公开出版物"),
    ("（五）不予处理", "无正当理由大量反复申请"),
    ("（五）不予处理", "要求行政机关确认或重新出具已获取信息"),
    ("（六）其他处理", "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("（六）其他处理", "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("（六）其他处理", "其他"),
)
RECEIVED = "本年新收政府信息公开申请数量"
CARRIED_IN = "上年结转政府信息公开申请数量"
OTHER_GROUP = "其他处理"  # the 2019 layout's one row for what 2021 splits in three
HANDLED = "总计"
CARRIED_OUT = "结转下年度继续办理"
REQUEST_ROWS: tuple[str, ...] = (
    RECEIVED,
    CARRIED_IN,
    *(row for _, row in REQUEST_RESULT_ROWS),
    HANDLED,
    CARRIED_OUT,
)

# Section 四: 行政复议, then 行政诉讼 未经复议直接起诉 and 复议后起诉, each five columns.
REVIEW_GROUPS: tuple[str, ...] = ("行政复议", "未经复议直接起诉", "复议后起诉")
REVIEW_OUTCOMES: tuple[str, ...] = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
REVIEW_COLUMNS: tuple[str, ...] = tuple(f"{g}·{o}" for g in REVIEW_GROUPS for o in REVIEW_OUTCOMES)
REVIEW_ROW = "数量"


@dataclass(frozen=True)
class Cell:
    """One figure as printed: ``value`` is None when blank or not a number."""

    raw: str
    value: Decimal | None

    @property
    def blank(self) -> bool:
        return not self.raw.strip()


@dataclass
class Table:
    """One of the three tables, cells keyed by (row label, column label)."""

    section: str
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)

    def value(self, row: str, column: str) -> Decimal | None:
        cell = self.cells.get((row, column))
        return cell.value if cell else None

    def rows(self) -> list[str]:
        return list(dict.fromkeys(r for r, _ in self.cells))


@dataclass
class AnnualReport:
    """A report as read: stated year, sections found, the tables it holds."""

    title: str = ""
    year: int | None = None
    sections: set[str] = field(default_factory=set)
    tables: dict[str, Table] = field(default_factory=dict)
    source: str = ""  # html | docx | xlsx

    def figures(self) -> dict[str, dict[str, dict[str, str]]]:
        """The tables as JSON-ready data: section → row → column → printed text."""
        out: dict[str, dict[str, dict[str, str]]] = {}
        for section, table in self.tables.items():
            rows = out.setdefault(section, {})
            for (row, column), cell in table.cells.items():
                rows.setdefault(row, {})[column] = cell.raw
        return out
