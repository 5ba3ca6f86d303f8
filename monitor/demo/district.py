"""Register the sample district in a store: its units, and feeds pointing at the site."""

from __future__ import annotations

import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.demo.generate import UNITS_CSV, generate_district
from monitor.demo.model import REQUESTS_CATEGORY, TOWN_COLUMNS, District
from monitor.store.models import Feed, Unit
from monitor.units import import_feeds, import_units

# How each list page is read (the crawl contract's html options).
LIST_OPTIONS: dict[str, Any] = {
    "item": "ul.list > li",
    "link": "a",
    "title": "a",
    "date": "span.date",
    "next": "a.next",
    "max_pages": 5,
    "detail": True,
    "content": "div.content",
}
# Column types for the stale-columns rule: news must move every 2 weeks, policy
# every 6 months; the others are only checked for being blank.
COLUMN_TYPES = {"gzdt": "news", "zcwj": "policy", "hmzc": "policy"}
REQUEST_OPTIONS: dict[str, Any] = {
    "items": "data",
    "fields": {
        "key": "id",
        "title": "title",
        "published": "received",
        "formed": "received",
        "received": "received",
        "answered": "answered",
        "extended": "extended",
        "publisher": "handler",
        "index_no": "index_no",
    },
}


def units_csv_path() -> Path:
    """The bundled units CSV (a real file inside the installed package)."""
    return Path(str(resources.files("monitor.demo").joinpath("data").joinpath(UNITS_CSV)))


def feed_rows(district: District, base_url: str) -> list[dict[str, Any]]:
    """The feeds of every unit of the district on the site at ``base_url``."""
    base = base_url.rstrip("/")
    rows: list[dict[str, Any]] = []
    for unit in sorted(district.units.values(), key=lambda u: u.code):
        if unit.channel == "columns":
            for slug, name in TOWN_COLUMNS.items():
                options = dict(LIST_OPTIONS)
                if slug in COLUMN_TYPES:
                    options["column"] = COLUMN_TYPES[slug]
                rows.append(
                    {
                        "unit_code": unit.code,
                        "url": f"{base}/u/{unit.code}/{slug}/list.html",
                        "kind": "html",
                        "category": name,
                        "options": options,
                        "interval_minutes": 360,
                    }
                )
            rows.append(
                {
                    "unit_code": unit.code,
                    "url": f"{base}/u/{unit.code}/requests.json",
                    "kind": "json",
                    "category": REQUESTS_CATEGORY,
                    "options": REQUEST_OPTIONS,
                    "interval_minutes": 1440,
                }
            )
        elif unit.channel == "rss":
            rows.append(
                {
                    "unit_code": unit.code,
                    "url": f"{base}/u/{unit.code}/rss.xml",
                    "kind": "rss",
                    "category": None,
                    "options": {"detail": True, "content": "div.content"},
                    "interval_minutes": 720,
                }
            )
        elif unit.level != "county":
            rows.append(
                {
                    "unit_code": unit.code,
                    "url": f"{base}/u/{unit.code}/list.html",
                    "kind": "html",
                    "category": None,
                    "options": LIST_OPTIONS,
                    "interval_minutes": 720,
                }
            )
    return rows


def write_feeds(path: Path, district: District, base_url: str) -> Path:
    header = "# Feeds of the sample district on the local sample site (generated).\n"
    body = yaml.safe_dump(
        {"feeds": feed_rows(district, base_url)}, allow_unicode=True, sort_keys=False
    )
    path.write_text(header + body, encoding="utf-8")
    return path


def prepare(
    session: Session,
    base_url: str,
    *,
    district: District | None = None,
    feeds_path: Path | None = None,
) -> None:
    """Import the district's units and its feeds on the site at ``base_url``.

    The feeds go through a YAML file, the same path an operator's import takes; pass
    ``feeds_path`` to keep it. Upserts, and a site on a new port takes over the feeds
    (and their history) of the previous one instead of leaving dead feeds behind.
    Does not commit.
    """
    district = district or generate_district()
    import_units(session, units_csv_path())
    _rebase_feeds(session, district, base_url)
    if feeds_path is not None:
        import_feeds(session, write_feeds(feeds_path, district, base_url))
        return
    with tempfile.TemporaryDirectory(prefix="monitor-demo-") as tmp:
        import_feeds(session, write_feeds(Path(tmp) / "feeds.yaml", district, base_url))


def _rebase_feeds(session: Session, district: District, base_url: str) -> None:
    base = base_url.rstrip("/")
    query = select(Feed).join(Unit).where(Unit.code.in_(list(district.units)))
    for feed in session.scalars(query):
        marker = feed.url.find("/u/")
        if marker > 0 and feed.url[:marker] != base:
            feed.url = base + feed.url[marker:]
    session.flush()
