"""What the public report shows, computed from the store: score tables per level,
worst and most improved units, trends over periods. No HTTP here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.i18n import gettext
from monitor.i18n.words import rule_title, status_name
from monitor.scoring.query import latest_by_unit, scored_periods
from monitor.store.models import AnnualReport, Finding, Item, Score, Unit
from rules.api import Period

# The columns of the exports (kept stable for spreadsheets built on them).
PARTS = ("completeness", "timeliness")
# The order indicators are drawn in; others (a local scheme's) follow alphabetically.
INDICATOR_ORDER = ("completeness", "timeliness", "integrity", "responsiveness", "availability")


def indicator_order(found: set[str] | list[str]) -> list[str]:
    """Every indicator in FOUND (never "total"), the scheme's usual ones first."""
    known = [i for i in INDICATOR_ORDER if i in found]
    return known + sorted(i for i in found if i not in INDICATOR_ORDER and i != "total")


_PERIOD_SHAPES = (
    ("year", re.compile(r"^\d{4}$")),
    ("quarter", re.compile(r"^\d{4}-Q[1-4]$")),
    ("month", re.compile(r"^\d{4}-\d{2}$")),
)


def period_shape(period: str) -> str:
    for name, pattern in _PERIOD_SHAPES:
        if pattern.match(period):
            return name
    return "other"


@dataclass
class ScoreRow:
    unit_id: int
    code: str
    name: str
    level: str
    total: float | None
    max_total: float
    parts: dict[str, float | None] = field(default_factory=dict)
    part_max: dict[str, float] = field(default_factory=dict)
    assessable_fraction: float | None = None
    has_children: bool = False
    change: float | None = None
    # scored | not_monitored | not_assessable; None when no score was computed at all.
    status: str | None = None
    # The latest annual report read: "2025: consistent", "2025: 4 inconsistencies".
    annual_report: str | None = None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status or "", "")

    def as_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "total": self.total,
        }
        for part in PARTS:
            record[part] = self.parts.get(part)
        record["change"] = self.change
        record["status"] = self.status
        record["annual_report"] = self.annual_report
        return record


# status (scored / not_monitored / not_assessable) last, so earlier columns keep their place.
TABLE_COLUMNS = ("code", "name", "level", "total", *PARTS, "change", "status", "annual_report")

# How a unit that could not be scored is shown: never as a score, never as a pass.
STATUS_LABELS = {
    "not_monitored": "not monitored 未监测",
    "not_assessable": "not assessable 无法评估",
}


@dataclass
class Coverage:
    """How many units the report could judge at all."""

    units: int = 0
    monitored: int = 0  # scored: a channel read in the period
    not_monitored: int = 0  # no channel registered
    not_assessable: int = 0  # channels, none read in the period
    no_score: int = 0  # no score computed for the period


def coverage(rows: list[ScoreRow]) -> Coverage:
    out = Coverage(units=len(rows))
    for row in rows:
        if row.status == "scored":
            out.monitored += 1
        elif row.status == "not_monitored":
            out.not_monitored += 1
        elif row.status == "not_assessable":
            out.not_assessable += 1
        else:
            out.no_score += 1
    return out


def periods(session: Session) -> list[str]:
    """Periods that have scores, the latest first: a page without ``?period=`` opens
    on the latest month that has scores."""
    return scored_periods(session)


def previous_period(period: str, known: list[str]) -> str | None:
    shape = period_shape(period)
    earlier = sorted(p for p in known if period_shape(p) == shape and p < period)
    return earlier[-1] if earlier else None


def latest_scores(
    session: Session, period: str, unit_ids: list[int] | None = None
) -> dict[int, dict[str, Score]]:
    """unit id → indicator → the latest score row for PERIOD (the one reader of the
    latest scores, :func:`monitor.scoring.query.latest_by_unit`)."""
    return latest_by_unit(session, period, unit_ids)


