"""API tokens expire web.token_days after issue: an expired token gets 401."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from monitor.settings import Settings, WebSettings
from monitor.store.base import utcnow
from monitor.web import create_app
from monitor.web.accounts import user_for_token
from monitor.web.models import ApiToken


def _age_tokens(web_sessions, days: float) -> None:
    with web_sessions() as session, session.begin():
        session.execute(update(ApiToken).values(created_at=utcnow() - timedelta(days=days)))


def test_a_token_past_its_days_gets_401(client: TestClient, web_sessions, seeded):
    headers = {"Authorization": f"Bearer {seeded.tokens['admin']}"}
    _age_tokens(web_sessions, 89)
    assert client.get("/api/v1/periods", headers=headers).status_code == 200
    _age_tokens(web_sessions, 91)  # the default lifetime is 90 days
    response = client.get("/api/v1/periods", headers=headers)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_the_lifetime_is_a_setting(settings: Settings, web_sessions, seeded):
    _age_tokens(web_sessions, 2)
    short = settings.model_copy(update={"web": WebSettings(token_days=1)})
    with TestClient(create_app(short, web_sessions)) as client:
        headers = {"Authorization": f"Bearer {seeded.tokens['east']}"}
        assert client.get("/api/v1/alerts", headers=headers).status_code == 401


def test_user_for_token_judges_age_at_now(web_sessions, seeded):
    with web_sessions() as session:
        token = seeded.tokens["west"]
        issued = session.scalar(select(func.max(ApiToken.created_at)))
        day = timedelta(days=1)
        assert user_for_token(session, token, max_age_days=1, now=issued + day / 2)
        assert user_for_token(session, token, max_age_days=1, now=issued + 2 * day) is None
