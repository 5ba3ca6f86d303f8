"""``monitor crawl``, ``monitor read-attachments``, ``monitor inspect`` and
``monitor evidence export``."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from monitor.cli.common import AS_OF_HELP, echo_json, echo_text, parse_as_of, state
from monitor.crawl import crawl
from monitor.crawl.backfill import read_stored_attachments
from monitor.crawl.inspect import KINDS, inspect_source, parse_options
from monitor.evidence import EvidenceError, export_evidence

evidence_app = typer.Typer(help="Archived responses (WARC evidence).", no_args_is_help=True)

FEED_HELP = "Feed id to crawl; repeat for several. Default: every enabled feed."
OPTION_HELP = (
    "Feed option key=value, as in Feed.options (item=..., link=..., date=..., next=..., "
    "max_pages=2, detail=false, fields.url=link); repeat for several."
)


@evidence_app.command("export")
def export_command(
    ctx: typer.Context,
    evidence_id: Annotated[
        int, typer.Argument(metavar="ID", help="Evidence id (of a fetch, version or finding).")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")],
    payload: Annotated[
        bool, typer.Option("--payload", help="Write only the response body, not the record.")
    ] = False,
) -> None:
    """Verify an archived response against its sha256 and write it out: a one-record
    .warc.gz by default (readable by any WARC tool), or the body with --payload."""
    st = state(ctx)
    with st.sessions() as session:
        try:
            record = export_evidence(
                session, st.settings, evidence_id, output, payload_only=payload
            )
        except EvidenceError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from exc
    typer.echo(f"wrote evidence {record.id} ({record.url}, sha256 {record.sha256}) to {output}")


def _print_inspection(result: dict[str, Any]) -> None:
    """``monitor inspect``'s text report."""
    # Everything below comes from the page: a title may carry escape sequences
    # that would recolour, retitle or rewrite the operator's terminal.
    echo_text(f"{result['url']} read as {result['kind']}: {len(result['items'])} items")
    structure = result.get("structure")
    if structure and "item" in structure:
        date = f" date={structure['date']!r}" if structure.get("date") else ""
        echo_text(
            f"list found: item={structure['item']!r} link={structure['link']!r}{date}"
            f" (confidence {structure['confidence']:.2f}; freeze with --option)"
        )
    elif structure and "items" in structure:
        echo_text(
            f"records found at {structure['items']!r}, fields {structure['fields']}"
            f" (confidence {structure['confidence']:.2f})"
        )
    if result.get("no_list"):
        echo_text(result["no_list"])
    for page in result["pages"]:
        if page.get("next"):
            echo_text(f"next page: {page['next']} (by {page['next_by']})")
    for item in result["items"]:
        echo_text(
            f"- {item['published'] or '?'}  {item['title']}  [{item['category'] or '-'}]"
            f"  {item['url']}"
        )
        for key, value in item["metadata"].items():
            echo_text(f"    {key}: {value}")
        for attachment in item["attachments"]:
            echo_text(f"    attachment: {attachment['name']} <{attachment['url']}>")
    for error in result["errors"]:
        echo_text(f"error: {error}", err=True)


def read_attachments_command(
    ctx: typer.Context,
    since: Annotated[
        str, typer.Option("--since", help="Items published on or after this day (YYYY-MM-DD).")
    ],
    as_of: Annotated[str | None, typer.Option("--as-of", help=AS_OF_HELP)] = None,
) -> None:
    """Read the attachments of items already stored that have no text yet (items
    crawled before attachments were read, or past a crawl's limits): download,
    archive as evidence, extract their text for the privacy rule."""
    st = state(ctx)
    now = parse_as_of(as_of, st.settings.timezone)
    try:
        day = date.fromisoformat(since)
    except ValueError as exc:
        raise typer.BadParameter(f"not a date: {since!r}", param_hint="--since") from exc
    report = read_stored_attachments(st.sessions, st.settings, day, now)
    typer.echo(f"attachments: {report.read} read, {report.not_read} not read")


def register(app: typer.Typer) -> None:
    @app.command("crawl")
    def crawl_command(
        ctx: typer.Context,
        feed: Annotated[list[int] | None, typer.Option("--feed", "-f", help=FEED_HELP)] = None,
        as_of: Annotated[
            str | None,
            typer.Option("--as-of", help=AS_OF_HELP + " Stamps first/last seen and fetch times."),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    ) -> None:
        """Fetch feeds (and their pages and detail pages), store new, changed and removed
        items, archive every response as evidence."""
        st = state(ctx)
        now = parse_as_of(as_of, st.settings.timezone)
        report = crawl(st.sessions, st.settings, feed_ids=feed, now=now)
        if as_json:
            echo_json({"now": now.isoformat(), **report.as_dict()})
        else:
            typer.echo(
                f"crawled {report.feeds} feeds: {report.ok} ok, {report.not_modified} not "
                f"modified, {report.failed} failed; {report.fetches} fetches; items "
                f"{report.items_new} new, {report.items_changed} changed, "
                f"{report.items_removed} removed"
            )
            for error in report.errors:
                typer.echo(f"error: {error}", err=True)

    app.command("read-attachments")(read_attachments_command)

    @app.command("inspect")
    def inspect_command(
        ctx: typer.Context,
        url: Annotated[str, typer.Argument(help="List page, feed, JSON API or detail page URL.")],
        kind: Annotated[
            str | None,
            typer.Option("--kind", "-k", help=f"One of {', '.join(KINDS)}; guessed if left out."),
        ] = None,
        option: Annotated[list[str] | None, typer.Option("--option", help=OPTION_HELP)] = None,
        limit: Annotated[
            int, typer.Option("--limit", help="Read detail pages of this many entries.")
        ] = 20,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON (for scripts).")] = False,
    ) -> None:
        """Fetch and parse one source as the crawl would, and print its items (key, title,
        URL, category, formed and published dates, metadata, attachments) and errors.
        With no options the list is found on the page: the structure chosen (selectors
        you can freeze with --option) and its confidence are printed, with how each next
        page was found; a page with no list says "no list found; read as a single page".
        Nothing is stored."""
        st = state(ctx)
        if kind is not None and kind not in KINDS:
            raise typer.BadParameter(f"--kind must be one of {', '.join(KINDS)}")
        try:
            options = parse_options(option or [])
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from exc
        result = inspect_source(st.settings, url, kind=kind, options=options, limit=limit)
        if as_json:
            echo_json(result)
        else:
            _print_inspection(result)
        if result["errors"] and not result["items"]:
            raise typer.Exit(1)

    app.add_typer(evidence_app, name="evidence")