def _rows(session: Session, units: list[Unit], period: str, previous: str | None) -> list[ScoreRow]:
    ids = [u.id for u in units]
    scores = latest_scores(session, period, ids)
    before = latest_scores(session, previous, ids) if previous else {}
    with_children = set(
        session.scalars(select(Unit.parent_id).where(Unit.parent_id.in_(ids)).distinct())
    )
    annual = annual_results(session, ids)
    rows = []
    for unit in units:
        mine = scores.get(unit.id, {})
        total = mine.get("total")
        row = ScoreRow(
            unit_id=unit.id,
            code=unit.code,
            name=unit.name,
            level=unit.level,
            total=total.value if total else None,
            max_total=total.max_value if total and total.max_value else 100.0,
            assessable_fraction=total.assessable_fraction if total else None,
            has_children=unit.id in with_children,
            status=total.status if total else None,
            annual_report=annual.get(unit.id),
        )
        for part in indicator_order({*PARTS, *mine}):
            score = mine.get(part)
            row.parts[part] = score.value if score else None
            row.part_max[part] = score.max_value if score and score.max_value else 100.0
        old = before.get(unit.id, {}).get("total")
        if old is not None and row.total is not None:
            row.change = round(row.total - old.value, 2)
        rows.append(row)
    return rows


def annual_results(session: Session, unit_ids: list[int]) -> dict[int, str]:
    """Each unit's latest annual report and its audit result, as the table shows it."""
    out: dict[int, str] = {}
    query = (
        select(AnnualReport.unit_id, AnnualReport.year, AnnualReport.audit, AnnualReport.read_error)
        .where(AnnualReport.unit_id.in_(unit_ids))
        .order_by(AnnualReport.year)
    )
    for unit_id, year, audit, error in session.execute(query):
        if error:
            out[unit_id] = f"{year}: not readable 无法读取"
        elif audit:
            out[unit_id] = f"{year}: {len(audit)} inconsistencies 不一致"
        else:
            out[unit_id] = f"{year}: consistent 一致"
    return out


def level_rows(session: Session, period: str, parent_id: int | None) -> list[ScoreRow]:
    """Towns (PARENT_ID None) or the children of one unit, sorted by code."""
    if parent_id is None:
        query = select(Unit).where(Unit.level == "town")
    else:
        query = select(Unit).where(Unit.parent_id == parent_id)
    units = list(session.scalars(query.order_by(Unit.code)))
    return _rows(session, units, period, previous_period(period, periods(session)))


def worst(rows: list[ScoreRow], n: int = 5) -> list[ScoreRow]:
    scored = [r for r in rows if r.total is not None]
    return sorted(scored, key=lambda r: (r.total, r.code))[:n]


def most_improved(rows: list[ScoreRow], n: int = 5) -> list[ScoreRow]:
    gained = [r for r in rows if r.change is not None and r.change > 0]
    return sorted(gained, key=lambda r: (-(r.change or 0), r.code))[:n]


def all_rows(session: Session, period: str) -> list[ScoreRow]:
    """Every town and village, for the worst / most improved lists."""
    units = list(session.scalars(select(Unit).where(Unit.level != "county").order_by(Unit.code)))
    return _rows(session, units, period, previous_period(period, periods(session)))


@dataclass
class TrendPoint:
    period: str
    value: float | None


def trend(session: Session, unit_id: int | None, period: str) -> list[TrendPoint]:
    """Totals over the periods shaped like PERIOD (months with months …).

    For the whole district (UNIT_ID None): the county's total where it was rolled
    up, else the mean of the towns' totals."""
    shape = period_shape(period)
    known = sorted(p for p in periods(session) if period_shape(p) == shape and p <= period)
    points = []
    if unit_id is None:
        county_ids = list(session.scalars(select(Unit.id).where(Unit.level == "county")))
        town_ids = list(session.scalars(select(Unit.id).where(Unit.level == "town")))
    for p in known[-12:]:
        if unit_id is not None:
            total = latest_scores(session, p, [unit_id]).get(unit_id, {}).get("total")
            points.append(TrendPoint(p, total.value if total else None))
            continue
        county = [
            s["total"].value
            for s in latest_scores(session, p, county_ids).values()
            if "total" in s and s["total"].value is not None
        ]
        if len(county) == 1:
            points.append(TrendPoint(p, county[0]))
            continue
        towns = [
            s["total"].value
            for s in latest_scores(session, p, town_ids).values()
            if "total" in s and s["total"].value is not None
        ]
        points.append(TrendPoint(p, round(sum(towns) / len(towns), 2) if towns else None))
    return points


