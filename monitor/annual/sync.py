"""Find, read and audit the annual reports the units have published.

For each item whose title is an annual report's (:data:`monitor.annual.find.TITLE_RE`),
the detail page is fetched through the fetch layer, then its .docx/.xlsx attachments
until one holds the template's tables; the response read is archived as evidence, the
report checked against the unit's previous one, and one ``annual_report`` row per unit
and year kept (a report already read from the same item is not fetched again unless
``force``). The caller commits.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.annual.checker import check
from monitor.annual.find import candidate_urls, report_year
from monitor.annual.model import AnnualReport as Report
from monitor.annual.reader import from_figures, read_bytes
from monitor.crawl.archive import WarcArchive, store_evidence
from monitor.fetch import Fetcher, Response
from monitor.settings import Settings
from monitor.store.models import AnnualReport, Item, Unit

__all__ = ["SyncReport", "audit_row", "sync_annual_reports"]

TOWN_KINDS = ("township", "town", "street")
RETRY_UNREAD = timedelta(days=7)


@dataclass
class SyncReport:
    found: int = 0
    read: int = 0
    unreadable: int = 0
    inconsistencies: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class _Wanted:
    item_id: int
    unit_id: int
    year: int
    urls: list[str]


def _wanted(
    session: Session, force: bool, unit_ids: list[int] | None, now: datetime
) -> list[_Wanted]:
    """The newest report item per unit and year, unless already read from it (a report
    that could not be read is tried again after :data:`RETRY_UNREAD`)."""
    query = (
        select(Item.id, Item.unit_id, Item.title, Item.url, Item.published_date, Item.attachments)
        .join(Unit, Unit.id == Item.unit_id)
        .where(
            Unit.kind.in_(TOWN_KINDS), Item.removed_at.is_(None), Item.title.contains("年度报告")
        )
    )
    if unit_ids is not None:
        query = query.where(Item.unit_id.in_(unit_ids))
    known = {
        (r.unit_id, r.year): (r.item_id, r.read_error is None or now - r.read_at < RETRY_UNREAD)
        for r in session.execute(
            select(
                AnnualReport.unit_id,
                AnnualReport.year,
                AnnualReport.item_id,
                AnnualReport.read_error,
                AnnualReport.read_at,
            )
        )
    }
    newest: dict[tuple[int, int], _Wanted] = {}
    for row in session.execute(query.order_by(Item.published_date, Item.id)):
        year = report_year(row.title, row.published_date)
        if year is not None:
            urls = candidate_urls(row.url, row.attachments or [])
            newest[(row.unit_id, year)] = _Wanted(row.id, row.unit_id, year, urls)
    return [want for key, want in newest.items() if force or known.get(key) != (want.item_id, True)]


async def _read(
    settings: Settings, wanted: list[_Wanted]
) -> dict[int, tuple[Report | None, Response | None, str | None]]:
    out: dict[int, tuple[Report | None, Response | None, str | None]] = {}
    async with Fetcher(settings) as fetcher:
        for want in wanted:
            out[want.item_id] = await _read_one(fetcher, want.urls)
    return out


async def _read_one(
    fetcher: Fetcher, urls: list[str]
) -> tuple[Report | None, Response | None, str | None]:
    error = "no page or .docx/.xlsx attachment to read"
    for url in urls:
        response = await fetcher.fetch(url)
        if response.status != 200 or not response.body:
            error = f"{url}: {response.outcome} {response.status or ''}".strip()
            continue
        try:
            report = read_bytes(response.body, url.split("?", 1)[0], response.content_type)
        except Exception as exc:  # a broken file is the unit's problem, not a crash
            error = f"{url}: unreadable ({exc.__class__.__name__})"
            continue
        if report.tables:
            return report, response, None
        error = f"{url}: no table of the national template found"
    return None, None, error


def audit_row(row: AnnualReport, previous: AnnualReport | None) -> list[dict[str, str]]:
    """The row's audit, against the previous year's row when there is one."""
    if row.read_error:
        return []
    report = from_figures(row.figures, sections=row.sections, year=row.stated_year, title=row.title)
    before = None
    if previous is not None and not previous.read_error:
        before = from_figures(previous.figures, year=previous.stated_year)
    return [f.as_dict() for f in check(report, year=row.year, previous=before)]


def sync_annual_reports(
    session: Session,
    settings: Settings,
    *,
    now: datetime,
    unit_ids: list[int] | None = None,
    force: bool = False,
) -> SyncReport:
    result = SyncReport()
    wanted = _wanted(session, force, unit_ids, now)
    result.found = len(wanted)
    if not wanted:
        return result
    read = asyncio.run(_read(settings, wanted))
    archive = WarcArchive(settings.evidence_dir, now)
    try:
        responses = [r for _, r, _ in read.values() if r is not None]
        evidence = store_evidence(session, archive, responses, now)
    finally:
        archive.close()
    for want in wanted:
        report, response, error = read[want.item_id]
        row = _upsert(session, want, now)
        _fill(row, report, response, error, evidence)
        result.read += report is not None
        result.unreadable += report is None
    session.flush()
    result.inconsistencies = _audit_units(session, {w.unit_id for w in wanted})
    return result


def _upsert(session: Session, want: _Wanted, now: datetime) -> AnnualReport:
    row = session.scalar(
        select(AnnualReport).where(
            AnnualReport.unit_id == want.unit_id, AnnualReport.year == want.year
        )
    )
    if row is None:
        row = AnnualReport(unit_id=want.unit_id, year=want.year)
        session.add(row)
    row.item_id = want.item_id
    row.read_at = now
    return row


def _fill(
    row: AnnualReport,
    report: Report | None,
    response: Response | None,
    error: str | None,
    evidence: dict[int, int],
) -> None:
    row.read_error = error
    if report is None or response is None:
        row.figures, row.sections, row.stated_year, row.source_format = {}, [], None, ""
        return
    row.url = response.final_url
    row.title = report.title
    row.source_format = report.source
    row.stated_year = report.year
    row.sections = sorted(report.sections)
    row.figures = report.figures()
    row.evidence_id = evidence.get(id(response))


def _audit_units(session: Session, unit_ids: set[int]) -> int:
    """Re-audit every report of these units (a new one changes next year's carry-over)."""
    rows = list(session.scalars(select(AnnualReport).where(AnnualReport.unit_id.in_(unit_ids))))
    by_key = {(r.unit_id, r.year): r for r in rows}
    total = 0
    for row in rows:
        row.audit = audit_row(row, by_key.get((row.unit_id, row.year - 1)))
        total += len(row.audit)
    return total
