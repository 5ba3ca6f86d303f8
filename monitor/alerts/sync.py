"""``sync_alerts``: bring alerts in line with findings and queue notifications.

- Open assessable findings at or above ``settings.alerts.min_severity`` (and not
  overturned on appeal) open one alert per (unit, rule, subject).
- Inhibition: while a unit's ``availability.unreachable`` finding is open, that is
  the only alert the unit gets; its other findings open nothing (existing alerts
  stay, but are not re-notified).
- An alert whose finding cleared is resolved by the system, with a resolved
  notification. One resolved by a person stays resolved while the finding is open.
  One whose finding can no longer be assessed (the feed is down) has not cleared:
  it is neither resolved nor re-notified until the finding is judged again.
- Unacknowledged alerts are re-notified every ``repeat_interval_hours`` and escalated
  once to the inspectors' supervisors after ``escalate_after_hours``.
- Expired silences end (back to open, notified again).
- Notifications are grouped per unit: one outbox row per (inspector, channel, unit)
  in the caller's transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.alerts.models import Appeal
from monitor.alerts.plan import (
    INHIBITING_RULE,
    KINDS,
    AlertFact,
    AlertPlan,
    FindingFact,
    dedup_key,
    plan_alerts,
    select_active,
)
from monitor.alerts.routing import routed, severity_ok
from monitor.alerts.state import SYSTEM, record, transition
from monitor.metrics import OPEN_ALERTS
from monitor.settings import Settings
from monitor.store.models import Alert, Finding, Inspector, Outbox, Unit
from rules.api import Severity

__all__ = [
    "ALERT_TOPIC",
    "ESCALATION_TOPIC",
    "INHIBITING_RULE",
    "AlertReport",
    "dedup_key",
    "sync_alerts",
]

ALERT_TOPIC = "alert.notification"
ESCALATION_TOPIC = "alert.escalation"


@dataclass
class AlertReport:
    opened: list[int] = field(default_factory=list)
    reopened: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)
    repeated: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)
    unsilenced: list[int] = field(default_factory=list)
    inhibited: int = 0
    notifications: int = 0


@dataclass
class _World:
    """What the apply step needs besides the plan: the rows the plan's keys name."""

    active: dict[str, FindingFact]
    alerts: dict[str, Alert]
    findings: dict[int, Finding]


def _read_findings(session: Session) -> tuple[list[FindingFact], set[int], dict[int, Finding]]:
    overturned = set(
        session.scalars(select(Appeal.finding_id).where(Appeal.state == "overturned")).all()
    )
    rows = {f.id: f for f in session.scalars(select(Finding).where(Finding.status == "open"))}
    facts = [
        FindingFact(f.id, f.unit_id, f.rule_id, f.subject, f.severity, f.period, f.assessable)
        for f in rows.values()
    ]
    return facts, overturned, rows


def _read_alerts(session: Session, keys: set[str]) -> dict[str, Alert]:
    # Resolved alerts pile up over the years: load only those a finding may reopen.
    alerts = {
        a.dedup_key: a for a in session.scalars(select(Alert).where(Alert.state != "resolved"))
    }
    wanted = sorted(keys - set(alerts))
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        for a in session.scalars(select(Alert).where(Alert.dedup_key.in_(chunk))):
            alerts[a.dedup_key] = a
    return alerts


def _fact(alert: Alert) -> AlertFact:
    return AlertFact(
        key=alert.dedup_key,
        unit_id=alert.unit_id,
        state=alert.state,
        finding_id=alert.finding_id,
        severity=alert.severity,
        opened_at=alert.opened_at,
        silenced_until=alert.silenced_until,
        last_notified_at=alert.last_notified_at,
        escalated_at=alert.escalated_at,
        last_actor=alert.history[-1].actor if alert.history else None,
    )


