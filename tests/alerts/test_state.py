"""The alert state machine: legal moves only, every move one history row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.alerts import (
    AppendOnlyError,
    IllegalTransition,
    acknowledge,
    resolve,
    silence,
    transition,
    unsilence,
)
from monitor.store.models import Alert, AlertEvent
from tests.scoring.factories import T0, make_tree


def new_alert(session: Session) -> Alert:
    units = make_tree(session)
    alert = Alert(
        dedup_key="k", unit_id=units["v1"].id, rule_id="r.x", subject="s", severity="high"
    )
    session.add(alert)
    transition(session, alert, "open", actor="system", reason="finding 1", now=T0)
    session.flush()
    return alert


def test_lifecycle_writes_one_event_per_transition(
    sqlite_sessions: sessionmaker[Session],
) -> None:
    with sqlite_sessions.begin() as s:
        alert = new_alert(s)
        silence(s, alert, by="li", until=T0 + timedelta(days=1), reason="holiday", now=T0)
        unsilence(s, alert, by="li", reason="back", now=T0 + timedelta(hours=1))
        acknowledge(s, alert, by="wang", reason="calling the village", now=T0 + timedelta(hours=2))
        resolve(s, alert, by="wang", reason="published", now=T0 + timedelta(hours=3))
        alert_id = alert.id
    with sqlite_sessions() as s:
        events = s.scalars(select(AlertEvent).where(AlertEvent.alert_id == alert_id)).all()
        moves = [(e.from_state, e.to_state, e.actor) for e in events]
        assert moves == [
            (None, "open", "system"),
            ("open", "silenced", "li"),
            ("silenced", "open", "li"),
            ("open", "acknowledged", "wang"),
            ("acknowledged", "resolved", "wang"),
        ]
        assert events[1].reason.startswith("holiday (until")
        alert = s.get(Alert, alert_id)
        assert alert is not None
        assert alert.state == "resolved" and alert.resolved_at is not None
        assert alert.acknowledged_by == "wang"


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        ([], "open"),
        (["resolved"], "acknowledged"),
        (["resolved"], "silenced"),
        (["acknowledged"], "acknowledged"),
        (["acknowledged"], "open"),
        (["silenced"], "acknowledged"),
        ([], "bogus"),
    ],
)
def test_illegal_transitions_are_refused(
    sqlite_sessions: sessionmaker[Session], path: list[str], illegal: str
) -> None:
    with sqlite_sessions.begin() as s:
        alert = new_alert(s)
        for step in path:
            transition(s, alert, step, actor="x", reason="", now=T0, until=T0 + timedelta(days=1))
        before = len(alert.history)
        with pytest.raises(IllegalTransition):
            transition(s, alert, illegal, actor="x", reason="", now=T0)
        assert len(alert.history) == before


def test_silence_needs_a_future_expiry(sqlite_sessions: sessionmaker[Session]) -> None:
    with sqlite_sessions.begin() as s:
        alert = new_alert(s)
        with pytest.raises(ValueError, match="expiry"):
            silence(s, alert, by="li", until=T0, now=T0)
        assert alert.state == "open"


def test_history_is_append_only(sqlite_sessions: sessionmaker[Session]) -> None:
    with sqlite_sessions.begin() as s:
        new_alert(s)
    with sqlite_sessions() as s:
        event = s.scalars(select(AlertEvent)).one()
        event.reason = "rewritten"
        with pytest.raises(AppendOnlyError):
            s.flush()
        s.rollback()
        event = s.scalars(select(AlertEvent)).one()
        s.delete(event)
        with pytest.raises(AppendOnlyError):
            s.flush()
        s.rollback()
        with pytest.raises(AppendOnlyError):
            s.execute(delete(AlertEvent))
