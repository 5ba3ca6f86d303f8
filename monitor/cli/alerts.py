"""``monitor alerts``: list, show and act on alerts; sync them and deliver the outbox."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.alerts import actions, queries, sync_alerts
from monitor.cli.common import AS_OF_HELP, echo_json, echo_text, parse_as_of, state
from monitor.notify import deliver_outbox
from monitor.precision import parse_verdict
from monitor.redact import redact
from monitor.store.db import transaction
from monitor.store.models import Alert, Finding, Outbox, Unit

alerts_app = typer.Typer(
    help="Alerts for inspectors: list, show, ack, resolve, silence, unsilence, reopen; "
    "sync and deliver. The operator's command line sees every jurisdiction; the moves "
    "allowed are the workspace's and the API's (monitor.alerts.actions).",
    no_args_is_help=True,
)

BY_HELP = "Who acts (recorded in the alert's history)."
REASON_HELP = "Why (recorded in the alert's history)."


def _summary(alert: Alert, unit: Unit) -> dict[str, Any]:
    return {
        "id": alert.id,
        "state": alert.state,
        "severity": alert.severity,
        "unit_code": unit.code,
        "unit_name": unit.name,
        "rule_id": alert.rule_id,
        "subject": alert.subject,
        "title": alert.title,
        "opened_at": alert.opened_at.isoformat(),
        "updated_at": alert.updated_at.isoformat(),
        "acknowledged_by": alert.acknowledged_by,
        "silenced_until": alert.silenced_until.isoformat() if alert.silenced_until else None,
        "escalated_at": alert.escalated_at.isoformat() if alert.escalated_at else None,
        "finding_id": alert.finding_id,
    }


def _load(session: Session, alert_id: int) -> Alert:
    try:
        # The command line is the operator's: every jurisdiction (scope None).
        return queries.visible_alert(session, None, alert_id)
    except queries.AlertNotFound as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc


@alerts_app.command("list")
def list_alerts(
    ctx: typer.Context,
    state_: str | None = typer.Option(
        None,
        "--state",
        help="open, acknowledged, silenced, resolved or all (default: all but resolved).",
    ),
    unit: str | None = typer.Option(
        None, "--unit", help="A unit's code: that unit and the units below it."
    ),
    severity: str | None = typer.Option(None, "--severity", help="Only this severity."),
    rule: str | None = typer.Option(None, "--rule", help="Only this rule's alerts."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List alerts, most severe and oldest first."""
    st = state(ctx)
    flt = queries.AlertFilter(
        state=state_, severity=severity, rule=rule, unit=unit, sort="severity"
    )
    with transaction(st.sessions) as session:
        rows = [_summary(a, u) for a, u in session.execute(queries.alert_query(None, flt))]
    if as_json:
        echo_json(rows)
        return
    if not rows:
        typer.echo("no alerts")
    for r in rows:
        echo_text(
            f"#{r['id']:<5} {r['state']:<12} {r['severity']:<8} {r['unit_code']} "
            f"{r['unit_name']}  {r['rule_id']}  {r['subject']}"
        )


