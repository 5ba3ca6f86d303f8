from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from monitor.settings import Settings
from monitor.web import create_app
from tests.web.seed import PASSWORD, Seeded, seed


@pytest.fixture
def seeded(settings: Settings, sqlite_sessions: sessionmaker[Session]) -> Seeded:
    with sqlite_sessions() as session, session.begin():
        return seed(session, settings.evidence_dir)


@pytest.fixture
def app(settings: Settings, sqlite_sessions: sessionmaker[Session], seeded: Seeded):
    return create_app(settings, sqlite_sessions)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "form without a CSRF token"
    return match.group(1)


def login(client: TestClient, name: str, password: str = PASSWORD):
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login",
        data={"name": name, "password": password, "csrf": token},
        follow_redirects=False,
    )
