"""The alert lifecycle as an explicit state machine with an append-only history.

    open ──ack──▶ acknowledged ──resolve──▶ resolved
      │  ╲                        │            │
      │   ╲──silence──▶ silenced ◀┘            │ (finding reopens)
      │                 │ expiry/unsilence     ▼
      └──────resolve────┴────────▶ open ◀──────┘

Every change of state goes through :func:`transition`, which refuses anything not
in :data:`TRANSITIONS` and writes one :class:`AlertEvent` row. Event rows are never
updated or deleted (the ORM refuses it).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from monitor.alerts.models import AppendOnlyError
from monitor.store.models import Alert, AlertEvent

__all__ = [
    "STATES",
    "SYSTEM",
    "TRANSITIONS",
    "AppendOnlyError",
    "IllegalTransition",
    "acknowledge",
    "record",
    "resolve",
    "silence",
    "transition",
    "unsilence",
]

SYSTEM = "system"
STATES = ("open", "acknowledged", "silenced", "resolved")
TRANSITIONS: dict[str | None, frozenset[str]] = {
    None: frozenset({"open"}),
    "open": frozenset({"acknowledged", "resolved", "silenced"}),
    "acknowledged": frozenset({"resolved", "silenced"}),
    "silenced": frozenset({"open", "resolved"}),
    "resolved": frozenset({"open"}),
}


class IllegalTransition(ValueError):
    def __init__(self, alert_id: int | None, from_state: str | None, to_state: str) -> None:
        allowed = ", ".join(sorted(TRANSITIONS.get(from_state, ()))) or "nothing"
        super().__init__(
            f"alert {alert_id}: cannot go from {from_state or 'new'} to {to_state} "
            f"(allowed: {allowed})"
        )
        self.from_state = from_state
        self.to_state = to_state


def record(
    session: Session,
    alert: Alert,
    *,
    to_state: str,
    actor: str,
    reason: str,
    now: datetime,
    from_state: str | None = None,
) -> AlertEvent:
    """Append one history row (a transition, or a note such as an escalation)."""
    ev = AlertEvent(
        alert=alert, at=now, from_state=from_state, to_state=to_state, actor=actor, reason=reason
    )
    session.add(ev)
    return ev


def transition(
    session: Session,
    alert: Alert,
    to_state: str,
    *,
    actor: str,
    reason: str,
    now: datetime,
    until: datetime | None = None,
) -> AlertEvent:
    """Move ``alert`` to ``to_state`` or raise :class:`IllegalTransition`."""
    # A new, unflushed alert has no state yet (the column default applies on insert).
    from_state = alert.state
    if from_state not in TRANSITIONS or to_state not in TRANSITIONS[from_state]:
        raise IllegalTransition(alert.id, from_state, to_state)
    if to_state == "silenced":
        if until is None or until <= now:
            raise ValueError("silencing needs an expiry in the future (--until)")
        alert.silenced_until = until
        reason = f"{reason} (until {until.isoformat()})".strip()
    elif from_state == "silenced":
        alert.silenced_until = None
    if to_state == "acknowledged":
        alert.acknowledged_by = actor
    if to_state == "resolved":
        alert.resolved_at = now
    if to_state == "open":
        alert.resolved_at = None
        alert.acknowledged_by = None
        if from_state == "resolved":
            # A reopened alert is a new episode: escalation and repeats start over.
            alert.opened_at = now
            alert.escalated_at = None
            alert.last_notified_at = None
    alert.state = to_state
    alert.updated_at = now
    return record(
        session,
        alert,
        from_state=from_state,
        to_state=to_state,
        actor=actor,
        reason=reason,
        now=now,
    )


def acknowledge(
    session: Session, alert: Alert, *, by: str, reason: str = "", now: datetime
) -> AlertEvent:
    return transition(session, alert, "acknowledged", actor=by, reason=reason, now=now)


def resolve(
    session: Session, alert: Alert, *, by: str, reason: str = "", now: datetime
) -> AlertEvent:
    return transition(session, alert, "resolved", actor=by, reason=reason, now=now)


def silence(
    session: Session, alert: Alert, *, by: str, until: datetime, reason: str = "", now: datetime
) -> AlertEvent:
    return transition(session, alert, "silenced", actor=by, reason=reason, now=now, until=until)


def unsilence(
    session: Session, alert: Alert, *, by: str, reason: str = "", now: datetime
) -> AlertEvent:
    return transition(session, alert, "open", actor=by, reason=reason, now=now)
