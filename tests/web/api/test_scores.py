"""``/api/v1/scores``: the latest rows through the one reader, every computation on
request, and a unit's score explained line by line."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from monitor.store.models import Score, Unit


def test_latest_rows_by_default_history_on_request(client, auth, web_sessions):
    with web_sessions.begin() as session:
        v1 = session.scalar(select(Unit).where(Unit.code == "330101001001"))
        session.add(
            Score(
                unit_id=v1.id,
                period="2026-11",
                scheme_version="test-1",
                config_hash="1" * 64,
                indicator="total",
                value=95.0,
                max_value=100.0,
                explanation=[],
                computed_for=date(2026, 11, 29),
                computed_at=datetime(2026, 11, 29, 8, tzinfo=UTC),
            )
        )
    query = "period=2026-11&indicator=total&unit=330101001001"
    latest = client.get(f"/api/v1/scores?{query}", headers=auth("admin")).json()
    assert [s["value"] for s in latest["items"]] == [95.0]
    every = client.get(f"/api/v1/scores?{query}&history=true", headers=auth("admin")).json()
    assert [s["value"] for s in every["items"]] == [90.0, 95.0]
    # The public report's export reads the same latest row.
    table = client.get("/units/330101001001/scores.csv?period=2026-11").text
    assert "total,95.0," in table and "total,90.0," not in table


def test_explanation_lists_deductions(client, auth):
    url = "/api/v1/scores/330101001001/2026-10/explanation"
    explained = client.get(url, headers=auth("east")).json()
    assert explained["total"]["value"] == 72.0
    (deduction,) = explained["total"]["deductions"]
    assert deduction["rule_id"] == "timeliness.publication_lag" and deduction["counted"] == 28
    assert [i["indicator"] for i in explained["indicators"]] == ["completeness", "timeliness"]
    assert client.get(url, headers=auth("west")).status_code == 403
    missing = "/api/v1/scores/330101001001/2020-01/explanation"
    assert client.get(missing, headers=auth("east")).status_code == 404


def test_explanation_shows_the_roll_up_of_the_units_below(client, auth, web_sessions):
    rollup = {
        "kind": "rollup",
        "own_value": 80.0,
        "own_weight": 0.4,
        "children_mean": 85.0,
        "children_weight": 0.6,
        "children": [
            {"unit": "330101001001", "value": 90.0},
            {"unit": "330101001002", "value": 80.0},
        ],
    }
    veto = {"kind": "veto", "cap": 59, "findings": [{"rule_id": "privacy.personal_data"}]}
    with web_sessions.begin() as session:
        east = session.scalar(select(Unit).where(Unit.code == "330101001000"))
        session.add(
            Score(
                unit_id=east.id,
                period="2026-11",
                scheme_version="test-1",
                config_hash="2" * 64,
                indicator="completeness",
                value=83.0,
                max_value=100.0,
                explanation=[rollup, veto],
                computed_for=date(2026, 11, 30),
                computed_at=datetime(2026, 11, 30, 8, tzinfo=UTC),
            )
        )
    url = "/api/v1/scores/330101001000/2026-11/explanation"
    explained = client.get(url, headers=auth("assess")).json()
    (completeness,) = [i for i in explained["indicators"] if i["indicator"] == "completeness"]
    assert completeness["value"] == 83.0 and completeness["rollup"] == rollup
    assert completeness["notes"] == [veto] and completeness["deductions"] == []
