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
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.alerts.models import Appeal
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
INHIBITING_RULE = "availability.unreachable"


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


def dedup_key(unit_id: int, rule_id: str, subject: str) -> str:
    return f"{unit_id}|{rule_id}|{subject}"


def _rank(severity: str) -> int:
    try:
        return Severity(severity).rank
    except ValueError:
        return -1


def _active_findings(session: Session, threshold: str) -> tuple[dict[str, Finding], set[str]]:
    """The worst, newest open finding per dedup key at or above the threshold, and the
    keys whose open findings could not be assessed (feed down, calendar unknown)."""
    overturned = set(
        session.scalars(select(Appeal.finding_id).where(Appeal.state == "overturned")).all()
    )
    best: dict[str, Finding] = {}
    unknown: set[str] = set()
    for f in session.scalars(select(Finding).where(Finding.status == "open").order_by(Finding.id)):
        if f.id in overturned or not severity_ok(f.severity, threshold):
            continue
        key = dedup_key(f.unit_id, f.rule_id, f.subject)
        if not f.assessable:
            unknown.add(key)
            continue
        cur = best.get(key)
        if cur is None or (_rank(f.severity), f.period, f.id) > (
            _rank(cur.severity),
            cur.period,
            cur.id,
        ):
            best[key] = f
    return best, unknown - set(best)


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
        "opened_at": alert.opened_at.isoformat(),
    }


def _last_actor(alert: Alert) -> str | None:
    return alert.history[-1].actor if alert.history else None


def sync_alerts(session: Session, settings: Settings, *, now: datetime) -> AlertReport:
    cfg = settings.alerts
    report = AlertReport()
    active, unknown = _active_findings(session, cfg.min_severity)
    down_units = {f.unit_id for f in active.values() if f.rule_id == INHIBITING_RULE}
    inhibited = {
        k for k, f in active.items() if f.unit_id in down_units and f.rule_id != INHIBITING_RULE
    }
    report.inhibited = len(inhibited)

    # Resolved alerts pile up over the years: load only those a finding may reopen.
    alerts = {
        a.dedup_key: a for a in session.scalars(select(Alert).where(Alert.state != "resolved"))
    }
    wanted = sorted(set(active) - set(alerts))
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        for a in session.scalars(select(Alert).where(Alert.dedup_key.in_(chunk))):
            alerts[a.dedup_key] = a
    findings_by_id: dict[int, Finding] = {f.id: f for f in active.values()}
    # What each unit's notification carries this run: kind -> alerts.
    batch: dict[int, dict[str, list[Alert]]] = defaultdict(lambda: defaultdict(list))

    for key in sorted(active):
        f = active[key]
        alert = alerts.get(key)
        if key in inhibited and (alert is None or alert.state == "resolved"):
            continue
        if alert is None:
            alert = Alert(
                dedup_key=key,
                unit_id=f.unit_id,
                rule_id=f.rule_id,
                subject=f.subject,
                severity=f.severity,
                title=f.message[:2000],
                finding_id=f.id,
                opened_at=now,
                updated_at=now,
            )
            session.add(alert)
            transition(session, alert, "open", actor=SYSTEM, reason=f"finding {f.id}", now=now)
            session.flush()
            alerts[key] = alert
            report.opened.append(alert.id)
            batch[f.unit_id]["opened"].append(alert)
            continue
        if alert.finding_id != f.id or alert.severity != f.severity:
            alert.finding_id = f.id
            alert.severity = f.severity
            alert.title = f.message[:2000]
            alert.updated_at = now
        if alert.state == "resolved":
            if _last_actor(alert) == SYSTEM:
                transition(
                    session,
                    alert,
                    "open",
                    actor=SYSTEM,
                    reason=f"finding {f.id} open again",
                    now=now,
                )
                report.reopened.append(alert.id)
                batch[f.unit_id]["opened"].append(alert)
            continue
        if (
            alert.state == "silenced"
            and alert.silenced_until is not None
            and alert.silenced_until <= now
        ):
            transition(session, alert, "open", actor=SYSTEM, reason="silence expired", now=now)
            report.unsilenced.append(alert.id)
            if key not in inhibited:
                batch[f.unit_id]["repeated"].append(alert)
            continue
        if alert.state != "open" or key in inhibited:
            continue
        due = (
            alert.last_notified_at is None
            or alert.last_notified_at + timedelta(hours=cfg.repeat_interval_hours) <= now
        )
        if due:
            report.repeated.append(alert.id)
            batch[f.unit_id]["repeated"].append(alert)

    for key, alert in sorted(alerts.items()):
        # A finding that can no longer be assessed has not cleared: the alert waits.
        if key in active or key in unknown or alert.state == "resolved":
            continue
        transition(session, alert, "resolved", actor=SYSTEM, reason="finding cleared", now=now)
        report.resolved.append(alert.id)
        batch[alert.unit_id]["resolved"].append(alert)

    session.flush()
    inspectors = list(session.scalars(select(Inspector)).all())
    by_id = {i.id: i for i in inspectors}
    units = {u.id: u for u in session.scalars(select(Unit))}
    parents = {uid: u.parent_id for uid, u in units.items()}
    # Resolved alerts point at findings no longer active: load those for the evidence.
    missing = {a.finding_id for a in alerts.values() if a.finding_id} - set(findings_by_id)
    if missing:
        for f in session.scalars(select(Finding).where(Finding.id.in_(missing))):
            findings_by_id[f.id] = f

    for unit_id in sorted(batch):
        kinds = batch[unit_id]
        for alert in (*kinds["opened"], *kinds["repeated"], *kinds["resolved"]):
            alert.last_notified_at = now
        for insp in routed(unit_id, inspectors, parents):
            parts = {
                kind: [
                    _describe(a, findings_by_id.get(a.finding_id or -1))
                    for a in kinds[kind]
                    if severity_ok(a.severity, insp.min_severity)
                ]
                for kind in ("opened", "repeated", "resolved")
            }
            if any(parts.values()):
                report.notifications += _queue(
                    session, ALERT_TOPIC, insp, units[unit_id], parts, now
                )

    # Escalation: unacknowledged past the deadline, once per episode.
    deadline = now - timedelta(hours=cfg.escalate_after_hours)
    escalate: dict[int, list[Alert]] = defaultdict(list)
    for key, alert in sorted(alerts.items()):
        if alert.state == "open" and alert.escalated_at is None and alert.opened_at <= deadline:
            if key in inhibited or key not in active:
                continue
            alert.escalated_at = now
            report.escalated.append(alert.id)
            escalate[alert.unit_id].append(alert)
    for unit_id in sorted(escalate):
        sup_ids = sorted(
            {i.supervisor_id for i in routed(unit_id, inspectors, parents) if i.supervisor_id}
        )
        names = ", ".join(by_id[s].name for s in sup_ids if s in by_id) or "nobody"
        for alert in escalate[unit_id]:
            record(
                session,
                alert,
                from_state=alert.state,
                to_state=alert.state,
                actor=SYSTEM,
                reason=f"escalated to {names}",
                now=now,
            )
        for sid in sup_ids:
            sup = by_id.get(sid)
            if sup is None:
                continue
            parts = {
                "escalated": [
                    _describe(a, findings_by_id.get(a.finding_id or -1)) for a in escalate[unit_id]
                ]
            }
            report.notifications += _queue(
                session, ESCALATION_TOPIC, sup, units[unit_id], parts, now
            )

    session.flush()
    _export_gauge(session)
    return report


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