def _describe(alert: Alert, finding: Finding | None) -> dict[str, Any]:
    return {
        "id": alert.id,
        "rule_id": alert.rule_id,
        "subject": alert.subject,
        "severity": alert.severity,
        "state": alert.state,
        "title": alert.title,
        "finding_id": alert.finding_id,
        "period": finding.period if finding else None,
        "evidence": finding.evidence if finding else {},
        # The finding's message as code and parameters: rendered in the reader's language.
        "message_code": finding.message_code if finding else None,
        "message_params": finding.message_params if finding else {},
        "opened_at": alert.opened_at.isoformat(),
    }


def sync_alerts(session: Session, settings: Settings, *, now: datetime) -> AlertReport:
    """Read the findings and alerts, plan (``plan_alerts``), apply the plan."""
    cfg = settings.alerts
    facts, overturned, rows = _read_findings(session)
    active, unknown = select_active(facts, overturned, cfg.min_severity)
    alerts = _read_alerts(session, set(active))
    plan = plan_alerts(
        active,
        unknown,
        {k: _fact(a) for k, a in alerts.items()},
        now=now,
        repeat_hours=cfg.repeat_interval_hours,
        escalate_hours=cfg.escalate_after_hours,
    )
    world = _World(active, alerts, {f.id: rows[f.id] for f in active.values()})
    report = _apply_transitions(session, plan, world, now)
    session.flush()
    report.notifications = _apply_notifications(session, plan, world, now)
    session.flush()
    _export_gauge(session)
    return report


def _apply_transitions(
    session: Session, plan: AlertPlan, world: _World, now: datetime
) -> AlertReport:
    report = AlertReport(inhibited=plan.inhibited)
    alerts, active = world.alerts, world.active
    for key in plan.open:
        f = world.findings[active[key].id]
        alert = Alert(
            dedup_key=key, unit_id=f.unit_id, rule_id=f.rule_id, subject=f.subject,
            severity=f.severity, title=f.message[:2000], finding_id=f.id,
            opened_at=now, updated_at=now,
        )  # fmt: skip
        session.add(alert)
        transition(session, alert, "open", actor=SYSTEM, reason=f"finding {f.id}", now=now)
        session.flush()
        alerts[key] = alert
        report.opened.append(alert.id)
    for key in plan.refresh:
        f = world.findings[active[key].id]
        alert = alerts[key]
        alert.finding_id, alert.severity, alert.title = f.id, f.severity, f.message[:2000]
        alert.updated_at = now
    steps = (
        (plan.reopen, report.reopened, "open", lambda k: f"finding {active[k].id} open again"),
        (plan.unsilence, report.unsilenced, "open", lambda k: "silence expired"),
        (plan.resolve, report.resolved, "resolved", lambda k: "finding cleared"),
    )
    for keys, ids, to_state, reason in steps:
        for key in keys:
            transition(session, alerts[key], to_state, actor=SYSTEM, reason=reason(key), now=now)
            ids.append(alerts[key].id)
    report.repeated = [alerts[k].id for k in plan.repeat]
    for key in plan.escalate:
        alerts[key].escalated_at = now
        report.escalated.append(alerts[key].id)
    return report


def _apply_notifications(session: Session, plan: AlertPlan, world: _World, now: datetime) -> int:
    inspectors = list(session.scalars(select(Inspector)).all())
    units = {u.id: u for u in session.scalars(select(Unit))}
    parents = {uid: u.parent_id for uid, u in units.items()}
    alerts, findings = world.alerts, world.findings
    # Resolved alerts point at findings no longer active: load those for the evidence.
    missing = {a.finding_id for a in alerts.values() if a.finding_id} - set(findings)
    if missing:
        for f in session.scalars(select(Finding).where(Finding.id.in_(missing))):
            findings[f.id] = f

    def describe(key: str) -> dict[str, Any]:
        alert = alerts[key]
        return _describe(alert, findings.get(alert.finding_id or -1))

    sent = 0
    for unit_id in sorted(plan.notify):
        kinds = plan.notify[unit_id]
        for key in (k for kind in KINDS for k in kinds.get(kind, [])):
            alerts[key].last_notified_at = now
        for insp in routed(unit_id, inspectors, parents):
            parts = {
                kind: [
                    describe(k)
                    for k in kinds.get(kind, [])
                    if severity_ok(alerts[k].severity, insp.min_severity)
                ]
                for kind in KINDS
            }
            if any(parts.values()):
                sent += _queue(session, ALERT_TOPIC, insp, units[unit_id], parts, now)
    return sent + _escalate(session, plan, world, inspectors, units, describe, now)


