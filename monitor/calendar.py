"""The working-day calendar: the State Council's yearly notice plus an operator file.

``chinesecalendar`` carries the notices for 2004–2026. For later years (or to correct
a year) the operator adds the notice as data, in YAML or TOML::

    # var/calendar.yaml
    days:
      2027-01-01: 0   # 0: a day off (holiday), even on a weekday
      2027-02-20: 1   # 1: a working day (调休 makeup day), even on a weekend

A year becomes known as soon as the file lists at least one day of it: then every
unlisted weekday is a working day and every unlisted weekend day is not, so enter a
year's whole notice before evaluating against it. A date in a year neither source
knows raises :class:`rules.api.CalendarUnknown`; nothing guesses.
"""

from __future__ import annotations

import tomllib
from bisect import bisect_right
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import chinese_calendar
import yaml

from monitor.settings import Settings
from rules.api import CalendarUnknown

__all__ = [
    "DAY_OFF",
    "WORKDAY",
    "WorkdayCalendar",
    "add_operator_day",
    "calendar_path",
    "load_calendar",
    "read_operator_file",
]

DAY_OFF = 0
WORKDAY = 1


def calendar_path(settings: Settings) -> Path:
    return settings.calendar_file or settings.data_dir / "calendar.yaml"


def read_operator_file(path: Path) -> dict[date, bool]:
    """The operator's days as ``{date: is_workday}``; an absent file is empty."""
    if not path.exists():
        return {}
    raw = path.read_text(encoding="utf-8")
    data: Any = tomllib.loads(raw) if path.suffix == ".toml" else yaml.safe_load(raw)
    days = (data or {}).get("days") or {}
    if not isinstance(days, dict):
        raise ValueError(f"{path}: 'days' must map YYYY-MM-DD to 0 (day off) or 1 (working day)")
    out: dict[date, bool] = {}
    for key, value in days.items():
        day = key if isinstance(key, date) else date.fromisoformat(str(key))
        if value not in (DAY_OFF, WORKDAY):
            raise ValueError(f"{path}: {day}: want 0 (day off) or 1 (working day), got {value!r}")
        out[day] = value == WORKDAY
    return out


def add_operator_day(path: Path, day: date, n: int) -> None:
    """Record ``day`` in the operator file: ``n`` = 0 day off, 1 working day."""
    if n not in (DAY_OFF, WORKDAY):
        raise ValueError("N must be 0 (day off / holiday) or 1 (working day / makeup day)")
    if path.suffix == ".toml":
        raise ValueError(f"{path} is TOML: edit it by hand, or point calendar_file at a .yaml")
    days = {d.isoformat(): int(w) for d, w in read_operator_file(path).items()}
    days[day.isoformat()] = n
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"days": dict(sorted(days.items()))}
    header = "# Operator additions to the working-day calendar: 0 = day off, 1 = working day.\n"
    path.write_text(header + yaml.safe_dump(body, allow_unicode=True, sort_keys=False), "utf-8")


class WorkdayCalendar:
    """Implements ``rules.api.Calendar``: State Council notices + operator days."""

    def __init__(self, operator_days: dict[date, bool] | None = None) -> None:
        self._operator = dict(operator_days or {})
        self._operator_years = {d.year for d in self._operator}
        self._years: dict[int, list[int]] = {}

    def known_year(self, year: int) -> bool:
        if year in self._operator_years:
            return True
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
        except NotImplementedError:
            return False
        return True

    def is_workday(self, day: date) -> bool:
        if day in self._operator:
            return self._operator[day]
        if day.year in self._operator_years:
            return day.weekday() < 5
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            raise CalendarUnknown(day) from None

    def _ordinals(self, year: int, probe: date) -> list[int]:
        """The sorted ordinals of a year's working days, computed once per year."""
        cached = self._years.get(year)
        if cached is None:
            if not self.known_year(year):
                raise CalendarUnknown(probe)
            day, cached = date(year, 1, 1), []
            while day.year == year:
                if self.is_workday(day):
                    cached.append(day.toordinal())
                day += timedelta(days=1)
            self._years[year] = cached
        return cached

    def workdays_between(self, start: date, end: date) -> int:
        if end <= start:
            return 0
        total = 0
        for year in range(start.year, end.year + 1):
            lo = start if year == start.year else date(year - 1, 12, 31)
            hi = end if year == end.year else date(year, 12, 31)
            probe = (start + timedelta(days=1)) if year == start.year else date(year, 1, 1)
            ordinals = self._ordinals(year, probe)
            total += bisect_right(ordinals, hi.toordinal()) - bisect_right(ordinals, lo.toordinal())
        return total

    def add_workdays(self, start: date, n: int) -> date:
        step = 1 if n >= 0 else -1
        day, left = start, abs(n)
        while left:
            day += timedelta(days=step)
            if self.is_workday(day):
                left -= 1
        return day

    def workdays(self, start: date, end: date) -> list[date]:
        """Working days from ``start`` to ``end``, both inclusive."""
        out, day = [], start
        while day <= end:
            if self.is_workday(day):
                out.append(day)
            day += timedelta(days=1)
        return out


def load_calendar(settings: Settings) -> WorkdayCalendar:
    return WorkdayCalendar(read_operator_file(calendar_path(settings)))
