"""``monitor report annual|audit``: draft a unit's annual disclosure report, audit one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from monitor.cli.common import echo_json, echo_text, state

FORMATS = ("docx", "xlsx", "md")


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Annual reports on government-information disclosure: draft one, audit one.",
        no_args_is_help=True,
    )
    app.add_typer(group, name="report")

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
