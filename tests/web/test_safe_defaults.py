"""Safe by default: no start with a forgeable secret key, sessions that end on the
server, cookies flagged for HTTPS, and the security headers on every response."""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import itsdangerous
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.demo.run import demo_settings
from monitor.settings import Settings, WebSettings
from monitor.web import create_app
from monitor.web.app import SESSION_COOKIE
from monitor.web.models import User
from monitor.web.security import MAKE_KEY, InsecureSecretKey, check_secret_key
from tests.web.conftest import csrf_of, login
from tests.web.seed import Seeded

TEMPLATES = Path(__file__).resolve().parents[2] / "monitor" / "web" / "templates"

REFUSED_KEYS = [
    "",
    "   ",
    "change-me",
    "CHANGE-ME",
    "Change_Me",
    "changeme",
    "secret",
    "SECRET",
    "short-but-random-Xq9",
    # Long enough, still a placeholder.
    "change-me-to-a-long-random-string-before-deploying",
    "REPLACE_ME_WITH_THE_OUTPUT_OF_TOKEN_URLSAFE_48",
    # Long enough, not random.
    "a" * 64,
    "0123012301230123012301230123012301230123",
]


@pytest.mark.parametrize("key", REFUSED_KEYS)
def test_the_app_refuses_a_forgeable_key(settings: Settings, web_sessions, key: str):
    with pytest.raises(InsecureSecretKey) as caught:
        create_app(settings.model_copy(update={"secret_key": key}), web_sessions)
    message = str(caught.value)
    assert "\n" not in message and MAKE_KEY in message


def test_a_random_key_is_accepted():
    check_secret_key(secrets.token_urlsafe(48))
    check_secret_key(secrets.token_hex(16))


def test_the_default_is_no_key():
    assert Settings.model_fields["secret_key"].default == ""


