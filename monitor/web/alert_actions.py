"""What an inspector may do to an alert, as transitions with an append-only history.

Area D's ``monitor.alerts`` owns the lifecycle; until it offers these transitions the
workspace writes them here through the same ``Alert``/``AlertEvent`` models."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from monitor.store.models import Alert, AlertEvent

# action → (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "acknowledge": (frozenset({"open"}), "acknowledged"),
    "resolve": (frozenset({"open", "acknowledged", "silenced"}), "resolved"),
    "silence": (frozenset({"open", "acknowledged"}), "silenced"),
    "reopen": (frozenset({"silenced", "acknowledged"}), "open"),
}


class TransitionError(ValueError):
    """The alert is not in a state the action starts from."""


def allowed_actions(state: str) -> list[str]:
    return [name for name, (sources, _) in TRANSITIONS.items() if state in sources]


def apply(
    session: Session,
    alert: Alert,
    action: str,
    *,
    actor: str,
    now: datetime,
    reason: str = "",
    until: datetime | None = None,
) -> AlertEvent:
    if action not in TRANSITIONS:
        raise TransitionError(f"unknown action {action}")
    sources, target = TRANSITIONS[action]
    if alert.state not in sources:
        raise TransitionError(f"cannot {action} an alert that is {alert.state}")
    if action == "silence" and until is None:
        raise TransitionError("silence needs an end time")
    event = AlertEvent(
        alert_id=alert.id,
        at=now,
        from_state=alert.state,
        to_state=target,
        actor=actor,
        reason=reason,
    )
    alert.state = target
    alert.updated_at = now
    if action == "acknowledge":
        alert.acknowledged_by = actor
    elif action == "resolve":
        alert.resolved_at = now
    elif action == "silence":
        alert.silenced_until = until
    elif action == "reopen":
        alert.silenced_until = None
    session.add(event)
    session.flush()
    return event
