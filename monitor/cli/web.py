"""``monitor web`` serves the report, workspace and API; ``monitor users`` manages accounts."""

from __future__ import annotations

import sys

import typer

from monitor.cli.common import echo_json, require_secret_key, state
from monitor.store.db import transaction

users_app = typer.Typer(help="Workspace and API accounts.", no_args_is_help=True)


def web(
    ctx: typer.Context,
    host: str | None = typer.Option(
        None, help="Address to listen on (default: settings.web_host)."
    ),
    port: int | None = typer.Option(None, help="Port to listen on (default: settings.web_port)."),
) -> None:
    """Serve the public report, the inspectors' workspace, /api/v1 and /metrics."""
    import uvicorn

    from monitor.logs import setup_logging
    from monitor.web import create_app

    st = state(ctx)
    require_secret_key(st.settings)
    setup_logging(st.settings)
    app = create_app(st.settings, st.sessions)
    host = host or st.settings.web_host
    port = port if port is not None else st.settings.web_port
    typer.echo(f"serving on http://{host}:{port}/")
    # Proxy headers are applied by the app itself, from web.trusted_proxies.
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False, proxy_headers=False)


@users_app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Login name."),
    role: str = typer.Option(..., "--role", help="administrator, inspector or assessment."),
    unit: str | None = typer.Option(
        None, "--unit", help="Code of the unit whose subtree an inspector covers."
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of stdin."
    ),
) -> None:
    """Create or update an account (an existing NAME gets the new role and unit)."""
    from monitor.web.accounts import AccountError, add_user

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    if password_stdin and not password:
        raise typer.BadParameter("empty password on stdin")
    try:
        with transaction(state(ctx).sessions) as session:
            user = add_user(session, name, role, unit_code=unit, password=password)
            typer.echo(f"user {user.name} ({user.role}) saved")
    except AccountError as exc:
        raise typer.BadParameter(str(exc)) from exc


@users_app.command("token")
def token(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Login name."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Issue a new API token for NAME and print it (it is shown only this once).

    Tokens expire web.token_days after issue (MONITOR_WEB__TOKEN_DAYS, default 90)."""
    from sqlalchemy import select

    from monitor.web.accounts import issue_token
    from monitor.web.models import User

    with transaction(state(ctx).sessions) as session:
        user = session.scalar(select(User).where(User.name == name))
        if user is None:
            raise typer.BadParameter(f"no user {name}")
        value = issue_token(session, user)
    if json_out:
        echo_json({"user": name, "token": value})
    else:
        typer.echo(value)


def register(app: typer.Typer) -> None:
    app.command("web")(web)
    app.add_typer(users_app, name="users")
