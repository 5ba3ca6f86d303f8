"""``monitor db``: schema migrations."""

from __future__ import annotations

import typer

from monitor.cli.common import state
from monitor.store import migrate

db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade(ctx: typer.Context, revision: str = typer.Argument("head")) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    st = state(ctx)
    migrate.upgrade(st.engine, revision)
    typer.echo(f"database at {migrate.current(st.engine)}")


@db_app.command("downgrade")
def downgrade(ctx: typer.Context, revision: str = typer.Argument(...)) -> None:
    """Revert migrations down to REVISION (``base`` empties the schema)."""
    st = state(ctx)
    migrate.downgrade(st.engine, revision)
    typer.echo(f"database at {migrate.current(st.engine)}")


@db_app.command("current")
def current(ctx: typer.Context) -> None:
    """Print the revision the database is at."""
    typer.echo(migrate.current(state(ctx).engine) or "empty")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