@alerts_app.command("show")
def show(
    ctx: typer.Context,
    alert_id: int = typer.Argument(..., help="Alert id."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show one alert with its finding's evidence and full history."""
    st = state(ctx)
    with transaction(st.sessions) as session:
        alert = _load(session, alert_id)
        unit = session.get(Unit, alert.unit_id)
        assert unit is not None
        data = _summary(alert, unit)
        finding = session.get(Finding, alert.finding_id) if alert.finding_id else None
        data["finding"] = (
            {
                "id": finding.id,
                "period": finding.period,
                "status": finding.status,
                "message": finding.message,
                "evidence": finding.evidence,
            }
            if finding
            else None
        )
        data["history"] = [
            {
                "at": e.at.isoformat(),
                "from": e.from_state,
                "to": e.to_state,
                "actor": e.actor,
                "reason": e.reason,
            }
            for e in alert.history
        ]
    if as_json:
        echo_json(data)
        return
    echo_text(
        f"alert #{data['id']} [{data['state']}] {data['severity']} — {data['unit_code']} "
        f"{data['unit_name']}\n  {data['rule_id']} {data['subject']}\n  {data['title']}"
    )
    if data["finding"]:
        echo_text(
            f"  finding {data['finding']['id']} ({data['finding']['period']}, "
            f"{data['finding']['status']}): {data['finding']['evidence']}"
        )
    typer.echo("  history:")
    for h in data["history"]:
        echo_text(f"    {h['at']}  {h['from'] or '-'} → {h['to']}  by {h['actor']}: {h['reason']}")


def _act(ctx: typer.Context, alert_id: int, action: str, **kw: Any) -> None:
    st = state(ctx)
    try:
        with transaction(st.sessions) as session:
            alert = _load(session, alert_id)
            actions.apply(session, alert, action, **kw)
            new_state = alert.state
    except actions.TransitionError as exc:
        typer.echo(f"refused: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"alert #{alert_id} is now {new_state}")


@alerts_app.command("ack")
def ack(
    ctx: typer.Context,
    alert_id: int = typer.Argument(..., help="Alert id."),
    by: str = typer.Option(..., "--by", help=BY_HELP),
    reason: str = typer.Option("", "--reason", help=REASON_HELP),
    as_of: str | None = typer.Option(None, "--as-of", help="When it happened. " + AS_OF_HELP),
) -> None:
    """Acknowledge an open alert: no more repeats or escalation for it."""
    now = parse_as_of(as_of, state(ctx).settings.timezone)
    _act(ctx, alert_id, "acknowledge", actor=by, reason=reason, now=now)


@alerts_app.command("resolve")
def resolve_cmd(
    ctx: typer.Context,
    alert_id: int = typer.Argument(..., help="Alert id."),
    by: str = typer.Option(..., "--by", help=BY_HELP),
    reason: str = typer.Option(..., "--reason", help=REASON_HELP),
    as_of: str | None = typer.Option(None, "--as-of", help="When it happened. " + AS_OF_HELP),
    verdict: str | None = typer.Option(
        None,
        "--verdict",
        help="Was the finding right? confirmed or false-positive; measured as the rule's "
        "precision (`monitor rules precision`).",
    ),
) -> None:
    """Resolve an alert by hand (it stays resolved while its finding stays open)."""
    now = parse_as_of(as_of, state(ctx).settings.timezone)
    try:
        parse_verdict(verdict)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--verdict") from exc
    _act(ctx, alert_id, "resolve", actor=by, reason=reason, now=now, verdict=verdict)


@alerts_app.command("silence")
def silence_cmd(
    ctx: typer.Context,
    alert_id: int = typer.Argument(..., help="Alert id."),
    by: str = typer.Option(..., "--by", help=BY_HELP),
    until: str = typer.Option(
        ..., "--until", help="Silenced until this date (end of day) or ISO timestamp."
    ),
    reason: str = typer.Option("", "--reason", help=REASON_HELP),
    as_of: str | None = typer.Option(None, "--as-of", help="When it happened. " + AS_OF_HELP),
) -> None:
    """Silence an alert until a date: no notifications until then, then it reopens."""
    tz = state(ctx).settings.timezone
    _act(
        ctx,
        alert_id,
        "silence",
        actor=by,
        reason=reason,
        until=parse_as_of(until, tz),
        now=parse_as_of(as_of, tz),
    )


@alerts_app.command("unsilence")
def unsilence_cmd(
    ctx: typer.Context,
    alert_id: int = typer.Argument(..., help="Alert id."),
    by: str = typer.Option(..., "--by", help=BY_HELP),
    reason: str = typer.Option("", "--reason", help=REASON_HELP),
    as_of: str | None = typer.Option(None, "--as-of", help="When it happened. " + AS_OF_HELP),
) -> None:
    """End a silence early; a resolved alert is reopened with ``reopen`` instead."""
    now = parse_as_of(as_of, state(ctx).settings.timezone)
    _act(ctx, alert_id, "unsilence", actor=by, reason=reason, now=now)


@alerts_app.command("reopen")
def reopen_cmd(
    ctx: typer.Context,
    alert_id: int = typer.Argument(..., help="Alert id."),
    by: str = typer.Option(..., "--by", help=BY_HELP),
    reason: str = typer.Option(..., "--reason", help=REASON_HELP),
    as_of: str | None = typer.Option(None, "--as-of", help="When it happened. " + AS_OF_HELP),
) -> None:
    """Reopen an alert resolved by mistake: a new episode, repeats and escalation restart."""
    now = parse_as_of(as_of, state(ctx).settings.timezone)
    _act(ctx, alert_id, "reopen", actor=by, reason=reason, now=now)


@alerts_app.command("sync")
def sync(
    ctx: typer.Context,
    as_of: str | None = typer.Option(None, "--as-of", help=AS_OF_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Open/resolve alerts from the findings and queue notifications in the outbox."""
    st = state(ctx)
    now = parse_as_of(as_of, st.settings.timezone)
    with transaction(st.sessions) as session:
        report = sync_alerts(session, st.settings, now=now)
    if as_json:
        echo_json(asdict(report))
        return
    typer.echo(
        f"opened {len(report.opened)}, reopened {len(report.reopened)}, resolved "
        f"{len(report.resolved)}, repeated {len(report.repeated)}, escalated "
        f"{len(report.escalated)}, inhibited {report.inhibited}; "
        f"{report.notifications} notifications queued"
    )


@alerts_app.command("deliver")
def deliver(
    ctx: typer.Context,
    as_of: str | None = typer.Option(None, "--as-of", help=AS_OF_HELP),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Render what would be sent; send nothing, keep every row."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Deliver due outbox rows: alert notifications and ``score.updated`` messages."""
    st = state(ctx)
    settings = st.settings
    if dry_run:
        settings = settings.model_copy(
            update={"alerts": settings.alerts.model_copy(update={"dry_run": True})}
        )
    now = parse_as_of(as_of, settings.timezone) if as_of else None
    report = deliver_outbox(st.sessions, settings, now=now)
    if as_json:
        echo_json(asdict(report))
        return
    typer.echo(
        f"delivered {len(report.delivered)}, failed {len(report.failed)}, held {report.held}, "
        f"skipped {report.skipped}, dry-run {len(report.dry_run)}"
    )
    for line in report.errors:
        typer.echo(f"  {line}", err=True)
    for item in report.dry_run:
        typer.echo(f"  would send #{item['id']} via {item['channel']}: {item['subject']}")


def _recipient(row: Outbox) -> str | None:
    channel = row.payload.get("channel") or {}
    if channel.get("to"):
        return str(channel["to"])
    if channel.get("url"):
        return redact(channel["url"])
    return "assessment webhook" if row.topic.startswith("score.") else None


@alerts_app.command("outbox")
def outbox(
    ctx: typer.Context,
    show_all: bool = typer.Option(False, "--all", help="Include delivered rows."),
    limit: int = typer.Option(50, "--limit", help="Most rows shown, newest first."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Outbox rows waiting for delivery, with their attempts and last error."""
    st = state(ctx)
    with transaction(st.sessions) as session:
        query = select(Outbox).order_by(Outbox.id.desc()).limit(limit)
        if not show_all:
            query = query.where(Outbox.delivered_at.is_(None))
        rows = [
            {
                "id": r.id,
                "topic": r.topic,
                "idempotency_key": r.idempotency_key,
                "recipient": _recipient(r),
                "attempts": r.attempts,
                "next_attempt_at": r.next_attempt_at.isoformat(),
                "delivered_at": r.delivered_at.isoformat() if r.delivered_at else None,
                # Rows failed before masking existed may still quote a token.
                "last_error": redact(r.last_error) if r.last_error else None,
            }
            for r in session.scalars(query)
        ]
    if as_json:
        echo_json(rows)
        return
    if not rows:
        typer.echo("outbox empty")
    for r in rows:
        status = (
            f"delivered {r['delivered_at']}"
            if r["delivered_at"]
            else (f"next {r['next_attempt_at']}")
        )
        err = f"  last error: {r['last_error']}" if r["last_error"] else ""
        typer.echo(
            f"#{r['id']:<5} {r['topic']:<20} {r['recipient'] or '-'}  attempts {r['attempts']}, "
            f"{status}{err}"
        )


def register(app: typer.Typer) -> None:
    app.add_typer(alerts_app, name="alerts")
