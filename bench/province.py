"""A synthetic province in a store, generated fast with bulk inserts.

Counties, towns (township / town / street) and villages (village / community) with
two feeds each, ``items`` disclosure items spread over the units through 2026 with
metadata, one version each (a few carry a phone number for the privacy rule), and a
week of fetch history per feed. Rows get explicit ids and go in with ``executemany``
on SQLite or ``COPY`` on PostgreSQL, bypassing the ORM: a million items take seconds,
not minutes. The result is deterministic for a given seed.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text

from monitor.store.base import Base
from monitor.store.registry import import_all_models

VILLAGE_CATEGORIES = ("党务公开", "村务公开", "财务公开", "服务公开")
TOWN_CATEGORIES = ("政策文件", "财政信息", "惠民政策", "机构职能", "工作动态", "征地补偿")
YEAR_START = date(2026, 1, 1)
FETCH_END = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
# Column order of the item rows the generator and touch_units write.
ITEM_COLUMNS = (
    "id",
    "feed_id",
    "unit_id",
    "key",
    "title",
    "category",
    "url",
    "formed_date",
    "published_date",
    "date_errors",
    "meta",
    "attachments",
    "content_hash",
    "first_seen",
    "last_seen",
)


@dataclass(frozen=True)
class ProvinceShape:
    units: int
    counties: int
    towns: int
    villages: int
    feeds: int
    items: int


def shape(units: int, items: int) -> ProvinceShape:
    """About 1 county per 200 units and 12 towns per county; the rest are villages."""
    counties = max(1, units // 200)
    towns = min(max(1, counties * 12), units - counties - 1)
    villages = units - counties - towns
    return ProvinceShape(units, counties, towns, villages, 2 * units, items)


def _stamp(value: datetime) -> str:
    # SQLAlchemy's SQLite DateTime storage format (the UTC type map adds the zone back).
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


class _Writer:
    """Bulk rows into one backend: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.pg = engine.dialect.name == "postgresql"

    def write(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        raw = self.engine.raw_connection()
        count = 0
        try:
            cur = raw.cursor()
            if self.pg:
                with cur.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:  # type: ignore[attr-defined]
                    for row in rows:
                        copy.write_row(row)
                        count += 1
            else:
                marks = ", ".join("?" for _ in columns)
                sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
                for batch in _batches((self._sqlite(r) for r in rows), 50_000):
                    cur.executemany(sql, batch)
                    count += len(batch)
            raw.commit()
        finally:
            raw.close()
        return count

    @staticmethod
    def _sqlite(row: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(
            _stamp(v) if isinstance(v, datetime) else v.isoformat() if isinstance(v, date) else v
            for v in row
        )


def _batches(rows: Iterable[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def generate(
    engine: Engine, units: int = 20_000, items: int = 1_000_000, seed: int = 8
) -> ProvinceShape:
    """Create the schema and fill an empty store with the province."""
    import_all_models()
    Base.metadata.create_all(engine)
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")
    s = shape(units, items)
    w = _Writer(engine)
    w.write("unit", ("id", "code", "name", "level", "kind", "parent_id"), _units(s))
    w.write(
        "feed",
        (
            "id",
            "unit_id",
            "url",
            "kind",
            "options",
            "category",
            "interval_minutes",
            "enabled",
            "created_at",
        ),
        _feeds(s),
    )
    w.write(
        "item",
        ITEM_COLUMNS,
        _items(s, seed),
    )
    w.write(
        "item_version",
        ("id", "item_id", "content_hash", "seen_at", "title", "text", "meta"),
        _versions(s, seed),
    )
    w.write(
        "fetch",
        ("feed_id", "url", "started_at", "outcome", "status", "bytes", "duration", "items_found"),
        _fetches(s, seed),
    )
    if w.pg:
        with engine.begin() as conn:
            for table in ("unit", "feed", "item", "item_version"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    return s


def _unit_kind(s: ProvinceShape, uid: int) -> tuple[str, str, int | None]:
    """(level, kind, parent id) of unit ``uid`` (1-based; counties, then towns, villages)."""
    if uid <= s.counties:
        return "county", "county", None
    if uid <= s.counties + s.towns:
        t = uid - s.counties - 1
        return "town", ("township", "town", "street")[t % 3], 1 + t % s.counties
    v = uid - s.counties - s.towns - 1
    return "village", "community" if v % 7 == 0 else "village", s.counties + 1 + v % s.towns


def _units(s: ProvinceShape) -> Iterator[tuple[Any, ...]]:
    for uid in range(1, s.units + 1):
        level, kind, parent = _unit_kind(s, uid)
        yield uid, f"43{uid:010d}", f"合成{level}{uid}", level, kind, parent


def _feeds(s: ProvinceShape) -> Iterator[tuple[Any, ...]]:
    created = datetime(2025, 12, 1, tzinfo=UTC)
    for uid in range(1, s.units + 1):
        for j, kind in enumerate(("rss", "html")):
            fid = 2 * (uid - 1) + j + 1
            options = json.dumps({"item": "li", "detail": True}) if kind == "html" else "{}"
            yield (
                fid,
                uid,
                f"http://u{uid}.example.gov.cn/{kind}",
                kind,
                options,
                None,
                360,
                True,
                created,
            )


def _unit_of_item(s: ProvinceShape, n: int) -> int:
    return 1 + n % s.units


def _items(s: ProvinceShape, seed: int) -> Iterator[tuple[Any, ...]]:
    r = random.Random(f"items:{seed}")
    empty_list, span = "[]", (FETCH_END.date() - YEAR_START).days
    for n in range(s.items):
        uid = _unit_of_item(s, n)
        level, _, _ = _unit_kind(s, uid)
        cats = VILLAGE_CATEGORIES if level == "village" else TOWN_CATEGORIES
        cat = cats[r.randrange(len(cats))]
        published = YEAR_START + timedelta(days=r.randrange(span))
        formed = published - timedelta(days=r.randrange(0, 40))
        seen = datetime(published.year, published.month, published.day, 2, tzinfo=UTC) + timedelta(
            hours=r.randrange(0, 30)
        )
        meta = json.dumps(
            {
                "index_no": f"11430000MB{uid:07d}X/2026-{n:07d}",
                "category": cat,
                "publisher": f"合成单位{uid}",
                "formed": formed.isoformat(),
                "published": published.isoformat(),
            },
            ensure_ascii=False,
        )
        fid = 2 * (uid - 1) + 1 + (n // s.units) % 2
        yield (
            n + 1,
            fid,
            uid,
            f"k{n}",
            f"{published.year}年{published.month}月{cat}第{n}号",
            cat,
            f"http://u{uid}.example.gov.cn/a/{n}.html",
            formed,
            published,
            empty_list,
            meta,
            empty_list,
            f"{n:064x}",
            seen,
            FETCH_END,
        )


def _versions(s: ProvinceShape, seed: int) -> Iterator[tuple[Any, ...]]:
    r = random.Random(f"versions:{seed}")
    seen = datetime(2026, 6, 1, tzinfo=UTC)
    for n in range(s.items):
        body = "根据有关规定，现将有关情况公示如下。公示期为七个工作日。"
        if r.random() < 0.001:
            body += f"联系电话：13{r.randrange(10**9):09d}。"
        yield n + 1, n + 1, f"{n:064x}", seen, f"第{n}号", body, "{}"


def _fetches(s: ProvinceShape, seed: int) -> Iterator[tuple[Any, ...]]:
    r = random.Random(f"fetches:{seed}")
    for fid in range(1, s.feeds + 1):
        for k in range(4):
            failed = r.random() < 0.01
            yield (
                fid,
                f"http://u{(fid + 1) // 2}.example.gov.cn/",
                FETCH_END - timedelta(hours=6 * k),
                "network_error" if failed else "ok",
                None if failed else 200,
                20_000,
                0.3,
                0 if failed else 25,
            )


def touch_units(engine: Engine, fraction: float = 0.01, seed: int = 8) -> list[int]:
    """Add one new item to ``fraction`` of the units (what a crawl would have found)."""
    with engine.begin() as conn:
        units = (
            conn.execute(text("SELECT id FROM unit WHERE level != 'county' ORDER BY id"))
            .scalars()
            .all()
        )
        next_id = conn.execute(text("SELECT coalesce(max(id), 0) FROM item")).scalar_one() + 1
    r = random.Random(f"touch:{seed}")
    chosen = sorted(r.sample(list(units), max(1, int(len(units) * fraction))))
    w = _Writer(engine)
    now = FETCH_END + timedelta(hours=1)
    published = now.date()

    def rows() -> Iterator[tuple[Any, ...]]:
        for i, uid in enumerate(chosen):
            yield (
                next_id + i,
                2 * (uid - 1) + 1,
                uid,
                f"new{i}",
                f"新增事项{i}",
                "村务公开",
                f"http://u{uid}.example.gov.cn/new/{i}.html",
                published,
                published,
                "[]",
                "{}",
                "[]",
                f"new{i:061x}",
                now,
                now,
            )

    w.write(
        "item",
        ITEM_COLUMNS,
        rows(),
    )
    return list(chosen)
