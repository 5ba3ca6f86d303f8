"""A unit's upcoming disclosure deadlines, from the ruleset that judges it: each
periodic series (村务, 财务 … quarterly or monthly) is due on ``window_day`` of the
month after the period it covers, the annual report on its ``deadline`` day.

Pure: :func:`upcoming` takes the unit's bound rules and a day; the web turns the
result into an iCalendar feed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from rules._periods import deadline_after
from rules.api import Period

PERIODIC = "completeness.periodic_series"
ANNUAL = "completeness.annual_report"


@dataclass(frozen=True, order=True)
class Deadline:
    due: date
    what: str  # e.g. "村务 2026-Q4"
    key: str  # stable: the calendar event's id


def _periods(start: date, end: date, every: str) -> Iterator[Period]:
    """Periods of kind EVERY whose deadline may fall between START and END."""
    day = date(start.year - 1, 1, 1)
    while day <= end:
        period = Period.containing(day, every)
        yield period
        day = date.fromordinal(period.end.toordinal() + 1)


def _series(params: Any) -> Iterator[tuple[str, str]]:
    for name, series in params.series.items():
        every = series.every
        if params.monthly_finance and name == params.finance_series:
            every = "month"
        yield name, every


def upcoming(bound: Iterable[Any], today: date, days: int = 400) -> list[Deadline]:
    """Deadlines from TODAY to TODAY + DAYS for a unit judged by BOUND (its kind's
    :class:`monitor.rulesets.BoundRule` list), soonest first."""
    end = date.fromordinal(today.toordinal() + days)
    out: set[Deadline] = set()
    for rule in bound:
        rule_id = getattr(rule.rule, "id", "")
        if rule_id == PERIODIC:
            for name, every in _series(rule.params):
                for period in _periods(today, end, every):
                    due = deadline_after(period.end, rule.params.window_day)
                    if today <= due <= end:
                        out.add(Deadline(due, f"{name} {period.key}", f"{name}-{period.key}"))
        elif rule_id == ANNUAL:
            month, day = (int(x) for x in rule.params.deadline.split("-"))
            for year in (today.year, today.year + 1):
                due = date(year, month, day)
                if today <= due <= end:
                    what = f"{year - 1}年度政府信息公开工作年度报告"
                    out.add(Deadline(due, what, f"annual-{year - 1}"))
    return sorted(out)
