"""The sample district's units with a spread of findings, from scores to a test inbox:
every explanation adds up, exports open, recomputation is identical, alerts and
score updates reach a real SMTP server and a signed webhook receiver.

Findings are built as rows (the crawl and the rules are tested in their areas), so
this runs in seconds.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.alerts import sync_alerts
from monitor.demo.district import units_csv_path
from monitor.notify import deliver_outbox, verify
from monitor.scoring import compute_scores, export_scores, load_scheme, score_rows, scores_as_of
from monitor.settings import Settings
from monitor.store.models import Inspector, Score, Unit
from monitor.units import import_units
from rules.api import Period
from tests.notify.receivers import SmtpServer, WebhookReceiver
from tests.scoring.factories import T0, add_finding, monitor

SCHEME = load_scheme()
PERIODS = [Period.parse(k) for k in ("2026-11", "2026-Q4", "2026")]
SECRET = "assessment-secret"
AS_OF = T0 + timedelta(days=3)


@pytest.fixture
def receivers() -> Iterator[tuple[WebhookReceiver, SmtpServer]]:
    hook = WebhookReceiver(secret=SECRET).start()
    with SmtpServer() as smtp:
        yield hook, smtp
    hook.stop()


def seed(session: Session) -> list[Unit]:
    import_units(session, units_csv_path())
    session.flush()
    units = list(session.scalars(select(Unit).order_by(Unit.code)))
    rng = random.Random(2026)
    rules = SCHEME.rule_ids()
    for unit in units:
        if unit.level != "county":
            monitor(session, unit)
        for n in range(rng.randint(0, 9)):
            rule = rng.choice(rules)
            add_finding(
                session,
                unit,
                rule,
                f"item-{n}",
                period=rng.choice(["2026-10", "2026-11", "2026-Q4"]),
                severity=rng.choice(["low", "medium", "high"]),
                assessable=rng.random() > 0.15,
            )
    return units


def check_adds_up(rows: list[Score], units: dict[int, Unit]) -> int:
    """Every row's value follows from its explanation; returns rows checked."""
    by_key = {(r.unit_id, r.indicator): r for r in rows}
    children: dict[int, list[int]] = defaultdict(list)
    for u in units.values():
        if u.parent_id is not None:
            children[u.parent_id].append(u.id)
    for r in rows:
        own = [e for e in r.explanation if "finding_id" in e]
        own_value = r.max_value - sum(e["counted"] for e in own)
        veto = [e for e in r.explanation if e.get("kind") == "veto"]
        if veto:
            own_value = min(own_value, veto[0]["cap"])
        rollup = [e for e in r.explanation if e.get("kind") == "rollup"]
        if not rollup:
            assert r.value == pytest.approx(own_value), (units[r.unit_id].code, r.indicator)
            if r.indicator == "total" and not veto:
                parts = sum(by_key[(r.unit_id, i.id)].value for i in SCHEME.indicators)
                assert r.value == pytest.approx(parts)
            continue
        (roll,) = rollup
        assert roll["own_value"] == pytest.approx(own_value)
        kids = [by_key[(k, r.indicator)].value for k in children[r.unit_id]]
        assert roll["children_mean"] == pytest.approx(sum(kids) / len(kids), abs=1e-4)
        expected = (
            roll["own_weight"] * roll["own_value"] + roll["children_weight"] * roll["children_mean"]
        ) / (roll["own_weight"] + roll["children_weight"])
        assert r.value == pytest.approx(expected, abs=1e-4)
    return len(rows)


def test_sample_district_scores_exports_and_deliveries(
    sqlite_sessions: sessionmaker[Session],
    settings: Settings,
    receivers: tuple[WebhookReceiver, SmtpServer],
    tmp_path: Path,
) -> None:
    hook, smtp = receivers
    settings = settings.model_copy(
        update={
            "assessment": settings.assessment.model_copy(
                update={"webhook_url": hook.url, "webhook_secret": SECRET}
            ),
            "smtp": settings.smtp.model_copy(update={"port": smtp.port}),
        }
    )
    with sqlite_sessions.begin() as s:
        units = {u.id: u for u in seed(s)}
        county = next(u for u in units.values() if u.level == "county")
        chief = Inspector(
            name="chief",
            unit_id=county.id,
            min_severity="high",
            channels=[{"type": "email", "to": "chief@example.invalid"}],
        )
        s.add(chief)
        s.flush()
        towns = [u for u in units.values() if u.level == "town"]
        for town in towns:
            s.add(
                Inspector(
                    name=f"inspector-{town.code}",
                    unit_id=town.id,
                    channels=[
                        {"type": "email", "to": f"{town.code}@example.invalid"},
                        {"type": "webhook", "url": hook.url, "secret": SECRET},
                    ],
                    supervisor_id=chief.id,
                )
            )
        for period in PERIODS:
            compute_scores(s, settings, period=period, as_of=AS_OF)
        alerts = sync_alerts(s, settings, now=AS_OF)
    assert len(towns) == 8 and len(units) > 50
    assert alerts.opened and alerts.notifications

    checked = 0
    with sqlite_sessions() as s:
        for period in PERIODS:
            rows = scores_as_of(s, period=period.key)
            assert len(rows) == len(units) * (len(SCHEME.indicators) + 1)
            checked += check_adds_up(rows, units)
        snapshot = [(r.id, r.value, r.explanation, r.config_hash) for r in s.scalars(select(Score))]
        export = score_rows(s, scores_as_of(s, period="2026-Q4"), SCHEME.pass_line)
    assert checked == 3 * len(units) * 6
    export_scores(export, "xlsx", tmp_path / "q4.xlsx")
    sheet = load_workbook(tmp_path / "q4.xlsx").active
    assert sheet.max_row == len(export) + 1

    with sqlite_sessions.begin() as s:  # recomputation is identical
        for period in PERIODS:
            report = compute_scores(s, settings, period=period, as_of=AS_OF)
            assert report.inserted == report.updated == 0
    with sqlite_sessions() as s:
        assert [
            (r.id, r.value, r.explanation, r.config_hash) for r in s.scalars(select(Score))
        ] == snapshot

    delivery = deliver_outbox(sqlite_sessions, settings, now=AS_OF)
    assert delivery.failed == [] and delivery.errors == []
    events = [req.headers["X-Monitor-Event"] for req in hook.requests]
    assert events.count("score.updated") == 3
    assert events.count("alert.notification") >= 1
    assert all(
        verify(SECRET, r.headers["X-Monitor-Timestamp"], r.body, r.headers["X-Monitor-Signature"])
        for r in hook.requests
    )
    inboxes = {rcpt for _sender, rcpts, _body in smtp.messages for rcpt in rcpts}
    assert inboxes and all(addr.endswith("@example.invalid") for addr in inboxes)
    # Each town's inspector hears about their own villages by mail and by webhook.
    assert len([m for m in smtp.messages if m[1] != ["chief@example.invalid"]]) == (
        events.count("alert.notification")
    )
