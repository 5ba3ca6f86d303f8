"""Bulk inserts of plain rows at driver speed.

A first crawl writes about three rows per item (the item, its first version, its
entry hash): 240,000 rows for a county's 80,000 items. Core's executemany spends
most of that time building and type-processing a parameter dict per row in Python;
on SQLite this hands the driver ready tuples instead, processing each column's
values with the column type's own bind processor (so stored values are the same
bytes Core would store), and a value repeated from the previous row (the crawl's
clock, an empty list) only once. Other backends keep Core's executemany, which
already batches there (insertmanyvalues), except PostgreSQL through psycopg, which
takes the same processed tuples through ``COPY … FROM STDIN``: a province's quarter of
scores (120,000 rows) or a county's first crawl in one stream instead of statements.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
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
    names = ", ".join(quote.quote(name) for name in columns)
    if dialect.name == "postgresql":
        sql = f"COPY {quote.format_table(table)} ({names}) FROM STDIN"
    else:
        sql = "INSERT INTO {} ({}) VALUES ({})".format(
            quote.format_table(table), names, ", ".join("?" for _ in columns)
        )
    processors: list[_Processor] = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
    ]
    return sql, processors


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """``INSERT`` every row (dicts with the same keys) in one executemany; no RETURNING."""
    if rows:
        insert_tuples(connection, table, *as_tuples(rows))


def as_tuples(rows: Sequence[dict[str, Any]]) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    """The column names of ``rows`` (dicts with the same keys, at least one) and their
    values as tuples in that order."""
    names = tuple(rows[0])
    return names, [tuple(row[n] for n in names) for row in rows]


def insert_numbered(
    connection: Connection, table: Table, columns: tuple[str, ...], rows: Sequence[tuple[Any, ...]]
) -> range | None:
    """:func:`insert_tuples`, then the new rows' ids in insertion order where they can
    be told without reading the rows back (SQLite, see :func:`inserted_ids`); None
    where the caller must look them up."""
    before = max_id(connection, table)
    insert_tuples(connection, table, columns, rows)
    return inserted_ids(connection, table, len(rows), before)


def insert_tuples(
    connection: Connection, table: Table, columns: tuple[str, ...], rows: Sequence[tuple[Any, ...]]
) -> None:
    """``INSERT`` every row (tuples of ``columns``' values) in one executemany: the
    crawl builds its rows as tuples, so no dict is made per row on SQLite."""
    if not rows:
        return
    dialect = connection.dialect
    plan = _plan(table, columns, dialect) if _direct(dialect) else None
    if plan is None:
        connection.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    sql, processors = plan
    if any(process is not None for process in processors):
        values: list[Sequence[Any]] = list(zip(*rows, strict=True))
        for index, process in enumerate(processors):
            if process is not None:
                values[index] = _processed(values[index], process)
        rows = list(zip(*values, strict=True))
    if dialect.name == "postgresql":
        _copy(connection, sql, rows)
        return
    connection.exec_driver_sql(sql, rows if isinstance(rows, list) else list(rows))


def _direct(dialect: Dialect) -> bool:
    """Whether rows go to the driver directly: SQLite's executemany, psycopg's COPY."""
    if dialect.name == "sqlite":
        return dialect.paramstyle == "qmark"
    return dialect.name == "postgresql" and dialect.driver == "psycopg"


def _copy(connection: Connection, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """Stream ``rows`` through psycopg's COPY on the connection's own transaction; the
    processed values (``Jsonb``, UTC datetimes) are adapted by psycopg as in an INSERT."""
    cursor = connection.connection.cursor()
    try:
        with cursor.copy(sql) as copy:  # type: ignore[attr-defined]
            for row in rows:
                copy.write_row(row)
    finally:
        cursor.close()


def inserted_ids(
    connection: Connection, table: Table, count: int, before: int | None
) -> range | None:
    """The ids SQLite gave the ``count`` rows just inserted after ``max_id`` returned
    ``before``, in insertion order; None when they cannot be told that way (another
    writer came in between, or not SQLite): the caller then looks them up.

    A rowid table gives each new row the largest id + 1, so rows inserted one after
    another while this transaction holds the write lock are exactly the ids after
    ``before`` when there are ``count`` of them, from ``before + 1`` to ``before + count``."""
    if before is None or connection.dialect.name != "sqlite":
        return None
    quote = connection.dialect.identifier_preparer
    found = connection.exec_driver_sql(
        f"SELECT count(*), min(id), max(id) FROM {quote.format_table(table)} WHERE id > ?",
        (before,),
    ).one()
    if tuple(found) != (count, before + 1, before + count):
        return None
    return range(before + 1, before + count + 1)


def max_id(connection: Connection, table: Table) -> int | None:
    """The largest id before a bulk insert (0 for an empty table), on SQLite only."""
    if connection.dialect.name != "sqlite":
        return None
    quote = connection.dialect.identifier_preparer
    sql = f"SELECT coalesce(max(id), 0) FROM {quote.format_table(table)}"
    return int(connection.exec_driver_sql(sql).scalar_one())


def _processed(values: Sequence[Any], process: Callable[[Any], Any]) -> list[Any]:
    out = []
    last_in: Any = object()
    last_out: Any = None
    empty: dict[type, Any] = {}  # most items' date_errors, meta, attachments: [] or {}
    days: dict[date, Any] = {}  # a feed's items share a few dates
    for value in values:
        if value is not last_in:
            kind = type(value)
            if kind is date:
                if value not in days:
                    days[value] = process(value)
                last_in, last_out = value, days[value]
            elif kind in (list, dict) and not value:
                if kind not in empty:
                    empty[kind] = process(value)
                last_in, last_out = value, empty[kind]
            else:
                last_in, last_out = value, process(value)
        out.append(last_out)
    return out
