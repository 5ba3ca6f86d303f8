"""``monitor demo``: the sample district end to end, then the report."""

from __future__ import annotations

import typer
from sqlalchemy.orm import Session, sessionmaker

from monitor.cli.common import echo_json, echo_text, state
from monitor.settings import Settings
from monitor.summary import render_text


def demo(
    ctx: typer.Context,
    once: bool = typer.Option(False, "--once", help="Exit after the summary."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    host: str = typer.Option("127.0.0.1", help="Address for the report afterwards."),
    port: int = typer.Option(8000, help="Port for the report afterwards (0: any free port)."),
) -> None:
    """Crawl, check, score and alert on the sample district (云城区, 云浮市) served by a
    local sample site, print the summary, then serve the report and metrics.

    The store (settings.database_url, by default var/monitor.db) is emptied first, so
    every run gives the same result; a store holding other units is left alone.
    """
    from monitor.demo.run import NotADemoDatabase, demo_settings, reset_store, run_demo
    from monitor.demo.site import DemoSite

    st = state(ctx)
    settings = demo_settings(st.settings)
    try:
        reset_store(st.engine, st.sessions, settings)
    except NotADemoDatabase as exc:
        raise typer.BadParameter(str(exc)) from exc
    with DemoSite() as site:
        if not json_out:
            typer.echo(f"sample site on {site.base_url}/ ; crawling at simulated days:")
        result = run_demo(
            st.sessions, settings, site, progress=(lambda _m: None) if json_out else typer.echo
        )
        if not json_out:
            _show_discovery(settings, site)
    if json_out:
        echo_json([s.to_dict() for s in result.summaries])
    else:
        # The quarter is what the assessment uses; the month and year are one click away.
        quarter = next(s for s in result.summaries if "Q" in s.period)
        typer.echo("")
        typer.echo(render_text(quarter))
        _show_annual_reports(st.sessions)
    if once:
        return
    _serve(settings, st.sessions, host, port)


def _show_discovery(settings: Settings, site: object) -> None:
    """The zero-config path on the sample site: one town's columns found from its home."""
    from monitor.crawl.discover import discover
    from monitor.demo import plan

    home = f"{site.base_url}/u/{plan.HEKOU}/"  # type: ignore[attr-defined]
    found = discover(settings, home)
    typer.echo(f"\nmonitor discover {home} --unit {plan.HEKOU} proposes:")
    for proposal in found.proposals:
        confidence = f", confidence {proposal.confidence}" if proposal.confidence else ""
        echo_text(
            f"  {proposal.kind:<4} {proposal.category or '-'}  {proposal.url}"
            f"  ({proposal.entries} entries{confidence})"
        )


def _show_annual_reports(sessions: sessionmaker[Session]) -> None:
    """The towns' annual reports as read and audited (docs/annual-reports.md)."""
    from sqlalchemy import select

    from monitor.store.models import AnnualReport, Unit

    with sessions() as session:
        rows = session.execute(
            select(Unit.code, Unit.name, AnnualReport.year, AnnualReport.audit)
            .join(Unit, Unit.id == AnnualReport.unit_id)
            .order_by(Unit.code)
        ).all()
    from monitor.i18n import gettext as _

    bad = [r for r in rows if r.audit]
    typer.echo("\n" + _("annual reports read: %(read)d, inconsistent: %(bad)d") % {
        "read": len(rows), "bad": len(bad)})  # fmt: skip
    for row in bad:
        first = row.audit[0]
        echo_text(
            f"  {row.name} ({row.code}) {row.year}: "
            + _("%(count)d inconsistencies, e.g. %(cell)s: %(detail)s")
            % {"count": len(row.audit), "cell": first["cell"], "detail": first["message"]}
        )


def _serve(settings: Settings, sessions: sessionmaker[Session], host: str, port: int) -> None:
    import socket

    import uvicorn

    from monitor.web import create_app

    if port == 0:
        with socket.socket() as s:
            s.bind((host, 0))
            port = s.getsockname()[1]
    typer.echo(f"\nreport: http://{host}:{port}/   metrics: http://{host}:{port}/metrics")
    typer.echo("Ctrl-C to stop.")
    app = create_app(settings, sessions)
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
