"""Access control beyond tests/web: the whole API per role including anonymous, every
form refused without its CSRF token and with no effect, writes across towns refused,
session and token expiry, and no secret in logs or error pages during failures.

An inspector of another town gets 403 for an alert, its evidence and its appeals
(as issue 9 asks); what does not exist at all is 404.
"""

from __future__ import annotations

import logging
import time
import traceback

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from monitor.alerts.models import AlertEvent
from monitor.appeals import Appeal
from monitor.settings import AssessmentSettings, Settings, SmtpSettings
from monitor.store.models import Alert
from monitor.web import create_app
from monitor.web.models import ApiToken, User
from tests.web.conftest import csrf_of, login
from tests.web.seed import Seeded

WHO = (None, "admin", "east", "west", "assess")


def _headers(seeded: Seeded, who: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {seeded.tokens[who]}"} if who else {}


# path template: statuses for (anonymous, admin, east, west, assess)
API_GET = {
    "/periods": (401, 200, 200, 200, 200),
    "/units": (401, 200, 200, 200, 200),
    "/scores": (401, 200, 200, 200, 200),
    "/findings": (401, 200, 200, 200, 200),
    "/alerts": (401, 200, 200, 200, 403),
    "/alerts/{alert_east}": (401, 200, 200, 403, 403),
    "/alerts/{alert_west}": (401, 200, 403, 200, 403),
    "/alerts/999999": (401, 404, 404, 404, 403),
    "/units/330101001001": (401, 200, 200, 200, 200),
    "/findings/{finding_east}": (401, 200, 200, 403, 200),
    "/scores/330101001001/2026-11/explanation": (401, 200, 200, 403, 200),
    "/rules": (401, 200, 200, 200, 200),
    "/rules/timeliness.publication_lag": (401, 200, 200, 200, 200),
    "/feeds": (401, 200, 200, 200, 403),
    "/items": (401, 200, 200, 200, 403),
    "/items/{item}": (401, 200, 200, 403, 403),
    "/items/{item}/versions": (401, 200, 200, 403, 403),
    "/items/{item}/diff": (401, 200, 200, 403, 403),
    "/items/999999": (401, 404, 404, 404, 403),
    "/evidence/{evidence_east}": (401, 200, 200, 403, 403),
    "/evidence/{evidence_east}/download": (401, 200, 200, 403, 403),
    "/evidence/{evidence_west}": (401, 200, 403, 200, 403),
    "/evidence/999999": (401, 404, 404, 404, 403),
    "/appeals": (401, 200, 200, 200, 403),
    "/inspectors": (401, 200, 403, 403, 403),
    "/accounts": (401, 200, 403, 403, 403),
    # Public like the report: no token needed, the same answer for every role.
    "/search?q=东城村": (200, 200, 200, 200, 200),
}


@pytest.mark.parametrize("who", WHO)
def test_every_api_route_for_every_role(client: TestClient, seeded: Seeded, who: str | None):
    for template, expected in API_GET.items():
        path = "/api/v1" + template.format(**seeded.ids)
        status = client.get(path, headers=_headers(seeded, who)).status_code
        assert status == expected[WHO.index(who)], (who, path, status)


@pytest.mark.parametrize("who", WHO)
def test_api_writes_across_towns_and_roles_are_refused(
    client: TestClient, web_sessions: sessionmaker[Session], seeded: Seeded, who: str | None
):
    expected = {None: 401, "admin": 200, "east": 200, "west": 403, "assess": 403}[who]
    alert_id = seeded.ids["alert_east"]
    response = client.post(
        f"/api/v1/alerts/{alert_id}/actions",
        json={"action": "acknowledge"},
        headers=_headers(seeded, who),
    )
    assert response.status_code == expected
    with web_sessions() as session:
        state = session.get(Alert, alert_id).state  # type: ignore[union-attr]
    assert (state == "acknowledged") == (expected == 200)


@pytest.mark.parametrize("who", ["west", "east"])
def test_scoped_lists_leak_nothing_of_the_other_town(
    client: TestClient, seeded: Seeded, who: str
) -> None:
    own = {"east": "330101001", "west": "330101002"}[who]
    headers = _headers(seeded, who)
    for path in ("/findings", "/alerts"):
        items = client.get(f"/api/v1{path}", headers=headers).json()["items"]
        assert items and all(item["unit_code"].startswith(own) for item in items), path
    scores = client.get("/api/v1/scores?period=2026-11&per_page=100", headers=headers).json()
    # Scores are public in the report; through the API an inspector reads their own subtree.
    assert all(s["unit_code"].startswith(own) for s in scores["items"])


def _forms(seeded: Seeded) -> dict[str, dict[str, str]]:
    east = seeded.ids["alert_east"]
    return {
        f"/workspace/alerts/{east}/action": {"action": "acknowledge"},
        f"/workspace/alerts/{east}/comment": {"body": "x"},
        f"/workspace/alerts/{east}/appeals": {"operator": "x", "reason": "y"},
        f"/workspace/alerts/{east}/appeals/1/decide": {"outcome": "upheld", "reason": "r"},
        "/logout": {},
    }


def _alert_trail(sessions: sessionmaker[Session], alert_id: int) -> tuple[str, int, int]:
    with sessions() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        events = session.scalar(
            select(func.count()).select_from(AlertEvent).where(AlertEvent.alert_id == alert_id)
        )
        appeals = session.scalar(select(func.count()).select_from(Appeal))
        return alert.state, events or 0, appeals or 0


@pytest.mark.parametrize("token", ["", "forged-token"])
def test_every_form_without_its_csrf_token_is_refused_and_changes_nothing(
    client: TestClient, web_sessions: sessionmaker[Session], seeded: Seeded, token: str
):
    login(client, "east")
    before = _alert_trail(web_sessions, seeded.ids["alert_east"])
    for path, data in _forms(seeded).items():
        response = client.post(path, data={**data, "csrf": token}, follow_redirects=False)
        assert response.status_code == 403, path
    assert _alert_trail(web_sessions, seeded.ids["alert_east"]) == before
    # Still logged in: /logout was refused too.
    assert client.get("/workspace/alerts", follow_redirects=False).status_code == 200


def test_workspace_writes_on_another_towns_alert_are_refused(
    client: TestClient, web_sessions: sessionmaker[Session], seeded: Seeded
):
    login(client, "west")
    csrf = csrf_of(client.get("/workspace/alerts").text)
    before = _alert_trail(web_sessions, seeded.ids["alert_east"])
    for path, data in _forms(seeded).items():
        if path == "/logout":
            continue
        response = client.post(path, data={**data, "csrf": csrf}, follow_redirects=False)
        assert response.status_code == 403, path
    assert _alert_trail(web_sessions, seeded.ids["alert_east"]) == before


def test_a_session_expires_after_twelve_hours(
    client: TestClient, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
):
    login(client, "east")
    assert client.get("/workspace/alerts", follow_redirects=False).status_code == 200
    later = time.time() + 12 * 3600 + 60
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)
    response = client.get("/workspace/alerts", follow_redirects=False)
    assert response.status_code == 303 and "/login" in response.headers["location"]


