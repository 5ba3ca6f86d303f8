"""``monitor units …`` and ``monitor feeds …``: the unit registry from files."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from monitor.cli.common import echo_json, ready_store, state
from monitor.store.db import transaction
from monitor.units import (
    RegistryError,
    UnitSummary,
    import_feeds,
    import_units,
    list_feeds,
    list_units,
)

units_app = typer.Typer(help="Administrative units (towns, villages) and their codes.")
feeds_app = typer.Typer(help="Disclosure channels (RSS/Atom, HTML list pages, JSON) per unit.")


@units_app.command("import")
def units_import(
    ctx: typer.Context,
    units_file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="CSV with columns code,name[,level,kind,parent_code] (12-digit codes).",
        ),
    ],
    feeds: Annotated[
        Path | None,
        typer.Option(
            "--feeds",
            exists=True,
            dir_okay=False,
            help="Also import feeds from this CSV or YAML file, in the same transaction.",
        ),
    ] = None,
) -> None:
    """Import or update units (and optionally feeds); a bad row aborts the whole import.

    A new, empty store gets its schema first (as ``monitor db upgrade`` would)."""
    app_state = state(ctx)
    ready_store(app_state)
    try:
        with transaction(app_state.sessions) as session:
            n_units = import_units(session, units_file)
            n_feeds = import_feeds(session, feeds) if feeds else 0
    except RegistryError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"imported {n_units} units" + (f" and {n_feeds} feeds" if feeds else ""))


@units_app.command("list")
def units_list(
    ctx: typer.Context,
    parent: Annotated[
        str | None,
        typer.Option("--parent", help="Only the units below this code (its whole subtree)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """List registered units with their level, kind, parent and number of feeds."""
    with state(ctx).sessions() as session:
        try:
            units = list_units(session, parent)
        except (LookupError, ValueError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
        summaries = [UnitSummary.of(u) for u in units]
    if as_json:
        echo_json([asdict(s) for s in summaries])
        return
    for s in summaries:
        indent = {"county": "", "town": "  ", "village": "    "}.get(s.level, "")
        typer.echo(f"{s.code}  {indent}{s.name}  [{s.kind}]  feeds={s.feeds}")
    typer.echo(f"{len(summaries)} units")


@feeds_app.command("import")
def feeds_import(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="CSV or YAML (.yaml/.yml): unit_code,url,kind,category,options,interval_minutes.",
        ),
    ],
) -> None:
    """Import or update feeds, keyed on unit and URL; the units must be registered."""
    try:
        with transaction(state(ctx).sessions) as session:
            n = import_feeds(session, file)
    except RegistryError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"imported {n} feeds")


@feeds_app.command("list")
def feeds_list(
    ctx: typer.Context,
    unit: Annotated[
        str | None, typer.Option("--unit", help="Only this unit's feeds (code).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """List feeds with their unit, kind, category, schedule and last fetch."""
    with state(ctx).sessions() as session:
        rows = [
            {
                "id": f.id,
                "unit_code": f.unit.code,
                "unit_name": f.unit.name,
                "url": f.url,
                "kind": f.kind,
                "category": f.category,
                "options": f.options,
                "interval_minutes": f.interval_minutes,
                "enabled": f.enabled,
                "last_fetched_at": f.last_fetched_at.isoformat() if f.last_fetched_at else None,
            }
            for f in list_feeds(session, unit)
        ]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        flag = "" if r["enabled"] else "  (disabled)"
        typer.echo(
            f"{r['id']:>5}  {r['unit_code']} {r['unit_name']}  {r['kind']:<4}  "
            f"{r['category'] or '-'}  {r['url']}{flag}"
        )
    typer.echo(f"{len(rows)} feeds")


def register(app: typer.Typer) -> None:
    app.add_typer(units_app, name="units")
    app.add_typer(feeds_app, name="feeds")
