"""``monitor calendar``: the working-day calendar and the operator's additions."""

from __future__ import annotations

from datetime import date

import typer

from monitor.calendar import add_operator_day, calendar_path, load_calendar
from monitor.cli.common import echo_json, state
from rules.api import CalendarUnknown


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"want YYYY-MM-DD: {exc}") from exc


calendar_app = typer.Typer(
    help="Chinese working days: State Council notices (2004–2026) plus the operator file.",
    no_args_is_help=True,
)


@calendar_app.command("workdays")
def workdays(
    ctx: typer.Context,
    start: str = typer.Argument(..., metavar="FROM", help="First day, YYYY-MM-DD."),
    end: str = typer.Argument(..., metavar="TO", help="Last day, YYYY-MM-DD (inclusive)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Count (and with --json list) the working days from FROM to TO, both included.

    Exits 3 with "calendar unknown" when the range reaches a year neither the
    State Council data nor the operator file covers."""
    cal = load_calendar(state(ctx).settings)
    first, last = _day(start), _day(end)
    try:
        days = cal.workdays(first, last)
    except CalendarUnknown as exc:
        if as_json:
            echo_json({"from": start, "to": end, "unknown": str(exc)})
        else:
            typer.echo(f"calendar unknown: {exc}", err=True)
        raise typer.Exit(3) from None
    if as_json:
        echo_json(
            {
                "from": start,
                "to": end,
                "workdays": len(days),
                "days": [d.isoformat() for d in days],
            }
        )
    else:
        typer.echo(str(len(days)))


@calendar_app.command("is-workday")
def is_workday(
    ctx: typer.Context,
    day: str = typer.Argument(..., metavar="DATE", help="YYYY-MM-DD."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Say whether DATE is a working day (exit 0), a day off (exit 1), or unknown (exit 3)."""
    cal = load_calendar(state(ctx).settings)
    try:
        answer = cal.is_workday(_day(day))
    except CalendarUnknown as exc:
        if as_json:
            echo_json({"date": day, "workday": None, "unknown": str(exc)})
        else:
            typer.echo(f"calendar unknown: {exc}")
        raise typer.Exit(3) from None
    if as_json:
        echo_json({"date": day, "workday": answer})
    else:
        typer.echo("working day" if answer else "day off")
    raise typer.Exit(0 if answer else 1)


@calendar_app.command("add")
def add(
    ctx: typer.Context,
    day: str = typer.Argument(..., metavar="DATE", help="YYYY-MM-DD."),
    n: int = typer.Argument(
        ..., metavar="N", help="0: a day off (holiday); 1: a working day (makeup day)."
    ),
) -> None:
    """Record DATE in the operator calendar file (calendar_file, or DATA_DIR/calendar.yaml).

    N=0 makes DATE a day off (a holiday of the State Council notice), N=1 a working
    day (a weekend makeup day). A year becomes known once the file lists any day of
    it; unlisted days of that year follow the week (Monday–Friday work), so enter
    the whole notice for a year."""
    settings = state(ctx).settings
    path = calendar_path(settings)
    if n not in (0, 1):
        raise typer.BadParameter("N must be 0 (day off) or 1 (working day)")
    try:
        add_operator_day(path, _day(day), n)
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{day}: {'working day' if n else 'day off'} -> {path}")


def register(app: typer.Typer) -> None:
    app.add_typer(calendar_app, name="calendar")
