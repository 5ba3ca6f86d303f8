"""API v1 for the assessment system and scripts: token auth, the same roles, pages.

Mounted at ``/api/v1``; its OpenAPI document is ``/api/v1/openapi.json``."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from monitor.store.base import utcnow
from monitor.store.models import Alert, Finding, Score, Unit
from monitor.web import alert_actions, leaks, report
from monitor.web.accounts import Viewer, user_for_token, viewer_for
from monitor.web.deps import get_db
from monitor.web.params import MAX_PAGE, RowId

T = TypeVar("T")
bearer = HTTPBearer(auto_error=False, description="An API token from `monitor users token`.")


class Problem(BaseModel):
    detail: str


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "No or unknown token."},
    403: {
        "model": Problem,
        "description": "The role may not do this, or it is outside the jurisdiction.",
    },
}


class Page(BaseModel, Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int


class UnitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    name: str
    level: str
    kind: str
    parent_code: str | None = None


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


class FindingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    rule_id: str
    unit_code: str
    period: str
    subject: str
    severity: str
    assessable: bool
    status: str
    message: str
    evidence: dict[str, Any]
    first_seen: datetime
    last_seen: datetime
    cleared_at: datetime | None


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


class ActionIn(BaseModel):
    action: Literal["acknowledge", "resolve", "silence", "unsilence"]
    reason: str = Field("", max_length=2000)
    # With "resolve": was the finding right? Measured as the rule's precision.
    verdict: Literal["confirmed", "false_positive", "false-positive"] | None = None
    silence_hours: float = Field(24.0, gt=0, le=24 * 365)


Db = Annotated[Session, Depends(get_db)]
PageNo = Annotated[int, Query(ge=1, le=MAX_PAGE)]
PerPage = Annotated[int, Query(ge=1, le=500)]


def api_viewer(
    request: Request,
    session: Db,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Viewer:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, "an API token is required", {"WWW-Authenticate": "Bearer"})
    days = request.app.state.settings.web.token_days
    user = user_for_token(session, credentials.credentials, max_age_days=days)
    if user is None:
        raise HTTPException(
            401, "unknown, revoked or expired token", {"WWW-Authenticate": "Bearer"}
        )
    session.commit()  # keeps last_used_at
    return viewer_for(session, user)


Who = Annotated[Viewer, Depends(api_viewer)]


def alert_worker(viewer: Who) -> Viewer:
    if not viewer.works_alerts:
        raise HTTPException(403, "your role does not work alerts")
    return viewer


Worker = Annotated[Viewer, Depends(alert_worker)]


def _paginate(session: Session, query: Select, page: int, per_page: int) -> tuple[list, int]:
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.offset((page - 1) * per_page).limit(per_page)).all()
    return [tuple(r) for r in rows], total


def _unit_id(session: Session, code: str | None) -> int | None:
    if code is None:
        return None
    unit_id = session.scalar(select(Unit.id).where(Unit.code == code))
    if unit_id is None:
        raise HTTPException(404, "no such unit")
    return unit_id


def _alert_out(alert: Alert, code: str) -> AlertOut:
    data = {k: getattr(alert, k) for k in AlertOut.model_fields if k != "unit_code"}
    return AlertOut(unit_code=code, **data)


def _finding_out(f: Finding, code: str, hidden: leaks.Withheld | None) -> FindingOut:
    data = {k: getattr(f, k) for k in FindingOut.model_fields if k != "unit_code"}
    if hidden is not None and hidden.hides_finding(f):
        data["subject"] = hidden.subject(f)
        data["message"] = hidden.public_message(f)
        data["evidence"] = {
            k: v for k, v in (f.evidence or {}).items() if k in ("counts", "period", "series")
        }
    return FindingOut(unit_code=code, **data)


def create_api() -> FastAPI:
    api = FastAPI(
        title="Disclosure integrity monitor API",
        version="1",
        description="Scores, findings and alerts per unit and period. "
        "Authenticate with `Authorization: Bearer <token>`.",
        openapi_url="/openapi.json",
        # Swagger UI loads its scripts from a CDN; the machines here have no internet.
        docs_url=None,
        redoc_url=None,
    )
    not_found: dict[int | str, dict[str, Any]] = {
        404: {"model": Problem, "description": "No such thing."}
    }

    @api.get("/periods", responses=ERRORS)
    def list_periods(session: Db, viewer: Who) -> list[str]:
        """Periods that have scores, newest first."""
        return report.periods(session)

    @api.get("/units", responses={**ERRORS, **not_found})
    def list_units(
        session: Db,
        viewer: Who,
        level: Literal["county", "town", "village"] | None = None,
        parent: str | None = None,
        page: PageNo = 1,
        per_page: PerPage = 100,
    ) -> Page[UnitOut]:
        """Units, by code. Filter by level or by the parent's code."""
        parent_unit = Unit.__table__.alias("parent_unit")
        query = select(Unit, parent_unit.c.code).outerjoin(
            parent_unit, parent_unit.c.id == Unit.parent_id
        )
        if level:
            query = query.where(Unit.level == level)
        parent_id = _unit_id(session, parent)
        if parent_id is not None:
            query = query.where(Unit.parent_id == parent_id)
        rows, total = _paginate(session, query.order_by(Unit.code), page, per_page)
        items = [
            UnitOut(code=u.code, name=u.name, level=u.level, kind=u.kind, parent_code=pc)
            for u, pc in rows
        ]
        return Page(items=items, page=page, per_page=per_page, total=total)

    @api.get("/scores", responses={**ERRORS, **not_found})
    def list_scores(
        session: Db,
        viewer: Who,
        period: str | None = None,
        unit: str | None = None,
        indicator: str | None = None,
        page: PageNo = 1,
        per_page: PerPage = 100,
    ) -> Page[ScoreOut]:
        """Score rows (every computation, newest last per unit and indicator)."""
        query = select(Score, Unit.code).join(Unit, Unit.id == Score.unit_id)
        if period:
            query = query.where(Score.period == period)
        unit_id = _unit_id(session, unit)
        if unit_id is not None:
            query = query.where(Score.unit_id == unit_id)
        if indicator:
            query = query.where(Score.indicator == indicator)
        if viewer.unit_ids is not None:
            query = query.where(Score.unit_id.in_(viewer.unit_ids))
        query = query.order_by(Score.period, Unit.code, Score.indicator, Score.id)
        rows, total = _paginate(session, query, page, per_page)
        items = [
            ScoreOut(
                unit_code=code,
                **{k: getattr(s, k) for k in ScoreOut.model_fields if k != "unit_code"},
            )
            for s, code in rows
        ]
        return Page(items=items, page=page, per_page=per_page, total=total)

    @api.get("/findings", responses={**ERRORS, **not_found})
    def list_findings(
        session: Db,
        viewer: Who,
        period: str | None = None,
        unit: str | None = None,
        status: Literal["open", "cleared"] | None = None,
        rule: str | None = None,
        page: PageNo = 1,
        per_page: PerPage = 100,
    ) -> Page[FindingOut]:
        """Findings with their evidence; inspectors see their jurisdiction only."""
        query = select(Finding, Unit.code).join(Unit, Unit.id == Finding.unit_id)
        if period:
            query = query.where(Finding.period == period)
        unit_id = _unit_id(session, unit)
        if unit_id is not None:
            query = query.where(Finding.unit_id == unit_id)
        if status:
            query = query.where(Finding.status == status)
        if rule:
            query = query.where(Finding.rule_id == rule)
        if viewer.unit_ids is not None:
            query = query.where(Finding.unit_id.in_(viewer.unit_ids))
        rows, total = _paginate(session, query.order_by(Finding.id), page, per_page)
        # Only those who work alerts see where personal data still sits.
        hidden = None if viewer.works_alerts else leaks.withheld(session)
        items = [_finding_out(f, code, hidden) for f, code in rows]
        return Page(items=items, page=page, per_page=per_page, total=total)

    @api.get("/alerts", responses=ERRORS)
    def list_alerts(
        session: Db,
        viewer: Worker,
        state: Literal["open", "acknowledged", "silenced", "resolved"] | None = None,
        severity: str | None = None,
        page: PageNo = 1,
        per_page: PerPage = 100,
    ) -> Page[AlertOut]:
        """Alerts in the caller's jurisdiction, newest first."""
        query = select(Alert, Unit.code).join(Unit, Unit.id == Alert.unit_id)
        if state:
            query = query.where(Alert.state == state)
        if severity:
            query = query.where(Alert.severity == severity)
        if viewer.unit_ids is not None:
            query = query.where(Alert.unit_id.in_(viewer.unit_ids))
        rows, total = _paginate(
            session, query.order_by(Alert.opened_at.desc(), Alert.id.desc()), page, per_page
        )
        items = [_alert_out(a, code) for a, code in rows]
        return Page(items=items, page=page, per_page=per_page, total=total)

    def _visible_alert(session: Session, viewer: Viewer, alert_id: int) -> tuple[Alert, str]:
        alert = session.get(Alert, alert_id)
        if alert is None:
            raise HTTPException(404, "no such alert")
        if not viewer.can_see_unit(alert.unit_id):
            raise HTTPException(403, "this alert is outside your jurisdiction")
        return alert, session.get(Unit, alert.unit_id).code  # type: ignore[union-attr]

    @api.get("/alerts/{alert_id}", responses={**ERRORS, **not_found})
    def get_alert(session: Db, viewer: Worker, alert_id: RowId) -> AlertOut:
        alert, code = _visible_alert(session, viewer, alert_id)
        return _alert_out(alert, code)

    @api.post(
        "/alerts/{alert_id}/actions",
        responses={
            **ERRORS,
            **not_found,
            409: {"model": Problem, "description": "Not allowed from the alert's state."},
        },
    )
    def act_on_alert(session: Db, viewer: Worker, alert_id: RowId, body: ActionIn) -> AlertOut:
        """Acknowledge, resolve, silence (for ``silence_hours``) or unsilence an alert."""
        alert, code = _visible_alert(session, viewer, alert_id)
        now = utcnow()
        until = now + timedelta(hours=body.silence_hours) if body.action == "silence" else None
        try:
            alert_actions.apply(
                session,
                alert,
                body.action,
                actor=viewer.name,
                now=now,
                reason=body.reason,
                until=until,
                verdict=body.verdict,
            )
        except alert_actions.TransitionError as exc:
            raise HTTPException(409, str(exc)) from exc
        session.commit()
        return _alert_out(alert, code)

    return api
