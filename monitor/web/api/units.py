"""``/units`` and ``/periods``: the registry and the periods that have scores."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from monitor.annual.queries import stored_reports, summary
from monitor.store.models import Unit
from monitor.web import report
from monitor.web.api.common import ERRORS, NOT_FOUND, Db, Page, Pages, Who, unit_id

router = APIRouter(tags=["units"])


class UnitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    name: str
    level: str
    kind: str
    parent_code: str | None = None


class AnnualReportOut(BaseModel):
    """An annual disclosure report as read from the unit's site, and its audit."""

    year: int
    title: str
    url: str | None
    status: Literal["consistent", "inconsistent", "unread"]
    inconsistencies: int
    audit: list[dict[str, str]]
    read_error: str | None


class UnitDetailOut(UnitOut):
    annual_reports: list[AnnualReportOut] = []


@router.get("/periods", responses=ERRORS)
def list_periods(session: Db, viewer: Who) -> list[str]:
    """Periods that have scores, newest first."""
    return report.periods(session)


@router.get("/units", responses={**ERRORS, **NOT_FOUND})
def list_units(
    session: Db,
    viewer: Who,
    paging: Pages,
    level: Literal["county", "town", "village"] | None = None,
    parent: str | None = None,
) -> Page[UnitOut]:
    """Units, by code. Filter by level or by the parent's code."""
    parent_unit = Unit.__table__.alias("parent_unit")
    query = select(Unit, parent_unit.c.code).outerjoin(
        parent_unit, parent_unit.c.id == Unit.parent_id
    )
    if level:
        query = query.where(Unit.level == level)
    parent_id = unit_id(session, parent)
    if parent_id is not None:
        query = query.where(Unit.parent_id == parent_id)
    rows, total = paging.rows(session, query.order_by(Unit.code))
    items = [
        UnitOut(code=u.code, name=u.name, level=u.level, kind=u.kind, parent_code=pc)
        for u, pc in rows
    ]
    return paging.of(items, total)


@router.get("/units/{code}", responses={**ERRORS, **NOT_FOUND})
def get_unit(session: Db, viewer: Who, code: str) -> UnitDetailOut:
    """One unit, with its annual disclosure reports and their audit, newest first."""
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise HTTPException(404, "no such unit")
    parent = unit.parent.code if unit.parent else None
    reports = [AnnualReportOut(**summary(r)) for r in stored_reports(session, unit.id)]
    return UnitDetailOut(
        code=unit.code,
        name=unit.name,
        level=unit.level,
        kind=unit.kind,
        parent_code=parent,
        annual_reports=reports,
    )
