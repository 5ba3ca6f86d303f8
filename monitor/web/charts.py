"""Bar and line chart geometry for server-side SVG: pure functions, no markup.

The templates draw what these compute, so the report reads without JavaScript."""

from __future__ import annotations

from dataclasses import dataclass, field

from monitor.web.report import ScoreRow, TrendPoint, indicator_order

ROW_HEIGHT = 34  # at least; each indicator's thin bar adds its own line
PART_STEP = 6
LABEL_WIDTH = 120
BAR_WIDTH = 300
VALUE_WIDTH = 44
TOP = 24


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    value: float | None
    label: str


@dataclass
class ChartRow:
    y: float
    name: str
    href: str | None
    bars: list[Bar]
    total_text: str
    note: str = ""  # the status drawn across the empty bar: not_monitored …


@dataclass
class BarChart:
    width: int
    height: int
    label_width: int
    bar_width: int
    rows: list[ChartRow]
    ticks: list[tuple[float, str]]
    parts: list[str] = field(default_factory=list)  # the indicators drawn, in order


def _frac(value: float | None, maximum: float) -> float:
    if value is None or maximum <= 0:
        return 0.0
    return max(0.0, min(1.0, value / maximum))


def bar_chart(rows: list[ScoreRow], hrefs: dict[int, str]) -> BarChart:
    """One group per unit: a thick bar for the total, a thin one for every indicator
    of the scheme (each scaled to its own maximum)."""
    parts = indicator_order({p for r in rows for p in r.parts})
    row_height = max(ROW_HEIGHT, 22 + PART_STEP * len(parts))
    chart_rows = []
    for index, row in enumerate(rows):
        y = TOP + index * row_height
        bars = [
            Bar(
                LABEL_WIDTH,
                y + 2,
                round(BAR_WIDTH * _frac(row.total, row.max_total), 1),
                14,
                "bar-total",
                row.total,
                "total",
            )
        ]
        for offset, part in enumerate(parts):
            value = row.parts.get(part)
            bars.append(
                Bar(
                    LABEL_WIDTH,
                    y + 18 + offset * PART_STEP,
                    round(BAR_WIDTH * _frac(value, row.part_max.get(part, 100.0)), 1),
                    5,
                    f"bar-{part}",
                    value,
                    part,
                )
            )
        chart_rows.append(
            ChartRow(
                y=y,
                name=row.name,
                href=hrefs.get(row.unit_id),
                bars=bars,
                total_text="–" if row.total is None else f"{round(row.total, 1):g}",
                note=(row.status or "") if row.total is None else "",
            )
        )
    ticks = [(LABEL_WIDTH + BAR_WIDTH * f, f"{int(f * 100)}%") for f in (0, 0.25, 0.5, 0.75, 1)]
    return BarChart(
        width=LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH,
        height=TOP + max(1, len(rows)) * row_height + 4,
        label_width=LABEL_WIDTH,
        bar_width=BAR_WIDTH,
        rows=chart_rows,
        ticks=ticks,
        parts=parts,
    )


@dataclass
class LineChart:
    width: int
    height: int
    points: list[tuple[float, float, str, str]]  # x, y, period, value text
    path: str


def line_chart(points: list[TrendPoint], width: int = 480, height: int = 120) -> LineChart:
    """A trend line of totals (0–100) over periods; gaps where a period has no score."""
    pad_x, pad_y = 30, 16
    step = (width - 2 * pad_x) / max(1, len(points) - 1)
    placed = []
    path_parts = []
    pen_down = False
    for index, point in enumerate(points):
        x = pad_x + index * step
        if point.value is None:
            pen_down = False
            placed.append((round(x, 1), float(height - pad_y), point.period, "–"))
            continue
        y = pad_y + (height - 2 * pad_y) * (1 - _frac(point.value, 100.0))
        path_parts.append(f"{'L' if pen_down else 'M'}{x:.1f},{y:.1f}")
        pen_down = True
        placed.append((round(x, 1), round(y, 1), point.period, f"{round(point.value, 1):g}"))
    return LineChart(width, height, placed, " ".join(path_parts))
