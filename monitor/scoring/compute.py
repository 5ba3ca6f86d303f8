"""``compute_scores``: read the findings of a period as of a moment, score every
unit, roll up to towns and the county, and upsert the ``Score`` rows.

Rows are keyed on (unit, period, scheme version, indicator, computed_for) where
``computed_for`` is the as-of date in local time. Recomputing the same as-of
updates those rows in place with the same values, so a recomputation of a past
period leaves identical rows (ids included). When the content changes, a
``score.updated`` message is queued in the outbox in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, or_, select
from sqlalchemy.orm import Session

from monitor.alerts.models import Appeal
from monitor.scoring.calculate import (
    NOT_ASSESSABLE,
    NOT_MONITORED,
    SCORED,
    FindingRecord,
    IndicatorResult,
    UnitResult,
    combine,
    score_unit,
    unscored,
)
from monitor.scoring.scheme import Scheme, config_hash, scheme_for
from monitor.settings import Settings
from monitor.store.bulk import insert_rows
from monitor.store.models import Feed, Fetch, Finding, Outbox, Score, Unit
from rules.api import Period

__all__ = ["SCORE_TOPIC", "ScoreReport", "compute_scores", "coverage"]

# Fetch outcomes that count as having read a channel.
READ_OK = ("ok", "not_modified")

SCORE_TOPIC = "score.updated"


@dataclass
class ScoreReport:
    period: str
    as_of: datetime
    computed_for: date
    scheme_version: str
    config_hash: str
    units: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    outbox_id: int | None = None
    totals: dict[str, float | None] = field(default_factory=dict)  # unit code -> total


def load_findings(
    session: Session, period: Period, as_of: datetime
) -> dict[int, list[FindingRecord]]:
    """Findings of the period's months/quarters that were open at ``as_of``, by unit."""
    rows = session.scalars(
        select(Finding).where(
            Finding.period.in_(sorted(period.keys_within())),
            Finding.first_seen <= as_of,
            or_(Finding.cleared_at.is_(None), Finding.cleared_at > as_of),
        )
    ).all()
    overturned = dict(
        session.execute(
            select(Appeal.finding_id, Appeal.id).where(Appeal.state == "overturned")
        ).all()
    )
    out: dict[int, list[FindingRecord]] = defaultdict(list)
    for f in rows:
        # A finding cleared with no recorded time is gone whatever the as-of.
        if f.status == "cleared" and f.cleared_at is None:
            continue
        out[f.unit_id].append(
            FindingRecord(
                id=f.id,
                rule_id=f.rule_id,
                rule_version=f.rule_version,
                period=f.period,
                subject=f.subject,
                severity=f.severity,
                assessable=f.assessable,
                overturned_by=overturned.get(f.id),
            )
        )
    return out


def coverage(
    session: Session, period: Period, as_of: datetime, tz: str = "Asia/Shanghai"
) -> dict[int, str]:
    """Each unit's monitoring status for ``period`` as of ``as_of``: ``scored`` when
    one of its enabled feeds was read successfully in the period, ``not_assessable``
    when it has feeds but none was, ``not_monitored`` when it has no enabled feed."""
    zone = ZoneInfo(tz)
    start = datetime.combine(period.start, time.min, zone).astimezone(UTC)
    end = min(
        datetime.combine(period.end + timedelta(days=1), time.min, zone).astimezone(UTC), as_of
    )
    with_feeds = set(session.scalars(select(Feed.unit_id).where(Feed.enabled).distinct()))
    read = set(
        session.scalars(
            select(Feed.unit_id)
            .join(Fetch, Fetch.feed_id == Feed.id)
            .where(
                Feed.enabled,
                Fetch.outcome.in_(READ_OK),
                Fetch.started_at >= start,
                Fetch.started_at <= end,
            )
            .distinct()
        )
    )
    out: dict[int, str] = {}
    for unit_id in session.scalars(select(Unit.id)):
        if unit_id not in with_feeds:
            out[unit_id] = NOT_MONITORED
        elif unit_id not in read:
            out[unit_id] = NOT_ASSESSABLE
        else:
            out[unit_id] = SCORED
    return out


