"""``/alerts``: the inspectors' queue and its actions, through the same queries and
actions as the workspace and the command line (``monitor.alerts``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from monitor.alerts import actions, queries
from monitor.store.base import utcnow
from monitor.store.models import Alert, Unit
from monitor.web.accounts import Viewer
from monitor.web.api.common import CONFLICT, ERRORS, NOT_FOUND, Db, Page, Pages, Worker
from monitor.web.params import MAX_SILENCE_HOURS, RowId

router = APIRouter(tags=["alerts"])


class AlertOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    unit_code: str
    rule_id: str
    subject: str
    severity: str
    state: str
    title: str
    finding_id: int | None
    opened_at: datetime
    updated_at: datetime
    acknowledged_by: str | None
    resolved_at: datetime | None
    silenced_until: datetime | None
    # What may be done to it now (the workspace's buttons).
    actions: list[str] = []


class ActionIn(BaseModel):
    action: Literal["acknowledge", "resolve", "silence", "unsilence", "reopen"]
    reason: str = Field("", max_length=2000)
    # With "resolve": was the finding right? Measured as the rule's precision.
    verdict: Literal["confirmed", "false_positive", "false-positive"] | None = None
    silence_hours: float = Field(24.0, gt=0, le=MAX_SILENCE_HOURS, allow_inf_nan=False)


def alert_out(alert: Alert, code: str) -> AlertOut:
    skip = {"unit_code", "actions"}
    data = {k: getattr(alert, k) for k in AlertOut.model_fields if k not in skip}
    return AlertOut(unit_code=code, actions=actions.allowed_actions(alert.state), **data)


@router.get("/alerts", responses=ERRORS)
def list_alerts(
    session: Db,
    viewer: Worker,
    paging: Pages,
    state: Literal["open", "acknowledged", "silenced", "resolved", "all"] | None = None,
    severity: Literal["critical", "high", "medium", "low", "info"] | None = None,
    rule: str | None = None,
    unit: str | None = None,
    sort: Literal["newest", "severity"] = "newest",
) -> Page[AlertOut]:
    """Alerts in the caller's jurisdiction. Without ``state``: every state but resolved.
    ``unit``: a unit's code (that unit and below) or a code prefix."""
    flt = queries.AlertFilter(state=state, severity=severity, rule=rule, unit=unit, sort=sort)
    rows, total = paging.rows(session, queries.alert_query(viewer.unit_ids, flt))
    return paging.of([alert_out(a, u.code) for a, u in rows], total)


def _visible(session: Session, viewer: Viewer, alert_id: int) -> Alert:
    try:
        return queries.visible_alert(session, viewer.unit_ids, alert_id)
    except queries.AlertNotFound as exc:
        raise HTTPException(404, "no such alert") from exc
    except queries.OutsideJurisdiction as exc:
        raise HTTPException(403, str(exc)) from exc


@router.get("/alerts/{alert_id}", responses={**ERRORS, **NOT_FOUND})
def get_alert(session: Db, viewer: Worker, alert_id: RowId) -> AlertOut:
    alert = _visible(session, viewer, alert_id)
    return alert_out(alert, session.get(Unit, alert.unit_id).code)  # type: ignore[union-attr]


@router.post("/alerts/{alert_id}/actions", responses={**ERRORS, **NOT_FOUND, **CONFLICT})
def act_on_alert(session: Db, viewer: Worker, alert_id: RowId, body: ActionIn) -> AlertOut:
    """Acknowledge, resolve (with a verdict), silence (for ``silence_hours``),
    unsilence, or reopen (with a reason) an alert."""
    alert = _visible(session, viewer, alert_id)
    now = utcnow()
    until = now + timedelta(hours=body.silence_hours) if body.action == "silence" else None
    try:
        actions.apply(
            session,
            alert,
            body.action,
            actor=viewer.name,
            now=now,
            reason=body.reason,
            until=until,
            verdict=body.verdict,
        )
    except actions.TransitionError as exc:
        raise HTTPException(409, str(exc)) from exc
    session.commit()
    return alert_out(alert, session.get(Unit, alert.unit_id).code)  # type: ignore[union-attr]
