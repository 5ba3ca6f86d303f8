"""Run Alembic from code, so ``monitor db upgrade`` needs no alembic.ini on disk."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str) -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)


def current(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


class SchemaBehind(RuntimeError):
    """The store holds tables at an older revision (or none Alembic knows): migrating
    it is the operator's call, said in one line."""

    def __init__(self, found: str | None, wanted: str) -> None:
        at = f"at revision {found}" if found else "not under migration control"
        super().__init__(
            f"the store is {at}, this monitor needs {wanted}: run `monitor db upgrade`"
        )


def head() -> str:
    from alembic.script import ScriptDirectory

    found = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert found is not None
    return found


def ensure_schema(engine: Engine) -> bool:
    """Create the schema of an empty store (True); pass a current one (False); raise
    :class:`SchemaBehind` for a store with tables at another revision."""
    from sqlalchemy import inspect

    found = current(engine)
    wanted = head()
    if found == wanted:
        return False
    if found is None and not inspect(engine).get_table_names():
        upgrade(engine)
        return True
    raise SchemaBehind(found, wanted)
