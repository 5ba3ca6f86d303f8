"""Entry point of the ``monitor`` command."""

from __future__ import annotations

import importlib
import pkgutil

import typer

import monitor.cli
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
    lang: str | None = typer.Option(
        None,
        "--lang",
        help="Language of the output: zh_CN or en (default: the language setting if set, "
        "else the locale LC_ALL/LC_MESSAGES/LANG, else zh_CN).",
    ),
) -> None:
    init_state(ctx, config, lang)


# Every module of this package that defines ``register(app)`` adds its commands, so a
# command group is one file and adding one touches nothing else.
for _info in sorted(pkgutil.iter_modules(monitor.cli.__path__), key=lambda m: m.name):
    _module = importlib.import_module(f"monitor.cli.{_info.name}")
    _register = getattr(_module, "register", None)
    if callable(_register):
        _register(app)


if __name__ == "__main__":
    app()
