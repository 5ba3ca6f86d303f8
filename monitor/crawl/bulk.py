"""Bulk inserts of plain rows at driver speed.

A first crawl writes about three rows per item (the item, its first version, its
entry hash): 240,000 rows for a county's 80,000 items. Core's executemany spends
most of that time building and type-processing a parameter dict per row in Python;
on SQLite this hands the driver ready tuples instead, processing each column's
values with the column type's own bind processor (so stored values are the same
bytes Core would store), and a value repeated from the previous row (the crawl's
clock, an empty list) only once. Other backends keep Core's executemany, which
already batches there (insertmanyvalues).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Table, insert
from sqlalchemy.engine import Dialect

_Processor = Callable[[Any], Any] | None


@lru_cache(maxsize=64)
def _plan(
    table: Table, columns: tuple[str, ...], dialect: Dialect
) -> tuple[str, list[_Processor]] | None:
    """The INSERT text and per-column processors, or None when Core must fill in
    something the rows leave out (a Python-side default)."""
    present = set(columns)
    for column in table.columns:
        if column.name not in present and (column.default is not None or column.onupdate):
            return None
    quote = dialect.identifier_preparer
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote.format_table(table),
        ", ".join(quote.quote(name) for name in columns),
        ", ".join("?" for _ in columns),
    )
    processors: list[_Processor] = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
    ]
    return sql, processors


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """``INSERT`` every row (dicts with the same keys) in one executemany; no RETURNING."""
    if not rows:
        return
    dialect = connection.dialect
    plan = None
    if dialect.name == "sqlite" and dialect.paramstyle == "qmark":
        plan = _plan(table, tuple(rows[0]), dialect)
    if plan is None:
        connection.execute(insert(table), list(rows))
        return
    sql, processors = plan
    names = list(rows[0])
    columns: list[list[Any]] = []
    for name, process in zip(names, processors, strict=True):
        values = [row[name] for row in rows]
        if process is not None:
            values = _processed(values, process)
        columns.append(values)
    connection.exec_driver_sql(sql, list(zip(*columns, strict=True)))


def _processed(values: list[Any], process: Callable[[Any], Any]) -> list[Any]:
    out = []
    last_in: Any = object()
    last_out: Any = None
    empty: dict[type, Any] = {}  # most items' date_errors, meta, attachments: [] or {}
    for value in values:
        if value is not last_in:
            if type(value) in (list, dict) and not value:
                if type(value) not in empty:
                    empty[type(value)] = process(value)
                last_in, last_out = value, empty[type(value)]
            else:
                last_in, last_out = value, process(value)
        out.append(last_out)
    return out
