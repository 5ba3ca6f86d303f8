"""Draft a unit's annual report from what the monitor knows.

Filled: the requests table's 总计 column from the unit's requests feeds (received,
carried in, answered, carried out), its applicant-type columns and outcome rows only
where the feed gives ``applicant`` / ``result`` per request; 行政规范性文件 制发 from
items classed as 规范性文件. Everything else is marked :data:`UNKNOWN`, never guessed.
The narrative sections are headed blanks; under 二 and 五 a reference note lists the
items published by category and the monitor's findings, for whoever writes them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.annual.layout import Figures
from monitor.annual.model import (
    CARRIED_IN,
    CARRIED_OUT,
    HANDLED,
    PROACTIVE,
    PROACTIVE_ROWS,
    RECEIVED,
    REQUEST_COLUMNS,
    REQUEST_RESULT_ROWS,
    REQUEST_ROWS,
    REQUESTS,
    REVIEW_COLUMNS,
    REVIEW_ROW,
    REVIEWS,
)
from monitor.annual.render import Document, document
from monitor.store.models import Feed, Finding, Item, Unit

__all__ = ["UNKNOWN", "DraftInput", "Request", "build_draft", "draft_figures", "load_input"]

UNKNOWN = "（无数据）"
BLANK = "（待填写）"
NOTE = (
    "本草稿由政务公开监测系统根据监测数据生成。标注“（无数据）”的单元格为监测系统无从得知的数字，"
    "须由填报单位据实填写；叙述部分标注“（待填写）”。"
)
_CONSULTATION_WORDS = ("咨询", "留言", "信箱", "互动")


@dataclass(frozen=True)
class Request:
    received: date
    answered: date | None = None
    applicant: str | None = None  # one of REQUEST_COLUMNS[:-1], when the feed says
    result: str | None = None  # an outcome row label, when the feed says


@dataclass
class DraftInput:
    unit_name: str
    year: int
    requests: list[Request] | None = None  # None: the unit has no requests feed
    categories: Counter[str] = field(default_factory=Counter)  # items published in year
    normative: int | None = None  # 规范性文件 published in year, when items are classed so
    findings: list[str] = field(default_factory=list)


def _in_year(day: date | None, year: int) -> bool:
    return day is not None and day.year == year


def _request_counts(requests: list[Request], year: int) -> dict[str, list[Request]]:
    start, end = date(year, 1, 1), date(year, 12, 31)
    return {
        RECEIVED: [r for r in requests if _in_year(r.received, year)],
        CARRIED_IN: [
            r
            for r in requests
            if r.received < start and (r.answered is None or r.answered >= start)
        ],
        HANDLED: [r for r in requests if r.received <= end and _in_year(r.answered, year)],
        CARRIED_OUT: [
            r for r in requests if r.received <= end and (r.answered is None or r.answered > end)
        ],
    }


def _by_applicant(group: list[Request]) -> dict[str, str]:
    row = dict.fromkeys(REQUEST_COLUMNS, UNKNOWN)
    row["总计"] = str(len(group))
    if group and all(r.applicant in REQUEST_COLUMNS[:-1] for r in group):
        counts = Counter(r.applicant for r in group)
        row.update({col: str(counts.get(col, 0)) for col in REQUEST_COLUMNS[:-1]})
    return row


def _requests(requests: list[Request] | None, year: int) -> dict[str, dict[str, str]]:
    table = {row: dict.fromkeys(REQUEST_COLUMNS, UNKNOWN) for row in REQUEST_ROWS}
    if requests is None:
        return table
    groups = _request_counts(requests, year)
    for row, group in groups.items():
        table[row] = _by_applicant(group)
    handled = groups[HANDLED]
    outcomes = {label for _, label in REQUEST_RESULT_ROWS}
    if handled and all(r.result in outcomes for r in handled):
        for label in outcomes:
            table[label] = _by_applicant([r for r in handled if r.result == label])
    return table


def draft_figures(data: DraftInput) -> Figures:
    """The three tables: known figures counted, the rest :data:`UNKNOWN`. Pure."""
    proactive = {name: dict.fromkeys(cols, UNKNOWN) for name, _, cols in PROACTIVE_ROWS}
    if data.normative is not None:
        proactive["行政规范性文件"]["本年制发件数"] = str(data.normative)
    return {
        PROACTIVE: proactive,
        REQUESTS: _requests(data.requests, data.year),
        REVIEWS: {REVIEW_ROW: dict.fromkeys(REVIEW_COLUMNS, UNKNOWN)},
    }


def build_draft(data: DraftInput) -> Document:
    listed = "、".join(f"{name} {n} 条" for name, n in data.categories.most_common()) or "无"
    paragraphs = {
        "一": [BLANK],
        "二": [f"（监测参考，非正文）{data.year}年监测到的主动公开信息：{listed}。"],
        "三": []
        if data.requests is not None
        else ["（监测参考，非正文）未监测到依申请公开数据源。"],
        "四": [],
        "五": [BLANK, *(f"（监测参考，非正文）{line}" for line in data.findings)],
        "六": [BLANK],
    }
    title = f"{data.unit_name}{data.year}年政府信息公开工作年度报告（草稿）"
    doc = document(title, draft_figures(data), paragraphs)
    doc.notes.append(NOTE)
    return doc


def _is_request(item: Mapping[Any, Any], feed_category: str | None) -> bool:
    meta = item["meta"] or {}
    if "received" not in meta:
        return False
    kind = str(meta.get("type") or "").lower()
    if kind:
        return kind == "request"
    hay = (item["category"] or "") + (feed_category or "")
    return not any(word in hay for word in _CONSULTATION_WORDS)


def _day(value: Any) -> date | None:
    from monitor.parse.dates import parse_date

    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        parsed = parse_date(str(value))
        return parsed.day if parsed is not None else None


def _requests_of(
    rows: Iterable[Mapping[Any, Any]], categories: dict[int, str | None]
) -> list[Request]:
    out = []
    for row in rows:
        if not _is_request(row, categories.get(row["feed_id"])):
            continue
        meta = row["meta"] or {}
        received = _day(meta.get("received"))
        if received is None:
            continue
        out.append(
            Request(received, _day(meta.get("answered")), meta.get("applicant"), meta.get("result"))
        )
    return out


def load_input(session: Session, unit: Unit, year: int) -> DraftInput:
    feeds = dict(
        session.execute(select(Feed.id, Feed.category).where(Feed.unit_id == unit.id)).all()
    )
    rows = [
        r._mapping
        for r in session.execute(
            select(Item.feed_id, Item.category, Item.meta, Item.published_date).where(
                Item.unit_id == unit.id, Item.removed_at.is_(None)
            )
        )
    ]
    requests = _requests_of(rows, feeds)
    has_feed = any(
        "request" in str((r["meta"] or {}).get("type", "")) or "received" in (r["meta"] or {})
        for r in rows
    )
    published = [
        r
        for r in rows
        if _in_year(r["published_date"], year) and "received" not in (r["meta"] or {})
    ]
    categories = Counter(r["category"] or "（未分类）" for r in published)
    classed = [r for r in published if "规范性文件" in (r["category"] or "")]
    findings = [
        f"{f.rule_id}（{f.period}）：{f.message}"
        for f in session.scalars(
            select(Finding)
            .where(
                Finding.unit_id == unit.id, Finding.period.startswith(str(year)), Finding.assessable
            )
            .order_by(Finding.rule_id, Finding.period, Finding.subject)
        )
    ]
    return DraftInput(
        unit_name=unit.name,
        year=year,
        requests=requests if has_feed else None,
        categories=categories,
        normative=len(classed) if classed else None,
        findings=findings[:50],
    )
