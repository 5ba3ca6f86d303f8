"""The inspectors' workspace: login, alert queue, alert actions, evidence and diffs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.alerts import actions, queries
from monitor.alerts.models import Appeal
from monitor.alerts.queries import AlertFilter, alert_query
from monitor.appeals import AppealError, decide_appeal, file_appeal
from monitor.evidence import evidence_unit_ids
from monitor.i18n import N_, gettext
from monitor.precision import precision
from monitor.store.base import utcnow
from monitor.store.models import Alert, Evidence, Fetch, Finding, Item, Unit
from monitor.web import exports
from monitor.web.accounts import Viewer, authenticate, end_session, open_session
from monitor.web.deps import (
    SESSION_KEY,
    check_csrf,
    current_viewer,
    get_db,
    require_alert_worker,
    require_viewer,
)
from monitor.web.evidence_view import (
    highlight,
    page_text,
    passages,
    read_archived,
    version_diff,
)
from monitor.web.models import Comment
from monitor.web.params import OptionalRowId, PageNo, RowId, SilenceHours
from monitor.web.throttle import LoginThrottle

router = APIRouter(include_in_schema=False)
Db = Annotated[Session, Depends(get_db)]
PAGE_SIZE = 50


def _render(request: Request, name: str, context: Mapping[str, object], status: int = 200):
    return request.app.state.templates.TemplateResponse(request, name, context, status_code=status)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, session: Db, next: str = "/workspace/alerts") -> Response:
    viewer = current_viewer(request, session)
    return _render(request, "login.html", {"next": next, "error": None, "viewer": viewer})


def _safe_next(target: str) -> str:
    # Only paths on this site: an open redirect would let a link phish a login.
    if not target.startswith("/") or target.startswith("//"):
        return "/workspace/alerts"
    return target


@router.post("/login")
def login(
    request: Request,
    session: Db,
    name: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/workspace/alerts",
) -> Response:
    check_csrf(request, csrf)
    throttle: LoginThrottle = request.app.state.login_throttle
    address = request.client.host if request.client else None
    wait = throttle.retry_after(name, address)
    if wait is not None:
        # Checked before the password: a guesser learns nothing while refused.
        error = gettext("Too many failed logins; try again in %(n)s seconds.") % {"n": wait}
        context = {"next": next, "error": error, "viewer": None}
        response = _render(request, "login.html", context, status=429)
        response.headers["Retry-After"] = str(wait)
        return response
    user = authenticate(session, name, password)
    if user is None:
        throttle.failed(name, address)
        context = {"next": next, "error": gettext("Wrong name or password."), "viewer": None}
        return _render(request, "login.html", context, status=401)
    throttle.succeeded(name)
    hours = request.app.state.settings.web.session_hours
    sid = open_session(session, user, max_age_hours=hours)
    session.commit()
    request.session.clear()  # a fresh session on login: no fixation
    request.session[SESSION_KEY] = sid
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, session: Db, csrf: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf)
    sid = request.session.get(SESSION_KEY)
    if isinstance(sid, str):
        # Ended in the store, not only in this browser: a copy of the cookie is dead too.
        end_session(session, sid)
        session.commit()
    request.session.clear()
    return RedirectResponse("/", status_code=303)


def _queue_query(
    viewer: Viewer, state: str | None, severity: str | None, rule: str | None, unit: str | None
):
    # What needs doing first: the most severe, then the longest waiting.
    flt = AlertFilter(state=state, severity=severity, rule=rule, unit=unit, sort="severity")
    return alert_query(viewer.unit_ids, flt)


QUEUE_COLUMNS = (
    "id",
    "unit_code",
    "unit_name",
    "rule_id",
    "subject",
    "severity",
    "state",
    "title",
    "opened_at",
    "acknowledged_by",
    "resolved_at",
    "silenced_until",
)


@router.get("/workspace/alerts.{fmt}")
def export_alert_queue(
    request: Request,
    session: Db,
    fmt: Literal["csv", "xlsx"],
    state: str | None = None,
    severity: str | None = None,
    rule: str | None = None,
    unit: str | None = None,
) -> Response:
    """The filtered queue as a table (the inspector's own jurisdiction only)."""
    viewer = require_alert_worker(request, session)
    query = _queue_query(viewer, state, severity, rule, unit)
    records = []
    for alert, unit_row in session.execute(query):
        record = {c: getattr(alert, c, None) for c in QUEUE_COLUMNS}
        record.update(unit_code=unit_row.code, unit_name=unit_row.name)
        for key in ("opened_at", "resolved_at", "silenced_until"):
            stamp = record[key]
            record[key] = stamp.isoformat() if stamp is not None else None
        records.append(record)
    return Response(
        exports.render(fmt, QUEUE_COLUMNS, records, "alerts"),
        media_type=exports.FORMATS[fmt],
        headers=exports.download_headers(f"alerts.{fmt}"),
    )


@router.get("/workspace/alerts", response_class=HTMLResponse)
def alert_queue(
    request: Request,
    session: Db,
    state: str | None = None,
    severity: str | None = None,
    rule: str | None = None,
    unit: str | None = None,
    page: PageNo = 1,
) -> Response:
    viewer = require_alert_worker(request, session)
    rows, total = queries.page(
        session, _queue_query(viewer, state, severity, rule, unit), page, PAGE_SIZE
    )
    finding_ids = [alert.finding_id for alert, _ in rows if alert.finding_id is not None]
    coded = session.scalars(
        select(Finding).where(Finding.id.in_(finding_ids), Finding.message_code.is_not(None))
    )
    context = {
        "viewer": viewer,
        "alerts": [alert for alert, _ in rows],
        # Findings stored with a message code: their alert reads in the viewer's language.
        "findings": {f.id: f for f in coded},
        "units": {unit_row.id: unit_row for _, unit_row in rows},
        "filters": {"state": state, "severity": severity, "rule": rule, "unit": unit},
        "states": queries.STATES,
        "severities": queries.SEVERITIES,
        "rules": queries.alert_rules(session, viewer.unit_ids),
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "total": total,
    }
    return _render(request, "alerts.html", context)


def _alert_for(session: Session, viewer: Viewer, alert_id: int) -> Alert:
    try:
        return queries.visible_alert(session, viewer.unit_ids, alert_id)
    except queries.AlertNotFound as exc:
        raise HTTPException(404, "no such alert") from exc
    except queries.OutsideJurisdiction as exc:
        raise HTTPException(403, str(exc)) from exc


@router.get("/workspace/alerts/{alert_id}", response_class=HTMLResponse)
def alert_detail(request: Request, session: Db, alert_id: RowId) -> Response:
    viewer = require_alert_worker(request, session)
    alert = _alert_for(session, viewer, alert_id)
    finding = session.get(Finding, alert.finding_id) if alert.finding_id else None
    comments = session.scalars(
        select(Comment).where(Comment.alert_id == alert.id).order_by(Comment.id)
    ).all()
    appeals: Sequence[Appeal] = []
    if finding is not None:
        appeals = session.scalars(
            select(Appeal).where(Appeal.finding_id == finding.id).order_by(Appeal.id)
        ).all()
    context = {
        "viewer": viewer,
        "alert": alert,
        "appeals": appeals,
        "unit": session.get(Unit, alert.unit_id),
        "finding": finding,
        "links": evidence_links(_feed_archive(session, finding), finding),
        "comments": comments,
        "actions": actions.allowed_actions(alert.state),
        "error": request.query_params.get("error"),
    }
    return _render(request, "alert.html", context)


_LINK_LABELS = {"evidence_id": N_("archived page %(n)s"), "item_id": N_("versions of item %(n)s")}


def evidence_links(evidence: dict, finding: Finding | None = None) -> list[tuple[str, str]]:
    """(label, href) for what a finding's evidence points at, each once. With FINDING,
    an archived page opens with the finding's passage highlighted."""
    links: dict[str, str] = {}
    mark = f"?finding={finding.id}" if finding is not None else ""
    for key, prefix in (("evidence_id", "/workspace/evidence/"), ("item_id", "/workspace/items/")):
        single = evidence.get(key)
        values = ([single] if single is not None else []) + list(evidence.get(key + "s") or [])
        for value in values:
            if isinstance(value, int):
                suffix = mark if key == "evidence_id" else ""
                links[f"{prefix}{value}{suffix}"] = gettext(_LINK_LABELS[key]) % {"n": value}
    for url in _urls(evidence):
        links.setdefault(url, gettext("source page"))
    return [(label, href) for href, label in links.items()]


def _urls(evidence: dict) -> list[str]:
    """The web addresses a finding's evidence names: its page, a channel's pages
    (``feeds``), the attachments or probes it lists."""
    found: list[object] = [evidence.get("url"), *(evidence.get("feeds") or [])]
    for key in ("attachments", "examples"):
        values = evidence.get(key)
        if isinstance(values, list):
            found += [v.get("url") for v in values if isinstance(v, dict)]
    return [u for u in found if isinstance(u, str) and u.startswith(("http://", "https://"))]


def _feed_archive(session: Session, finding: Finding | None) -> dict:
    """For a finding about a channel (``feed_id``) with no archived page of its own:
    the channel's latest archived read, so its evidence is a click away."""
    evidence = dict(finding.evidence or {}) if finding is not None else {}
    feed_id = evidence.get("feed_id")
    if evidence.get("evidence_id") is None and isinstance(feed_id, int):
        latest = session.scalar(
            select(Fetch.evidence_id)
            .where(Fetch.feed_id == feed_id, Fetch.evidence_id.is_not(None))
            .order_by(Fetch.started_at.desc())
            .limit(1)
        )
        if latest is not None:
            evidence["evidence_id"] = latest
    return evidence


@router.post("/workspace/alerts/{alert_id}/action")
def alert_action(
    request: Request,
    session: Db,
    alert_id: RowId,
    action: Annotated[str, Form()],
    csrf: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    hours: SilenceHours = 24.0,
    verdict: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    check_csrf(request, csrf)
    viewer = require_alert_worker(request, session)
    alert = _alert_for(session, viewer, alert_id)
    now = utcnow()
    until = now + timedelta(hours=hours) if action == "silence" else None
    try:
        actions.apply(
            session,
            alert,
            action,
            actor=viewer.name,
            now=now,
            reason=reason,
            until=until,
            verdict=verdict if action == "resolve" else None,
        )
    except actions.TransitionError as exc:
        session.rollback()
        return _back(alert_id, str(exc))
    session.commit()
    return RedirectResponse(f"/workspace/alerts/{alert_id}", status_code=303)


@router.post("/workspace/alerts/{alert_id}/comment")
def alert_comment(
    request: Request,
    session: Db,
    alert_id: RowId,
    body: Annotated[str, Form()],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    viewer = require_alert_worker(request, session)
    alert = _alert_for(session, viewer, alert_id)
    if body.strip():
        session.add(Comment(alert_id=alert.id, author=viewer.name, body=body.strip()))
        session.commit()
    return RedirectResponse(f"/workspace/alerts/{alert_id}", status_code=303)


def _back(alert_id: int, error: str | None = None) -> RedirectResponse:
    query = f"?{urlencode({'error': error})}" if error else ""
    return RedirectResponse(f"/workspace/alerts/{alert_id}{query}", status_code=303)


@router.post("/workspace/alerts/{alert_id}/appeals")
def file_alert_appeal(
    request: Request,
    session: Db,
    alert_id: RowId,
    operator: Annotated[str, Form()],
    reason: Annotated[str, Form()],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Record the unit's appeal against the alert's finding (entered by the inspector)."""
    check_csrf(request, csrf)
    viewer = require_alert_worker(request, session)
    alert = _alert_for(session, viewer, alert_id)
    if alert.finding_id is None:
        return _back(alert_id, "this alert has no finding to appeal")
    try:
        file_appeal(
            session,
            finding_id=alert.finding_id,
            operator=f"{operator.strip() or 'unit'} (entered by {viewer.name})",
            reason=reason,
            now=utcnow(),
            entered_by=viewer.name,
        )
    except AppealError as exc:
        session.rollback()
        return _back(alert_id, str(exc))
    session.commit()
    return _back(alert_id)


@router.post("/workspace/alerts/{alert_id}/appeals/{appeal_id}/decide")
def decide_alert_appeal(
    request: Request,
    session: Db,
    alert_id: RowId,
    appeal_id: RowId,
    outcome: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Uphold or overturn an appeal; overturning recomputes the scores that held it."""
    check_csrf(request, csrf)
    viewer = require_alert_worker(request, session)
    alert = _alert_for(session, viewer, alert_id)
    appeal = session.get(Appeal, appeal_id)
    if appeal is None or appeal.finding_id != alert.finding_id:
        raise HTTPException(404, "no such appeal on this alert")
    if outcome not in ("upheld", "overturned"):
        return _back(alert_id, "outcome is upheld or overturned")
    try:
        decide_appeal(
            session,
            request.app.state.settings,
            appeal_id,
            inspector=viewer.name,
            outcome=outcome,  # type: ignore[arg-type]
            reason=reason,
            now=utcnow(),
        )
    except AppealError as exc:
        session.rollback()
        return _back(alert_id, str(exc))
    session.commit()
    return _back(alert_id)


def _visible(viewer: Viewer, unit_ids: set[int]) -> bool:
    return viewer.unit_ids is None or bool(unit_ids & viewer.unit_ids)


@router.get("/workspace/evidence/{evidence_id}", response_class=HTMLResponse)
def evidence_page(
    request: Request, session: Db, evidence_id: RowId, finding: OptionalRowId = None
) -> Response:
    viewer = require_alert_worker(request, session)
    evidence = session.get(Evidence, evidence_id)
    if evidence is None:
        raise HTTPException(404, "no such evidence")
    if not _visible(viewer, evidence_unit_ids(session, evidence_id)):
        raise HTTPException(403, "this evidence is outside your jurisdiction")
    archived = read_archived(session, request.app.state.settings, evidence_id)
    about = session.get(Finding, finding) if finding is not None else None
    if about is not None and not viewer.can_see_unit(about.unit_id):
        about = None
    context = {
        "viewer": viewer,
        "evidence": evidence,
        "archived": archived,
        "finding": about,
        # The page as a person read it, the finding's passage marked; the raw record
        # (headers and source) a click away.
        "text": highlight(page_text(archived), passages(session, about)) if archived.found else "",
    }
    return _render(request, "evidence.html", context)


@router.get("/workspace/items/{item_id}", response_class=HTMLResponse)
def item_page(
    request: Request, session: Db, item_id: RowId, a: OptionalRowId = None, b: OptionalRowId = None
) -> Response:
    viewer = require_alert_worker(request, session)
    item = session.get(Item, item_id)
    if item is None:
        raise HTTPException(404, "no such item")
    if not viewer.can_see_unit(item.unit_id):
        raise HTTPException(403, "this item is outside your jurisdiction")
    versions = list(item.versions)
    by_id = {v.id: v for v in versions}
    diff = None
    if len(versions) >= 2:
        old = by_id.get(a) if a else versions[-2]
        new = by_id.get(b) if b else versions[-1]
        if old is None or new is None:
            raise HTTPException(404, "no such version of this item")
        diff = {"old": old, "new": new, "lines": version_diff(old, new)}
    context = {"viewer": viewer, "item": item, "versions": versions, "diff": diff}
    return _render(request, "item.html", context)


@router.get("/workspace", response_class=HTMLResponse)
def workspace_home(request: Request, session: Db) -> Response:
    viewer = require_viewer(request, session)
    target = "/workspace/alerts" if viewer.works_alerts else "/"
    return RedirectResponse(target, status_code=303)


@router.get("/workspace/precision", response_class=HTMLResponse)
def precision_page(request: Request, session: Db, since: str | None = None) -> Response:
    """Each rule's precision from the inspectors' verdicts; flagged rules highlighted."""
    viewer = require_alert_worker(request, session)
    settings = request.app.state.settings
    start = None
    if since:
        try:
            start = datetime.combine(
                date.fromisoformat(since), time.min, ZoneInfo(settings.timezone)
            )
        except ValueError as exc:
            raise HTTPException(400, f"since: {exc}") from exc
    rows = precision(session, since=start, settings=settings.rules)
    context = {"viewer": viewer, "rows": rows, "since": since, "limits": settings.rules}
    return _render(request, "precision.html", context)
