"""Pure parts of the report: chart geometry, period order, worst and most improved."""

from __future__ import annotations

from monitor.web.charts import BAR_WIDTH, LABEL_WIDTH, bar_chart, line_chart
from monitor.web.report import (
    ScoreRow,
    TrendPoint,
    describe,
    most_improved,
    period_keys,
    previous_period,
    worst,
)


def row(unit_id: int, total: float | None, change: float | None = None, **parts) -> ScoreRow:
    return ScoreRow(
        unit_id=unit_id,
        code=f"{unit_id:012d}",
        name=f"u{unit_id}",
        level="village",
        total=total,
        max_total=100.0,
        parts=parts,
        part_max={"completeness": 50.0, "timeliness": 50.0},
        change=change,
    )


def test_bars_scale_to_each_indicators_maximum():
    chart = bar_chart([row(1, 80, completeness=25, timeliness=50), row(2, None)], {1: "/x"})
    total, completeness, timeliness = chart.rows[0].bars
    assert total.width == BAR_WIDTH * 0.8 and total.x == LABEL_WIDTH
    assert completeness.width == BAR_WIDTH * 0.5
    assert timeliness.width == BAR_WIDTH
    assert chart.rows[0].href == "/x" and chart.rows[1].href is None
    # A unit without a score gets no bar and a dash, not a zero that reads as failing.
    assert chart.rows[1].bars[0].width == 0 and chart.rows[1].total_text == "–"


def test_bars_clamp_out_of_range_values():
    chart = bar_chart([row(1, 130, completeness=-5)], {})
    assert chart.rows[0].bars[0].width == BAR_WIDTH
    assert chart.rows[0].bars[1].width == 0


def test_line_chart_breaks_at_missing_periods():
    chart = line_chart(
        [TrendPoint("2026-08", 50), TrendPoint("2026-09", None), TrendPoint("2026-10", 100)]
    )
    assert chart.path.count("M") == 2 and "L" not in chart.path
    assert [p[2] for p in chart.points] == ["2026-08", "2026-09", "2026-10"]


def test_previous_period_of_the_same_shape():
    known = ["2026", "2026-Q3", "2026-Q4", "2026-09", "2026-10", "2026-11"]
    assert previous_period("2026-11", known) == "2026-10"
    assert previous_period("2026-Q4", known) == "2026-Q3"
    assert previous_period("2026", known) is None
    assert previous_period("2026-09", known) is None


def test_worst_and_most_improved():
    rows = [row(1, 90, 5), row(2, 40, -10), row(3, 60, 20), row(4, None), row(5, 70, None)]
    assert [r.unit_id for r in worst(rows, 2)] == [2, 3]
    assert [r.unit_id for r in most_improved(rows)] == [3, 1]


def test_period_keys_cover_months_and_quarters():
    assert period_keys("2026-Q4") >= {"2026-Q4", "2026-10", "2026-11", "2026-12"}
    assert "2026-11" in period_keys("2026")
    assert period_keys("odd") == {"odd"}


def test_describe_explanation_entries():
    capped = describe(
        {
            "finding_id": 7,
            "rule_id": "timeliness.publication_lag",
            "subject": "k",
            "points": 1,
            "counted": 0.5,
            "note": "cap reached",
            "period": "2026-11",
        }
    )
    assert capped.points == -0.5 and capped.finding_id == 7
    assert "cap reached" in capped.text and "(of 1)" in capped.text
    veto = describe({"kind": "veto", "cap": 59, "findings": [{"rule_id": "availability.x"}]})
    assert veto.points is None and "capped at 59" in veto.text
    rollup = describe(
        {
            "kind": "rollup",
            "own_value": 80,
            "own_weight": 0.4,
            "children_mean": 70,
            "children_weight": 0.6,
            "children": [{"unit": "330101001001", "value": 70}],
        }
    )
    assert rollup.children == [("330101001001", 70)] and "0.6" in rollup.text
    assert describe("free text").text == "free text"
