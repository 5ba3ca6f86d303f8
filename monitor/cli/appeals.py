"""``monitor appeals``: a unit contests a finding; an inspector decides."""

from __future__ import annotations

from typing import Any

import typer
from sqlalchemy import select

from monitor.alerts.models import Appeal
from monitor.appeals import AppealError, decide_appeal, file_appeal
from monitor.cli.common import AS_OF_HELP, echo_json, parse_as_of, state
from monitor.store.db import transaction
from monitor.store.models import Finding, Unit

appeals_app = typer.Typer(
    help="Appeals against findings: file, decide (uphold/overturn), list, show.",
    no_args_is_help=True,
)


def _describe(a: Appeal, unit: Unit, finding: Finding | None) -> dict[str, Any]:
    return {
        "id": a.id,
        "state": a.state,
        "unit_code": unit.code,
        "unit_name": unit.name,
        "finding_id": a.finding_id,
        "rule_id": finding.rule_id if finding else None,
        "subject": finding.subject if finding else None,
        "period": finding.period if finding else None,
        "filed_by": a.filed_by,
        "reason": a.reason,
        "filed_at": a.filed_at.isoformat(),
        "decided_by": a.decided_by,
        "decision_reason": a.decision_reason,
        "decided_at": a.decided_at.isoformat() if a.decided_at else None,
        "history": [
            {
                "at": e.at.isoformat(),
                "from": e.from_state,
                "to": e.to_state,
                "actor": e.actor,
                "reason": e.reason,
            }
            for e in a.history
        ],
    }


@appeals_app.command("file")
def file_cmd(
    ctx: typer.Context,
    finding_id: int = typer.Argument(..., help="The finding contested."),
    by: str = typer.Option(..., "--by", help="The operator filing for the unit."),
    reason: str = typer.Option(..., "--reason", help="Why the finding is wrong."),
    as_of: str | None = typer.Option(None, "--as-of", help="When it was filed. " + AS_OF_HELP),
) -> None:
    """File an appeal against a finding."""
    st = state(ctx)
    now = parse_as_of(as_of, st.settings.timezone)
    try:
        with transaction(st.sessions) as session:
            appeal = file_appeal(
                session, finding_id=finding_id, operator=by, reason=reason, now=now
            )
            appeal_id = appeal.id
    except AppealError as exc:
        typer.echo(f"refused: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"appeal #{appeal_id} filed against finding {finding_id}")


@appeals_app.command("decide")
def decide(
    ctx: typer.Context,
    appeal_id: int = typer.Argument(..., help="Appeal id."),
    outcome: str = typer.Option(..., "--outcome", help="upheld or overturned."),
    by: str = typer.Option(..., "--by", help="The deciding inspector."),
    reason: str = typer.Option(..., "--reason", help="Why."),
    as_of: str | None = typer.Option(None, "--as-of", help="When it was decided. " + AS_OF_HELP),
) -> None:
    """Uphold or overturn an appeal; overturning recomputes the affected scores."""
    st = state(ctx)
    now = parse_as_of(as_of, st.settings.timezone)
    try:
        with transaction(st.sessions) as session:
            decision = decide_appeal(
                session,
                st.settings,
                appeal_id,
                inspector=by,
                outcome=outcome,  # type: ignore[arg-type]
                reason=reason,
                now=now,
            )
            periods = [r.period for r in decision.recomputed]
    except AppealError as exc:
        typer.echo(f"refused: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(
        f"appeal #{appeal_id} {outcome}" + (f"; recomputed {', '.join(periods)}" if periods else "")
    )


@appeals_app.command("list")
def list_appeals(
    ctx: typer.Context,
    state_: str | None = typer.Option(None, "--state", help="pending, upheld or overturned."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List appeals, oldest first."""
    st = state(ctx)
    with transaction(st.sessions) as session:
        query = select(Appeal).order_by(Appeal.id)
        if state_:
            query = query.where(Appeal.state == state_)
        rows = [
            _describe(a, session.get(Unit, a.unit_id), session.get(Finding, a.finding_id))  # type: ignore[arg-type]
            for a in session.scalars(query)
        ]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        typer.echo(
            f"#{r['id']:<4} {r['state']:<10} {r['unit_code']} {r['unit_name']}  "
            f"finding {r['finding_id']} {r['rule_id']} {r['subject']}: {r['reason']}"
        )


@appeals_app.command("show")
def show(
    ctx: typer.Context,
    appeal_id: int = typer.Argument(..., help="Appeal id."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show an appeal with its full history."""
    st = state(ctx)
    with transaction(st.sessions) as session:
        a = session.get(Appeal, appeal_id)
        if a is None:
            typer.echo(f"no appeal {appeal_id}", err=True)
            raise typer.Exit(1)
        data = _describe(a, session.get(Unit, a.unit_id), session.get(Finding, a.finding_id))  # type: ignore[arg-type]
    if as_json:
        echo_json(data)
        return
    typer.echo(
        f"appeal #{data['id']} [{data['state']}] {data['unit_code']} {data['unit_name']}: "
        f"finding {data['finding_id']} {data['rule_id']} {data['subject']}"
    )
    for h in data["history"]:
        typer.echo(f"  {h['at']}  {h['from'] or '-'} → {h['to']}  by {h['actor']}: {h['reason']}")


def register(app: typer.Typer) -> None:
    app.add_typer(appeals_app, name="appeals")
