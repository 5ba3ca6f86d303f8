"""The app factory: public report, workspace, API v1 and operator endpoints."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from monitor import i18n
from monitor.settings import Settings
from monitor.store.db import make_engine, make_sessionmaker
from monitor.web import follow, ops, public, report, search_pages, workspace
from monitor.web.api import create_api
from monitor.web.deps import csrf_token
from monitor.web.locale import LocaleMiddleware
from monitor.web.report_cache import ReportCache
from monitor.web.security import SecurityHeaders, SessionCookies, check_secret_key
from monitor.web.throttle import make_login_throttle
from monitor.web.words import install as install_words

HERE = Path(__file__).parent
log = logging.getLogger(__name__)
SESSION_COOKIE = "monitor_session"


def _fmt(value: float | None) -> str:
    # One decimal is what a reader compares; exports and the API keep full precision.
    return "–" if value is None else f"{round(value, 1):g}"


def _templates(settings: Settings) -> Jinja2Templates:
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.add_extension("jinja2.ext.i18n")
    # The callables read the request's locale (a context variable): one environment
    # serves every language, concurrently.
    templates.env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True
    )
    install_words(templates.env, settings)
    templates.env.globals["csrf_token"] = csrf_token
    templates.env.filters["score"] = _fmt
    templates.env.globals["describe"] = report.describe
    templates.env.globals["status_labels"] = report.STATUS_LABELS
    return templates


def create_app(settings: Settings, sessions: sessionmaker[Session] | None = None) -> FastAPI:
    """Build the web app. SESSIONS defaults to a store opened from the settings.

    Raises :class:`monitor.web.security.InsecureSecretKey` when the secret key is
    missing, short or a placeholder: the web does not start with a forgeable cookie."""
    check_secret_key(settings.secret_key)
    if sessions is None:
        sessions = make_sessionmaker(make_engine(settings.database_url))
    app = FastAPI(
        title="Disclosure integrity monitor", docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.settings = settings
    app.state.sessions = sessions
    app.state.templates = _templates(settings)
    app.state.report_cache = ReportCache(settings.web.report_cache_seconds)
    app.state.login_throttle = make_login_throttle(settings)
    # The last added runs first: the proxy's scheme is known before the cookie is
    # written, and the headers go on every response, errors included.
    app.add_middleware(
        SessionCookies,
        secret_key=settings.secret_key,
        session_cookie=SESSION_COOKIE,
        same_site="lax",
        max_age=int(settings.web.session_hours * 3600),
    )
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.web.trusted_proxies)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(LocaleMiddleware, default=settings.language)

    api = create_api()
    api.state.settings = settings
    api.state.sessions = sessions
    app.mount("/api/v1", api)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(ops.router)
    # Before the public pages: /units/CODE/feed.atom is not one of their tables.
    app.include_router(follow.router)
    app.include_router(search_pages.router)
    app.include_router(public.router)
    app.include_router(workspace.router)

    @app.exception_handler(StarletteHTTPException)
    async def _errors(request: Request, exc: StarletteHTTPException) -> Response:
        # Redirects (login required) and non-HTML clients get the default handling.
        if exc.status_code < 400 or "text/html" not in request.headers.get("accept", ""):
            return await http_exception_handler(request, exc)
        return app.state.templates.TemplateResponse(
            request,
            "error.html",
            {"status": exc.status_code, "detail": exc.detail, "viewer": None},
            status_code=exc.status_code,
        )

    return app
