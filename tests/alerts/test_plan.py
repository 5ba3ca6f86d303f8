"""``plan_alerts`` decides without a database: plain facts in, keys per action out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.alerts.plan import AlertFact, AlertPlan, FindingFact, plan_alerts, select_active

NOW = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


def _finding(fid: int, unit: int, rule: str, severity: str = "high") -> FindingFact:
    return FindingFact(fid, unit, rule, "", severity, "2026-11")


def _alert(finding: FindingFact, state: str, **kw: object) -> AlertFact:
    values: dict[str, object] = {
        "key": f"{finding.unit_id}|{finding.rule_id}|",
        "unit_id": finding.unit_id,
        "state": state,
        "finding_id": finding.id,
        "severity": finding.severity,
        "opened_at": NOW - timedelta(hours=1),
        "last_notified_at": NOW - timedelta(hours=1),
        **kw,
    }
    return AlertFact(**values)  # type: ignore[arg-type]


def _plan(findings: list[FindingFact], alerts: list[AlertFact], **kw: float) -> AlertPlan:
    active, unknown = select_active(findings, set(), "low")
    hours = {"repeat_hours": 24.0, "escalate_hours": 48.0, **kw}
    return plan_alerts(active, unknown, {a.key: a for a in alerts}, now=NOW, **hours)


def test_a_new_finding_opens_and_notifies_its_unit() -> None:
    plan = _plan([_finding(1, 7, "timeliness.late")], [])
    assert plan.open == ["7|timeliness.late|"]
    assert plan.notify[7]["opened"] == ["7|timeliness.late|"]


def test_an_unreachable_unit_gets_only_that_alert() -> None:
    down = _finding(1, 7, "availability.unreachable")
    plan = _plan([down, _finding(2, 7, "timeliness.late")], [])
    assert plan.open == ["7|availability.unreachable|"]
    assert plan.inhibited == 1


def test_cleared_finding_resolves_but_an_unassessable_one_waits() -> None:
    gone = _finding(1, 7, "timeliness.late")
    unknown = FindingFact(2, 8, "timeliness.late", "", "high", "2026-11", assessable=False)
    plan = _plan([unknown], [_alert(gone, "open"), _alert(unknown, "open")])
    assert plan.resolve == ["7|timeliness.late|"]


def test_person_resolved_alert_stays_resolved_system_resolved_reopens() -> None:
    a, b = _finding(1, 7, "r.a"), _finding(2, 8, "r.b")
    plan = _plan(
        [a, b],
        [_alert(a, "resolved", last_actor="wang"), _alert(b, "resolved", last_actor="system")],
    )
    assert plan.reopen == ["8|r.b|"]


def test_expired_silence_reopens_and_old_open_alert_escalates_once() -> None:
    a, b = _finding(1, 7, "r.a"), _finding(2, 8, "r.b")
    silenced = _alert(a, "silenced", silenced_until=NOW - timedelta(minutes=1))
    old = _alert(b, "open", opened_at=NOW - timedelta(days=3))
    plan = _plan([a, b], [silenced, old])
    assert plan.unsilence == ["7|r.a|"]
    assert plan.escalate == ["8|r.b|"]
    escalated = _alert(b, "open", opened_at=NOW - timedelta(days=3), escalated_at=NOW)
    assert _plan([b], [escalated]).escalate == []


def test_repeat_only_after_the_interval() -> None:
    a = _finding(1, 7, "r.a")
    assert _plan([a], [_alert(a, "open")]).repeat == []
    stale = _alert(a, "open", last_notified_at=NOW - timedelta(hours=25))
    assert _plan([a], [stale]).repeat == ["7|r.a|"]
