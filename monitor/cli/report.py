"""``monitor report pdf|annual|audit``: the public report as a PDF; draft a unit's annual
disclosure report, audit one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from monitor import i18n
from monitor.cli.common import echo_json, echo_text, state

FORMATS = ("docx", "xlsx", "md")

report_app = typer.Typer(
    help="The public report printed; annual disclosure reports drafted and audited.",
    no_args_is_help=True,
)


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
    group = report_app

    @group.command("annual")
    def annual_command(
        ctx: typer.Context,
        output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")],
        year: int = typer.Option(..., "--year", help="The year the report is on."),
        unit: str = typer.Option(..., "--unit", help="Unit code."),
        fmt: str = typer.Option("docx", "--format", help="docx, xlsx or md."),
    ) -> None:
        """Draft the national template for a unit and year from what the monitor knows;
        cells it cannot know are marked （无数据）, narrative sections left as headed blanks."""
        from monitor.annual.draft import build_draft, load_input
        from monitor.annual.render import to_docx, to_md, to_xlsx
        from monitor.store.models import Unit

        if fmt not in FORMATS:
            raise typer.BadParameter(f"--format must be one of {', '.join(FORMATS)}")
        st = state(ctx)
        with st.sessions() as session:
            found = session.scalar(select(Unit).where(Unit.code == unit))
            if found is None:
                typer.echo(f"unknown unit code: {unit}", err=True)
                raise typer.Exit(2)
            doc = build_draft(load_input(session, found, year))
        writer = {"docx": to_docx, "xlsx": to_xlsx, "md": to_md}[fmt]
        output.write_bytes(writer(doc))
        typer.echo(f"wrote {output}")

    @group.command("audit")
    def audit_command(
        ctx: typer.Context,
        file: Annotated[
            Path | None, typer.Argument(help="A report (.html, .docx, .xlsx) to audit.")
        ] = None,
        year: int | None = typer.Option(None, "--year", help="The year the report is on."),
        previous: Annotated[
            Path | None, typer.Option("--previous", help="Last year's report file.")
        ] = None,
        unit: str | None = typer.Option(
            None, "--unit", help="Show a unit's stored reports instead."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Check an annual report's tables: totals, carry-over, blanks, sections, year.
        Exit status 1 when it has inconsistencies."""
        rows = _audit_file(file, year, previous) if file else _audit_unit(ctx, unit)
        if as_json:
            echo_json(rows)
        else:
            for report in rows:
                echo_text(f"{report['year']}  {report['status']}  {report.get('title') or ''}")
                for found in report["audit"]:
                    echo_text(f"  {found['kind']:16} {found['cell']}: {found['message']}")
        if any(r["status"] != "consistent" for r in rows):
            raise typer.Exit(1)


def _audit_file(file: Path, year: int | None, previous: Path | None) -> list[dict]:
    from monitor.annual.checker import check
    from monitor.annual.reader import read_path

    report = read_path(file)
    before = read_path(previous) if previous else None
    found = [f.as_dict() for f in check(report, year=year, previous=before)]
    status = "inconsistent" if found else "consistent"
    return [{"year": year or report.year, "title": report.title, "status": status, "audit": found}]


def _audit_unit(ctx: typer.Context, unit: str | None) -> list[dict]:
    from monitor.annual.queries import stored_reports, summary
    from monitor.store.models import Unit

    if not unit:
        raise typer.BadParameter("give a FILE or --unit CODE")
    with state(ctx).sessions() as session:
        found = session.scalar(select(Unit).where(Unit.code == unit))
        if found is None:
            typer.echo(f"unknown unit code: {unit}", err=True)
            raise typer.Exit(2)
        return [summary(row) for row in stored_reports(session, found.id)]
