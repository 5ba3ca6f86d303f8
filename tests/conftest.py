"""Shared fixtures: settings, and a store on SQLite or on the real PostgreSQL.

PostgreSQL tests create a database of their own per test session (named after the
process id), so parallel runs and developers' data never collide.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from monitor import i18n
from monitor.settings import Settings
from monitor.store.base import Base
from monitor.store.db import make_engine, make_sessionmaker
from monitor.store.migrate import upgrade
from monitor.store.registry import import_all_models

PG_ADMIN_URL = os.environ.get(
    "MONITOR_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("MONITOR_TEST_REDIS", "redis://127.0.0.1:6379/15")
# ../shared beside the checkout; MONITOR_SHARED points elsewhere (a git worktree).
SHARED = Path(
    os.environ.get("MONITOR_SHARED") or Path(__file__).resolve().parents[1].parent / "shared"
)
CORPUS = SHARED / "corpus"
# The existing assertions read English; tests of Chinese ask for zh_CN themselves.
os.environ["MONITOR_LANGUAGE"] = "en"
# The web refuses placeholder keys; tests get a random one per run.
TEST_SECRET_KEY = "test-" + secrets.token_urlsafe(40)


def _port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def pg_available() -> bool:
    return _port_open("127.0.0.1", 5432)


def redis_available() -> bool:
    return _port_open("127.0.0.1", 6379)


def pg_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def create_pg_database(name: str, template: str | None = None) -> str:
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        suffix = f' TEMPLATE "{template}"' if template else ""
        conn.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
    admin.dispose()
    return pg_url(name)


def drop_pg_database(name: str) -> None:
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Text rendered outside a request (render_text, exports) reads English, and a
    command's ``--lang`` does not leak into the next test."""
    with i18n.using("en"):
        yield


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'monitor.db'}",
        data_dir=tmp_path / "var",
        allowed_networks=["127.0.0.0/8"],
        secret_key=TEST_SECRET_KEY,
    )


_pg_template: str | None = None


def pg_template() -> str:
    """A database migrated once per test session, copied for each test: copying a
    template is a file copy, far quicker than running the migrations again."""
    global _pg_template
    if _pg_template is None:
        name = f"monitor_tpl_{os.getpid()}"
        eng = make_engine(create_pg_database(name))
        upgrade(eng)  # migrations only: the schema test must see what they build
        eng.dispose()
        _pg_template = name
    return _pg_template


@pytest.fixture(scope="session", autouse=True)
def _drop_pg_template() -> Iterator[None]:
    yield
    if _pg_template is not None:
        drop_pg_database(_pg_template)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    if not pg_available():
        pytest.fail("PostgreSQL is not running on 127.0.0.1:5432 (.ci/run starts it)")
    name = f"monitor_test_{os.getpid()}_{abs(hash(request.node.nodeid)) % 10**8}"
    url = create_pg_database(name, template=pg_template())
    try:
        yield url
    finally:
        drop_pg_database(name)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    upgrade(eng)
    # Tables added since the last migration was generated; the schema test catches drift.
    import_all_models()
    Base.metadata.create_all(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


@pytest.fixture
def sqlite_sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    """A migrated SQLite store only: for tests that are not about the backend."""
    eng = make_engine(settings.database_url)
    upgrade(eng)
    import_all_models()
    Base.metadata.create_all(eng)
    yield make_sessionmaker(eng)
    eng.dispose()
