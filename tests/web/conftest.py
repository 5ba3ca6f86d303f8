"""Web fixtures: the seeded district is built once per test session (migrations and
argon2 hashing are slow) and each test gets its own copy of the SQLite file."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from monitor.search import index_pending
from monitor.settings import Settings
from monitor.store.base import Base
from monitor.store.db import make_engine, make_sessionmaker
from monitor.store.migrate import upgrade
from monitor.store.registry import import_all_models
from monitor.web import accounts, create_app
from tests.web.seed import PASSWORD, Seeded, seed


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Seeded]:
    root = tmp_path_factory.mktemp("web-template")
    engine = make_engine(f"sqlite:///{root / 'store.db'}")
    upgrade(engine)
    import_all_models()
    Base.metadata.create_all(engine)
    # Cheap argon2 parameters for the test accounts: verification reads them from the
    # hash, so every login in the suite is fast too.
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))
    try:
        with make_sessionmaker(engine)() as session, session.begin():
            result = seed(session, root / "evidence")
    finally:
        monkeypatch.undo()
    index_pending(make_sessionmaker(engine))  # the search index, as after a crawl
    with engine.connect() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    engine.dispose()
    return root, result


@pytest.fixture
def web_sessions(
    settings: Settings, seeded_template: tuple[Path, Seeded]
) -> Iterator[sessionmaker[Session]]:
    root, _ = seeded_template
    target = Path(settings.database_url.removeprefix("sqlite:///"))
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(root / "store.db", target)
    shutil.copytree(root / "evidence", settings.evidence_dir)
    engine = make_engine(settings.database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def seeded(web_sessions, seeded_template: tuple[Path, Seeded]) -> Seeded:
    return seeded_template[1]


@pytest.fixture
def app(settings: Settings, web_sessions: sessionmaker[Session]):
    return create_app(settings, web_sessions)


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
