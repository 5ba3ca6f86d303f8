"""The printed summary reads each unit's newest score of the asked period only."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session, sessionmaker

from monitor import i18n
from monitor.store.models import Finding, Score, Unit
from monitor.summary import build_summary, render_text
from rules.api import Period


def _score(unit: Unit, period: str, day: date, value: float) -> Score:
    return Score(
        unit_id=unit.id,
        period=period,
        scheme_version="s1",
        config_hash="h",
        indicator="total",
        value=value,
        computed_for=day,
        computed_at=datetime(day.year, day.month, day.day, 2, tzinfo=UTC),
    )


def test_newest_score_of_the_period_not_of_another(sqlite_sessions: sessionmaker[Session]) -> None:
    with sqlite_sessions.begin() as s:
        county = Unit(code="445302000000", name="云城区", level="county", kind="county")
        s.add(county)
        s.flush()
        town = Unit(
            code="445302103000", name="思劳镇", level="town", kind="town", parent_id=county.id
        )
        s.add(town)
        s.flush()
        village = Unit(
            code="445302103201", name="城村村", level="village", kind="village", parent_id=town.id
        )
        s.add(village)
        s.flush()
        # The year's score, computed at the same moment, must not leak into the quarter.
        s.add_all(
            [
                _score(village, "2026-Q4", date(2026, 11, 2), 90.0),
                _score(village, "2026-Q4", date(2026, 11, 27), 100.0),
                _score(village, "2026", date(2026, 11, 27), 94.0),
                _score(town, "2026-Q4", date(2026, 11, 27), 80.0),
            ]
        )
        s.add(
            Finding(
                rule_id="timeliness.publication_lag",
                unit_id=village.id,
                period="2026-11",
                subject="item:x",
                severity="medium",
            )
        )
    with sqlite_sessions() as s:
        summary = build_summary(s, Period.parse("2026-Q4"))
    assert summary.worst[0].code == "445302103000"
    village_line = next(u for u in summary.worst if u.code == "445302103201")
    assert village_line.total == 100.0
    assert village_line.open_findings == 1  # a November finding belongs to Q4
    (town_line,) = summary.towns
    assert (town_line.villages, town_line.villages_passing, town_line.open_findings) == (1, 1, 1)
    assert "思劳镇" in render_text(summary)
    with i18n.using("zh_CN"):  # `monitor --lang zh_CN …`, or the default without a setting
        chinese = render_text(summary)
    assert "2026-Q4 政务公开监测摘要" in chinese and "得分最低的单位" in chinese
    assert "思劳镇" in chinese
