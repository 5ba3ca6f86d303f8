"""Build rule contexts from the YAML cases under ``tests/rules/cases/``.

A case file::

    rule: timeliness.publication_lag
    defaults: {unit: {kind: township}, period: 2026-02, as_of: 2026-03-31}
    cases:
      - name: on time
        items: [{formed_date: 2026-02-02, published_date: 2026-02-27}]
        expect: []                     # subjects of assessable findings
        unassessable: []               # subjects of not-assessable findings

``annual_reports`` lists the unit's reports (see :func:`annual_report`).
Items default to feed 1, key ``k<n>``, first seen at noon of the publication date;
feeds default to one enabled feed (id 1) and fetches to one successful read of it an
hour before ``as_of``. ``calendar`` adds operator days (``{2027-01-04: 1}``).
Naive timestamps and bare dates in timestamp fields are Asia/Shanghai local time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from monitor.annual.reader import read_path
from monitor.calendar import WorkdayCalendar
from rules.api import (
    AnnualReportView,
    AttachmentView,
    FeedView,
    FetchView,
    ItemVersionView,
    ItemView,
    Period,
    RuleContext,
    UnitView,
)

CASES_DIR = Path(__file__).parent / "cases"
ANNUAL_FIXTURES = Path(__file__).parents[1] / "fixtures" / "annual"
LOCAL = ZoneInfo("Asia/Shanghai")


def stamp(value: Any, default_time: time = time(12, 0)) -> datetime:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=LOCAL)).astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, default_time, LOCAL).astimezone(UTC)
    parsed = datetime.fromisoformat(str(value))
    return stamp(parsed)


def day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def load_case_files() -> dict[str, dict[str, Any]]:
    out = {}
    for path in sorted(CASES_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        out[data["rule"]] = data
    return out


def annual_report(raw: dict[str, Any]) -> AnnualReportView:
    """``{year: 2025, fixture: town-c-2025.docx}`` reads a report of tests/fixtures/annual;
    ``read_error`` makes one that could not be read."""
    if "fixture" not in raw:
        return AnnualReportView(year=raw["year"], read_error=raw.get("read_error"))
    report = read_path(ANNUAL_FIXTURES / raw["fixture"])
    return AnnualReportView(
        year=raw["year"],
        title=report.title,
        url=f"https://gov.example/{raw['fixture']}",
        stated_year=report.year,
        sections=tuple(sorted(report.sections)),
        figures=report.figures(),
    )


def build_context(case: dict[str, Any], defaults: dict[str, Any], params: Any) -> RuleContext:
    merged = {**defaults, **case}
    as_of = stamp(merged.get("as_of", "2026-03-31"), time(23, 59, 59))
    unit = UnitView(
        **{
            "id": 1,
            "code": "441702001001",
            "name": "样例单位",
            "level": "town",
            "kind": "township",
            **merged.get("unit", {}),
        }
    )
    feeds = tuple(
        FeedView(
            id=f.get("id", 1),
            url=f.get("url", f"https://gov.example/list/{f.get('id', 1)}"),
            kind=f.get("kind", "html"),
            category=f.get("category"),
            enabled=f.get("enabled", True),
            options=f.get("options", {}),
        )
        for f in merged.get("feeds", [{"id": 1}])
    )
    feed_category = {f.id: f.category for f in feeds}
    items = []
    for n, raw in enumerate(merged.get("items", []), start=1):
        published, formed = day(raw.get("published_date")), day(raw.get("formed_date"))
        first_seen = (
            stamp(raw["first_seen"])
            if "first_seen" in raw
            else (stamp(published) if published else as_of - timedelta(days=1))
        )
        versions = tuple(
            ItemVersionView(
                content_hash=v.get("hash", f"h{n}-{i}"),
                seen_at=stamp(v["seen_at"]),
                title=v.get("title", raw.get("title", "")),
                text=v.get("text", ""),
                meta=v.get("meta", {}),
                evidence_id=v.get("evidence_id"),
            )
            for i, v in enumerate(raw.get("versions", []))
        )
        feed_id = raw.get("feed_id", 1)
        items.append(
            ItemView(
                id=raw.get("id", n),
                feed_id=feed_id,
                key=raw.get("key", f"k{n}"),
                title=raw.get("title", ""),
                category=raw.get("category"),
                url=raw.get("url"),
                formed_date=formed,
                published_date=published,
                first_seen=first_seen,
                last_seen=first_seen,
                removed_at=stamp(raw["removed_at"]) if raw.get("removed_at") else None,
                formed_text=raw.get("formed_text"),
                published_text=raw.get("published_text"),
                meta=raw.get("meta", {}),
                attachments=tuple(raw.get("attachments", [])),
                text=raw.get("text", versions[-1].text if versions else ""),
                versions=versions,
                feed_category=feed_category.get(feed_id),
                attachment_texts=tuple(
                    AttachmentView(
                        url=a["url"],
                        name=a.get("name", ""),
                        kind=a.get("kind", ""),
                        reason=a.get("reason"),
                        parts=tuple(a.get("parts", ())),
                    )
                    for a in raw.get("attachment_texts", [])
                ),
            )
        )
    default_fetch = [{"feed_id": 1, "started_at": as_of - timedelta(hours=1), "outcome": "ok"}]
    fetches = []
    for raw in merged.get("fetches", default_fetch):
        repeat = raw.get("repeat", 1)
        every = timedelta(hours=raw.get("every_hours", 6))
        for i in range(repeat):
            fetches.append(
                FetchView(
                    feed_id=raw.get("feed_id", 1),
                    url=raw.get("url", f"https://gov.example/list/{raw.get('feed_id', 1)}"),
                    started_at=stamp(raw["started_at"]) + i * every,
                    outcome=raw.get("outcome", "ok"),
                    status=raw.get("status"),
                    duration=raw.get("duration", 0.5),
                    error=raw.get("error"),
                )
            )
    annual_reports = tuple(annual_report(raw) for raw in merged.get("annual_reports", []))
    operator = {day(k): bool(v) for k, v in (merged.get("calendar") or {}).items()}
    return RuleContext(
        unit=unit,
        period=Period.parse(str(merged.get("period", "2026-02"))),
        as_of=as_of,
        calendar=WorkdayCalendar(operator),
        items=tuple(items),
        feeds=feeds,
        fetches=tuple(fetches),
        annual_reports=annual_reports,
        params=params,
    )
