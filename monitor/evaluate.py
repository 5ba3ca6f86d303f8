"""The evaluate stage: run the ruleset's rules for each unit and period, keep findings.

Reads the store in a few set-based queries per chunk of units (units, feeds, items,
item versions, recent fetches, existing findings, annual reports), builds each unit's read-only
:class:`rules.api.RuleContext`, runs the rules that apply to the unit's kind on the
period kinds the ruleset names, and upserts findings on (rule, unit, period,
subject). A finding an evaluated (rule, unit, period) no longer reports is cleared.
A rule that raises is recorded in ``errors`` and its earlier findings are left as
they were; a rule that hits an unknown calendar year yields a not-assessable
finding instead of a guess. The caller commits.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, select, type_coerce
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased
from sqlalchemy.types import NullType

from monitor.calendar import load_calendar
from monitor.collections_policy import collections_paused
from monitor.crawl.models import AttachmentText
from monitor.metrics import FINDINGS
from monitor.rulesets import BoundRule, Ruleset, bind, load_ruleset
from monitor.runtime import Runtime
from monitor.settings import Settings
from monitor.store.base import as_utc
from monitor.store.models import AnnualReport, Feed, Fetch, Finding, Item, ItemVersion, Unit
from rules.api import (
    AnnualReportView,
    AttachmentView,
    Calendar,
    CalendarUnknown,
    FeedView,
    FetchView,
    FindingDraft,
    ItemVersionView,
    ItemView,
    Period,
    RuleContext,
    UnitView,
)
from rules.registry import LoadedRules, load_rules

__all__ = ["EvaluateReport", "default_periods", "evaluate"]

_V = TypeVar("_V")

CHUNK = 400  # units per round of queries: stays under SQLite's bound-parameter limit
FETCH_LOOKBACK = timedelta(days=31)  # fetch history read before the earliest period


@dataclass
class EvaluateReport:
    units: int = 0
    periods: list[str] = field(default_factory=list)
    evaluations: int = 0  # (rule, unit, period) triples run
    findings: int = 0  # findings reported by this pass
    not_assessable: int = 0
    opened: list[int] = field(default_factory=list)  # new or re-opened finding ids
    cleared: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "units": self.units,
            "periods": self.periods,
            "evaluations": self.evaluations,
            "findings": self.findings,
            "not_assessable": self.not_assessable,
            "opened": self.opened,
            "cleared": self.cleared,
            "errors": self.errors,
        }


def default_periods(as_of: datetime, tz: str = "Asia/Shanghai") -> list[Period]:
    """The month, quarter and year containing ``as_of`` and the previous month and
    quarter (the ones that just closed, where most completeness findings land)."""
    today = as_of.astimezone(ZoneInfo(tz)).date()
    month = Period.containing(today, "month")
    quarter = Period.containing(today, "quarter")
    prev_month = Period.containing(month.start - timedelta(days=1), "month")
    prev_quarter = Period.containing(quarter.start - timedelta(days=1), "quarter")
    return sorted({prev_month, month, prev_quarter, quarter, Period.containing(today, "year")})


def _chunks(values: Sequence[int], size: int = CHUNK) -> Iterator[list[int]]:
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def _jsonable(value: Any) -> Any:
    # Evidence goes into a JSON column: dates and other values become strings.
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def evaluate(
    session: Session,
    settings: Settings,
    *,
    as_of: datetime,
    unit_ids: Collection[int] | None = None,
    periods: Sequence[Period] | None = None,
    rules: LoadedRules | None = None,
    ruleset: Ruleset | None = None,
    calendar: Calendar | None = None,
    runtime: Runtime | None = None,
) -> EvaluateReport:
    """Evaluate units (all, or ``unit_ids``) on ``periods`` (default
    :func:`default_periods`) as of ``as_of``. ``rules``, ``ruleset`` and ``calendar``
    default to the ``runtime``'s (built once by the entry point), else to the
    registered rules, the configured ruleset and calendar."""
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    if runtime is not None:
        rules, ruleset = rules or runtime.rules, ruleset or runtime.ruleset
        calendar = calendar or runtime.calendar
    report = EvaluateReport()
    loaded = rules or load_rules()
    report.errors.extend(loaded.errors)
    bound, errors = bind(ruleset or load_ruleset(settings), loaded)
    report.errors.extend(errors)
    cal = calendar or load_calendar(settings)
    chosen = sorted(set(periods or default_periods(as_of, settings.timezone)))
    report.periods = [p.key for p in chosen]
    zone = ZoneInfo(settings.timezone)
    since = datetime.combine(chosen[0].start, time.min, zone).astimezone(UTC) - FETCH_LOOKBACK

    parent = aliased(Unit)
    query = select(Unit.id, Unit.code, Unit.name, Unit.level, Unit.kind, parent.code).outerjoin(
        parent, Unit.parent_id == parent.id
    )
    if unit_ids is not None:
        ids = sorted(set(unit_ids))
        rows = [
            r for chunk in _chunks(ids) for r in session.execute(query.where(Unit.id.in_(chunk)))
        ]
    else:
        rows = list(session.execute(query.order_by(Unit.id)))
    units = [UnitView(*row) for row in rows if bound.get(row[4])]
    report.units = len(units)

    for start in range(0, len(units), CHUNK):
        chunk = units[start : start + CHUNK]
        with collections_paused():
            data = _load_chunk(session, [u.id for u in chunk], chosen, since)
        opened: list[Finding] = []
        for unit in chunk:
            changes = _evaluate_unit(
                unit, bound[unit.kind], chosen, as_of, cal, data, report, loaded
            )
            session.add_all(f for f in changes.opened if f.id is None)
            opened.extend(changes.opened)
            report.cleared.extend(f.id for f in changes.cleared)
        session.flush()
        for finding in opened:
            report.opened.append(finding.id)
            FINDINGS.labels(rule=finding.rule_id, severity=finding.severity).inc()
    return report


def _view(cls: type[_V], **fields: Any) -> _V:
    """``cls(**fields)`` for a frozen view dataclass given every field, without its
    ``__init__``: a frozen dataclass sets each field through ``object.__setattr__``,
    a quarter of the load time at a million items and versions. The result is the
    same object (tests/evaluate/test_views.py)."""
    view = object.__new__(cls)
    view.__dict__.update(fields)
    return view


def _raw(column: InstrumentedAttribute[Any]) -> ColumnElement[Any]:
    """A column as the driver returns it: no per-value result processor."""
    return type_coerce(column, NullType()).label(column.key)


class _Stamps:
    """Driver timestamps (SQLite's text, PostgreSQL's aware datetimes) to aware UTC
    datetimes, as ``UTCDateTime`` reads them, but each distinct value once: its
    processor took a fifth of a full evaluation's load time at a million items, and
    items of a crawl share their ``last_seen``."""

    def __init__(self) -> None:
        self.seen: dict[Any, datetime] = {}

    def __call__(self, raw: Any) -> datetime | None:
        if raw is None:
            return None
        hit = self.seen.get(raw)
        if hit is None:
            hit = as_utc(datetime.fromisoformat(raw) if isinstance(raw, str) else raw)
            self.seen[raw] = hit
        return hit


@dataclass
class _ChunkData:
    feeds: dict[int, list[FeedView]]
    items: dict[int, list[ItemView]]
    fetches: dict[int, list[FetchView]]
    findings: dict[int, list[Finding]]
    annual_reports: dict[int, list[AnnualReportView]] = field(default_factory=dict)


def _attachment_texts(conn: Any, unit_ids: list[int]) -> dict[int, list[AttachmentView]]:
    """What the units' items' attachments say (or why they were not read), by item."""
    out: dict[int, list[AttachmentView]] = defaultdict(list)
    for row in conn.execute(
        select(
            AttachmentText.item_id,
            AttachmentText.url,
            AttachmentText.name,
            AttachmentText.kind,
            AttachmentText.reason,
            AttachmentText.parts,
            AttachmentText.evidence_id,
        )
        .join(Item, Item.id == AttachmentText.item_id)
        .where(Item.unit_id.in_(unit_ids))
        .order_by(AttachmentText.item_id, AttachmentText.id)
    ):
        out[row.item_id].append(
            AttachmentView(
                row.url,
                row.name or "",
                row.kind or "",
                row.reason,
                tuple(row.parts or ()),
                row.evidence_id,
            )
        )
    return out


def _load_chunk(
    session: Session, unit_ids: list[int], periods: list[Period], since: datetime
) -> _ChunkData:
    # Plain Core rows through the connection: the ORM's row machinery is not needed
    # for column tuples and costs a third of the load time at a million items.
    conn = session.connection()
    feeds, feed_unit, feed_category = _load_feeds(conn, unit_ids)
    item_rows = _item_rows(conn, unit_ids)
    versions = _load_versions(conn, [row[0] for row in item_rows])
    items = _load_items(conn, unit_ids, item_rows, versions, feed_category)
    fetches = _load_fetches(conn, unit_ids, feed_unit, since) if feed_unit else defaultdict(list)
    findings: dict[int, list[Finding]] = defaultdict(list)
    for finding in session.scalars(
        select(Finding).where(
            Finding.unit_id.in_(unit_ids), Finding.period.in_([p.key for p in periods])
        )
    ):
        findings[finding.unit_id].append(finding)
    return _ChunkData(feeds, items, fetches, findings, _load_annual_reports(conn, unit_ids))


def _load_feeds(
    conn: Connection, unit_ids: list[int]
) -> tuple[dict[int, list[FeedView]], dict[int, int], dict[int, str | None]]:
    feeds: dict[int, list[FeedView]] = defaultdict(list)
    feed_unit: dict[int, int] = {}
    feed_category: dict[int, str | None] = {}
    for row in conn.execute(
        select(
            Feed.id, Feed.unit_id, Feed.url, Feed.kind, Feed.category, Feed.enabled, Feed.options
        ).where(Feed.unit_id.in_(unit_ids))
    ):
        feeds[row.unit_id].append(
            FeedView(row.id, row.url, row.kind, row.category, row.enabled, row.options or {})
        )
        feed_unit[row.id] = row.unit_id
        feed_category[row.id] = row.category
    return feeds, feed_unit, feed_category


VERSION_BATCH = 5000  # item ids per versions query: under SQLite's 32,766 parameters


def _version_rows(conn: Connection, item_ids: list[int]) -> Iterator[Any]:
    """The items' versions, each item's in order. By item id rather than joined to the
    chunk's units: PostgreSQL hashed the whole version table for every chunk (320 ms
    for 20,000 versions of a million) where the item id index takes 90 ms."""
    for batch in _chunks(item_ids, VERSION_BATCH):
        yield from conn.execute(
            select(
                ItemVersion.item_id,
                ItemVersion.content_hash,
                _raw(ItemVersion.seen_at),
                ItemVersion.title,
                ItemVersion.text,
                ItemVersion.meta,
                ItemVersion.evidence_id,
            )
            .where(ItemVersion.item_id.in_(batch))
            .order_by(ItemVersion.item_id, ItemVersion.seen_at, ItemVersion.id)
        ).all()


def _load_versions(conn: Connection, item_ids: list[int]) -> dict[int, list[ItemVersionView]]:
    versions: dict[int, list[ItemVersionView]] = defaultdict(list)
    stamp = _Stamps()
    for row in _version_rows(conn, item_ids):
        # Rows unpacked by position: a Row's attribute access costs about a
        # microsecond a column, times a million rows.
        item_id, content_hash, seen_at, title, text, meta, evidence_id = row
        versions[item_id].append(
            _view(
                ItemVersionView,
                content_hash=content_hash,
                seen_at=stamp(seen_at),
                title=title or "",
                text=text or "",
                meta=meta or {},
                evidence_id=evidence_id,
            )
        )
    return versions


def _item_rows(conn: Connection, unit_ids: list[int]) -> Sequence[Any]:
    return conn.execute(
        select(
            Item.id,
            Item.unit_id,
            Item.feed_id,
            Item.key,
            Item.title,
            Item.category,
            Item.url,
            Item.formed_date,
            Item.published_date,
            _raw(Item.first_seen),
            _raw(Item.last_seen),
            _raw(Item.removed_at),
            Item.formed_text,
            Item.published_text,
            Item.meta,
            Item.attachments,
        ).where(Item.unit_id.in_(unit_ids))
    ).all()


def _load_items(
    conn: Connection,
    unit_ids: list[int],
    rows: Sequence[Any],
    versions: dict[int, list[ItemVersionView]],
    feed_category: dict[int, str | None],
) -> dict[int, list[ItemView]]:
    attached = _attachment_texts(conn, unit_ids)
    items: dict[int, list[ItemView]] = defaultdict(list)
    stamp = _Stamps()
    for row in rows:
        (id_, unit_id, feed_id, key, title, category, url, formed, published, first_seen,
         last_seen, removed_at, formed_text, published_text, meta, attachments) = row  # fmt: skip
        own = tuple(versions.get(id_, ()))
        items[unit_id].append(
            _view(
                ItemView,
                id=id_,
                feed_id=feed_id,
                key=key,
                title=title or "",
                category=category,
                url=url,
                formed_date=formed,
                published_date=published,
                first_seen=stamp(first_seen),
                last_seen=stamp(last_seen),
                removed_at=stamp(removed_at),
                formed_text=formed_text,
                published_text=published_text,
                meta=meta or {},
                attachments=tuple(attachments or ()),
                text=own[-1].text if own else "",
                versions=own,
                feed_category=feed_category.get(feed_id),
                attachment_texts=tuple(attached.get(id_, ())),
            )
        )
    return items


def _load_fetches(
    conn: Connection, unit_ids: list[int], feed_unit: dict[int, int], since: datetime
) -> dict[int, list[FetchView]]:
    fetches: dict[int, list[FetchView]] = defaultdict(list)
    for row in conn.execute(
        select(
            Fetch.feed_id,
            Fetch.url,
            Fetch.started_at,
            Fetch.outcome,
            Fetch.status,
            Fetch.duration,
            Fetch.error,
        )
        .join(Feed, Feed.id == Fetch.feed_id)
        .where(Feed.unit_id.in_(unit_ids), Fetch.started_at >= since)
        .order_by(Fetch.started_at)
    ):
        fetches[feed_unit[row.feed_id]].append(
            FetchView(
                row.feed_id,
                row.url,
                row.started_at,
                row.outcome,
                row.status,
                row.duration or 0.0,
                row.error,
            )
        )
    return fetches


def _load_annual_reports(conn: Any, unit_ids: list[int]) -> dict[int, list[AnnualReportView]]:
    reports: dict[int, list[AnnualReportView]] = defaultdict(list)
    for row in conn.execute(select(AnnualReport).where(AnnualReport.unit_id.in_(unit_ids))):
        reports[row.unit_id].append(
            AnnualReportView(
                year=row.year,
                title=row.title or "",
                url=row.url,
                stated_year=row.stated_year,
                sections=tuple(row.sections or ()),
                figures=row.figures or {},
                read_error=row.read_error,
                evidence_id=row.evidence_id,
            )
        )
    return reports


@dataclass
class _Changes:
    opened: list[Finding] = field(default_factory=list)
    cleared: list[Finding] = field(default_factory=list)


def _run(bound: BoundRule, ctx: RuleContext) -> list[FindingDraft]:
    try:
        return list(bound.rule().evaluate(ctx))
    except CalendarUnknown as exc:
        return [
            FindingDraft(
                subject="calendar",
                message=f"cannot assess: {exc}",
                assessable=False,
                evidence={"day": exc.day.isoformat()},
            )
        ]


@dataclass
class UnitPlan:
    """What the rules said about one unit, before anything is written: the verdict per
    (rule, period, subject), the (rule, period) pairs settled this pass (their findings
    not reported again clear), and the rules that raised."""

    verdicts: dict[tuple[str, str, str], tuple[BoundRule, FindingDraft]] = field(
        default_factory=dict
    )
    settled: set[tuple[str, str]] = field(default_factory=set)
    evaluations: int = 0
    errors: list[str] = field(default_factory=list)


def plan_unit(
    unit: UnitView,
    rules: list[BoundRule],
    periods: list[Period],
    as_of: datetime,
    calendar: Calendar,
    data: _ChunkData,
    evaluated_before: set[tuple[str, str]],
    known_rules: Collection[str],
) -> UnitPlan:
    """Run the unit's rules on each period; no database. Rules that raised are not
    settled (their earlier findings stay); rules no longer in the ruleset are."""
    items = tuple(data.items.get(unit.id, ()))
    feeds = tuple(data.feeds.get(unit.id, ()))
    fetches = tuple(data.fetches.get(unit.id, ()))
    plan = UnitPlan()
    active = {b.rule.id for b in rules}
    plan.settled = {(r, p.key) for p in periods for r in known_rules if r not in active}
    for bound in rules:
        rule = bound.rule
        for period in periods:
            if period.kind not in bound.periods:
                if (rule.id, period.key) in evaluated_before:
                    plan.settled.add((rule.id, period.key))
                continue
            ctx = RuleContext(
                unit=unit,
                period=period,
                as_of=as_of,
                calendar=calendar,
                items=items,
                feeds=feeds,
                fetches=fetches,
                annual_reports=tuple(data.annual_reports.get(unit.id, ())),
                params=bound.params,
            )
            plan.evaluations += 1
            try:
                drafts = _run(bound, ctx)
            except Exception as exc:  # one broken rule must not stop the others
                plan.errors.append(f"{rule.id} on {unit.code} {period.key}: {exc!r}")
                continue
            plan.settled.add((rule.id, period.key))
            for draft in drafts:
                plan.verdicts.setdefault((rule.id, period.key, draft.subject[:500]), (bound, draft))
    return plan


def apply_unit(
    unit: UnitView,
    plan: UnitPlan,
    existing: dict[tuple[str, str, str], Finding],
    as_of: datetime,
    report: EvaluateReport,
) -> _Changes:
    """Upsert the plan's findings into ``existing`` (new ones are not added to a
    session here) and clear the settled ones it no longer reports."""
    changes = _Changes()
    report.evaluations += plan.evaluations
    report.errors.extend(plan.errors)
    for key, (bound, draft) in plan.verdicts.items():
        rule = bound.rule
        report.findings += 1
        if not draft.assessable:
            report.not_assessable += 1
        finding = existing.get(key)
        if finding is None:
            finding = Finding(
                rule_id=rule.id, rule_version=rule.version, unit_id=unit.id, period=key[1],
                subject=key[2], first_seen=as_of, status="open",
            )  # fmt: skip
            existing[key] = finding
            changes.opened.append(finding)
        elif finding.status != "open":
            finding.status = "open"
            finding.cleared_at = None
            changes.opened.append(finding)
        finding.rule_version = rule.version
        finding.severity = str(draft.severity or rule.severity)
        finding.assessable = draft.assessable
        finding.message = draft.text
        finding.message_code = draft.code
        finding.message_params = _jsonable(draft.params)
        finding.evidence = _jsonable(dict(draft.evidence))
        finding.last_seen = as_of
    for key, finding in existing.items():
        if finding.status == "open" and key not in plan.verdicts and key[:2] in plan.settled:
            finding.status = "cleared"
            finding.cleared_at = as_of
            changes.cleared.append(finding)
    return changes


def _evaluate_unit(
    unit: UnitView,
    rules: list[BoundRule],
    periods: list[Period],
    as_of: datetime,
    calendar: Calendar,
    data: _ChunkData,
    report: EvaluateReport,
    loaded: LoadedRules,
) -> _Changes:
    existing = {(f.rule_id, f.period, f.subject): f for f in data.findings.get(unit.id, ())}
    before = {(k[0], k[1]) for k in existing}
    plan = plan_unit(unit, rules, periods, as_of, calendar, data, before, loaded.rules)
    return apply_unit(unit, plan, existing, as_of, report)
