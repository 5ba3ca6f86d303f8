"""The cold crawl's floor: the same work as our crawl stage with nothing around it.

Fetches the farm's feeds first (not timed), then times in CPU seconds, one after
the other on one thread: parsing every listing as the parser processes do
(``parse_document``), one pickle round trip of every result (what the process
boundary costs), the item fields and both hashes of every entry, building the
rows, and raw ``sqlite3`` executemany of the items, entry hashes and first
versions into a store made by ``python -m bench.ours prepare``. Whatever the crawl
spends beyond the sum is its own machinery (event loop, fetching, writer thread,
evidence archive, SQLAlchemy); the sum itself is what no scheduling can remove.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sqlite3
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import feeds
from bench.ours import fetch_manifest
from monitor.crawl.content import entry_hash, item_fields
from monitor.crawl.persist import ITEM_COLUMNS, VERSION_COLUMNS
from monitor.parse.boundary import ParseJob, ParseResult, parse_document


def _parse(bodies: list[tuple[dict[str, Any], bytes]]) -> list[tuple[int, ParseResult]]:
    parsed = []
    for index, (feed, body) in enumerate(bodies, 1):
        options = dict(feeds.HTML_OPTIONS) if feed["kind"] == "html" else {}
        job = ParseJob("listing", feed["kind"], feed["url"], None, options, body=body)
        parsed.append((index, parse_document(job)))
    return parsed


def _fields(parsed: list[tuple[int, ParseResult]]) -> list[tuple[Any, ...]]:
    items = []
    for feed_id, result in parsed:
        assert result.page is not None
        for entry in result.page.entries:
            f = item_fields(entry, None, None)
            items.append((feed_id, entry.key, f, entry_hash(entry)))
    return items


def _store(db: Path, items: list[tuple[Any, ...]], now: datetime) -> tuple[float, float]:
    """Rows built (CPU s), then inserted (CPU s): items, entry hashes, versions."""
    clock = time.process_time
    started = clock()
    at = now.isoformat(sep=" ")

    def day(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    item_rows = [
        (fid, fid, key, at, at, f.title, f.url, f.category, day(f.formed_date),
         day(f.published_date), f.formed_text, f.published_text, json.dumps(f.date_errors),
         json.dumps(f.meta, ensure_ascii=False), json.dumps(f.attachments, ensure_ascii=False),
         f.content_hash)
        for fid, key, f, _ in items
    ]  # fmt: skip
    built = clock() - started
    connection = sqlite3.connect(db, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    started = clock()
    connection.execute("BEGIN")
    marks = ",".join("?" * len(ITEM_COLUMNS))
    connection.executemany(
        f"INSERT INTO item ({','.join(ITEM_COLUMNS)}) VALUES ({marks})", item_rows
    )
    (first,) = connection.execute("SELECT min(id) FROM item").fetchone()
    connection.executemany(
        "INSERT INTO item_entry (item_id, entry_hash, detail_ok) VALUES (?, ?, 0)",
        [(first + n, ehash) for n, (*_, ehash) in enumerate(items)],
    )
    marks = ",".join("?" * len(VERSION_COLUMNS))
    connection.executemany(
        f"INSERT INTO item_version ({','.join(VERSION_COLUMNS)}) VALUES ({marks})",
        [
            (first + n, f.content_hash, at, f.title, f.text,
             json.dumps(f.version_meta, ensure_ascii=False), None)
            for n, (_, _, f, _) in enumerate(items)
        ],
    )  # fmt: skip
    connection.execute("COMMIT")
    connection.close()
    return built, clock() - started


def run(base: str, limit: int, db: Path) -> dict[str, Any]:
    manifest = fetch_manifest(base)[:limit]
    bodies = []
    for feed in manifest:
        with urllib.request.urlopen(feed["url"], timeout=60) as resp:
            bodies.append((feed, resp.read()))
    clock = time.process_time
    now = datetime.now(UTC)
    started = clock()
    parsed = _parse(bodies)
    parse_s = clock() - started
    started = clock()
    for _, result in parsed:
        pickle.loads(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    pickle_s = clock() - started
    started = clock()
    items = _fields(parsed)
    fields_s = clock() - started
    rows_s, sqlite_s = _store(db, items, now)
    total = parse_s + pickle_s + fields_s + rows_s + sqlite_s
    return {
        "figure": "crawl_floor",
        "feeds": len(manifest),
        "items": len(items),
        "parse_cpu_s": round(parse_s, 2),
        "pickle_cpu_s": round(pickle_s, 2),
        "fields_and_hashes_cpu_s": round(fields_s, 2),
        "rows_cpu_s": round(rows_s, 2),
        "sqlite_executemany_cpu_s": round(sqlite_s, 2),
        "total_cpu_s": round(total, 2),
        "feeds_per_cpu_s": round(len(manifest) / total, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.floor", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--base", required=True, help="the farm's address")
    parser.add_argument("--limit", type=int, default=2_000)
    parser.add_argument(
        "--db", type=Path, required=True, help="a copy of a store `bench.ours prepare` made"
    )
    args = parser.parse_args(argv)
    print(json.dumps(run(args.base, args.limit, args.db)), flush=True)


if __name__ == "__main__":
    main()
