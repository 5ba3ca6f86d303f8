"""The template's three tables as grids of spanning cells, ready to render.

A :class:`Spec` cell is what an HTML ``<td>`` is: text with a column and row span.
Rows are laid out from ``figures`` (section → row → column → text): a row the figures
do not hold is left out, so the same layout serves drafts (every row, unknown cells
marked) and test fixtures (a row dropped on purpose).
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.annual.model import (
    CARRIED_IN,
    CARRIED_OUT,
    HANDLED,
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
)

__all__ = ["Figures", "Spec", "place", "table_rows"]

Figures = dict[str, dict[str, dict[str, str]]]


@dataclass(frozen=True)
class Spec:
    text: str
    colspan: int = 1
    rowspan: int = 1


def _values(figures: Figures, section: str, row: str, columns: tuple[str, ...]) -> list[Spec]:
    cells = figures.get(section, {}).get(row, {})
    return [Spec(cells.get(col, "")) for col in columns]


def _proactive(figures: Figures) -> list[list[Spec]]:
    rows: list[list[Spec]] = []
    group = ""
    for name, heading, columns in PROACTIVE_ROWS:
        if name not in figures.get(PROACTIVE, {}):
            continue
        if heading != group:
            group = heading
            rows.append([Spec(heading, 4)])
            wide = [Spec(columns[0], 3)] if len(columns) == 1 else [Spec(c) for c in columns]
            rows.append([Spec("信息内容"), *wide])
        values = _values(figures, PROACTIVE, name, columns)
        if len(columns) == 1:
            values = [Spec(values[0].text, 3)]
        rows.append([Spec(name), *values])
    return rows


def _requests_head() -> list[list[Spec]]:
    note = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    return [
        [Spec(note, 3, 3), Spec("申请人情况", 7)],
        [Spec("自然人", 1, 2), Spec("法人或其他组织", 5), Spec("总计", 1, 2)],
        [Spec(c) for c in REQUEST_COLUMNS[1:6]],
    ]


def _requests(figures: Figures) -> list[list[Spec]]:
    present = figures.get(REQUESTS, {})
    cols = REQUEST_COLUMNS
    rows = _requests_head()
    for number, row in (("一、", RECEIVED), ("二、", CARRIED_IN)):
        if row in present:
            rows.append([Spec(number + row, 3), *_values(figures, REQUESTS, row, cols)])
    results = [(g, r) for g, r in REQUEST_RESULT_ROWS if r in present]
    results_rows = len(results) + (1 if HANDLED in present else 0)
    for index, (group, row) in enumerate(results):
        lead = [Spec("三、本年度办理结果", 1, results_rows)] if index == 0 else []
        rows.append(
            [*lead, *_result_label(group, row, results), *_values(figures, REQUESTS, row, cols)]
        )
    if HANDLED in present:
        lead = [] if results else [Spec("三、本年度办理结果")]
        rows.append([*lead, Spec("（七）总计", 2), *_values(figures, REQUESTS, HANDLED, cols)])
    if CARRIED_OUT in present:
        rows.append([Spec("四、" + CARRIED_OUT, 3), *_values(figures, REQUESTS, CARRIED_OUT, cols)])
    return rows


def _result_label(group: str, row: str, results: list[tuple[str, str]]) -> list[Spec]:
    if row == group[3:]:  # （一）予以公开, （二）部分公开: the group is the row
        note = "（区分处理的，只计这一情形，不计其他情形）" if row == "部分公开" else ""
        return [Spec(group + note, 2)]
    members = [r for g, r in results if g == group]
    head = [Spec(group, 1, len(members))] if members[0] == row else []
    return [*head, Spec(f"{_ordinal(group, row)}.{row}")]


def _ordinal(group: str, row: str) -> int:
    members = [r for g, r in REQUEST_RESULT_ROWS if g == group]
    return members.index(row) + 1


def _reviews(figures: Figures) -> list[list[Spec]]:
    if REVIEW_ROW not in figures.get(REVIEWS, {}):
        return []
    return [
        [Spec(REVIEW_GROUPS[0], 5, 2), Spec("行政诉讼", 10)],
        [Spec(REVIEW_GROUPS[1], 5), Spec(REVIEW_GROUPS[2], 5)],
        [Spec(o) for _ in REVIEW_GROUPS for o in REVIEW_OUTCOMES],
        _values(figures, REVIEWS, REVIEW_ROW, REVIEW_COLUMNS),
    ]


def table_rows(section: str, figures: Figures) -> list[list[Spec]]:
    """The rows of ``section``'s table (empty when the figures hold none of it)."""
    if section not in figures:
        return []
    build = {PROACTIVE: _proactive, REQUESTS: _requests, REVIEWS: _reviews}[section]
    return build(figures)


def place(rows: list[list[Spec]]) -> list[tuple[int, int, Spec]]:
    """Each cell's (row, column) in the full grid, as a browser lays out a table."""
    taken: set[tuple[int, int]] = set()
    out = []
    for r, row in enumerate(rows):
        c = 0
        for spec in row:
            while (r, c) in taken:
                c += 1
            out.append((r, c, spec))
            taken.update(
                (r + dr, c + dc) for dr in range(spec.rowspan) for dc in range(spec.colspan)
            )
            c += spec.colspan
    return out
