"""Units and findings built directly as rows (area B writes the rules in parallel)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from monitor.store.models import Feed, Fetch, Finding, Unit

T0 = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)


def make_tree(session: Session) -> dict[str, Unit]:
    """A county with two towns; the first town has two villages."""
    county = Unit(code="441702000000", name="示例区", level="county", kind="county")
    session.add(county)
    session.flush()
    town = Unit(code="441702100000", name="东镇", level="town", kind="town", parent_id=county.id)
    town2 = Unit(
        code="441702101000", name="西街道", level="town", kind="street", parent_id=county.id
    )
    session.add_all([town, town2])
    session.flush()
    v1 = Unit(code="441702100001", name="东村", level="village", kind="village", parent_id=town.id)
    v2 = Unit(code="441702100002", name="南村", level="village", kind="village", parent_id=town.id)
    session.add_all([v1, v2])
    session.flush()
    units = {"county": county, "town": town, "town2": town2, "v1": v1, "v2": v2}
    for unit in (town, town2, v1, v2):
        monitor(session, unit)
    return units


def monitor(session: Session, unit: Unit, *, at: datetime = T0, outcome: str = "ok") -> Feed:
    """Give UNIT a feed read at AT: a unit no channel of which was read is not scored."""
    feed = Feed(unit_id=unit.id, url=f"https://example.invalid/{unit.code}/list", kind="html")
    session.add(feed)
    session.flush()
    session.add(
        Fetch(
            feed_id=feed.id,
            url=feed.url,
            started_at=at,
            outcome=outcome,
            status=200 if outcome == "ok" else 404,
        )
    )
    session.flush()
    return feed


def add_finding(
    session: Session,
    unit: Unit,
    rule_id: str,
    subject: str,
    *,
    period: str = "2026-11",
    severity: str = "medium",
    assessable: bool = True,
    status: str = "open",
    first_seen: datetime = T0,
    cleared_at: datetime | None = None,
    rule_version: str = "1",
    evidence: dict[str, Any] | None = None,
) -> Finding:
    f = Finding(
        rule_id=rule_id,
        rule_version=rule_version,
        unit_id=unit.id,
        period=period,
        subject=subject,
        severity=severity,
        assessable=assessable,
        status=status,
        message=f"{rule_id}: {subject}",
        evidence=evidence or {"url": f"https://example.invalid/{subject}"},
        first_seen=first_seen,
        last_seen=first_seen,
        cleared_at=cleared_at,
    )
    session.add(f)
    session.flush()
    return f
