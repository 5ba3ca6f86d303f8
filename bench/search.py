"""``python -m bench.search``: search on the synthetic province, both stores.

For SQLite and PostgreSQL: generates the province (``bench.province``), installs the
search index's triggers and native index (the migration's statements), indexes every
item through the same queue and catch-up the crawl uses (index build time, cost per
item), adds 1 % new items through the triggers and catches up again (the cost a
crawl pays per new item), then times 200 typical queries (two characters, four
characters, a 索引号 or 文号, with and without filters) and reports p50 and p95, and
the index's size. Writes a "Search" section into bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, bindparam, text

from bench import province
from monitor.search import SearchQuery, index_pending, search
from monitor.search.schema import upgrade_statements
from monitor.store.db import make_engine, make_sessionmaker

START, END = "<!-- search:start -->", "<!-- search:end -->"
COLD_CRAWL_ITEMS_PER_S = 13_153  # bench/RESULTS.md, cold crawl, ours, no latency
GOAL_MS = 200.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__.split("\n")[0])
    p.add_argument("--units", type=int, default=20_000)
    p.add_argument("--items", type=int, default=1_000_000)
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--stores", default="sqlite,postgresql")
    p.add_argument("--pg-admin", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--workdir", type=Path, default=Path("var/bench/search"))
    p.add_argument("--results", default="bench/RESULTS.md", help="'-' for nowhere")
    p.add_argument(
        "--crawl-feeds",
        type=int,
        default=1_000,
        help="feeds of the farm crawled cold with and without the index (0: skip)",
    )
    p.add_argument("--crawl-rounds", type=int, default=3)
    return p.parse_args(argv)


@dataclass
class Query:
    kind: str
    query: SearchQuery


def typical_queries(engine: Engine, n: int, seed: int = 19) -> list[Query]:
    """N queries, a quarter of each kind, half of them with a filter."""
    r = random.Random(seed)
    with engine.connect() as conn:
        towns = conn.execute(text("SELECT id FROM unit WHERE level = 'town'")).scalars().all()
        top = conn.execute(text("SELECT max(id) FROM item")).scalar_one()
        sample = [r.randrange(1, top + 1) for _ in range(n)]
        titles = (
            conn.execute(
                text("SELECT title FROM item WHERE id IN :ids").bindparams(
                    bindparam("ids", expanding=True)
                ),
                {"ids": sample},
            )
            .scalars()
            .all()
        )
    two = ("财务", "党务", "村务", "惠民", "政策", "补偿", "低保", "公示")
    four = ("财务公开", "村务公开", "征地补偿", "工作动态", "惠民政策", "有关规定", "机构职能")
    out: list[Query] = []
    for i in range(n):
        kind = ("two", "four", "number", "two+four")[i % 4]
        if kind == "two":
            words = r.choice(two)
        elif kind == "four":
            words = r.choice(four)
        elif kind == "number":
            words = r.choice(titles).split("月", 1)[-1][4:]  # "第12345号"
        else:
            words = f"{r.choice(two)} {r.choice(four)}"
        filters: dict[str, Any] = {}
        if (i // 4) % 2:
            choice = r.randrange(3)
            if choice == 0:
                filters.update(unit_id=r.choice(towns), unit_level="town")
            elif choice == 1:
                month = r.randrange(1, 11)
                filters.update(date_from=date(2026, month, 1), date_to=date(2026, month + 1, 1))
            else:
                filters["category"] = r.choice(
                    province.TOWN_CATEGORIES + province.VILLAGE_CATEGORIES
                )
        out.append(Query(kind + ("+filter" if filters else ""), SearchQuery(text=words, **filters)))
    return out


def _size(engine: Engine) -> int:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            return int(
                conn.execute(
                    text(
                        "SELECT pg_total_relation_size('search_doc')"
                        " + pg_total_relation_size('search_queue')"
                    )
                ).scalar_one()
            )
        rows = conn.execute(
            text(
                "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'search%' OR name LIKE 'ix_search%'"
            )
        ).scalar_one()
        return int(rows or 0)


def _store(args: argparse.Namespace, backend: str) -> tuple[Engine, str]:
    if backend == "sqlite":
        path = args.workdir / "search.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return make_engine(f"sqlite:///{path}"), ""
    name = f"bench_search_{os.getpid()}"
    admin = make_engine(args.pg_admin, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_engine(args.pg_admin.rsplit("/", 1)[0] + f"/{name}"), name


def _drop(args: argparse.Namespace, name: str) -> None:
    if name:
        admin = make_engine(args.pg_admin, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _index(engine: Engine) -> tuple[float, int]:
    with engine.begin() as conn:
        for statement in upgrade_statements(engine.dialect.name):
            conn.exec_driver_sql(
                statement.replace("%", "%%") if engine.dialect.name == "postgresql" else statement
            )
        conn.execute(text("INSERT INTO search_queue (item_id) SELECT id FROM item"))
    started = time.perf_counter()
    report = index_pending(make_sessionmaker(engine))
    elapsed = time.perf_counter() - started
    # Statistics, as autovacuum (PostgreSQL) or an operator's ANALYZE (SQLite) keep
    # them: without, a bulk-loaded table's plans are guesses.
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    return elapsed, report.items


def _new_items(engine: Engine) -> tuple[float, float, int]:
    """1 % of units get a new item through the triggers: the insert's time, then the
    catch-up's."""
    started = time.perf_counter()
    added = len(province.touch_units(engine, 0.01))
    inserted = time.perf_counter() - started
    started = time.perf_counter()
    index_pending(make_sessionmaker(engine))
    return inserted, time.perf_counter() - started, added


