"""``monitor discover``: a unit's disclosure columns, proposed as feeds."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from monitor.cli.common import echo_json, echo_text, state
from monitor.crawl.discover import discover, feeds_yaml
from monitor.units import normalise_code


def register(app: typer.Typer) -> None:
    @app.command("discover")
    def discover_command(
        ctx: typer.Context,
        url: Annotated[
            str,
            typer.Argument(help="A unit's site, or a county platform's column or home page."),
        ],
        unit: Annotated[
            str | None,
            typer.Option("--unit", help="Unit code to put on every feed (12-digit code)."),
        ] = None,
        output: Annotated[
            Path | None,
            typer.Option("--output", "-o", help="Write the feeds YAML to this file."),
        ] = None,
        as_json: Annotated[
            bool, typer.Option("--json", help="Print JSON: feeds, rejected links, errors.")
        ] = False,
    ) -> None:
        """Find the disclosure columns reachable from URL (政务公开, 村务公开, 党务公开,
        财务公开, 信息公开目录, 通知公告 …, same site only), check that each holds a list
        (or is an RSS/Atom/JSON feed), and print a feeds YAML that `monitor feeds import`
        takes as it is: no options, as lists are found on each page; the category is
        the column's name. Nothing is stored."""
        st = state(ctx)
        code = None
        if unit is not None:
            try:
                code = normalise_code(unit)
            except ValueError as exc:
                raise typer.BadParameter(str(exc)) from exc
        found = discover(st.settings, url)
        if as_json:
            echo_json(found.as_dict(code))
        else:
            text = feeds_yaml(found, code)
            if output is not None:
                output.write_text(text, encoding="utf-8")
                typer.echo(f"wrote {len(found.proposals)} feeds to {output}")
            else:
                # Column names come from the site: never let them drive the terminal.
                echo_text(text.rstrip("\n"))
            for error in found.errors:
                echo_text(f"error: {error}", err=True)
        if not found.proposals:
            typer.echo("no disclosure column found", err=True)
            raise typer.Exit(1)
