"""Following a unit: an Atom feed of its new disclosures and public findings, and an
iCalendar feed of its upcoming disclosure deadlines, for any unit (a village, a town
with its villages, the county with everything under it).

``/units/CODE/feed.atom`` and ``/units/CODE/deadlines.ics``, linked from the unit
page. Privacy findings are not in the feed, and an item under an open privacy
finding appears without its address (:mod:`monitor.web.leaks`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from feedgen.feed import FeedGenerator
from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.deadlines import upcoming
from monitor.redact import mask_personal_data
from monitor.rulesets import bind, load_ruleset
from monitor.store.models import Finding, Item, Unit
from monitor.web import leaks
from monitor.web.deps import get_db
from monitor.web.search_view import archived_url
from rules.registry import load_rules

router = APIRouter(include_in_schema=False)
Db = Annotated[Session, Depends(get_db)]
LOCAL = ZoneInfo("Asia/Shanghai")
ENTRIES = 40
TAG = "tag:disclosure-monitor,2026:"


def _unit(session: Session, code: str) -> Unit:
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise HTTPException(404, "no such unit")
    return unit


def subtree(session: Session, unit: Unit) -> set[int]:
    """The unit and every unit under it (villages under towns under the county)."""
    ids, frontier = {unit.id}, {unit.id}
    while frontier:
        frontier = set(session.scalars(select(Unit.id).where(Unit.parent_id.in_(frontier))))
        frontier -= ids
        ids |= frontier
    return ids


def _item_entries(session: Session, ids: set[int], base: str, hidden: leaks.Withheld):
    query = (
        select(Item, Unit.code, Unit.name)
        .join(Unit, Unit.id == Item.unit_id)
        .where(Item.unit_id.in_(ids))
        .order_by(Item.first_seen.desc(), Item.id.desc())
        .limit(ENTRIES)
    )
    for item, code, name in session.execute(query):
        withheld = hidden.hides_item(item)
        if withheld:
            link = f"{base}/units/{code}"
        elif item.removed_at is not None:
            link = base + archived_url(item.id)
        else:
            link = item.url or f"{base}/units/{code}"
        removed = " [已删除 removed]" if item.removed_at is not None else ""
        summary = f"{name} · {item.category or ''} · 发布 {item.published_date or '?'}{removed}"
        yield (
            item.first_seen,
            {
                "id": f"{TAG}item/{item.id}",
                "title": mask_personal_data(item.title) + removed,
                "link": link,
                "summary": summary,
            },
        )


def _finding_entries(session: Session, ids: set[int], base: str, hidden: leaks.Withheld):
    query = (
        select(Finding, Unit.code, Unit.name)
        .join(Unit, Unit.id == Finding.unit_id)
        .where(Finding.unit_id.in_(ids), ~Finding.rule_id.startswith(leaks.PRIVACY_PREFIX))
        .order_by(Finding.first_seen.desc(), Finding.id.desc())
        .limit(ENTRIES)
    )
    for finding, code, name in session.execute(query):
        yield (
            finding.first_seen,
            {
                "id": f"{TAG}finding/{finding.id}",
                "title": f"问题 Finding · {name}: {finding.rule_id} ({finding.severity})",
                "link": f"{base}/units/{code}#finding-{finding.id}",
                "summary": f"{hidden.subject(finding)} — {hidden.public_message(finding)}",
            },
        )


def atom(unit: Unit, base: str, entries: list[tuple[datetime, dict[str, Any]]]) -> bytes:
    feed = FeedGenerator()
    feed.id(f"{TAG}unit/{unit.code}")
    feed.title(f"{unit.name} 公开动态 · disclosures and findings")
    feed.link(href=f"{base}/units/{unit.code}/feed.atom", rel="self")
    feed.link(href=f"{base}/units/{unit.code}", rel="alternate")
    feed.language("zh-CN")
    feed.updated(max((at for at, _ in entries), default=datetime(2000, 1, 1, tzinfo=UTC)))
    # feedgen writes entries in the reverse of the order they are added.
    for at, fields in sorted(entries, key=lambda e: e[0])[-ENTRIES:]:
        entry = feed.add_entry()
        entry.id(fields["id"])
        entry.title(fields["title"])
        entry.link(href=fields["link"])
        entry.summary(fields["summary"])
        entry.published(at)
        entry.updated(at)
    return feed.atom_str(pretty=True)


@router.get("/units/{code}/feed.atom")
def unit_feed(request: Request, session: Db, code: str) -> Response:
    """The unit's (and its subtree's) newest disclosures and public findings."""
    unit = _unit(session, code)
    ids = subtree(session, unit)
    base = str(request.base_url).rstrip("/")
    hidden = leaks.withheld(session, ids)
    entries = list(_item_entries(session, ids, base, hidden))
    entries += _finding_entries(session, ids, base, hidden)
    return Response(atom(unit, base, entries), media_type="application/atom+xml")


def ics(unit: Unit, deadlines: list[Any], now: datetime) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//disclosure-monitor//deadlines//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{unit.name} 公开截止日 deadlines")
    for d in deadlines:
        event = Event()
        event.add("uid", f"{unit.code}-{d.key}@disclosure-monitor")
        event.add("summary", f"{unit.name}: {d.what} 公开截止 due")
        event.add("dtstart", d.due)
        event.add("dtstamp", now)
        cal.add_component(event)
    return cal.to_ical()


@router.get("/units/{code}/deadlines.ics")
def unit_deadlines(request: Request, session: Db, code: str) -> Response:
    """Upcoming deadlines of the unit's periodic disclosures and annual report."""
    unit = _unit(session, code)
    bound, _errors = bind(load_ruleset(request.app.state.settings), load_rules())
    now = datetime.now(UTC)
    deadlines = upcoming(bound.get(unit.kind, []), now.astimezone(LOCAL).date())
    return Response(ics(unit, deadlines, now), media_type="text/calendar; charset=utf-8")
