"""Periods: which finding periods lie inside a month, a quarter, a year."""

from __future__ import annotations

from rules.api import Period


def test_keys_within() -> None:
    # The quarter holding a month is not inside it.
    assert Period.parse("2026-11").keys_within() == {"2026-11"}
    assert Period.parse("2026-Q4").keys_within() == {"2026-Q4", "2026-10", "2026-11", "2026-12"}
    year = Period.parse("2026").keys_within()
    assert {"2026", "2026-Q1", "2026-Q4", "2026-01", "2026-12"} <= year
    assert len(year) == 1 + 4 + 12
