"""What a person may do to an alert, the same from every door (CLI, workspace, API).

Each action names the state it leads to *and* the states it starts from; the state
machine (:mod:`monitor.alerts.state`) then checks the move and writes the history.
The starting states are narrower than the machine's: ``unsilence`` ends a silence
and nothing else (it never reopens a resolved alert), and reopening a resolved
alert by hand is its own action, ``reopen``, which needs a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from monitor import precision
from monitor.alerts import state as machine
from monitor.store.models import Alert, AlertEvent, Finding

__all__ = ["ACTIONS", "Action", "TransitionError", "allowed_actions", "apply"]


@dataclass(frozen=True)
class Action:
    target: str
    starts_from: frozenset[str]
    needs_reason: bool = False


ACTIONS: dict[str, Action] = {
    "acknowledge": Action("acknowledged", frozenset({"open"})),
    "silence": Action("silenced", frozenset({"open", "acknowledged"})),
    "unsilence": Action("open", frozenset({"silenced"})),
    "resolve": Action("resolved", frozenset({"open", "acknowledged", "silenced"})),
    "reopen": Action("open", frozenset({"resolved"}), needs_reason=True),
}


class TransitionError(ValueError):
    """The alert is not in a state the action starts from (or the action is malformed)."""


def allowed_actions(state: str) -> list[str]:
    """The actions offered for an alert in ``state``, in a stable order."""
    return [name for name, action in ACTIONS.items() if state in action.starts_from]


def _record_verdict(
    session: Session, alert: Alert, verdict: str, *, actor: str, now: datetime
) -> str:
    try:
        parsed = precision.parse_verdict(verdict)
    except ValueError as exc:
        raise TransitionError(str(exc)) from exc
    if parsed is None:
        return ""
    finding = session.get(Finding, alert.finding_id) if alert.finding_id else None
    if finding is None:
        raise TransitionError("this alert has no finding to give a verdict on")
    precision.record_verdict(finding, parsed, by=actor, now=now)
    return f" [verdict: {parsed}]"


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
    (``confirmed`` or ``false_positive``), which the rule's precision is measured on.
    Raises :class:`TransitionError` and changes nothing when the move is refused."""
    chosen = ACTIONS.get(action)
    if chosen is None:
        raise TransitionError(f"unknown action {action!r} (one of {', '.join(ACTIONS)})")
    if alert.state not in chosen.starts_from:
        raise TransitionError(f"cannot {action} an alert that is {alert.state}")
    if chosen.needs_reason and not reason.strip():
        raise TransitionError(f"{action} needs a reason")
    if verdict:
        if action != "resolve":
            raise TransitionError("a verdict is given when resolving")
        reason = (reason + _record_verdict(session, alert, verdict, actor=actor, now=now)).strip()
    try:
        event = machine.transition(
            session, alert, chosen.target, actor=actor, reason=reason, now=now, until=until
        )
    except ValueError as exc:  # IllegalTransition, or a silence without a future end
        raise TransitionError(str(exc)) from exc
    session.flush()
    return event
