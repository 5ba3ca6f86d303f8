"""``/appeals``: a unit contests a finding, someone other than whoever brought the
appeal decides it (``monitor.appeals``, as in the workspace and the CLI)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.alerts.models import Appeal
from monitor.appeals import AppealError, decide_appeal, file_appeal
from monitor.store.base import utcnow
from monitor.store.models import Finding
from monitor.web.accounts import Viewer
from monitor.web.api.common import (
    CONFLICT,
    ERRORS,
    NOT_FOUND,
    Db,
    Page,
    Pages,
    Worker,
    codes,
    require_within,
    unit_id,
)
from monitor.web.params import OptionalRowId, RowId

router = APIRouter(tags=["appeals"])


class AppealEventOut(BaseModel):
    at: datetime
    from_state: str | None
    to_state: str
    actor: str
    reason: str


class AppealOut(BaseModel):
    id: int
    finding_id: int
    unit_code: str
    state: str
    filed_by: str
    entered_by: str | None
    reason: str
    filed_at: datetime
    decided_by: str | None
    decision_reason: str | None
    decided_at: datetime | None
    history: list[AppealEventOut]


class AppealIn(BaseModel):
    finding_id: int = Field(ge=1, le=2**31 - 1)
    reason: str = Field(min_length=1, max_length=4000)
    # Who speaks for the unit; the caller is recorded as having entered it.
    operator: str = Field("", max_length=150)


class DecisionIn(BaseModel):
    outcome: Literal["upheld", "overturned"]
    reason: str = Field(min_length=1, max_length=4000)


def appeal_out(appeal: Appeal, code: str) -> AppealOut:
    history = [
        AppealEventOut(
            at=e.at, from_state=e.from_state, to_state=e.to_state, actor=e.actor, reason=e.reason
        )
        for e in appeal.history
    ]
    data: dict[str, Any] = {
        k: getattr(appeal, k) for k in AppealOut.model_fields if k not in ("unit_code", "history")
    }
    return AppealOut(unit_code=code, history=history, **data)


def _appeal(session: Session, viewer: Viewer, appeal_id: int) -> Appeal:
    appeal = session.get(Appeal, appeal_id)
    if appeal is None:
        raise HTTPException(404, "no such appeal")
    require_within(viewer, appeal.unit_id, "appeal")
    return appeal


def _out(session: Session, appeal: Appeal) -> AppealOut:
    return appeal_out(appeal, codes(session, {appeal.unit_id})[appeal.unit_id])


@router.get("/appeals", responses={**ERRORS, **NOT_FOUND})
def list_appeals(
    session: Db,
    viewer: Worker,
    paging: Pages,
    state: Literal["pending", "upheld", "overturned"] | None = None,
    unit: str | None = None,
    finding: OptionalRowId = None,
) -> Page[AppealOut]:
    """Appeals, oldest first, within the caller's jurisdiction."""
    query = select(Appeal)
    if state:
        query = query.where(Appeal.state == state)
    found_unit = unit_id(session, unit)
    if found_unit is not None:
        query = query.where(Appeal.unit_id == found_unit)
    if finding is not None:
        query = query.where(Appeal.finding_id == finding)
    if viewer.unit_ids is not None:
        query = query.where(Appeal.unit_id.in_(viewer.unit_ids))
    rows, total = paging.rows(session, query.order_by(Appeal.id))
    by_id = codes(session, {a.unit_id for (a,) in rows})
    return paging.of([appeal_out(a, by_id[a.unit_id]) for (a,) in rows], total)


@router.get("/appeals/{appeal_id}", responses={**ERRORS, **NOT_FOUND})
def get_appeal(session: Db, viewer: Worker, appeal_id: RowId) -> AppealOut:
    return _out(session, _appeal(session, viewer, appeal_id))


@router.post("/appeals", status_code=201, responses={**ERRORS, **NOT_FOUND, **CONFLICT})
def create_appeal(session: Db, viewer: Worker, body: AppealIn) -> AppealOut:
    """File an appeal against a finding for its unit (one pending per finding; an
    overturned finding is final: 409)."""
    finding = session.get(Finding, body.finding_id)
    if finding is None:
        raise HTTPException(404, "no such finding")
    require_within(viewer, finding.unit_id, "finding")
    operator = body.operator.strip()
    try:
        appeal = file_appeal(
            session,
            finding_id=finding.id,
            operator=f"{operator} (entered by {viewer.name})" if operator else viewer.name,
            reason=body.reason,
            now=utcnow(),
            entered_by=viewer.name,
        )
    except AppealError as exc:
        raise HTTPException(409, str(exc)) from exc
    session.commit()
    return _out(session, appeal)


@router.post("/appeals/{appeal_id}/decision", responses={**ERRORS, **NOT_FOUND, **CONFLICT})
def decide(
    request: Request, session: Db, viewer: Worker, appeal_id: RowId, body: DecisionIn
) -> AppealOut:
    """Uphold or overturn a pending appeal; overturning recomputes the scores that held
    the finding. Whoever filed or entered the appeal may not decide it (409)."""
    appeal = _appeal(session, viewer, appeal_id)
    try:
        decide_appeal(
            session,
            request.app.state.settings,
            appeal.id,
            inspector=viewer.name,
            outcome=body.outcome,
            reason=body.reason,
            now=utcnow(),
        )
    except AppealError as exc:
        raise HTTPException(409, str(exc)) from exc
    session.commit()
    return _out(session, appeal)