def test_a_forged_session_cookie_is_ignored(client: TestClient, seeded: Seeded):
    client.cookies.set("monitor_session", "eyJ1c2VyX2lkIjogMX0=.forged.signature")
    response = client.get("/workspace/alerts", follow_redirects=False)
    assert response.status_code == 303


def test_revoked_tokens_and_disabled_accounts_lose_access(
    client: TestClient, web_sessions: sessionmaker[Session], seeded: Seeded
):
    login(client, "west")
    assert client.get("/workspace/alerts", follow_redirects=False).status_code == 200
    with web_sessions() as session, session.begin():
        session.execute(update(ApiToken).values(revoked_at=func.now()).where(ApiToken.id > 0))
        session.execute(update(User).where(User.name == "west").values(active=False))
    assert client.get("/api/v1/units", headers=_headers(seeded, "east")).status_code == 401
    # The disabled account's open session ends at its next request.
    assert client.get("/workspace/alerts", follow_redirects=False).status_code == 303


SECRETS = {
    "db_password": "Db-Pa55-9c1f",
    "secret_key": "session-key-7f3e2a-0b9c4d8e1f6a3b5c7d9e",
    "webhook_secret": "whsec-41d9",
    "smtp_password": "smtp-pw-88aa",
}


def test_no_secret_in_logs_or_error_pages_when_the_store_fails(
    settings: Settings, caplog: pytest.LogCaptureFixture
):
    broken = settings.model_copy(
        update={
            # A store that refuses every connection: each request fails inside.
            "database_url": (
                f"postgresql+psycopg://monitor:{SECRETS['db_password']}@127.0.0.1:1/monitor"
            ),
            "secret_key": SECRETS["secret_key"],
            "assessment": AssessmentSettings(
                webhook_url="http://127.0.0.1:1/hook", webhook_secret=SECRETS["webhook_secret"]
            ),
            "smtp": SmtpSettings(username="monitor", password=SECRETS["smtp_password"]),
        }
    )
    caplog.set_level(logging.DEBUG)
    app = create_app(broken)
    pages: list[str] = []
    with TestClient(app, raise_server_exceptions=False) as c:
        for path in ("/", "/units/330101001001", "/readyz", "/healthz", "/api/v1/units"):
            for accept in ("text/html", "application/json"):
                response = c.get(path, headers={"Accept": accept, "Authorization": "Bearer x"})
                pages.append(f"{path} {response.status_code} {response.text}")
        token = csrf_of(c.get("/login").text)
        response = c.post("/login", data={"name": "a", "password": "pw-typed-1", "csrf": token})
        pages.append(response.text)
    assert any(" 500 " in page or " 503 " in page for page in pages)
    exposed = "\n".join(pages) + "\n".join(
        record.getMessage() + (record.exc_text or "") for record in caplog.records
    )
    exposed += "".join(
        "".join(traceback.format_exception(*record.exc_info))
        for record in caplog.records
        if record.exc_info
    )
    for name, secret in {**SECRETS, "typed_password": "pw-typed-1"}.items():
        assert secret not in exposed, name
