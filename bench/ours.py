"""Our crawl stage on the farm: ``monitor.crawl.crawl`` into a fresh SQLite store.

``prepare`` builds a store holding one unit and one feed per farm feed (html feeds
with their CSS options, detail pages off); the bench copies it before every timed
run so that each run starts from the same state (empty for the cold pass, the store a
cold pass left behind for the warm passes). ``run`` crawls every feed of that store
once and prints one JSON line with the crawl report.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from bench import feeds
from monitor.settings import CrawlSettings, Settings
from monitor.store.base import Base
from monitor.store.db import make_engine, make_sessionmaker
from monitor.store.models import Feed, Unit
from monitor.store.registry import import_all_models

KIND = {"rss": "rss", "atom": "atom", "html": "html"}


def bench_settings(db: Path, concurrency: int = 64) -> Settings:
    """Production defaults except what a one-host farm standing for 10,000 hosts needs:
    the per-host limits are lifted to the global ones (every crawler gets the same), and
    the per-crawl entry limit to the farm's size (the other crawlers take every entry)."""
    return Settings(
        database_url=f"sqlite:///{db}",
        data_dir=db.parent / f"{db.stem}-data",
        allowed_networks=["127.0.0.0/8"],
        crawl=CrawlSettings(
            concurrency=concurrency,
            per_host_concurrency=concurrency,
            per_host_rate=1_000_000.0,
            detail_pages=False,
            retries=0,
            max_entries_per_crawl=10_000_000,
        ),
    )


def fetch_manifest(base: str, gen: int | None = None) -> list[dict[str, Any]]:
    """The farm's crawl list. Also reads the shared yardstick farm's list
    (``../shared/bench/farm.py``: ``[path, kind, items, charset]`` rows), so the same
    runner can be checked against it."""
    url = f"{base}/manifest.json" + (f"?gen={gen}" if gen is not None else "")
    with urllib.request.urlopen(url, timeout=60) as resp:
        rows = list(json.load(resp)["feeds"])
    return [_row(r, base) if isinstance(r, list) else r for r in rows]


def _row(row: list[Any], base: str) -> dict[str, Any]:
    path, kind, items, charset = row
    uid = int(path.split("/")[2])
    kind = "html" if kind == "list" else kind
    return {"uid": uid, "url": base + path, "kind": kind, "items": items, "charset": charset}


def prepare(db: Path | str, base: str, limit: int, search: bool = False) -> int:
    """A store with the farm's units and feeds (a file path or a database URL): a county,
    a town and one village per feed. Returns the number of feeds. SEARCH installs the
    search index's triggers and native index, as the migration does, so the crawl
    pays for keeping the index up to date (bench.search compares the two)."""
    manifest = fetch_manifest(base)[:limit]
    engine = make_engine(db if isinstance(db, str) else f"sqlite:///{db}")
    import_all_models()
    Base.metadata.create_all(engine)
    if search:
        from monitor.search.schema import upgrade_statements

        with engine.begin() as conn:
            for statement in upgrade_statements(engine.dialect.name):
                conn.exec_driver_sql(statement)
    with engine.begin() as conn:
        conn.execute(
            insert(Unit),
            [{"code": "330100000000", "name": "基准县", "level": "county", "kind": "county"}],
        )
        county = conn.execute(select(Unit.id)).scalar_one()
        conn.execute(
            insert(Unit),
            [
                {
                    "code": "330100100000",
                    "name": "基准镇",
                    "level": "town",
                    "kind": "town",
                    "parent_id": county,
                }
            ],
        )
        town = conn.execute(select(Unit.id).where(Unit.level == "town")).scalar_one()
        conn.execute(
            insert(Unit),
            [
                {
                    "code": f"3301002{f['uid']:05d}",
                    "name": f"第{f['uid']}号单位",
                    "level": "village",
                    "kind": "village",
                    "parent_id": town,
                }
                for f in manifest
            ],
        )
        ids = dict(conn.execute(select(Unit.code, Unit.id).where(Unit.level == "village")).all())
        conn.execute(
            insert(Feed),
            [
                {
                    "unit_id": ids[f"3301002{f['uid']:05d}"],
                    "url": f["url"],
                    "kind": KIND[f["kind"]],
                    "options": dict(feeds.HTML_OPTIONS) if f["kind"] == "html" else {},
                    "category": None,
                    "interval_minutes": 360,
                    "enabled": True,
                }
                for f in manifest
            ],
        )
    engine.dispose()
    return len(manifest)


def run(
    db: Path, base: str, limit: int, baseline_gen: int | None, concurrency: int
) -> dict[str, Any]:
    try:
        from monitor.crawl import crawl
    except ImportError as exc:
        return {"crawler": "ours", "error": f"monitor.crawl not available: {exc}"}
    manifest = fetch_manifest(base)[:limit]
    if baseline_gen is None:
        expected = sum(f["items"] for f in manifest)
    else:
        before = {f["url"]: f["items"] for f in fetch_manifest(base, baseline_gen)}
        expected = sum(max(0, f["items"] - before.get(f["url"], 0)) for f in manifest)
    settings = bench_settings(db, concurrency)
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        feed_ids = list(session.scalars(select(Feed.id).order_by(Feed.id)))
    started = time.perf_counter()
    report = crawl(sessions, settings, feed_ids=feed_ids, now=datetime.now(UTC))
    crawl_s = time.perf_counter() - started
    engine.dispose()
    return {
        "crawler": "ours",
        "feeds": report.feeds,
        "ok": report.ok,
        "not_modified": report.not_modified,
        "failed": report.failed,
        "items": report.items_new,
        "items_changed": report.items_changed,
        "items_removed": report.items_removed,
        "expected_items": expected,
        "items_ok": report.items_new == expected and report.failed == 0,
        "errors": report.errors[:5],
        "crawl_s": round(crawl_s, 3),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.ours", description=__doc__.split("\n")[0]
    )
    parser.add_argument("action", choices=["prepare", "run"])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--base", required=True)
    parser.add_argument("--limit", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--search", action="store_true", help="prepare: with the search index")
    parser.add_argument(
        "--baseline-gen",
        type=int,
        default=None,
        help="the store already holds this generation (warm passes)",
    )
    args = parser.parse_args(argv)
    if args.action == "prepare":
        print(json.dumps({"prepared": prepare(args.db, args.base, args.limit, args.search)}))
        return
    out = run(args.db, args.base, args.limit, args.baseline_gen, args.concurrency)
    print(json.dumps(out, ensure_ascii=False), flush=True)
    if "error" in out:
        sys.exit(3)


if __name__ == "__main__":
    main()