_REASONS = {
    NOT_MONITORED: "no disclosure channel (feed) is registered for this unit",
    NOT_ASSESSABLE: "none of this unit's channels was read successfully in the period",
}


def score_tree(
    scheme: Scheme,
    units: list[Unit],
    findings: dict[int, list[FindingRecord]],
    months: int,
    status: dict[int, str] | None = None,
) -> dict[int, UnitResult]:
    """Every unit's result: own findings, then children rolled in bottom-up.

    A unit whose own channels could not be read (``status``, default: all scored) is
    not scored when its own part counts (a leaf, or a roll-up weight on its own
    findings): its result has no values and its status. A unit scored on its children
    only (the county) is unscored when none of them was scored. Unscored children are
    left out of their parent's mean."""
    children: dict[int | None, list[Unit]] = defaultdict(list)
    for u in units:
        children[u.parent_id].append(u)
    results: dict[int, UnitResult] = {}
    status = status or {}

    def visit(unit: Unit, trail: frozenset[int]) -> UnitResult:
        if unit.id in results:
            return results[unit.id]
        if unit.id in trail:  # a cycle in parent links: score the unit on its own
            return score_unit(scheme, findings.get(unit.id, ()), months)
        kids = {k.code: visit(k, trail | {unit.id}) for k in children.get(unit.id, [])}
        own = score_unit(scheme, findings.get(unit.id, ()), months)
        weights = scheme.rollup_for(unit.level)
        own_status = status.get(unit.id, SCORED)
        own_counts = not kids or weights.own > 0
        scored_kids = [r for r in kids.values() if r.status == SCORED]
        if own_counts and own_status != SCORED:
            res = unscored(scheme, own_status, _REASONS[own_status])
        elif not own_counts and not scored_kids:
            worst = (
                NOT_MONITORED
                if all(r.status == NOT_MONITORED for r in kids.values())
                else NOT_ASSESSABLE
            )
            res = unscored(scheme, worst, "no unit below this one could be scored")
        else:
            res = combine(own, kids, own_weight=weights.own, children_weight=weights.children)
        results[unit.id] = res
        return res

    for u in sorted(units, key=lambda u: u.code):
        visit(u, frozenset())
    return results


def _row_content(r: IndicatorResult, status: str) -> dict[str, Any]:
    return {
        "status": status,
        "value": r.value,
        "max_value": r.max_value,
        "weight": r.weight,
        "assessable_fraction": r.assessable_fraction,
        "explanation": r.explanation,
    }


def _rule_versions(findings: dict[int, list[FindingRecord]], scheme: Scheme) -> dict[str, list]:
    """The versions of each scored rule behind the findings: part of the config hash."""
    rule_ids = set(scheme.rule_ids())
    versions: dict[str, set[str]] = defaultdict(set)
    for recs in findings.values():
        for f in recs:
            if f.rule_id in rule_ids:
                versions[f.rule_id].add(f.rule_version)
    return {k: sorted(v) for k, v in versions.items()}


def compute_scores(
    session: Session,
    settings: Settings,
    *,
    period: Period,
    as_of: datetime,
    scheme: Scheme | None = None,
) -> ScoreReport:
    """Score every unit for ``period`` as of ``as_of`` and upsert the rows. ``scheme``
    is the runtime's (built once by the entry point); else read from the settings."""
    scheme = scheme or scheme_for(settings)
    findings = load_findings(session, period, as_of)
    units = list(session.scalars(select(Unit)).all())
    status = coverage(session, period, as_of, settings.timezone)
    results = score_tree(scheme, units, findings, len(period.months()), status)
    report = ScoreReport(
        period=period.key,
        as_of=as_of,
        computed_for=as_of.astimezone(ZoneInfo(settings.timezone)).date(),
        scheme_version=scheme.version,
        config_hash=config_hash(scheme, _rule_versions(findings, scheme)),
        units=len(units),
    )
    by_id = {u.id: u for u in units}
    content = _upsert_rows(session, report, results, by_id)
    if report.inserted or report.updated or report.deleted:
        report.outbox_id = _queue_update(session, report, content, by_id, results)
    session.flush()
    return report


