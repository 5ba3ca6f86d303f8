"""``/units`` and ``/periods``: the registry and the periods that have scores."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

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
def get_unit(session: Db, viewer: Who, code: str) -> UnitOut:
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise HTTPException(404, "no such unit")
    parent = unit.parent.code if unit.parent else None
    return UnitOut(
        code=unit.code, name=unit.name, level=unit.level, kind=unit.kind, parent_code=parent
    )
