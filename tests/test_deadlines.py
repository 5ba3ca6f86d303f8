"""A unit's upcoming deadlines from its bound rules: pure."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from monitor.deadlines import ANNUAL, PERIODIC, upcoming
from rules.completeness.periodic_series import PeriodicSeries


def _periodic(**params: object) -> SimpleNamespace:
    return SimpleNamespace(
        rule=SimpleNamespace(id=PERIODIC), params=PeriodicSeries.Params(**params)
    )


def test_quarterly_series_due_on_the_window_day_after_the_quarter() -> None:
    found = upcoming([_periodic(window_day=15)], date(2026, 12, 3), days=120)
    assert [(d.due, d.what) for d in found] == [
        (date(2027, 1, 15), "村务 2026-Q4"),
        (date(2027, 1, 15), "财务 2026-Q4"),
    ]


def test_monthly_finance_where_the_county_requires_it() -> None:
    found = upcoming([_periodic(window_day=10, monthly_finance=True)], date(2026, 12, 3), 70)
    assert [(d.due, d.what) for d in found] == [
        (date(2026, 12, 10), "财务 2026-11"),
        (date(2027, 1, 10), "村务 2026-Q4"),
        (date(2027, 1, 10), "财务 2026-12"),
        (date(2027, 2, 10), "财务 2027-01"),
    ]


def test_annual_report_and_stable_keys() -> None:
    annual = SimpleNamespace(
        rule=SimpleNamespace(id=ANNUAL), params=SimpleNamespace(deadline="02-20")
    )
    found = upcoming([annual], date(2026, 12, 3))
    assert [(d.due, d.key) for d in found] == [(date(2027, 2, 20), "annual-2026")]
    assert upcoming([annual], date(2027, 2, 21), days=30) == []