def _time_queries(engine: Engine, queries: list[Query]) -> dict[str, Any]:
    sessions = make_sessionmaker(engine)
    times: dict[str, list[float]] = {}
    slowest: list[tuple[float, str, str, str]] = []
    hits = 0
    with sessions() as session:
        search(session, queries[0].query)  # warm the connection and caches
        for q in queries:
            started = time.perf_counter()
            hits += len(search(session, q.query).hits)
            took = (time.perf_counter() - started) * 1000
            times.setdefault(q.kind, []).append(took)
            slowest.append((took, q.kind, q.query.text, _filter_of(q.query)))
    every = sorted(t for ts in times.values() for t in ts)

    def pct(values: list[float], p: float) -> float:
        values = sorted(values)
        return round(values[min(len(values) - 1, int(p * len(values)))], 1)

    return {
        "p50_ms": pct(every, 0.5),
        "p95_ms": pct(every, 0.95),
        "max_ms": round(every[-1], 1),
        "by_kind": {
            k: {"n": len(v), "p50_ms": pct(v, 0.5), "p95_ms": pct(v, 0.95)}
            for k, v in sorted(times.items())
        },
        "mean_hits": round(hits / len(queries), 1),
        "slowest": [
            {"ms": round(ms, 1), "kind": k, "q": t, "filter": f}
            for ms, k, t, f in sorted(slowest, reverse=True)[:5]
        ],
    }


def _filter_of(q: SearchQuery) -> str:
    if q.unit_id is not None:
        return f"unit {q.unit_id}"
    if q.date_from is not None:
        return f"{q.date_from}..{q.date_to}"
    return f"category {q.category}" if q.category else ""


def run_store(args: argparse.Namespace, backend: str) -> dict[str, Any]:
    engine, name = _store(args, backend)
    try:
        started = time.perf_counter()
        province.generate(engine, args.units, args.items)
        generated = time.perf_counter() - started
        build_s, indexed = _index(engine)
        size = _size(engine)
        insert_s, catch_s, added = _new_items(engine)
        queries = typical_queries(engine, args.queries)
        figure = {
            "store": backend,
            "load_avg_1m": round(os.getloadavg()[0], 1),
            "units": args.units,
            "items": args.items,
            "generate_s": round(generated, 1),
            "index_build_s": round(build_s, 1),
            "index_us_per_item": round(build_s / max(1, indexed) * 1e6, 1),
            "index_bytes": size,
            "index_bytes_per_item": round(size / max(1, args.items)),
            "new_items": added,
            "new_items_insert_s": round(insert_s, 3),
            "new_items_catch_up_s": round(catch_s, 3),
            "catch_up_us_per_new_item": round(catch_s / max(1, added) * 1e6, 1),
            "queries": len(queries),
            **_time_queries(engine, queries),
        }
        print(json.dumps(figure, ensure_ascii=False), flush=True)
        return figure
    finally:
        engine.dispose()
        _drop(args, name)


def _crawl_once(args: argparse.Namespace, base: str, search: bool) -> tuple[float, int]:
    """One cold crawl of the farm by our crawl stage, in its own process: seconds and
    items stored."""
    db = args.workdir / ("crawl-search.db" if search else "crawl-plain.db")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    prep = [sys.executable, "-m", "bench.ours", "prepare", "--db", str(db), "--base", base]
    prep += ["--limit", str(args.crawl_feeds)] + (["--search"] if search else [])
    subprocess.run(prep, check=True, stdout=subprocess.DEVNULL)
    run = [sys.executable, "-m", "bench.ours", "run", "--db", str(db), "--base", base]
    out = subprocess.run([*run, "--limit", str(args.crawl_feeds)], check=True, capture_output=True)
    result = json.loads(out.stdout.decode().strip().splitlines()[-1])
    if not result.get("items_ok"):
        raise RuntimeError(f"crawl incomplete: {result}")
    return float(result["crawl_s"]), int(result["items"])


