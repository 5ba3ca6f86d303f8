"""``monitor inspectors``: who hears about alerts, for which units, through what."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from sqlalchemy import select

from monitor.cli.common import echo_json, state
from monitor.redact import redact
from monitor.store.db import transaction
from monitor.store.models import Inspector, Unit
from rules.api import Severity

inspectors_app = typer.Typer(
    help="Inspectors: a subtree of units, a minimum severity and channels.", no_args_is_help=True
)


@inspectors_app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Unique name (re-adding a name updates it)."),
    unit: str = typer.Option(..., "--unit", help="Code of the unit whose subtree they watch."),
    min_severity: str = typer.Option(
        "medium", "--min-severity", help="info, low, medium, high or critical."
    ),
    webhook: Annotated[
        list[str] | None, typer.Option("--webhook", help="Webhook URL (repeatable).")
    ] = None,
    secret: str = typer.Option("", "--secret", help="HMAC secret for the webhooks."),
    email: Annotated[
        list[str] | None, typer.Option("--email", help="E-mail address (repeatable).")
    ] = None,
    apprise: Annotated[
        list[str] | None,
        typer.Option(
            "--apprise", help="Apprise URL, e.g. dingtalk://… or wecombot://… (repeatable)."
        ),
    ] = None,
    supervisor: str | None = typer.Option(
        None, "--supervisor", help="Name of the inspector escalations go to."
    ),
) -> None:
    """Add or update an inspector's subscription."""
    try:
        Severity(min_severity)
    except ValueError as exc:
        raise typer.BadParameter(f"unknown severity {min_severity!r}") from exc
    channels: list[dict[str, Any]] = [
        {"type": "webhook", "url": u, "secret": secret} for u in webhook or []
    ]
    channels += [{"type": "email", "to": a} for a in email or []]
    channels += [{"type": "apprise", "url": u} for u in apprise or []]
    if not channels:
        raise typer.BadParameter("give at least one --webhook, --email or --apprise")
    st = state(ctx)
    with transaction(st.sessions) as session:
        target = session.scalar(select(Unit).where(Unit.code == unit))
        if target is None:
            raise typer.BadParameter(f"no unit {unit}")
        sup_id = None
        if supervisor:
            sup = session.scalar(select(Inspector).where(Inspector.name == supervisor))
            if sup is None:
                raise typer.BadParameter(f"no inspector {supervisor} (add them first)")
            sup_id = sup.id
        insp = session.scalar(select(Inspector).where(Inspector.name == name))
        if insp is None:
            insp = Inspector(name=name)
            session.add(insp)
        insp.unit_id = target.id
        insp.min_severity = min_severity
        insp.channels = channels
        insp.supervisor_id = sup_id
    typer.echo(
        f"inspector {name}: {target.name} ({unit}) and below, {min_severity}+, "
        f"{len(channels)} channel(s)"
    )


def _shown(channel: dict[str, Any]) -> dict[str, Any]:
    """A channel as printed: no webhook secret, and the URL's own tokens masked."""
    shown = {k: v for k, v in channel.items() if k != "secret"}
    if "url" in shown:
        shown["url"] = redact(shown["url"])
    return shown


@inspectors_app.command("list")
def list_inspectors(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """List inspectors and their subscriptions (webhook secrets and the tokens inside
    channel URLs are masked)."""
    st = state(ctx)
    with transaction(st.sessions) as session:
        units = {u.id: u for u in session.scalars(select(Unit))}
        people = list(session.scalars(select(Inspector).order_by(Inspector.name)))
        names = {i.id: i.name for i in people}
        rows: list[dict[str, Any]] = [
            {
                "name": i.name,
                "unit_code": units[i.unit_id].code,
                "unit_name": units[i.unit_id].name,
                "min_severity": i.min_severity,
                "channels": [_shown(c) for c in i.channels],
                "supervisor": names.get(i.supervisor_id) if i.supervisor_id else None,
            }
            for i in people
        ]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        chans = ", ".join(f"{c['type']}:{c.get('url') or c.get('to')}" for c in r["channels"])
        sup = f" → {r['supervisor']}" if r["supervisor"] else ""
        typer.echo(
            f"{r['name']}{sup}: {r['unit_code']} {r['unit_name']}, {r['min_severity']}+, {chans}"
        )


@inspectors_app.command("remove")
def remove(ctx: typer.Context, name: str = typer.Argument(..., help="Inspector name.")) -> None:
    """Remove an inspector (their supervisees lose the supervisor)."""
    st = state(ctx)
    with transaction(st.sessions) as session:
        insp = session.scalar(select(Inspector).where(Inspector.name == name))
        if insp is None:
            typer.echo(f"no inspector {name}", err=True)
            raise typer.Exit(1)
        for other in session.scalars(select(Inspector).where(Inspector.supervisor_id == insp.id)):
            other.supervisor_id = None
        session.flush()
        session.delete(insp)
    typer.echo(f"removed {name}")


def register(app: typer.Typer) -> None:
    app.add_typer(inspectors_app, name="inspectors")
