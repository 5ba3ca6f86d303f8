"""``monitor score``: compute, show and export assessment scores."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.cli.common import AS_OF_HELP, echo_json, parse_as_of, state
from monitor.scoring import (
    compute_scores,
    config_hash,
    export_scores,
    scheme_for,
    score_rows,
    scores_as_of,
)
from monitor.scoring.query import scored_periods
from monitor.store.db import transaction
from monitor.store.models import Unit
from rules.api import Period

score_app = typer.Typer(
    help="Assessment scores per unit and period: compute (the default), show, export.",
    invoke_without_command=True,
)

SCORED_PERIOD_HELP = "Period: 2026-11, 2026-Q4 or 2026. Default: the latest period that has scores."
PERIOD_HELP = "Period: 2026-11 (month), 2026-Q4 (quarter) or 2026 (year). Default: as-of month."


def scored_period(session: Session, value: str | None) -> Period:
    """The asked period, or the latest that has scores; a period without scores is an
    error naming those that have them (exit 1)."""
    known = scored_periods(session)
    if value is None:
        if not known:
            typer.echo("error: no scores yet: run `monitor score` (or `monitor run`)", err=True)
            raise typer.Exit(1)
        return Period.parse(known[0])
    try:
        asked = Period.parse(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    if asked.key not in known:
        have = ", ".join(known[:12]) or "none"
        typer.echo(f"error: no scores for {asked.key}; periods with scores: {have}", err=True)
        raise typer.Exit(1)
    return asked


def _period(value: str | None, as_of: datetime, tz: str) -> Period:
    if value:
        try:
            return Period.parse(value)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from exc
    return Period.containing(as_of.astimezone(ZoneInfo(tz)).date(), "month")


@score_app.callback()
def score(
    ctx: typer.Context,
    period: str | None = typer.Option(None, "--period", "-p", help=PERIOD_HELP),
    as_of: str | None = typer.Option(None, "--as-of", help=AS_OF_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Compute every unit's scores for a period (villages, towns, county) and store them.

    Recomputing the same period and as-of gives identical rows; a change queues a
    ``score.updated`` message for the assessment system.
    """
    if ctx.invoked_subcommand is not None:
        return
    st = state(ctx)
    when = parse_as_of(as_of, st.settings.timezone)
    p = _period(period, when, st.settings.timezone)
    with transaction(st.sessions) as session:
        report = compute_scores(
            session, st.settings, period=p, as_of=when, scheme=st.runtime.scheme
        )
    if as_json:
        echo_json(asdict(report))
        return
    typer.echo(
        f"{report.period} as of {report.computed_for} (scheme {report.scheme_version}, "
        f"{report.config_hash[:12]}): {report.units} units, {report.inserted} new rows, "
        f"{report.updated} changed, {report.unchanged} unchanged"
    )
    for code, total in sorted(report.totals.items()):
        typer.echo(f"  {code}  {'no score' if total is None else f'{total:6.2f}'}")