def _escalate(
    session: Session,
    plan: AlertPlan,
    world: _World,
    inspectors: list[Inspector],
    units: dict[int, Unit],
    describe: Any,
    now: datetime,
) -> int:
    """Escalation: unacknowledged past the deadline, once per episode, to supervisors."""
    by_id = {i.id: i for i in inspectors}
    parents = {uid: u.parent_id for uid, u in units.items()}
    escalate: dict[int, list[str]] = defaultdict(list)
    for key in plan.escalate:
        escalate[world.alerts[key].unit_id].append(key)
    sent = 0
    for unit_id in sorted(escalate):
        sup_ids = sorted(
            {i.supervisor_id for i in routed(unit_id, inspectors, parents) if i.supervisor_id}
        )
        names = ", ".join(by_id[s].name for s in sup_ids if s in by_id) or "nobody"
        for key in escalate[unit_id]:
            alert = world.alerts[key]
            record(
                session, alert, from_state=alert.state, to_state=alert.state, actor=SYSTEM,
                reason=f"escalated to {names}", now=now,
            )  # fmt: skip
        for sid in sup_ids:
            sup = by_id.get(sid)
            if sup is not None:
                parts = {"escalated": [describe(k) for k in escalate[unit_id]]}
                sent += _queue(session, ESCALATION_TOPIC, sup, units[unit_id], parts, now)
    return sent


def _queue(
    session: Session,
    topic: str,
    inspector: Inspector,
    unit: Unit,
    parts: dict[str, list[dict[str, Any]]],
    now: datetime,
) -> int:
    """One outbox row per channel, so one channel's failure never resends another's."""
    content = json.dumps({k: sorted(a["id"] for a in v) for k, v in parts.items()}, sort_keys=True)
    digest = hashlib.sha256(content.encode()).hexdigest()[:16]
    n = 0
    for index, channel in enumerate(_recipients(inspector.channels or [])):
        key = f"{topic}:{inspector.id}:{unit.id}:{index}:{now.isoformat()}:{digest}"
        if session.scalar(select(Outbox.id).where(Outbox.idempotency_key == key)) is not None:
            continue
        session.add(
            Outbox(
                topic=topic,
                idempotency_key=key,
                next_attempt_at=now,
                payload={
                    "event": topic,
                    "at": now.isoformat(),
                    "inspector": inspector.name,
                    "channel": channel,
                    "unit": {"id": unit.id, "code": unit.code, "name": unit.name},
                    **parts,
                },
            )
        )
        n += 1
    return n


def _recipients(channels: list[Any]) -> list[dict[str, Any]]:
    """One entry per recipient: an e-mail channel with several addresses becomes one
    per address, so one refused address is retried alone, never resent to the rest."""
    out: list[dict[str, Any]] = []
    for ch in channels:
        if not isinstance(ch, dict):
            continue
        to = ch.get("to")
        if ch.get("type") == "email" and isinstance(to, list):
            out.extend({**ch, "to": addr} for addr in to)
        else:
            out.append(dict(ch))
    return out


def _export_gauge(session: Session) -> None:
    counts: dict[str, int] = {s.value: 0 for s in Severity}
    for sev in session.scalars(select(Alert.severity).where(Alert.state != "resolved")):
        counts[sev] = counts.get(sev, 0) + 1
    for sev, n in counts.items():
        OPEN_ALERTS.labels(severity=sev).set(n)
