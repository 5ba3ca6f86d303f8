"""Reading scores back: the rows that held on a given date (the pull side)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.store.models import Score, Unit

__all__ = ["latest_by_unit", "score_rows", "scored_periods", "scores_as_of"]


def scored_periods(session: Session) -> list[str]:
    """Periods that have scores, the latest first (years, quarters and months mixed:
    by the day each ends, a month before the quarter and year ending with it)."""
    found = session.scalars(select(Score.period).distinct()).all()
    return sorted(found, key=_period_order, reverse=True)


def _period_order(key: str) -> tuple[str, str, str]:
    from rules.api import Period

    try:
        parsed = Period.parse(key)
    except ValueError:
        return ("", "", key)
    return (parsed.end.isoformat(), parsed.start.isoformat(), key)


def scores_as_of(
    session: Session,
    *,
    period: str,
    as_of: date | None = None,
    unit_ids: list[int] | None = None,
    scheme_version: str | None = None,
) -> list[Score]:
    """For each (unit, indicator), the row computed for the latest date on or before
    ``as_of`` (default: the latest of all), in unit-code, indicator order."""
    newest = select(
        Score.unit_id, Score.indicator, func.max(Score.computed_for).label("day")
    ).where(Score.period == period)
    if as_of is not None:
        newest = newest.where(Score.computed_for <= as_of)
    if scheme_version is not None:
        newest = newest.where(Score.scheme_version == scheme_version)
    if unit_ids is not None:
        newest = newest.where(Score.unit_id.in_(unit_ids))
    sub = newest.group_by(Score.unit_id, Score.indicator).subquery()
    query = (
        select(Score)
        .join(
            sub,
            (Score.unit_id == sub.c.unit_id)
            & (Score.indicator == sub.c.indicator)
            & (Score.computed_for == sub.c.day),
        )
        .join(Unit, Unit.id == Score.unit_id)
        .where(Score.period == period)
        .order_by(Unit.code, Score.indicator, Score.scheme_version)
    )
    if scheme_version is not None:
        query = query.where(Score.scheme_version == scheme_version)
    rows = list(session.scalars(query).all())
    # Two schemes on the same day: keep the newest computation per (unit, indicator).
    best: dict[tuple[int, str], Score] = {}
    for row in rows:
        key = (row.unit_id, row.indicator)
        if key not in best or row.computed_at > best[key].computed_at:
            best[key] = row
    return [r for r in rows if best[(r.unit_id, r.indicator)] is r]


def latest_by_unit(
    session: Session,
    period: str,
    unit_ids: Collection[int] | None = None,
    *,
    as_of: date | None = None,
) -> dict[int, dict[str, Score]]:
    """unit id → indicator → the latest score row for ``period`` (as of a date):
    :func:`scores_as_of` keyed for the report pages."""
    ids = None if unit_ids is None else list(unit_ids)
    out: dict[int, dict[str, Score]] = defaultdict(dict)
    for row in scores_as_of(session, period=period, as_of=as_of, unit_ids=ids):
        out[row.unit_id][row.indicator] = row
    return out


def score_rows(session: Session, scores: list[Score], pass_line: float) -> list[dict[str, Any]]:
    """Flat, export-ready dicts (one per score row) with the unit's code and name."""
    units = {u.id: u for u in session.scalars(select(Unit)).all()}
    out = []
    for s in scores:
        u = units[s.unit_id]
        deductions = [e for e in s.explanation if e.get("counted")]
        out.append(
            {
                "unit_code": u.code,
                "unit_name": u.name,
                "level": u.level,
                "period": s.period,
                "indicator": s.indicator,
                "status": s.status,
                "value": s.value,
                "max_value": s.max_value,
                "weight": s.weight,
                "assessable_fraction": s.assessable_fraction,
                # A unit that could not be scored has not passed (nor failed).
                "passed": (s.value >= pass_line)
                if s.indicator == "total" and s.value is not None
                else None,
                "deductions": len(deductions),
                "points_deducted": round(sum(float(e["counted"]) for e in deductions), 4),
                "finding_ids": ",".join(str(e["finding_id"]) for e in deductions),
                "scheme_version": s.scheme_version,
                "config_hash": s.config_hash,
                "computed_for": s.computed_for.isoformat(),
            }
        )
    return out
