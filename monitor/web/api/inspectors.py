"""``/inspectors`` and ``/accounts`` (administrators only): who hears about alerts
for which subtree of units, and who may sign in with which role and scope."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import aliased

from monitor.redact import redact
from monitor.store.models import Inspector, Unit
from monitor.web.api.common import ERRORS, Admin, Db, Page, Pages
from monitor.web.models import User

router = APIRouter(tags=["inspectors"])


class ChannelOut(BaseModel):
    type: str
    # Where it goes, with tokens and passwords masked; webhook secrets never leave.
    target: str | None


class InspectorOut(BaseModel):
    name: str
    # The subtree watched: this unit and every unit below it.
    scope_unit_code: str
    min_severity: str
    channels: list[ChannelOut]
    supervisor: str | None


class AccountOut(BaseModel):
    name: str
    role: str
    # Inspectors see this unit and below; null for every unit.
    scope_unit_code: str | None
    active: bool


def _channel(channel: dict[str, Any]) -> ChannelOut:
    target = channel.get("to") or channel.get("url")
    return ChannelOut(
        type=str(channel.get("type", "?")), target=redact(str(target)) if target else None
    )


@router.get("/inspectors", responses=ERRORS)
def list_inspectors(session: Db, viewer: Admin, paging: Pages) -> Page[InspectorOut]:
    """Alert subscriptions by name: scope, minimum severity, channels, supervisor."""
    boss = aliased(Inspector)
    query = (
        select(Inspector, Unit.code, boss.name)
        .join(Unit, Unit.id == Inspector.unit_id)
        .outerjoin(boss, boss.id == Inspector.supervisor_id)
        .order_by(Inspector.name)
    )
    rows, total = paging.rows(session, query)
    items = [
        InspectorOut(
            name=i.name,
            scope_unit_code=code,
            min_severity=i.min_severity,
            channels=[_channel(c) for c in i.channels or [] if isinstance(c, dict)],
            supervisor=supervisor,
        )
        for i, code, supervisor in rows
    ]
    return paging.of(items, total)


@router.get("/accounts", responses=ERRORS)
def list_accounts(session: Db, viewer: Admin, paging: Pages) -> Page[AccountOut]:
    """Workspace and API accounts by name, with role and scope."""
    query = select(User, Unit.code).outerjoin(Unit, Unit.id == User.unit_id).order_by(User.name)
    rows, total = paging.rows(session, query)
    items = [
        AccountOut(name=u.name, role=u.role, scope_unit_code=code, active=u.active)
        for u, code in rows
    ]
    return paging.of(items, total)
