"""Appeals: file, decide, overturn recomputes scores, history kept and append-only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.alerts import AppendOnlyError, sync_alerts
from monitor.alerts.models import Appeal, AppealEvent
from monitor.appeals import AppealError, decide_appeal, file_appeal
from monitor.scoring import compute_scores, scores_as_of
from monitor.settings import Settings
from monitor.store.models import Alert, Outbox
from rules.api import Period
from tests.scoring.factories import T0, add_finding, make_tree

NOV = Period.parse("2026-11")
AS_OF = T0 + timedelta(days=1)


def v1_total(session: Session, unit_id: int, period: str = "2026-11") -> float:
    rows = scores_as_of(session, period=period, unit_ids=[unit_id])
    return next(r.value for r in rows if r.indicator == "total")


def test_overturn_excludes_the_finding_and_recomputes(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    with sessions.begin() as s:
        units = make_tree(s)
        v1 = units["v1"].id
        fid = add_finding(s, units["v1"], "timeliness.unit_silent", "unit").id
        add_finding(s, units["v1"], "completeness.annual_report", "2025")
        for key in ("2026-11", "2026-Q4"):
            compute_scores(s, settings, period=Period.parse(key), as_of=AS_OF)
        sync_alerts(s, settings, now=AS_OF)
    with sessions() as s:
        assert v1_total(s, v1) == 90
        outbox_before = len(s.scalars(select(Outbox)).all())
    with sessions.begin() as s:
        appeal = file_appeal(
            s,
            finding_id=fid,
            operator="村务员 张三",
            reason="column moved to a new URL",
            now=AS_OF,
        )
        appeal_id = appeal.id
    with sessions.begin() as s:
        decision = decide_appeal(
            s,
            settings,
            appeal_id,
            inspector="east",
            outcome="overturned",
            reason="items were published at the new URL",
            now=AS_OF + timedelta(hours=1),
        )
        assert sorted(r.period for r in decision.recomputed) == ["2026-11", "2026-Q4"]
    with sessions() as s:
        assert v1_total(s, v1) == 95
        assert v1_total(s, v1, "2026-Q4") == 95
        total = next(
            r for r in scores_as_of(s, period="2026-11", unit_ids=[v1]) if r.indicator == "total"
        )
        overturned = [e for e in total.explanation if e["finding_id"] == fid]
        assert overturned[0]["counted"] == 0
        assert overturned[0]["note"] == f"overturned on appeal {appeal_id}"
        # The corrected scores go to the assessment system again.
        assert len(s.scalars(select(Outbox)).all()) > outbox_before
        history = s.scalars(
            select(AppealEvent).where(AppealEvent.appeal_id == appeal_id).order_by(AppealEvent.id)
        ).all()
        assert [(e.from_state, e.to_state, e.actor) for e in history] == [
            (None, "pending", "村务员 张三"),
            ("pending", "overturned", "east"),
        ]
    with sessions.begin() as s:
        report = sync_alerts(s, settings, now=AS_OF + timedelta(hours=2))
        assert len(report.resolved) == 1  # the overturned finding's alert
        alert = s.get(Alert, report.resolved[0])
        assert alert.rule_id == "timeliness.unit_silent"


def test_upheld_keeps_the_score_and_allows_a_new_appeal(
    sqlite_sessions: sessionmaker[Session], settings: Settings
) -> None:
    with sqlite_sessions.begin() as s:
        units = make_tree(s)
        fid = add_finding(s, units["v1"], "timeliness.unit_silent", "unit").id
        compute_scores(s, settings, period=NOV, as_of=AS_OF)
        a = file_appeal(s, finding_id=fid, operator="op", reason="we did publish", now=AS_OF)
        with pytest.raises(AppealError, match="pending"):
            file_appeal(s, finding_id=fid, operator="op", reason="again", now=AS_OF)
        decision = decide_appeal(
            s,
            settings,
            a.id,
            inspector="east",
            outcome="upheld",
            reason="nothing new since 1 Nov",
            now=AS_OF,
        )
        assert decision.recomputed == []
        assert v1_total(s, units["v1"].id) == 95
        with pytest.raises(AppealError, match="already upheld"):
            decide_appeal(
                s, settings, a.id, inspector="x", outcome="overturned", reason="r", now=AS_OF
            )
        b = file_appeal(s, finding_id=fid, operator="op", reason="new evidence", now=AS_OF)
        decide_appeal(
            s, settings, b.id, inspector="east", outcome="overturned", reason="ok", now=AS_OF
        )
        with pytest.raises(AppealError, match="already overturned"):
            file_appeal(s, finding_id=fid, operator="op", reason="again", now=AS_OF)
        assert [x.state for x in s.scalars(select(Appeal).order_by(Appeal.id))] == [
            "upheld",
            "overturned",
        ]


def test_appeal_needs_a_reason_and_history_is_append_only(
    sqlite_sessions: sessionmaker[Session],
) -> None:
    with sqlite_sessions.begin() as s:
        units = make_tree(s)
        fid = add_finding(s, units["v1"], "timeliness.unit_silent", "unit").id
        with pytest.raises(AppealError, match="reason"):
            file_appeal(s, finding_id=fid, operator="op", reason="  ", now=AS_OF)
        with pytest.raises(AppealError, match="no finding"):
            file_appeal(s, finding_id=999, operator="op", reason="r", now=AS_OF)
        file_appeal(s, finding_id=fid, operator="op", reason="r", now=AS_OF)
    with sqlite_sessions() as s:
        ev = s.scalars(select(AppealEvent)).one()
        ev.actor = "someone else"
        with pytest.raises(AppendOnlyError):
            s.flush()
