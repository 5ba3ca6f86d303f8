"""``monitor report pdf``: the public report or a unit page as a PDF."""

from __future__ import annotations

from pathlib import Path

import typer

from monitor import i18n
from monitor.cli.common import state

report_app = typer.Typer(help="The public report, printed.", no_args_is_help=True)


@report_app.command("pdf")
def pdf(
    ctx: typer.Context,
    output: str = typer.Option(..., "--output", "-o", help="PDF file to write."),
    period: str | None = typer.Option(
        None, "--period", "-p", help="Period (default: the latest that has scores)."
    ),
    unit: str | None = typer.Option(
        None, "--unit", help="A unit's code: its page, not the report."
    ),
) -> None:
    """Print the public report (or a unit's page) on A4 through headless Chromium,
    in the language of the command (``monitor --lang``)."""
    from monitor.cli.score import scored_period
    from monitor.store.db import transaction
    from monitor.web.pdf import PdfError, page_path, print_pdf

    st = state(ctx)
    with transaction(st.sessions) as session:
        chosen = scored_period(session, period)
    try:
        size = print_pdf(
            st.settings, st.sessions, page_path(chosen.key, unit, i18n.current()), Path(output)
        )
    except PdfError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    what = f"unit {unit}" if unit else "the report"
    typer.echo(f"wrote {what} for {chosen.key} to {output} ({size} bytes)")


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
