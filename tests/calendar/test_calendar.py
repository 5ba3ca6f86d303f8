"""The working-day calendar: State Council data, operator days, unknown years."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.calendar import (
    WorkdayCalendar,
    add_operator_day,
    calendar_path,
    load_calendar,
    read_operator_file,
)
from monitor.cli.main import app
from monitor.settings import Settings
from rules.api import CalendarUnknown


def test_makeup_saturday_is_a_working_day() -> None:
    assert WorkdayCalendar().is_workday(date(2026, 2, 14))


def test_spring_festival_week_is_off() -> None:
    cal = WorkdayCalendar()
    day = date(2026, 2, 15)
    while day <= date(2026, 2, 23):
        assert not cal.is_workday(day), day
        day += timedelta(days=1)
    assert cal.is_workday(date(2026, 2, 24))


def test_february_2026_has_16_working_days() -> None:
    cal = WorkdayCalendar()
    assert len(cal.workdays(date(2026, 2, 1), date(2026, 2, 28))) == 16
    assert cal.workdays_between(date(2026, 1, 31), date(2026, 2, 28)) == 16


def test_add_workdays_skips_the_holiday() -> None:
    # 20 working days from 10 Feb: the Spring Festival week does not count.
    assert WorkdayCalendar().add_workdays(date(2026, 2, 10), 20) == date(2026, 3, 16)
    assert WorkdayCalendar().add_workdays(date(2026, 2, 24), -1) == date(2026, 2, 14)


def test_2027_is_unknown_without_an_operator_file() -> None:
    cal = WorkdayCalendar()
    with pytest.raises(CalendarUnknown) as info:
        cal.is_workday(date(2027, 1, 4))
    assert info.value.day == date(2027, 1, 4)
    with pytest.raises(CalendarUnknown):
        cal.workdays_between(date(2026, 12, 20), date(2027, 1, 10))
    assert cal.workdays_between(date(2027, 1, 10), date(2027, 1, 1)) == 0


def test_operator_days_make_a_year_known(tmp_path: Path) -> None:
    path = tmp_path / "calendar.yaml"
    path.write_text("days:\n  2027-01-01: 0\n  2027-02-20: 1\n", encoding="utf-8")
    cal = WorkdayCalendar(read_operator_file(path))
    assert not cal.is_workday(date(2027, 1, 1))  # a Friday, made a holiday
    assert cal.is_workday(date(2027, 2, 20))  # a Saturday, made a working day
    assert cal.is_workday(date(2027, 1, 4)) and not cal.is_workday(date(2027, 1, 9))
    # 2026-12-31 (Thu) to 2027-01-04 (Mon): only the Monday is a working day after start.
    assert cal.workdays_between(date(2026, 12, 31), date(2027, 1, 4)) == 1
    with pytest.raises(CalendarUnknown):
        cal.is_workday(date(2028, 1, 3))


def test_operator_file_in_toml_and_overriding_a_known_year(tmp_path: Path) -> None:
    path = tmp_path / "calendar.toml"
    path.write_text('[days]\n"2026-02-13" = 0\n', encoding="utf-8")
    settings = Settings(data_dir=tmp_path, calendar_file=path)
    cal = load_calendar(settings)
    assert not cal.is_workday(date(2026, 2, 13))
    with pytest.raises(ValueError, match="TOML"):
        add_operator_day(path, date(2027, 1, 1), 0)


def test_bad_operator_values_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "calendar.yaml"
    path.write_text("days:\n  2027-01-01: 2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="want 0"):
        read_operator_file(path)
    with pytest.raises(ValueError):
        add_operator_day(tmp_path / "other.yaml", date(2027, 1, 1), 5)


def test_add_operator_day_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "calendar.yaml"
    add_operator_day(path, date(2027, 2, 20), 1)
    add_operator_day(path, date(2027, 1, 1), 0)
    assert read_operator_file(path) == {date(2027, 1, 1): False, date(2027, 2, 20): True}


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MONITOR_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("MONITOR_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("MONITOR_DATABASE_URL", f"sqlite:///{tmp_path / 'm.db'}")
    return tmp_path / "var"


def test_cli_workdays_and_add(cli_env: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["calendar", "workdays", "2026-02-01", "2026-02-28"])
    assert result.exit_code == 0 and result.output.strip() == "16"
    result = runner.invoke(app, ["calendar", "is-workday", "2026-02-14"])
    assert result.exit_code == 0 and "working day" in result.output
    result = runner.invoke(app, ["calendar", "is-workday", "2026-02-16"])
    assert result.exit_code == 1
    result = runner.invoke(app, ["calendar", "is-workday", "2027-01-04"])
    assert result.exit_code == 3 and "unknown" in result.output
    result = runner.invoke(app, ["calendar", "workdays", "2027-01-01", "2027-01-10", "--json"])
    assert result.exit_code == 3 and "unknown" in result.output

    result = runner.invoke(app, ["calendar", "add", "2027-01-01", "0"])
    assert result.exit_code == 0, result.output
    assert read_operator_file(calendar_path(Settings(data_dir=cli_env))) == {
        date(2027, 1, 1): False
    }
    result = runner.invoke(app, ["calendar", "workdays", "2027-01-01", "2027-01-10", "--json"])
    assert result.exit_code == 0 and '"workdays": 5' in result.output
    result = runner.invoke(app, ["calendar", "add", "2027-01-02", "7"])
    assert result.exit_code != 0