def crawl_cost(args: argparse.Namespace) -> dict[str, Any]:
    """Cold crawls of the farm with and without the search index, alternating: the
    index's share of a cold crawl (its triggers and the catch-up the crawl runs)."""
    farm = subprocess.Popen(
        [sys.executable, "-m", "bench.farm", "--feeds", str(args.crawl_feeds),
         "--max-seconds", "1800"],
        stdout=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert farm.stdout is not None
        base = json.loads(farm.stdout.readline())["base"]
        plain, indexed, items = [], [], 0
        for _ in range(args.crawl_rounds):
            seconds, items = _crawl_once(args, base, search=False)
            plain.append(seconds)
            indexed.append(_crawl_once(args, base, search=True)[0])
    finally:
        farm.terminate()
        farm.wait(timeout=30)
    ratios = sorted(i / p for i, p in zip(indexed, plain, strict=True))
    figure = {
        "figure": "crawl_cost",
        "feeds": args.crawl_feeds,
        "items": items,
        "plain_s": sorted(plain),
        "indexed_s": sorted(indexed),
        "overhead_pct": round((ratios[len(ratios) // 2] - 1) * 100, 1),
        "load_avg_1m": round(os.getloadavg()[0], 1),
    }
    print(json.dumps(figure), flush=True)
    return figure


def markdown(figures: list[dict[str, Any]], command: str, crawl: dict[str, Any] | None) -> str:
    crawl_us = 1e6 / COLD_CRAWL_ITEMS_PER_S
    lines = [
        START,
        "## Search (issue 19)",
        "",
        f"Written by `{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. "
        "Machine (2 CPUs) shared with four other engineers' work while measured; "
        "1-minute load average at the end of each store's run: "
        + ", ".join(f"{f['store']} {f['load_avg_1m']}" for f in figures)
        + ".",
        "",
        "| store | items | p50 ms | p95 ms (goal ≤ 200) | max ms | index MB | bytes/item "
        "| index build µs/item | catch-up µs/new item | ÷ cold crawl µs/item "
        f"({crawl_us:.0f} µs, goal ≤ 10 %) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for f in figures:
        share = f["index_us_per_item"] / crawl_us * 100
        lines.append(
            f"| {f['store']} | {f['items']:,} | {f['p50_ms']} | {f['p95_ms']} | {f['max_ms']} "
            f"| {f['index_bytes'] / 2**20:.1f} | {f['index_bytes_per_item']} "
            f"| {f['index_us_per_item']} | {f['catch_up_us_per_new_item']} | {share:.0f} % |"
        )
    lines += ["", "By query kind (p50 / p95 ms):", ""]
    kinds = sorted({k for f in figures for k in f["by_kind"]})
    lines.append("| kind | " + " | ".join(f["store"] for f in figures) + " |")
    lines.append("| --- |" + " ---: |" * len(figures))
    for k in kinds:
        cells = [
            f"{f['by_kind'][k]['p50_ms']} / {f['by_kind'][k]['p95_ms']}"
            if k in f["by_kind"]
            else "–"
            for f in figures
        ]
        lines.append(f"| {k} | " + " | ".join(cells) + " |")
    if crawl:
        lines += [
            "",
            f"Cold crawl of {crawl['feeds']:,} farm feeds ({crawl['items']:,} items, SQLite), "
            f"{len(crawl['plain_s'])} rounds alternating, whole crawl stage: without the "
            f"index {crawl['plain_s']} s, with it (triggers + catch-up) {crawl['indexed_s']} s: "
            f"**{crawl['overhead_pct']} %** more (median of paired rounds; goal ≤ 10 %; "
            f"load {crawl['load_avg_1m']}).",
        ]
    lines += [
        "",
        "The write cost is the index's own work per item (queue trigger + catch-up: "
        "masking, document, native index), compared with the cold crawl's whole-process "
        "cost per item in the table above (13,153 items/s). See docs/search.md.",
        END,
    ]
    return "\n".join(lines) + "\n"


def write_results(path: Path, section: str) -> None:
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if START in old and END in old:
        head, rest = old.split(START, 1)
        new = head + section.rstrip("\n") + rest.split(END, 1)[1]
    else:
        new = old.rstrip("\n") + "\n\n" + section
    path.write_text(new, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    figures = [run_store(args, b) for b in args.stores.split(",") if b]
    crawl = crawl_cost(args) if args.crawl_feeds else None
    command = "python -m bench.search " + " ".join(argv if argv is not None else sys.argv[1:])
    if args.results != "-":
        write_results(Path(args.results), markdown(figures, command.strip(), crawl))


if __name__ == "__main__":
    main()