def explanation(session: Session, unit_id: int, period: str) -> dict[str, Score]:
    return latest_scores(session, period, [unit_id]).get(unit_id, {})


def period_keys(period: str) -> set[str]:
    """PERIOD and the months and quarters inside it: a finding is kept on the period
    its rule judges (a month of finances, a quarter of village affairs)."""
    try:
        parsed = Period.parse(period)
    except ValueError:
        return {period}
    return parsed.keys_within()


def findings(session: Session, unit_id: int, period: str | None = None) -> list[Finding]:
    query = select(Finding).where(Finding.unit_id == unit_id)
    if period:
        query = query.where(Finding.period.in_(period_keys(period)))
    order = (Finding.status.desc(), Finding.severity, Finding.id)
    return list(session.scalars(query.order_by(*order)))


def history(session: Session, unit_id: int, limit: int = 100) -> list[Item]:
    """The unit's disclosures, newest first (removed ones included: they are history)."""
    query = (
        select(Item)
        .where(Item.unit_id == unit_id)
        .order_by(Item.published_date.desc().nulls_last(), Item.first_seen.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def ancestors(unit: Unit) -> list[Unit]:
    chain = []
    node = unit.parent
    while node is not None:
        chain.append(node)
        node = node.parent
    return list(reversed(chain))


@dataclass
class Deduction:
    text: str
    points: float | None = None  # what it cost, negative; None for notes
    finding_id: int | None = None
    children: list[tuple[str, Any]] = field(default_factory=list)


def describe(entry: Any, withheld: Any = None) -> Deduction:
    """One line of a score's explanation (area D's entries: a finding's deduction, a
    veto cap, or the roll-up of children) in words for the public page. ``withheld``
    (a :class:`monitor.web.leaks.Withheld`) hides the subjects that name an item still
    carrying personal data."""
    if not isinstance(entry, dict):
        return Deduction(str(entry))
    kind = entry.get("kind")
    if kind == "veto":
        rules = sorted({f.get("rule_id", "?") for f in entry.get("findings", [])})
        text = gettext("Veto: total capped at %(cap)s (%(rules)s)")
        return Deduction(
            text % {"cap": entry.get("cap"), "rules": ", ".join(map(rule_title, rules))}
        )
    if kind == "status":
        label = status_name(str(entry.get("status")))
        text = gettext("Not scored: %(label)s — %(reason)s")
        return Deduction(text % {"label": label, "reason": entry.get("reason", "")})
    if kind == "rollup":
        text = gettext(
            "Roll-up: own %(own)s × %(own_weight)s + mean of units below %(mean)s × %(weight)s"
        ) % {
            "own": entry.get("own_value"),
            "own_weight": entry.get("own_weight"),
            "mean": entry.get("children_mean"),
            "weight": entry.get("children_weight"),
        }
        children = [(c.get("unit", "?"), c.get("value")) for c in entry.get("children", [])]
        return Deduction(text, children=children)
    counted = entry.get("counted", entry.get("points"))
    parts = [rule_title(str(entry.get("rule_id", "?")))]
    subject = entry.get("subject")
    if subject and withheld is not None:
        subject = withheld.entry_subject(entry)
    if subject:
        parts.append(f"({subject})")
    if entry.get("period"):
        parts.append(f"· {entry['period']}")
    if entry.get("reason"):
        parts.append(f": {entry['reason']}")
    note = entry.get("note")
    if note:
        parts.append(f"[{note}]")
    full = entry.get("points")
    if isinstance(counted, int | float) and isinstance(full, int | float) and counted < full:
        parts.append(gettext("(of %(points)s)") % {"points": f"{full:g}"})
    points = -abs(float(counted)) if isinstance(counted, int | float) else None
    finding_id = entry.get("finding_id") if isinstance(entry.get("finding_id"), int) else None
    return Deduction(" ".join(parts), points, finding_id)
