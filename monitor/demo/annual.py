"""The sample towns' annual reports on 2025, published as .docx attachments in the
national template; one town's tables do not add up (:data:`plan.ANNUAL_INCONSISTENT`).

The figures are invented for the demo, small and fixed; the file is built with
python-docx through :mod:`monitor.annual.render`, as a real unit's would be.
"""

from __future__ import annotations

from functools import lru_cache

from monitor.annual.model import (
    PROACTIVE,
    REQUEST_COLUMNS,
    REQUEST_ROWS,
    REQUESTS,
    REVIEW_COLUMNS,
    REVIEWS,
)
from monitor.annual.render import document, to_docx
from monitor.demo import plan

__all__ = ["DOCX", "INCONSISTENT_CELLS", "report_docx"]

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

_REQUESTS = {
    "本年新收政府信息公开申请数量": ["6", "1", "0", "0", "0", "0", "7"],
    "上年结转政府信息公开申请数量": ["1", "0", "0", "0", "0", "0", "1"],
    "予以公开": ["4", "1", "0", "0", "0", "0", "5"],
    "本机关不掌握相关政府信息": ["2", "0", "0", "0", "0", "0", "2"],
    "总计": ["6", "1", "0", "0", "0", "0", "7"],
    "结转下年度继续办理": ["1", "0", "0", "0", "0", "0", "1"],
}
# The inconsistent town: 予以公开's 总计 miscounted (so the outcomes' 总计 too), and
# what it carries into 2026 does not balance.
_PLANTED = {
    ("予以公开", "总计"): "6",
    ("结转下年度继续办理", "自然人"): "2",
    ("结转下年度继续办理", "总计"): "2",
}
# (kind, row, column) the rule must report for the planted cells.
INCONSISTENT_CELLS = (
    ("row_total", "予以公开", "总计"),
    ("outcome_total", "总计", "总计"),
    ("balance", "结转下年度继续办理", "自然人"),
    ("balance", "结转下年度继续办理", "总计"),
)


def _figures(inconsistent: bool) -> dict[str, dict[str, dict[str, str]]]:
    zero = ["0"] * 7
    requests = {
        row: dict(zip(REQUEST_COLUMNS, _REQUESTS.get(row, zero), strict=True))
        for row in REQUEST_ROWS
    }
    if inconsistent:
        for (row, column), text in _PLANTED.items():
            requests[row][column] = text
    docs = {"本年制发件数": "3", "本年废止件数": "0", "现行有效件数": "8"}
    return {
        PROACTIVE: {
            "规章": {"本年制发件数": "0", "本年废止件数": "0", "现行有效件数": "0"},
            "行政规范性文件": docs,
            "行政许可": {"本年处理决定数量": "0"},
            "行政处罚": {"本年处理决定数量": "2"},
            "行政强制": {"本年处理决定数量": "0"},
            "行政事业性收费": {"本年收费金额（单位：万元）": "0"},
        },
        REQUESTS: requests,
        REVIEWS: {"数量": dict.fromkeys(REVIEW_COLUMNS, "0")},
    }


@lru_cache(maxsize=16)
def report_docx(code: str, name: str) -> bytes:
    title = f"{name}2025年政府信息公开工作年度报告"
    paragraphs = {
        "一": [f"2025年，{name}认真贯彻落实《中华人民共和国政府信息公开条例》。"],
        "五": ["存在的主要问题：公开内容的规范性有待提高。"],
        "六": ["本年度未收取信息处理费。"],
    }
    doc = document(title, _figures(code == plan.ANNUAL_INCONSISTENT), paragraphs)
    return to_docx(doc)
