"""Check an annual report against the template's arithmetic and against last year's.

Pure: a :class:`AnnualReport` (and optionally last year's) in, a list of
:class:`Inconsistency` out, each naming its cell as (section, row, column). The kinds:

=========================  ==========================================================
``section_missing``        a section the template requires is absent
``table_missing``          one of the three tables is absent
``row_missing``            a row (or figure) of a table is absent
``cell_blank``             a figure is left blank (the template wants 0, not nothing)
``cell_not_number``        a figure is not a number (``十二``, ``若干``)
``cell_negative``          a figure is negative
``cell_fraction``          a count is not a whole number
``row_total``              a row's 总计 is not the sum of the applicant types
``outcome_total``          the outcomes' 总计 is not the sum of the outcome rows
``balance``                本年新收 + 上年结转 ≠ 办理结果总计 + 结转下年度继续办理
``carried_over``           上年结转 ≠ last year's 结转下年度继续办理
``review_total``           行政复议 总计 ≠ 维持 + 纠正 + 其他 + 尚未审结
``litigation_total``       行政诉讼 总计 (direct or after review) ≠ the sum of its results
``in_force``               现行有效件数 ≠ last year's + 本年制发 − 本年废止
``year_missing``           the report states no year
``year_mismatch``          the stated year is not the year the report is on
=========================  ==========================================================
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from decimal import Decimal

from monitor.annual.model import (
    CARRIED_IN,
    CARRIED_OUT,
    HANDLED,
    OTHER_GROUP,
    PROACTIVE,
    PROACTIVE_ROWS,
    RECEIVED,
    REQUEST_COLUMNS,
    REQUEST_RESULT_ROWS,
    REQUESTS,
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
    REVIEW_OUTCOMES,
    REVIEW_ROW,
    REVIEWS,
    SECTIONS,
    AnnualReport,
    Table,
)

__all__ = ["KINDS", "Inconsistency", "check"]

KINDS = (
    "section_missing",
    "table_missing",
    "row_missing",
    "cell_blank",
    "cell_not_number",
    "cell_negative",
    "cell_fraction",
    "row_total",
    "outcome_total",
    "balance",
    "carried_over",
    "review_total",
    "litigation_total",
    "in_force",
    "year_missing",
    "year_mismatch",
)


@dataclass(frozen=True)
class Inconsistency:
    kind: str
    section: str
    row: str
    column: str
    message: str
    expected: str = ""
    found: str = ""

    @property
    def cell(self) -> str:
        return "/".join(part for part in (self.section, self.row, self.column) if part)

    def as_dict(self) -> dict[str, str]:
        return {**asdict(self), "cell": self.cell}


def outcome_rows(table: Table) -> list[str]:
    """The outcome rows of this table's layout: 2021's, or 2019's single 其他处理 row."""
    rows = [row for _, row in REQUEST_RESULT_ROWS]
    split = [row for group, row in REQUEST_RESULT_ROWS if group.endswith(OTHER_GROUP)]
    if OTHER_GROUP in table.rows() and not set(split) & set(table.rows()):
        rows = [row for row in rows if row not in split] + [OTHER_GROUP]
    return rows


def layout(section: str, table: Table) -> list[tuple[str, str]]:
    """The cells a table of ``section`` must have, in the layout it was printed in."""
    if section == REVIEWS:
        return [(REVIEW_ROW, col) for col in REVIEW_COLUMNS]
    if section == REQUESTS:
        rows = [RECEIVED, CARRIED_IN, *outcome_rows(table), HANDLED, CARRIED_OUT]
        return [(row, col) for row in rows for col in REQUEST_COLUMNS]
    present = table.rows()
    cells = [(row, col) for row, col in table.cells]
    for name, _, columns in PROACTIVE_ROWS:
        if name not in present:
            cells.extend((name, col) for col in columns)
    return cells


def check(
    report: AnnualReport, *, year: int | None = None, previous: AnnualReport | None = None
) -> list[Inconsistency]:
    """Every inconsistency of ``report`` (on ``year`` when known; ``previous`` is last
    year's report of the same unit when known)."""
    found: list[Inconsistency] = []
    found.extend(_year(report, year))
    found.extend(_sections(report))
    for section in (PROACTIVE, REQUESTS, REVIEWS):
        table = report.tables.get(section)
        if table is None:
            found.append(Inconsistency("table_missing", section, "", "", f"no table {section}"))
            continue
        found.extend(_cells(table, layout(section, table)))
    requests = report.tables.get(REQUESTS)
    if requests is not None:
        found.extend(_request_totals(requests))
    reviews = report.tables.get(REVIEWS)
    if reviews is not None:
        found.extend(_review_totals(reviews))
    if previous is not None:
        found.extend(_against_previous(report, previous))
    return found


def _year(report: AnnualReport, year: int | None) -> Iterator[Inconsistency]:
    if report.year is None:
        yield Inconsistency("year_missing", "标题", "", "", "the report states no year")
    elif year is not None and report.year != year:
        yield Inconsistency(
            "year_mismatch",
            "标题",
            "",
            "",
            f"the report states {report.year}, it is the report on {year}",
            expected=str(year),
            found=str(report.year),
        )


