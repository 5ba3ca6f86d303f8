"""compute_scores against a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.scoring import SCORE_TOPIC, compute_scores, export_scores, score_rows, scores_as_of
from monitor.settings import Settings
from monitor.store.models import Feed, Fetch, Finding, Outbox, Score, Unit
from rules.api import Period
from tests.scoring.factories import T0, add_finding, make_tree

NOV = Period.parse("2026-11")
AS_OF = T0 + timedelta(days=5)


def snapshot(session: Session) -> list[tuple[Any, ...]]:
    cols = [c.key for c in Score.__table__.columns]
    rows = session.scalars(select(Score).order_by(Score.id)).all()
    return [tuple(getattr(r, c) for c in cols) for r in rows]


def seed(session: Session) -> dict[str, Unit]:
    units = make_tree(session)
    add_finding(session, units["v1"], "completeness.required_categories", "财务公开")
    add_finding(session, units["v1"], "timeliness.unit_silent", "unit")
    add_finding(session, units["v2"], "privacy.personal_data", "item-9", severity="high")
    add_finding(session, units["town"], "timeliness.publication_lag", "item-3")
    add_finding(session, units["town2"], "timeliness.stale_columns", "政策文件", assessable=False)
    return units


def totals(session: Session, period: str = "2026-11") -> dict[str, float]:
    rows = scores_as_of(session, period=period)
    codes = {u.id: u.code for u in session.scalars(select(Unit))}
    return {codes[r.unit_id]: r.value for r in rows if r.indicator == "total"}


def test_scores_every_unit_and_rolls_up(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    with sessions.begin() as s:
        units = seed(s)
        report = compute_scores(s, settings, period=NOV, as_of=AS_OF)
    assert report.units == 5
    with sessions() as s:
        got = totals(s)
        town_own = 99.0  # publication lag −1
        villages = (100 - 3 - 5 + 100 - 5) / 2
        town = 0.4 * town_own + 0.6 * villages
        assert got[units["v1"].code] == 92
        assert got[units["v2"].code] == 95
        assert got[units["town"].code] == pytest.approx(town)
        assert got[units["town2"].code] == 100
        assert got[units["county"].code] == pytest.approx((town + 100) / 2)
        rows = scores_as_of(s, period="2026-11", unit_ids=[units["v1"].id])
        by_ind = {r.indicator: r for r in rows}
        assert set(by_ind) == {
            "total",
            "completeness",
            "timeliness",
            "integrity",
            "responsiveness",
            "availability",
        }
        total = by_ind["total"]
        assert total.scheme_version == "national-2019.2"
        assert len(total.config_hash) == 64
        assert sum(e["counted"] for e in total.explanation) == 100 - total.value
        assert all(isinstance(e["finding_id"], int) for e in total.explanation)
        assert total.computed_for == date(2026, 11, 15)
        # Not-assessable: counts nothing, lowers the assessable fraction.
        t2 = scores_as_of(s, period="2026-11", unit_ids=[units["town2"].id])
        assert {r.indicator: r.assessable_fraction for r in t2}["timeliness"] < 1


def test_recompute_gives_identical_rows_and_no_new_message(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    with sessions.begin() as s:
        seed(s)
        first = compute_scores(s, settings, period=NOV, as_of=AS_OF)
    assert first.outbox_id is not None
    with sessions() as s:
        before = snapshot(s)
    with sessions.begin() as s:
        again = compute_scores(s, settings, period=NOV, as_of=AS_OF)
    with sessions() as s:
        assert snapshot(s) == before
        assert s.scalars(select(Outbox).where(Outbox.topic == SCORE_TOPIC)).all()[0].id == (
            first.outbox_id
        )
        assert len(s.scalars(select(Outbox)).all()) == 1
    assert again.inserted == again.updated == again.deleted == 0
    assert again.config_hash == first.config_hash


def test_past_period_as_of_ignores_later_changes(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    with sessions.begin() as s:
        units = seed(s)
        backdating = add_finding(s, units["v1"], "integrity.backdating", "item-1").id
        compute_scores(s, settings, period=NOV, as_of=AS_OF)
    with sessions() as s:
        before = snapshot(s)
    with sessions.begin() as s:
        # Later events: a new finding, and the backdating finding cleared.
        later = AS_OF + timedelta(days=3)
        add_finding(s, units["v2"], "timeliness.unit_silent", "unit", first_seen=later)
        f = s.get(Finding, backdating)
        f.status, f.cleared_at = "cleared", later
        compute_scores(s, settings, period=NOV, as_of=later)
    with sessions.begin() as s:
        compute_scores(s, settings, period=NOV, as_of=AS_OF)  # recompute the past
    with sessions() as s:
        old = [r for r in snapshot(s) if r in before]
        assert len(old) == len(before)  # the past rows are exactly as they were
        then = scores_as_of(s, period="2026-11", as_of=date(2026, 11, 16))
        now = scores_as_of(s, period="2026-11", as_of=date(2026, 11, 30))
        v2 = units["v2"].id
        assert [r.value for r in then if r.unit_id == v2 and r.indicator == "total"] == [95]
        assert [r.value for r in now if r.unit_id == v2 and r.indicator == "total"] == [90]
        v1 = units["v1"].id
        # The backdating finding was open on 15 Nov and cleared later: the past
        # computation counts it, the later one does not.
        assert [r.value for r in then if r.unit_id == v1 and r.indicator == "total"] == [90]
        assert [r.value for r in now if r.unit_id == v1 and r.indicator == "total"] == [92]


def test_quarter_and_year_take_month_findings(
    sqlite_sessions: sessionmaker[Session], settings: Settings
) -> None:
    sessions = sqlite_sessions  # logic, not the backend
    with sessions.begin() as s:
        units = make_tree(s)
        add_finding(s, units["v1"], "timeliness.unit_silent", "unit", period="2026-10")
        add_finding(s, units["v1"], "timeliness.unit_silent", "unit", period="2026-11")
        for key in ("2026-11", "2026-Q4", "2026"):
            compute_scores(s, settings, period=Period.parse(key), as_of=AS_OF)
    with sessions() as s:
        assert totals(s, "2026-11")[units["v1"].code] == 95
        assert totals(s, "2026-Q4")[units["v1"].code] == 90
        assert totals(s, "2026")[units["v1"].code] == 90


def test_exports_open_as_spreadsheets(
    sqlite_sessions: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    with sqlite_sessions.begin() as s:
        seed(s)
        compute_scores(s, settings, period=NOV, as_of=AS_OF)
    with sqlite_sessions() as s:
        rows = score_rows(s, scores_as_of(s, period="2026-11"), pass_line=60)
    assert len(rows) == 5 * 6
    export_scores(rows, "csv", tmp_path / "s.csv")
    export_scores(rows, "xlsx", tmp_path / "s.xlsx")
    export_scores(rows, "json", tmp_path / "s.json")
    with (tmp_path / "s.csv").open(encoding="utf-8-sig") as fh:
        csv_rows = list(csv.DictReader(fh))
    ws = load_workbook(tmp_path / "s.xlsx").active
    xlsx_rows = list(ws.iter_rows(values_only=True))
    data = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert len(csv_rows) == len(xlsx_rows) - 1 == len(data) == 30
    v1_total = next(
        r for r in data if r["unit_code"] == "441702100001" and r["indicator"] == "total"
    )
    assert v1_total["value"] == 92 and v1_total["passed"] is True
    assert v1_total["points_deducted"] == 8
    assert xlsx_rows[0][0] == "unit_code"
    assert any(r["unit_name"] == "东村" for r in csv_rows)


def test_units_never_read_are_not_scored_and_left_out_of_roll_ups(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    with sessions.begin() as s:
        units = seed(s)
        # A third village with no feed at all, and the second town's only feed 404s.
        v3 = Unit(
            code="441702100003",
            name="北村",
            level="village",
            kind="village",
            parent_id=units["town"].id,
        )
        s.add(v3)
        s.flush()
        add_finding(s, v3, "timeliness.unit_silent", "unit")  # never counts: unit unseen
        # The second town's feed was only ever answered 404.
        s.execute(
            Fetch.__table__.update()
            .where(Fetch.feed_id.in_(select(Feed.id).where(Feed.unit_id == units["town2"].id)))
            .values(outcome="http_error", status=404)
        )
        compute_scores(s, settings, period=NOV, as_of=AS_OF)
    with sessions() as s:
        rows = {r.unit_id: r for r in scores_as_of(s, period="2026-11") if r.indicator == "total"}
        v3_row, town2_row = rows[v3.id], rows[units["town2"].id]
        assert (v3_row.status, v3_row.value) == ("not_monitored", None)
        assert (town2_row.status, town2_row.value) == ("not_assessable", None)
        # The town's villages' mean leaves the unmonitored one out (as before: 92 and 95).
        town = rows[units["town"].id]
        assert town.status == "scored"
        assert town.value == pytest.approx(0.4 * 99.0 + 0.6 * (92 + 95) / 2)
        # The county is the mean of the towns that could be scored: the first one only.
        assert rows[units["county"].id].value == pytest.approx(town.value)
        exported = score_rows(s, [v3_row, town2_row], 60.0)
        assert [r["passed"] for r in exported] == [None, None]
