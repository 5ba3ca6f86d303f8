"""The public report's in-process cache: recomputed when scores change, not before."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from monitor.settings import Settings, WebSettings
from monitor.store.models import Finding, Score, Unit
from monitor.web import create_app
from monitor.web.report_cache import ReportCache
from tests.web.conftest import login


def _chart(html: str) -> str:
    return html.split("<svg", 1)[1].split("</svg>", 1)[0]


def _fresh_app(settings: Settings, web_sessions):
    return create_app(
        settings.model_copy(update={"web": WebSettings(report_cache_seconds=0)}), web_sessions
    )


def test_report_changes_after_new_scores(settings, web_sessions, seeded):
    with TestClient(_fresh_app(settings, web_sessions)) as client:
        # 85 of 100 on a 300 px axis.
        assert 'width="255.0"' in _chart(client.get("/?period=2026-11").text)
        with web_sessions() as session, session.begin():
            east = session.scalar(select(Unit).where(Unit.id == seeded.ids["east"]))
            assert east is not None
            session.add(
                Score(
                    unit_id=east.id,
                    period="2026-11",
                    scheme_version="test-1",
                    config_hash="0" * 64,
                    indicator="total",
                    value=40.0,
                    max_value=100.0,
                    computed_for=date(2026, 11, 29),
                    computed_at=datetime(2026, 11, 29, 8, tzinfo=UTC),
                )
            )
        chart = _chart(client.get("/?period=2026-11").text)
        assert 'width="120.0"' in chart and 'width="255.0"' not in chart
        # A score replaced in place (same as-of recomputed) changes the page too.
        with web_sessions() as session, session.begin():
            session.execute(
                update(Score)
                .where(Score.unit_id == seeded.ids["east"], Score.value == 40.0)
                .values(value=50.0, computed_at=datetime(2026, 11, 29, 9, tzinfo=UTC))
            )
        assert 'width="150.0"' in _chart(client.get("/?period=2026-11").text)


def test_cache_computes_once_per_data_version(web_sessions, seeded):
    now = [0.0]
    cache = ReportCache(5.0, clock=lambda: now[0])
    calls = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    with web_sessions() as session:
        assert cache.get(session, "k", compute) == 1
        assert cache.get(session, "k", compute) == 1
    with web_sessions() as session, session.begin():
        session.execute(update(Score).values(computed_at=datetime(2027, 1, 1, tzinfo=UTC)))
    with web_sessions() as session:
        # Within the check interval the version is not re-read: still the cached value.
        assert cache.get(session, "k", compute) == 1
        now[0] = 6.0
        assert cache.get(session, "k", compute) == 2
        assert cache.get(session, "k", compute) == 2
    assert len(calls) == 2


def test_unit_page_changes_after_a_new_finding_and_cleared_one(settings, web_sessions, seeded):
    with TestClient(_fresh_app(settings, web_sessions)) as client:
        page = "/units/330101001001?period=2026-11"
        assert "财务公开 silently changed" in client.get(page).text
        assert "a brand new finding" not in client.get(page).text
        with web_sessions() as session, session.begin():
            session.add(
                Finding(
                    rule_id="completeness.required_categories",
                    unit_id=seeded.ids["v1"],
                    period="2026-11",
                    subject="k9",
                    severity="low",
                    message="a brand new finding",
                    evidence={},
                )
            )
        assert "a brand new finding" in client.get(page).text
        with web_sessions() as session, session.begin():
            session.execute(
                update(Finding)
                .where(Finding.message == "a brand new finding")
                .values(status="cleared", cleared_at=datetime(2026, 11, 29, tzinfo=UTC))
            )
        row = client.get(page).text.split("a brand new finding", 1)[0].rsplit("<tr", 1)[1]
        assert "cleared" in row


def test_signed_in_readers_are_not_served_the_anonymous_page(settings, web_sessions, seeded):
    with TestClient(_fresh_app(settings, web_sessions)) as client:
        assert "east (inspector)" not in client.get("/").text  # cached for anonymous
        assert login(client, "east").status_code == 303
        assert "east (inspector)" in client.get("/").text
        assert "east (inspector)" in client.get("/units/330101001001").text