def test_the_demo_makes_a_random_key_per_run(settings: Settings):
    plain = settings.model_copy(update={"secret_key": ""})
    first, second = demo_settings(plain).secret_key, demo_settings(plain).secret_key
    check_secret_key(first)
    assert first != second
    # An operator's own good key is kept.
    assert demo_settings(settings).secret_key == settings.secret_key


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("command", ["web", "run"])
@pytest.mark.parametrize("key", ["CHANGE-ME", "change-me", ""])
def test_the_commands_refuse_to_start(settings: Settings, tmp_path: Path, command, key):
    env = {
        **os.environ,
        "MONITOR_DATABASE_URL": settings.database_url,
        "MONITOR_DATA_DIR": str(tmp_path / "var"),
        "MONITOR_CONFIG": str(tmp_path / "absent.toml"),
        "MONITOR_SECRET_KEY": key,
    }
    monitor = str(Path(sys.executable).parent / "monitor")
    # Were the key accepted the server would run: the timeout turns that into a failure.
    done = subprocess.run(
        [monitor, command, "--host", "127.0.0.1", "--port", str(_free_port())],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "secrets.token_urlsafe" in lines[0], done.stderr
    store = Path(settings.database_url.removeprefix("sqlite:///"))
    assert not store.exists(), "started something before refusing"


def _cookie(key: str, data: dict) -> str:
    payload = base64.b64encode(json.dumps(data).encode())
    return itsdangerous.TimestampSigner(key).sign(payload).decode()


@pytest.mark.parametrize("old_key", ["change-me", "CHANGE-ME"])
def test_a_cookie_signed_with_a_placeholder_opens_nothing(
    client: TestClient, web_sessions: sessionmaker[Session], old_key: str
):
    with web_sessions() as session:
        admin_id = session.scalar(select(User.id).where(User.name == "admin"))
    for data in ({"user_id": admin_id}, {"sid": "anything"}):
        client.cookies.set(SESSION_COOKIE, _cookie(old_key, data))
        response = client.get("/workspace/alerts", follow_redirects=False)
        assert response.status_code == 303, data


def test_a_cookie_naming_a_user_opens_nothing_even_when_signed(
    client: TestClient, settings: Settings, web_sessions: sessionmaker[Session]
):
    """The cookie names a server-side session, not a user: even someone holding the
    key cannot make one up."""
    with web_sessions() as session:
        admin_id = session.scalar(select(User.id).where(User.name == "admin"))
    for data in ({"user_id": admin_id}, {"sid": secrets.token_urlsafe(32)}):
        client.cookies.set(SESSION_COOKIE, _cookie(settings.secret_key, data))
        assert client.get("/workspace/alerts", follow_redirects=False).status_code == 303


def test_logout_ends_the_session_in_every_web_process(
    settings: Settings, web_sessions: sessionmaker[Session], seeded: Seeded
):
    # Two apps on one store stand for two web processes behind a balancer.
    first, second = create_app(settings, web_sessions), create_app(settings, web_sessions)
    with TestClient(first) as a, TestClient(second) as b:
        assert login(a, "east").status_code == 303
        stolen = a.cookies[SESSION_COOKIE]
        b.cookies.set(SESSION_COOKIE, stolen)
        assert b.get("/workspace/alerts", follow_redirects=False).status_code == 200
        page = a.get("/workspace/alerts")
        a.post("/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
        # The copy of the cookie, replayed on the other process, is refused.
        b.cookies.set(SESSION_COOKIE, stolen)
        response = b.get("/workspace/alerts", follow_redirects=False)
        assert response.status_code == 303 and "/login" in response.headers["location"]


def test_a_session_ends_on_the_server_after_its_lifetime(
    settings: Settings, web_sessions: sessionmaker[Session], seeded: Seeded
):
    short = settings.model_copy(update={"web": WebSettings(session_hours=1e-9)})
    with TestClient(create_app(short, web_sessions)) as c:
        login(c, "east")
        assert c.get("/workspace/alerts", follow_redirects=False).status_code == 303


def _set_cookie(response) -> str:
    values = response.headers.get_list("set-cookie")
    ours = [v for v in values if v.startswith(SESSION_COOKIE + "=")]
    assert ours, values
    return ours[-1].lower()


def _login_response(client: TestClient, headers: dict[str, str] | None = None):
    token = csrf_of(client.get("/login", headers=headers).text)
    return client.post(
        "/login",
        data={"name": "east", "password": "correct horse battery staple", "csrf": token},
        headers=headers,
        follow_redirects=False,
    )


def test_cookies_are_secure_over_https(app, seeded: Seeded):
    with TestClient(app, base_url="https://testserver") as c:
        flags = _set_cookie(_login_response(c))
    assert "; secure" in flags and "httponly" in flags and "samesite=lax" in flags


def test_cookies_over_plain_http_are_not_marked_secure(client: TestClient, seeded: Seeded):
    flags = _set_cookie(_login_response(client))
    assert "secure" not in flags and "httponly" in flags and "samesite=lax" in flags


def test_a_trusted_proxy_says_https(settings: Settings, web_sessions, seeded: Seeded):
    forwarded = {"X-Forwarded-Proto": "https"}
    trusting = settings.model_copy(update={"web": WebSettings(trusted_proxies="*")})
    # The login form's CSRF token is the first thing a session cookie carries.
    with TestClient(create_app(trusting, web_sessions)) as c:
        assert "; secure" in _set_cookie(c.get("/login", headers=forwarded))
    # Nobody but the configured proxy may claim it: TestClient's peer is not 127.0.0.1.
    with TestClient(create_app(settings, web_sessions)) as c:
        assert "secure" not in _set_cookie(c.get("/login", headers=forwarded))


HEADERS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


def test_security_headers_on_every_response(client: TestClient, seeded: Seeded):
    login(client, "admin")
    paths = [
        "/",
        "/login",
        "/static/style.css",
        "/healthz",
        "/metrics",
        "/export/units.csv",
        "/workspace/alerts",
        f"/workspace/alerts/{seeded.ids['alert_east']}",
        "/no/such/page",
        "/workspace/alerts/0",  # 422
        "/api/v1/units",  # 401 without a token
    ]
    for path in paths:
        response = client.get(path, follow_redirects=False)
        for name, value in HEADERS.items():
            assert response.headers.get(name) == value, (path, name)
        csp = response.headers.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp, path
        assert "script-src" not in csp or "'self'" in csp


def test_templates_have_no_inline_script_or_style():
    """The policy forbids inline script and style: a template that adds one breaks."""
    for path in TEMPLATES.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<script|<style|\sstyle=|\son[a-z]+=|javascript:", text, re.I), path
