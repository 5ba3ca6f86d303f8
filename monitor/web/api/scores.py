"""``/scores``: the latest score rows (or every computation), and a unit's score for
a period explained: each deduction with its finding, and the roll-up of the units
below. Read through the one reader of the latest scores (``monitor.scoring.query``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.scoring.query import scores_as_of
from monitor.store.models import Score, Unit
from monitor.web import leaks, report
from monitor.web.accounts import Viewer
from monitor.web.api.common import (
    ERRORS,
    NOT_FOUND,
    Db,
    Page,
    Pages,
    Paging,
    Who,
    codes,
    require_within,
    unit_id,
)

router = APIRouter(tags=["scores"])


class ScoreOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    unit_code: str
    period: str
    indicator: str
    # scored | not_monitored | not_assessable; value is null unless scored.
    status: str = "scored"
    value: float | None
    max_value: float
    weight: float
    assessable_fraction: float
    scheme_version: str
    config_hash: str
    computed_for: date
    computed_at: datetime
    explanation: list[Any]


class Deduction(BaseModel):
    """One finding's cost: ``points`` by the scheme, ``counted`` after caps."""

    model_config = ConfigDict(extra="allow")
    finding_id: int | None = None
    rule_id: str | None = None
    period: str | None = None
    subject: str | None = None
    severity: str | None = None
    points: float | None = None
    counted: float | None = None
    note: str | None = None


class IndicatorExplained(BaseModel):
    indicator: str
    status: str
    value: float | None
    max_value: float
    weight: float
    assessable_fraction: float
    deductions: list[Deduction]
    # The mix of the unit's own value and the mean of the units below (towns, county).
    rollup: dict[str, Any] | None = None
    # Veto caps and "not scored" reasons.
    notes: list[dict[str, Any]] = []


class ScoreExplanation(BaseModel):
    unit_code: str
    unit_name: str
    period: str
    scheme_version: str
    config_hash: str
    computed_for: date
    total: IndicatorExplained | None
    indicators: list[IndicatorExplained]


def _score_out(s: Score, code: str) -> ScoreOut:
    return ScoreOut(
        unit_code=code, **{k: getattr(s, k) for k in ScoreOut.model_fields if k != "unit_code"}
    )


def _history(session: Session, viewer: Viewer, paging: Paging, **where: Any) -> Page[ScoreOut]:
    query = select(Score, Unit.code).join(Unit, Unit.id == Score.unit_id)
    for column, value in where.items():
        if value is not None:
            query = query.where(getattr(Score, column) == value)
    if viewer.unit_ids is not None:
        query = query.where(Score.unit_id.in_(viewer.unit_ids))
    query = query.order_by(Score.period, Unit.code, Score.indicator, Score.id)
    rows, total = paging.rows(session, query)
    return paging.of([_score_out(s, code) for s, code in rows], total)


@router.get("/scores", responses={**ERRORS, **NOT_FOUND})
def list_scores(
    session: Db,
    viewer: Who,
    paging: Pages,
    period: str | None = None,
    unit: str | None = None,
    indicator: str | None = None,
    history: bool = False,
) -> Page[ScoreOut]:
    """The latest score rows per unit, period and indicator (``history=true``: every
    computation, oldest first), by period, unit code and indicator."""
    found_unit = unit_id(session, unit)
    if history:
        return _history(
            session, viewer, paging, period=period, unit_id=found_unit, indicator=indicator
        )
    ids: set[int] | None = None if viewer.unit_ids is None else set(viewer.unit_ids)
    if found_unit is not None:
        ids = {found_unit} if ids is None else ids & {found_unit}
    rows: list[Score] = []
    for key in sorted([period] if period else report.periods(session)):
        rows += [
            s
            for s in scores_as_of(session, period=key, unit_ids=None if ids is None else list(ids))
            if indicator is None or s.indicator == indicator
        ]
    start = (paging.page - 1) * paging.per_page
    shown = rows[start : start + paging.per_page]
    by_id = codes(session, {s.unit_id for s in shown})
    return paging.of([_score_out(s, by_id[s.unit_id]) for s in shown], len(rows))


def _explained(row: Score, hidden: leaks.Withheld | None) -> IndicatorExplained:
    deductions, notes, rollup = [], [], None
    for entry in row.explanation or []:
        if not isinstance(entry, dict):
            notes.append({"text": str(entry)})
        elif entry.get("kind") == "rollup":
            rollup = entry
        elif entry.get("kind"):
            notes.append(entry)
        else:
            data = dict(entry)
            if hidden is not None and data.get("subject"):
                data["subject"] = hidden.entry_subject(entry)
            deductions.append(Deduction.model_validate(data))
    return IndicatorExplained(
        indicator=row.indicator,
        status=row.status,
        value=row.value,
        max_value=row.max_value,
        weight=row.weight,
        assessable_fraction=row.assessable_fraction,
        deductions=deductions,
        rollup=rollup,
        notes=notes,
    )


@router.get("/scores/{unit_code}/{period}/explanation", responses={**ERRORS, **NOT_FOUND})
def explain_score(session: Db, viewer: Who, unit_code: str, period: str) -> ScoreExplanation:
    """A unit's latest score for a period, line by line: every deduction with its
    finding and rule, veto caps, and how the units below rolled up into it."""
    unit = session.scalar(select(Unit).where(Unit.code == unit_code))
    if unit is None:
        raise HTTPException(404, "no such unit")
    require_within(viewer, unit.id, "unit")
    rows = scores_as_of(session, period=period, unit_ids=[unit.id])
    if not rows:
        raise HTTPException(404, f"no scores for {unit_code} in {period}")
    hidden = None if viewer.works_alerts else leaks.withheld(session)
    explained = {r.indicator: _explained(r, hidden) for r in rows}
    first = rows[0]
    return ScoreExplanation(
        unit_code=unit.code,
        unit_name=unit.name,
        period=period,
        scheme_version=first.scheme_version,
        config_hash=first.config_hash,
        computed_for=first.computed_for,
        total=explained.pop("total", None),
        indicators=[explained[k] for k in sorted(explained)],
    )
