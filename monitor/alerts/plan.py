"""What ``sync_alerts`` decides, without a database: from the open findings and the
alerts as they stand, which alerts open, reopen, unsilence, repeat, resolve and escalate,
and which of them each unit's notification carries. ``monitor.alerts.sync`` reads the
facts, calls ``plan_alerts`` and applies the plan."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from monitor.alerts.routing import severity_ok
from rules.api import Severity

INHIBITING_RULE = "availability.unreachable"
SYSTEM = "system"
KINDS = ("opened", "repeated", "resolved")


@dataclass(frozen=True)
class FindingFact:
    id: int
    unit_id: int
    rule_id: str
    subject: str
    severity: str
    period: str
    assessable: bool = True


@dataclass(frozen=True)
class AlertFact:
    key: str
    unit_id: int
    state: str
    finding_id: int | None
    severity: str
    opened_at: datetime
    silenced_until: datetime | None = None
    last_notified_at: datetime | None = None
    escalated_at: datetime | None = None
    last_actor: str | None = None


@dataclass
class AlertPlan:
    """Keys (``dedup_key``) per action; ``notify`` is unit -> kind -> keys."""

    open: list[str] = field(default_factory=list)
    refresh: list[str] = field(default_factory=list)
    reopen: list[str] = field(default_factory=list)
    unsilence: list[str] = field(default_factory=list)
    repeat: list[str] = field(default_factory=list)
    resolve: list[str] = field(default_factory=list)
    escalate: list[str] = field(default_factory=list)
    notify: dict[int, dict[str, list[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    inhibited: int = 0


def dedup_key(unit_id: int, rule_id: str, subject: str) -> str:
    return f"{unit_id}|{rule_id}|{subject}"


def _rank(severity: str) -> int:
    try:
        return Severity(severity).rank
    except ValueError:
        return -1


def select_active(
    findings: list[FindingFact], overturned: set[int], threshold: str
) -> tuple[dict[str, FindingFact], set[str]]:
    """The worst, newest open finding per dedup key at or above the threshold, and the
    keys whose open findings could not be assessed (feed down, calendar unknown)."""
    best: dict[str, FindingFact] = {}
    unknown: set[str] = set()
    for f in sorted(findings, key=lambda f: f.id):
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


def inhibited_keys(active: dict[str, FindingFact]) -> set[str]:
    """While a unit is unreachable, that is the only alert it gets."""
    down = {f.unit_id for f in active.values() if f.rule_id == INHIBITING_RULE}
    return {k for k, f in active.items() if f.unit_id in down and f.rule_id != INHIBITING_RULE}


def plan_alerts(
    active: dict[str, FindingFact],
    unknown: set[str],
    alerts: dict[str, AlertFact],
    *,
    now: datetime,
    repeat_hours: float,
    escalate_hours: float,
) -> AlertPlan:
    plan = AlertPlan()
    inhibited = inhibited_keys(active)
    plan.inhibited = len(inhibited)
    # The state and episode start each alert has once the plan is applied.
    after: dict[str, tuple[str, datetime, datetime | None]] = {
        k: (a.state, a.opened_at, a.escalated_at) for k, a in alerts.items()
    }
    for key in sorted(active):
        changed = _plan_one(
            plan, key, active[key], alerts.get(key), key in inhibited, now, repeat_hours
        )
        if changed is not None:
            after[key] = changed
    for key, alert in sorted(alerts.items()):
        # A finding that can no longer be assessed has not cleared: the alert waits.
        if key in active or key in unknown or alert.state == "resolved":
            continue
        plan.resolve.append(key)
        plan.notify[alert.unit_id]["resolved"].append(key)
    deadline = now - timedelta(hours=escalate_hours)
    for key in sorted(after):
        state, opened_at, escalated_at = after[key]
        if state != "open" or escalated_at is not None or opened_at > deadline:
            continue
        if key in active and key not in inhibited:
            plan.escalate.append(key)
    return plan


def _plan_one(
    plan: AlertPlan,
    key: str,
    f: FindingFact,
    alert: AlertFact | None,
    inhibited: bool,
    now: datetime,
    repeat_hours: float,
) -> tuple[str, datetime, datetime | None] | None:
    """Plan one active finding's alert; returns its state afterwards when it changes."""
    if inhibited and (alert is None or alert.state == "resolved"):
        return None
    notify = plan.notify[f.unit_id]
    if alert is None:
        plan.open.append(key)
        notify["opened"].append(key)
        return ("open", now, None)
    if alert.finding_id != f.id or alert.severity != f.severity:
        plan.refresh.append(key)
    if alert.state == "resolved":
        if alert.last_actor != SYSTEM:
            return None  # resolved by a person: stays resolved while the finding is open
        plan.reopen.append(key)
        notify["opened"].append(key)
        return ("open", now, None)
    until = alert.silenced_until
    if alert.state == "silenced" and until is not None and until <= now:
        plan.unsilence.append(key)
        if not inhibited:
            notify["repeated"].append(key)
        return ("open", alert.opened_at, alert.escalated_at)
    if alert.state != "open" or inhibited:
        return None
    last = alert.last_notified_at
    if last is None or last + timedelta(hours=repeat_hours) <= now:
        plan.repeat.append(key)
        notify["repeated"].append(key)
    return None
