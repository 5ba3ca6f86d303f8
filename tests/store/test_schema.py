"""The migrations build exactly the models' schema, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from monitor.search.schema import is_native
from monitor.store.base import Base
from monitor.store.db import make_engine
from monitor.store.migrate import current, downgrade, upgrade
from monitor.store.models import Feed, Unit
from monitor.store.registry import import_all_models


def test_migrations_match_models(database_url: str) -> None:
    # Its own engine: the shared fixture also runs create_all, which would hide drift.
    import_all_models()
    eng = make_engine(database_url)
    upgrade(eng)
    with eng.connect() as conn:
        # The search backends' own objects (FTS5 tables, the trigram index) are not models.
        opts = {"compare_type": False, "include_name": lambda n, _t, _p: not is_native(n)}
        ctx = MigrationContext.configure(conn, opts=opts)
        diff = compare_metadata(ctx, Base.metadata)
    eng.dispose()
    assert diff == [], f"models and migrations differ; run `make migration`: {diff}"


def test_downgrade_to_base_and_back(engine: Engine) -> None:
    assert current(engine) is not None
    downgrade(engine, "base")
    assert current(engine) is None
    upgrade(engine)
    assert current(engine) is not None


def test_natural_keys_are_unique(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        s.add(Unit(code="445302000000", name="云城区", level="county", kind="county"))
    with pytest.raises(IntegrityError), sessions.begin() as s:
        s.add(Unit(code="445302000000", name="again", level="county", kind="county"))


def test_timestamps_come_back_aware_utc(sessions: sessionmaker[Session]) -> None:
    stamp = datetime(2026, 11, 28, 8, 30, tzinfo=UTC)
    with sessions.begin() as s:
        unit = Unit(code="445302001000", name="云城街道", level="town", kind="street")
        s.add(unit)
        s.flush()
        s.add(
            Feed(
                unit_id=unit.id,
                url="http://127.0.0.1/x",
                kind="html",
                last_fetched_at=stamp,
                options={"list": {"item": "li"}},
            )
        )
    with sessions() as s:
        feed = s.scalars(select(Feed)).one()
        assert feed.last_fetched_at == stamp
        assert feed.last_fetched_at.tzinfo is not None
        assert feed.options == {"list": {"item": "li"}}
