"""``monitor run``: scheduler, in-process workers and the web endpoint in one process."""

from __future__ import annotations

import typer

from monitor.cli.common import require_secret_key, state


def run(
    ctx: typer.Context,
    host: str | None = typer.Option(None, help="Web address (default: settings.web_host)."),
    port: int | None = typer.Option(None, help="Web port (default: settings.web_port)."),
) -> None:
    """Run the embedded service until interrupted: every settings.cycle_minutes, crawl
    the feeds that are due, evaluate, score, alert and deliver; serve the report,
    /api/v1, /metrics, /healthz and /readyz meanwhile. Migrates the store first."""
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


def register(app: typer.Typer) -> None:
    app.command("run")(run)
