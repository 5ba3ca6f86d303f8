"""Entry point of the ``monitor`` command."""

from __future__ import annotations

import importlib

import typer

from monitor.cli.common import init_state

app = typer.Typer(
    name="monitor",
    help="Disclosure integrity monitor: crawl disclosure channels, check completeness and "
    "timeliness, score units and alert inspectors.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    config: str | None = typer.Option(
        None, "--config", "-c", help="Settings file (default monitor.toml, or $MONITOR_CONFIG)."
    ),
) -> None:
    init_state(ctx, config)


# Each module exposes ``register(app)``; listing them here keeps the command set explicit.
COMMAND_MODULES = ("monitor.cli.db",)

for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)
