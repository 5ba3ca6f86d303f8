"""What an inspector may do to an alert, as calls into area D's state machine
(``monitor.alerts.state``), which refuses illegal moves and writes the history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from monitor import precision
from monitor.alerts import state as machine
from monitor.store.models import Alert, AlertEvent, Finding

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
    verdict: str | None = None,
) -> AlertEvent:
    """Move the alert; resolving may carry the inspector's verdict on its finding
    (``confirmed`` or ``false_positive``), which the rule's precision is measured on."""
    if action not in ACTIONS or action not in allowed_actions(alert.state):
        raise TransitionError(f"cannot {action} an alert that is {alert.state}")
    if verdict is not None:
        if action != "resolve":
            raise TransitionError("a verdict is given when resolving")
        try:
            verdict = precision.parse_verdict(verdict)
        except ValueError as exc:
            raise TransitionError(str(exc)) from exc
        if verdict is not None:
            finding = session.get(Finding, alert.finding_id) if alert.finding_id else None
            if finding is None:
                raise TransitionError("this alert has no finding to give a verdict on")
            precision.record_verdict(finding, verdict, by=actor, now=now)
            reason = f"{reason} [verdict: {verdict}]".strip()
    try:
        event = machine.transition(
            session, alert, ACTIONS[action], actor=actor, reason=reason, now=now, until=until
        )
    except ValueError as exc:  # IllegalTransition, or a silence without a future end
        raise TransitionError(str(exc)) from exc
    session.flush()
    return event