def _upsert_rows(
    session: Session, report: ScoreReport, results: dict[int, UnitResult], by_id: dict[int, Unit]
) -> list[Any]:
    """Insert, update in place or delete the period's rows for the report's as-of
    day, counting each in the report; returns the content the outbox message hashes."""
    existing = {
        (s.unit_id, s.indicator): s
        for s in session.scalars(
            select(Score).where(
                Score.period == report.period,
                Score.scheme_version == report.scheme_version,
                Score.computed_for == report.computed_for,
            )
        )
    }
    wanted: set[tuple[int, str]] = set()
    content: list[Any] = []
    new_rows: list[dict[str, Any]] = []
    for unit_id in sorted(results, key=lambda i: by_id[i].code):
        res = results[unit_id]
        code = by_id[unit_id].code
        report.totals[code] = res.total.value
        for r in [*res.indicators.values(), res.total]:
            key = (unit_id, r.indicator)
            wanted.add(key)
            data = _row_content(r, res.status)
            content.append([code, r.indicator, data])
            row = existing.get(key)
            if row is None:
                new_rows.append(_new_row(report, unit_id, r.indicator, data))
            else:
                _update_row(report, row, data)
    if new_rows:
        # One bulk INSERT at driver speed: a province's quarter is 120,000 rows; an ORM
        # object per row cost seconds and hundreds of megabytes, and Core's
        # executemany still spent half of the scoring building parameters.
        session.flush()
        insert_rows(session.connection(), cast(Table, Score.__table__), new_rows)
        report.inserted = len(new_rows)
    for key, row in existing.items():
        if key not in wanted:
            session.delete(row)
            report.deleted += 1
    return content


def _new_row(
    report: ScoreReport, unit_id: int, indicator: str, data: dict[str, Any]
) -> dict[str, Any]:
    return {
        "unit_id": unit_id,
        "period": report.period,
        "scheme_version": report.scheme_version,
        "config_hash": report.config_hash,
        "indicator": indicator,
        "computed_for": report.computed_for,
        # The as-of, not the wall clock: recomputing leaves the row bit-identical, and
        # the newest as-of is the newest score.
        "computed_at": report.as_of,
        **data,
    }


def _update_row(report: ScoreReport, row: Score, data: dict[str, Any]) -> None:
    same = row.config_hash == report.config_hash and all(
        getattr(row, k) == v for k, v in data.items()
    )
    if same and row.computed_at == report.as_of:
        report.unchanged += 1
        return
    row.config_hash = report.config_hash
    row.computed_at = report.as_of
    for k, v in data.items():
        setattr(row, k, v)
    if same:
        report.unchanged += 1
    else:
        report.updated += 1


def _queue_update(
    session: Session,
    report: ScoreReport,
    content: list[Any],
    by_id: dict[int, Unit],
    results: dict[int, UnitResult],
) -> int | None:
    blob = json.dumps([report.config_hash, content], sort_keys=True, ensure_ascii=False)
    body_hash = hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]
    key = f"{SCORE_TOPIC}:{report.period}:{report.computed_for.isoformat()}:{body_hash}"
    found = session.scalar(select(Outbox.id).where(Outbox.idempotency_key == key))
    if found is not None:
        return found
    payload = {
        "event": SCORE_TOPIC,
        "period": report.period,
        "computed_for": report.computed_for.isoformat(),
        "as_of": report.as_of.isoformat(),
        "scheme_version": report.scheme_version,
        "config_hash": report.config_hash,
        "scores": [
            {
                "unit_code": by_id[uid].code,
                "unit_name": by_id[uid].name,
                "level": by_id[uid].level,
                "total": res.total.value,
                "status": res.status,
                "assessable_fraction": res.total.assessable_fraction,
                "indicators": {k: v.value for k, v in res.indicators.items()},
            }
            for uid, res in sorted(results.items(), key=lambda kv: by_id[kv[0]].code)
        ],
    }
    row = Outbox(
        topic=SCORE_TOPIC, idempotency_key=key, payload=payload, next_attempt_at=report.as_of
    )
    session.add(row)
    session.flush()
    return row.id
