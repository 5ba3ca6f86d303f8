"""sync_alerts against a real store: open, dedup, route, group, repeat, escalate,
inhibit, silence, auto-resolve."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.alerts import (
    ALERT_TOPIC,
    ESCALATION_TOPIC,
    acknowledge,
    resolve,
    silence,
    sync_alerts,
)
from monitor.settings import Settings
from monitor.store.models import Alert, AlertEvent, Finding, Inspector, Outbox, Unit
from tests.scoring.factories import T0, add_finding, make_tree

HOOK = {"type": "webhook", "url": "http://127.0.0.1:9/hook", "secret": "s"}


def setup_people(session: Session, units: dict[str, Unit]) -> dict[str, Inspector]:
    boss = Inspector(
        name="chief",
        unit_id=units["county"].id,
        min_severity="critical",
        channels=[{"type": "email", "to": "chief@example.invalid"}],
    )
    session.add(boss)
    session.flush()
    town = Inspector(
        name="east",
        unit_id=units["town"].id,
        min_severity="medium",
        channels=[HOOK, {"type": "email", "to": ["a@example.invalid", "b@example.invalid"]}],
        supervisor_id=boss.id,
    )
    west = Inspector(name="west", unit_id=units["town2"].id, channels=[HOOK])
    picky = Inspector(name="picky", unit_id=units["town"].id, min_severity="high", channels=[HOOK])
    session.add_all([town, west, picky])
    session.flush()
    return {"chief": boss, "east": town, "west": west, "picky": picky}


def outbox(session: Session, *, since_id: int = 0) -> list[Outbox]:
    return list(session.scalars(select(Outbox).where(Outbox.id > since_id).order_by(Outbox.id)))


def for_inspector(rows: list[Outbox], name: str) -> list[dict[str, Any]]:
    return [r.payload for r in rows if r.payload["inspector"] == name]


def run(sessions: sessionmaker[Session], settings: Settings, now: datetime) -> Any:
    with sessions.begin() as s:
        return sync_alerts(s, settings, now=now)


def test_opens_deduplicates_groups_and_routes(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    with sessions.begin() as s:
        units = make_tree(s)
        setup_people(s, units)
        v1 = units["v1"]
        add_finding(s, v1, "timeliness.unit_silent", "unit", period="2026-10")
        add_finding(s, v1, "timeliness.unit_silent", "unit", period="2026-11")  # same key
        add_finding(s, v1, "privacy.personal_data", "item-7", severity="high")
        add_finding(s, v1, "completeness.required_metadata", "item-8", severity="low")
        add_finding(s, v1, "timeliness.stale_columns", "news", assessable=False)
        add_finding(s, units["v2"], "timeliness.unit_silent", "unit", status="cleared")
    report = run(sessions, settings, T0)
    assert len(report.opened) == 2
    with sessions() as s:
        alerts = s.scalars(select(Alert).order_by(Alert.id)).all()
        assert sorted(a.rule_id for a in alerts) == [
            "privacy.personal_data",
            "timeliness.unit_silent",
        ]
        silent = next(a for a in alerts if a.rule_id == "timeliness.unit_silent")
        assert s.get(Finding, silent.finding_id).period == "2026-11"  # the newest
        rows = outbox(s)
        assert {r.topic for r in rows} == {ALERT_TOPIC}
        east = for_inspector(rows, "east")
        # One row per channel and recipient (webhook, a@, b@), each grouping both alerts.
        assert [p["channel"]["type"] for p in east] == ["webhook", "email", "email"]
        assert [p["channel"]["to"] for p in east[1:]] == ["a@example.invalid", "b@example.invalid"]
        assert all(len(p["opened"]) == 2 for p in east)
        assert east[0]["opened"][0]["evidence"]["url"].startswith("https://")
        # Min severity: "picky" hears only the high one; "west" and "chief" nothing.
        picky = for_inspector(rows, "picky")
        assert [[a["rule_id"] for a in p["opened"]] for p in picky] == [["privacy.personal_data"]]
        assert for_inspector(rows, "west") == for_inspector(rows, "chief") == []
    # Idempotent: the same sync again changes nothing.
    again = run(sessions, settings, T0)
    assert again.opened == again.repeated == [] and again.notifications == 0
    with sessions() as s:
        assert len(outbox(s)) == len(rows)


def test_auto_resolve_with_notification_and_reopen(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    with sessions.begin() as s:
        units = make_tree(s)
        setup_people(s, units)
        fid = add_finding(s, units["v1"], "timeliness.unit_silent", "unit").id
    run(sessions, settings, T0)
    with sessions.begin() as s:
        last = outbox(s)[-1].id
        f = s.get(Finding, fid)
        f.status, f.cleared_at = "cleared", T0 + timedelta(hours=1)
    report = run(sessions, settings, T0 + timedelta(hours=1))
    assert len(report.resolved) == 1
    with sessions() as s:
        alert = s.scalars(select(Alert)).one()
        assert alert.state == "resolved"
        assert alert.history[-1].actor == "system"
        assert alert.history[-1].reason == "finding cleared"
        east = for_inspector(outbox(s, since_id=last), "east")
        assert east and all(p["resolved"][0]["id"] == alert.id for p in east)
    with sessions.begin() as s:
        f = s.get(Finding, fid)
        f.status, f.cleared_at = "open", None
    report = run(sessions, settings, T0 + timedelta(hours=2))
    assert report.reopened == [alert.id]


def test_manual_resolve_sticks_while_the_finding_stays_open(
    sqlite_sessions: sessionmaker[Session], settings: Settings
) -> None:
    sessions = sqlite_sessions  # logic, not the backend
    with sessions.begin() as s:
        units = make_tree(s)
        add_finding(s, units["v1"], "timeliness.unit_silent", "unit")
    run(sessions, settings, T0)
    with sessions.begin() as s:
        alert = s.scalars(select(Alert)).one()
        resolve(s, alert, by="wang", reason="unit explained by phone", now=T0)
    report = run(sessions, settings, T0 + timedelta(days=2))
    assert report.reopened == [] and report.repeated == []
    with sessions() as s:
        assert s.scalars(select(Alert)).one().state == "resolved"


def test_repeat_interval_ack_and_escalation(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    with sessions.begin() as s:
        units = make_tree(s)
        setup_people(s, units)
        add_finding(s, units["v1"], "privacy.personal_data", "item-1", severity="critical")
        add_finding(s, units["v2"], "timeliness.unit_silent", "unit")
    run(sessions, settings, T0)
    assert run(sessions, settings, T0 + timedelta(hours=23)).repeated == []
    report = run(sessions, settings, T0 + timedelta(hours=25))
    assert len(report.repeated) == 2
    with sessions.begin() as s:
        v2_alert = s.scalars(select(Alert).where(Alert.rule_id == "timeliness.unit_silent")).one()
        acknowledge(s, v2_alert, by="east", reason="on it", now=T0 + timedelta(hours=26))
        last = outbox(s)[-1].id
    later = T0 + timedelta(hours=73)
    report = run(sessions, settings, later)
    assert len(report.escalated) == 1  # the acknowledged one is not escalated
    with sessions() as s:
        rows = outbox(s, since_id=last)
        esc = [r.payload for r in rows if r.topic == ESCALATION_TOPIC]
        assert [p["inspector"] for p in esc] == ["chief"]
        assert esc[0]["escalated"][0]["rule_id"] == "privacy.personal_data"
        alert = s.get(Alert, report.escalated[0])
        assert alert.escalated_at == later
        assert alert.history[-1].reason == "escalated to chief"
        # The acknowledged alert is not repeated either.
        repeated_ids = {a["id"] for r in rows for a in r.payload.get("repeated", [])}
        assert v2_alert.id not in repeated_ids
    assert run(sessions, settings, later + timedelta(hours=1)).escalated == []


def test_unreachable_site_inhibits_other_alerts(
    sqlite_sessions: sessionmaker[Session], settings: Settings
) -> None:
    sessions = sqlite_sessions  # logic, not the backend
    with sessions.begin() as s:
        units = make_tree(s)
        setup_people(s, units)
        v1 = units["v1"]
        add_finding(s, v1, "availability.unreachable", "site", severity="high")
        for col in ("通知公告", "政策文件", "财务公开"):
            add_finding(s, v1, "timeliness.stale_columns", col)
    report = run(sessions, settings, T0)
    assert report.inhibited == 3
    with sessions() as s:
        assert [a.rule_id for a in s.scalars(select(Alert))] == ["availability.unreachable"]
        east = for_inspector(outbox(s), "east")
        assert all(len(p["opened"]) == 1 for p in east)


def test_silence_until_expiry_then_notified_again(
    sqlite_sessions: sessionmaker[Session], settings: Settings
) -> None:
    sessions = sqlite_sessions  # logic, not the backend
    with sessions.begin() as s:
        units = make_tree(s)
        setup_people(s, units)
        add_finding(s, units["v1"], "timeliness.unit_silent", "unit")
    run(sessions, settings, T0)
    with sessions.begin() as s:
        alert = s.scalars(select(Alert)).one()
        silence(s, alert, by="east", until=T0 + timedelta(days=3), reason="holiday", now=T0)
    report = run(sessions, settings, T0 + timedelta(days=2))
    assert report.repeated == [] and report.notifications == 0
    report = run(sessions, settings, T0 + timedelta(days=3, hours=1))
    assert report.unsilenced == [alert.id] and report.notifications > 0
    with sessions() as s:
        events = s.scalars(select(AlertEvent).order_by(AlertEvent.id)).all()
        moves = [(e.from_state, e.to_state, e.reason) for e in events]
        assert ("silenced", "open", "silence expired") in moves


def test_a_finding_that_cannot_be_assessed_neither_resolves_nor_repeats(
    sqlite_sessions: sessionmaker[Session], settings: Settings
) -> None:
    with sqlite_sessions.begin() as s:
        units = make_tree(s)
        fid = add_finding(s, units["v1"], "timeliness.stale_columns", "通知公告").id
    run(sqlite_sessions, settings, T0)
    with sqlite_sessions.begin() as s:
        s.get(Finding, fid).assessable = False  # the portal went down
    report = run(sqlite_sessions, settings, T0 + timedelta(days=4))
    assert report.resolved == report.repeated == report.escalated == []
    with sqlite_sessions() as s:
        assert s.scalars(select(Alert)).one().state == "open"
    with sqlite_sessions.begin() as s:
        s.get(Finding, fid).assessable = True  # back, and still stale
    report = run(sqlite_sessions, settings, T0 + timedelta(days=5))
    assert len(report.repeated) == 1 and len(report.escalated) == 1