def _sections(report: AnnualReport) -> Iterator[Inconsistency]:
    for number, heading, _ in SECTIONS:
        if heading not in report.sections:
            yield Inconsistency(
                "section_missing", f"{number}、{heading}", "", "", f"section {number} is missing"
            )


def _cells(table: Table, cells: list[tuple[str, str]]) -> Iterator[Inconsistency]:
    missing_rows = set()
    for row, column in cells:
        cell = table.cells.get((row, column))
        where = (table.section, row, column)
        if cell is None:
            if row not in table.rows():
                if row not in missing_rows:
                    missing_rows.add(row)
                    yield Inconsistency("row_missing", table.section, row, "", "row missing")
                continue
            yield Inconsistency("row_missing", *where, "figure missing")
        elif cell.blank:
            yield Inconsistency("cell_blank", *where, "blank figure (the template wants 0)")
        elif cell.value is None:
            yield Inconsistency("cell_not_number", *where, f"not a number: {cell.raw}")
        elif cell.value < 0 and not _signed(column):
            yield Inconsistency("cell_negative", *where, f"negative: {cell.raw}")
        elif cell.value != cell.value.to_integral_value() and not _amount(column):
            yield Inconsistency("cell_fraction", *where, f"not a whole count: {cell.raw}")


def _signed(column: str) -> bool:
    return "增/减" in column or "增减" in column  # the 2019 layout's change on last year


def _amount(column: str) -> bool:
    return "万元" in column or "金额" in column


def _sum(table: Table, keys: list[tuple[str, str]]) -> Decimal | None:
    values = [table.value(row, col) for row, col in keys]
    parts = [v for v in values if v is not None]
    if len(parts) < len(values):
        return None  # a blank or unreadable part is reported on its own
    return sum(parts, Decimal(0))


def _mismatch(
    kind: str, table: Table, row: str, column: str, expected: Decimal | None, what: str
) -> Iterator[Inconsistency]:
    found = table.value(row, column)
    if expected is None or found is None or found == expected:
        return
    yield Inconsistency(
        kind,
        table.section,
        row,
        column,
        f"{what}: {found} printed, {expected} by the parts",
        expected=str(expected),
        found=str(found),
    )


def _request_totals(table: Table) -> Iterator[Inconsistency]:
    parts = REQUEST_COLUMNS[:-1]
    total = REQUEST_COLUMNS[-1]
    outcomes = outcome_rows(table)
    for row in [RECEIVED, CARRIED_IN, *outcomes, HANDLED, CARRIED_OUT]:
        expected = _sum(table, [(row, col) for col in parts])
        yield from _mismatch("row_total", table, row, total, expected, "总计 by applicant type")
    for col in REQUEST_COLUMNS:
        expected = _sum(table, [(row, col) for row in outcomes])
        yield from _mismatch("outcome_total", table, HANDLED, col, expected, "办理结果总计")
        received = _sum(table, [(RECEIVED, col), (CARRIED_IN, col)])
        out = table.value(CARRIED_OUT, col)
        handled = table.value(HANDLED, col)
        if None in (received, out, handled) or received == handled + out:  # type: ignore[operator]
            continue
        yield Inconsistency(
            "balance",
            table.section,
            CARRIED_OUT,
            col,
            f"新收 + 上年结转 = {received}, 办理结果总计 + 结转下年度 = {handled + out}",  # type: ignore[operator]
            expected=str(received - handled),  # type: ignore[operator]
            found=str(out),
        )


def _review_totals(table: Table) -> Iterator[Inconsistency]:
    for group in REVIEW_GROUPS:
        parts = [(REVIEW_ROW, f"{group}·{o}") for o in REVIEW_OUTCOMES[:-1]]
        kind = "review_total" if group == "行政复议" else "litigation_total"
        total = f"{group}·{REVIEW_OUTCOMES[-1]}"
        yield from _mismatch(kind, table, REVIEW_ROW, total, _sum(table, parts), f"{group}总计")


def _against_previous(report: AnnualReport, previous: AnnualReport) -> Iterator[Inconsistency]:
    now, before = report.tables.get(REQUESTS), previous.tables.get(REQUESTS)
    if now is not None and before is not None:
        for col in REQUEST_COLUMNS:
            expected = before.value(CARRIED_OUT, col)
            yield from _mismatch(
                "carried_over", now, CARRIED_IN, col, expected, "上年结转 vs last year's 结转下年度"
            )
    now, before = report.tables.get(PROACTIVE), previous.tables.get(PROACTIVE)
    if now is None or before is None:
        return
    for row in ("规章", "行政规范性文件"):
        prior = before.value(row, "现行有效件数")
        made, repealed = now.value(row, "本年制发件数"), now.value(row, "本年废止件数")
        if None in (prior, made, repealed):
            continue
        expected = prior + made - repealed  # type: ignore[operator]
        yield from _mismatch(
            "in_force", now, row, "现行有效件数", expected, "last year's in force + made − repealed"
        )
