"""``monitor evaluate``: run the ruleset over units and periods and keep the findings."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import select

from monitor.cli.common import AS_OF_HELP, echo_json, parse_as_of, state
from monitor.evaluate import evaluate
from monitor.store.models import Unit
from rules.api import Period


def register(app: typer.Typer) -> None:
    @app.command("evaluate")
    def evaluate_command(
        ctx: typer.Context,
        as_of: str | None = typer.Option(None, "--as-of", help=AS_OF_HELP),
        period: Annotated[
            list[str] | None,
            typer.Option(
                "--period",
                "-p",
                help="Period to evaluate (2026-11, 2026-Q4, 2026); repeat for several. Default: "
                "the month, quarter and year of --as-of and the previous month and quarter.",
            ),
        ] = None,
        unit: Annotated[
            list[str] | None,
            typer.Option(
                "--unit", "-u", help="Unit code to evaluate; repeat for several. Default: all."
            ),
        ] = None,
        as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    ) -> None:
        """Evaluate the rules for units and periods, upsert findings, clear the resolved ones."""
        st = state(ctx)
        when = parse_as_of(as_of, st.settings.timezone)
        try:
            periods = [Period.parse(p) for p in period or ()] or None
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from exc
        with st.sessions() as session:
            unit_ids = None
            if unit:
                found = dict(
                    session.execute(select(Unit.code, Unit.id).where(Unit.code.in_(unit))).all()
                )
                missing = sorted(set(unit) - set(found))
                if missing:
                    typer.echo(f"unknown unit code(s): {', '.join(missing)}", err=True)
                    raise typer.Exit(2)
                unit_ids = list(found.values())
            report = evaluate(
                session, st.settings, as_of=when, unit_ids=unit_ids, periods=periods,
                runtime=st.runtime,
            )  # fmt: skip
            session.commit()
        if as_json:
            echo_json({"as_of": when.isoformat(), **report.as_dict()})
        else:
            typer.echo(
                f"evaluated {report.units} units on {', '.join(report.periods)} as of "
                f"{when.isoformat()}: {report.evaluations} rule runs, {report.findings} findings "
                f"({report.not_assessable} not assessable), {len(report.opened)} opened, "
                f"{len(report.cleared)} cleared, {len(report.errors)} errors"
            )
            for error in report.errors:
                typer.echo(f"error: {error}", err=True)
        if report.errors:
            raise typer.Exit(1)
