"""Alembic environment: the URL comes from the caller's settings, never from alembic.ini."""

from __future__ import annotations

from alembic import context

from monitor.search.schema import is_native
from monitor.store import models  # noqa: F401  (registers the tables)
from monitor.store.base import Base
from monitor.store.db import make_engine
from monitor.store.registry import import_all_models

import_all_models()
config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
        conn.commit()
    engine.dispose()


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite needs batch mode to alter tables
        compare_type=True,
        # The search backends' own objects (FTS5 tables, trigram index) are not models.
        include_name=lambda name, _type, _parent: not is_native(name),
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
