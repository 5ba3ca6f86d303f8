"""Per-request plumbing: the store session, who is logged in, CSRF tokens."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterator

from fastapi import HTTPException, Request
from sqlalchemy.orm import Session, sessionmaker

from monitor.settings import Settings
from monitor.web.accounts import Viewer, user_for_session, viewer_for

CSRF_KEY = "csrf"
# The cookie holds a session id, never the user id: the server decides who it is.
SESSION_KEY = "sid"


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_db(request: Request) -> Iterator[Session]:
    """One session per request; handlers that write commit it themselves."""
    factory: sessionmaker[Session] = request.app.state.sessions
    with factory() as session:
        yield session


def current_viewer(request: Request, session: Session) -> Viewer | None:
    sid = request.session.get(SESSION_KEY)
    if not isinstance(sid, str):
        return None
    settings: Settings = request.app.state.settings
    user = user_for_session(session, sid, max_age_hours=settings.web.session_hours)
    if user is None:
        # Logged out elsewhere, expired, or the user was deactivated.
        request.session.pop(SESSION_KEY, None)
        return None
    return viewer_for(session, user)


def require_viewer(request: Request, session: Session) -> Viewer:
    viewer = current_viewer(request, session)
    if viewer is None:
        target = request.url.path
        raise HTTPException(status_code=303, headers={"Location": f"/login?next={target}"})
    return viewer


def require_alert_worker(request: Request, session: Session) -> Viewer:
    viewer = require_viewer(request, session)
    if not viewer.works_alerts:
        raise HTTPException(status_code=403, detail="your role does not work alerts")
    return viewer


def csrf_token(request: Request) -> str:
    token = request.session.get(CSRF_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_KEY] = token
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = request.session.get(CSRF_KEY)
    if not expected or not submitted or not hmac.compare_digest(expected, submitted):
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong; reload the form")
