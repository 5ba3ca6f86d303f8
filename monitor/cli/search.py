"""``monitor search``: the public search from the command line, and the index's
catch-up for items written other than by a crawl (docs/search.md)."""

from __future__ import annotations

import html
import re

import typer
from sqlalchemy import select

from monitor.cli.common import echo_json, echo_text, state
from monitor.search import SearchQuery, index_pending, search
from monitor.store.models import Unit

search_app = typer.Typer(
    help="Full-text search over every item (docs/search.md).", no_args_is_help=True
)
_MARK = re.compile(r"</?mark>")


def _plain(marked: str) -> str:
    """A highlighted HTML snippet as terminal text: 【term】 for <mark>term</mark>."""
    return html.unescape(_MARK.sub(lambda m: "】" if m.group(0) == "</mark>" else "【", marked))


@search_app.command("find")
def find(
    ctx: typer.Context,
    query: str = typer.Argument(..., help="Terms; every one must match (1-2 characters work too)."),
    unit: str | None = typer.Option(None, help="A unit's code: it and every unit below it."),
    limit: int = typer.Option(20, min=1, max=100, help="How many hits."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Items holding QUERY, newest first, personal data masked.

    Searched: titles, metadata (文号, 索引号), text and attachment names."""
    with state(ctx).sessions() as session:
        found = session.execute(select(Unit.id, Unit.level).where(Unit.code == unit)).first()
        if unit and found is None:
            echo_text(f"no unit {unit}", err=True)
            raise typer.Exit(2)
        unit_id, level = found if unit and found else (None, None)
        q = SearchQuery(text=query, unit_id=unit_id, unit_level=level, per_page=limit)
        results = search(session, q)
    if as_json:
        echo_json(
            [{**h.__dict__, "published_date": str(h.published_date or "")} for h in results.hits]
        )
        return
    for h in results.hits:
        removed = f"  [removed {h.removed_at.date()}]" if h.removed_at else ""
        echo_text(f"{h.published_date or '?'}  {h.unit_name}  {_plain(h.title_html)}{removed}")
        echo_text(f"    {_plain(h.snippet_html)}")
    if results.recent_only:
        echo_text("(1-2 character terms: only the newest 50,000 items in scope searched)")


@search_app.command("index")
def index(ctx: typer.Context) -> None:
    """Index the queued items now (a crawl does this itself)."""
    report = index_pending(state(ctx).sessions)
    echo_text(f"indexed {report.items} queued changes in {report.seconds:.1f} s")


def register(app: typer.Typer) -> None:
    app.add_typer(search_app, name="search")
