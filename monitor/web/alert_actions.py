"""What an inspector may do to an alert, as calls into area D's state machine
(``monitor.alerts.state``), which refuses illegal moves and writes the history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from monitor.alerts import state as machine
from monitor.store.models import Alert, AlertEvent

# Action offered in the workspace → the state it leads to.
ACTIONS: dict[str, str] = {
    "acknowledge": "acknowledged",
    "resolve": "resolved",
    "silence": "silenced",
    "unsilence": "open",
}


class TransitionError(ValueError):
    """The alert is not in a state the action starts from (or the action is malformed)."""


def allowed_actions(state: str) -> list[str]:
    targets = machine.TRANSITIONS.get(state, frozenset())
    # Reopening a resolved alert is the system's move (its finding came back), not a click.
    return [a for a, target in ACTIONS.items() if target in targets and state != "resolved"]


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
    if action not in ACTIONS or action not in allowed_actions(alert.state):
        raise TransitionError(f"cannot {action} an alert that is {alert.state}")
    try:
        event = machine.transition(
            session, alert, ACTIONS[action], actor=actor, reason=reason, now=now, until=until
        )
    except ValueError as exc:  # IllegalTransition, or a silence without a future end
        raise TransitionError(str(exc)) from exc
    session.flush()
    return event