@score_app.command("show")
def show(
    ctx: typer.Context,
    unit_code: str = typer.Argument(..., help="The unit's 12-digit code."),
    period: str | None = typer.Option(None, "--period", "-p", help=SCORED_PERIOD_HELP),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Show the scores as they stood on this date (YYYY-MM-DD)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print rows with explanations as JSON."),
) -> None:
    """Show a unit's scores for a period, every deduction with its finding."""
    st = state(ctx)
    day = parse_as_of(as_of, st.settings.timezone).astimezone(ZoneInfo(st.settings.timezone))
    with transaction(st.sessions) as session:
        p = scored_period(session, period)
        unit = session.scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None:
            raise typer.BadParameter(f"no unit {unit_code}")
        rows = scores_as_of(session, period=p.key, as_of=day.date(), unit_ids=[unit.id])
        if not rows:
            typer.echo(f"no scores for {unit_code} in {p.key}", err=True)
            raise typer.Exit(1)
        data: list[dict[str, Any]] = [
            {
                "indicator": r.indicator,
                "status": r.status,
                "value": r.value,
                "max_value": r.max_value,
                "weight": r.weight,
                "assessable_fraction": r.assessable_fraction,
                "scheme_version": r.scheme_version,
                "config_hash": r.config_hash,
                "computed_for": r.computed_for.isoformat(),
                "explanation": r.explanation,
            }
            for r in rows
        ]
        name = unit.name
    if as_json:
        echo_json({"unit": unit_code, "name": name, "period": p.key, "scores": data})
        return
    typer.echo(f"{unit_code} {name} — {p.key}")
    for row in sorted(data, key=lambda d: (d["indicator"] == "total", d["indicator"])):
        if row["value"] is None:
            typer.echo(f"  {row['indicator']:<16} {row['status'].replace('_', ' ')} (no score)")
            continue
        typer.echo(
            f"  {row['indicator']:<16} {row['value']:6.2f} / {row['max_value']:g}"
            f"  (assessable {row['assessable_fraction']:.0%})"
        )
        if row["indicator"] == "total":
            continue
        for e in row["explanation"]:
            if e.get("kind") == "rollup":
                typer.echo(
                    f"      roll-up: own {e['own_value']} × {e['own_weight']}, "
                    f"children mean {e['children_mean']} × {e['children_weight']}"
                )
                continue
            note = f" [{e['note']}]" if e.get("note") else ""
            typer.echo(
                f"      −{e['counted']:g}  finding {e['finding_id']} {e['rule_id']} "
                f"{e['subject']} ({e['period']}){note}"
            )


@score_app.command("export")
def export(
    ctx: typer.Context,
    fmt: str = typer.Option(..., "--format", "-f", help="csv, xlsx or json."),
    output: str = typer.Option(..., "--output", "-o", help="File to write."),
    period: str | None = typer.Option(None, "--period", "-p", help=SCORED_PERIOD_HELP),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Export the scores as they stood on this date (YYYY-MM-DD)."
    ),
) -> None:
    """Export stored scores of a period (one row per unit and indicator); says which
    period it wrote."""
    if fmt not in ("csv", "xlsx", "json"):
        raise typer.BadParameter("--format must be csv, xlsx or json")
    st = state(ctx)
    when = parse_as_of(as_of, st.settings.timezone)
    day = when.astimezone(ZoneInfo(st.settings.timezone)).date()
    pass_line = scheme_for(st.settings).pass_line
    with transaction(st.sessions) as session:
        p = scored_period(session, period)
        rows = score_rows(session, scores_as_of(session, period=p.key, as_of=day), pass_line)
    n = export_scores(rows, fmt, Path(output))  # type: ignore[arg-type]
    typer.echo(f"wrote {n} rows for {p.key} to {output}")


@score_app.command("scheme")
def scheme_cmd(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the scheme as JSON."),
) -> None:
    """Validate and show the scheme in use (``MONITOR_SCHEME`` or the default)."""
    st = state(ctx)
    try:
        scheme = scheme_for(st.settings)
    except (OSError, ValueError) as exc:
        typer.echo(f"scheme {st.settings.scheme or 'default'} is not valid: {exc}", err=True)
        raise typer.Exit(1) from exc
    digest = config_hash(scheme, {})
    if as_json:
        echo_json({"config_hash": digest, **scheme.model_dump(mode="json")})
        return
    typer.echo(
        f"{scheme.version} {scheme.title}: {scheme.max_score:g} points, pass at "
        f"{scheme.pass_line:g}, veto cap {scheme.veto_cap}; hash {digest[:12]}"
    )
    for ind in scheme.indicators:
        typer.echo(f"  {ind.id} ({ind.points:g}) {ind.title}")
        for rule_id, r in sorted(ind.rules.items()):
            cap = f", cap {r.cap:g}" if r.cap is not None else ""
            veto = ", veto" if r.veto else ""
            typer.echo(f"      {rule_id}: −{r.deduction:g} per finding{cap}{veto}")
    for level, w in sorted(scheme.rollup.items()):
        typer.echo(f"  roll-up {level}: own {w.own:g}, children {w.children:g}")


def register(app: typer.Typer) -> None:
    app.add_typer(score_app, name="score")
