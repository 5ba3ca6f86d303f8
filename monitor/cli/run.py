"""``monitor run``: scheduler, in-process workers and the web endpoint in one process."""

from __future__ import annotations

import typer

from monitor.cli.common import require_secret_key, state


def run(
    ctx: typer.Context,
    host: str | None = typer.Option(None, help="Web address (default: settings.web_host)."),
    port: int | None = typer.Option(None, help="Web port (default: settings.web_port)."),
    once: bool = typer.Option(
        False,
        "--once",
        help="Run one cycle now (crawl → evaluate → score → alerts → deliver), "
        "print what it did and exit; no web, no secret key needed.",
    ),
) -> None:
    """Run the embedded service until interrupted: every settings.cycle_minutes, crawl
    the feeds that are due, evaluate, score, alert and deliver; serve the report,
    /api/v1, /metrics, /healthz and /readyz meanwhile. Migrates the store first.
    ``--once``: one cycle by hand, then exit."""
    if once:
        _once(ctx)
        return
    import uvicorn

    from monitor.logs import setup_logging
    from monitor.service import EmbeddedService
    from monitor.store import migrate
    from monitor.web import create_app

    st = state(ctx)
    require_secret_key(st.settings)  # before anything starts: the web would refuse later
    setup_logging(st.settings)
    migrate.upgrade(st.engine)
    service = EmbeddedService(st.sessions, st.settings, st.runtime)
    service.start()
    host = host or st.settings.web_host
    port = port if port is not None else st.settings.web_port
    typer.echo(f"serving on http://{host}:{port}/ ; a cycle every {st.settings.cycle_minutes} min")
    try:
        app = create_app(st.settings, st.sessions)
        # Proxy headers are applied by the app itself, from web.trusted_proxies.
        uvicorn.run(app, host=host, port=port, log_config=None, proxy_headers=False)
    finally:
        service.stop()


def _once(ctx: typer.Context) -> None:
    from monitor.service import cycle_once
    from monitor.store import migrate

    st = state(ctx)
    migrate.upgrade(st.engine)
    report = cycle_once(st.sessions, st.settings, runtime=st.runtime)
    lines = [f"cycle as of {report.now.isoformat(timespec='seconds')} in {report.seconds:.1f}s"]
    if report.crawl is not None:
        c = report.crawl
        lines.append(f"  crawl: {c.fetches} fetches, {c.items_new} new items, {c.failed} failed")
    else:
        lines.append("  crawl: no feed due")
    if report.evaluate is not None:
        e = report.evaluate
        lines.append(
            f"  evaluate: {e.findings} findings ({len(e.opened)} opened, {len(e.cleared)} cleared)"
        )
    lines.append("  score: " + ", ".join(f"{s.period} {s.units} units" for s in report.scores))
    if report.alerts is not None:
        a = report.alerts
        lines.append(
            f"  alerts: {len(a.opened)} opened, {len(a.resolved)} resolved, "
            f"{a.notifications} notifications queued"
        )
    if report.delivery is not None:
        d = report.delivery
        lines.append(f"  deliver: {len(d.delivered)} delivered, {len(d.failed)} failed")
    typer.echo("\n".join(lines))


def register(app: typer.Typer) -> None:
    app.command("run")(run)
