"""Appeals: a unit, through an operator, contests a finding; an inspector decides.

    pending ──uphold──▶ upheld        (the finding stands; a new appeal may follow)
       └────overturn──▶ overturned    (final: the finding no longer counts)

Overturning excludes the finding from scores (and from alerts) and recomputes the
latest scores of every period that held it, in the caller's transaction. Every
step is an append-only ``AppealEvent`` row with who and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.alerts.models import Appeal, AppealEvent
from monitor.scoring import ScoreReport, compute_scores
from monitor.settings import Settings
from monitor.store.models import Finding, Score
from rules.api import Period

__all__ = ["AppealDecision", "AppealError", "decide_appeal", "file_appeal", "periods_holding"]

Outcome = Literal["upheld", "overturned"]


class AppealError(ValueError):
    pass


@dataclass
class AppealDecision:
    appeal: Appeal
    recomputed: list[ScoreReport] = field(default_factory=list)


def file_appeal(
    session: Session,
    *,
    finding_id: int,
    operator: str,
    reason: str,
    now: datetime,
    entered_by: str | None = None,
) -> Appeal:
    """Contest a finding. One pending appeal per finding; an overturned one is final.
    ``entered_by`` is the account that typed it in for the unit's ``operator``."""
    if not reason.strip():
        raise AppealError("an appeal needs a reason")
    finding = session.get(Finding, finding_id)
    if finding is None:
        raise AppealError(f"no finding {finding_id}")
    states = set(session.scalars(select(Appeal.state).where(Appeal.finding_id == finding_id)))
    if "pending" in states:
        raise AppealError(f"finding {finding_id} already has a pending appeal")
    if "overturned" in states:
        raise AppealError(f"finding {finding_id} was already overturned")
    appeal = Appeal(
        finding_id=finding_id,
        unit_id=finding.unit_id,
        state="pending",
        filed_by=operator,
        entered_by=entered_by,
        reason=reason,
        filed_at=now,
    )
    session.add(appeal)
    session.flush()
    session.add(
        AppealEvent(
            appeal_id=appeal.id,
            at=now,
            from_state=None,
            to_state="pending",
            actor=operator,
            reason=reason,
        )
    )
    return appeal


def periods_holding(session: Session, finding_period: str) -> list[Period]:
    """Scored periods (month, quarter, year) that contain a finding's period."""
    try:
        inner = Period.parse(finding_period)
    except ValueError:
        return []
    out = []
    for key in sorted(set(session.scalars(select(Score.period).distinct()))):
        try:
            p = Period.parse(key)
        except ValueError:
            continue
        if p.start <= inner.start and inner.end <= p.end:
            out.append(p)
    return out


def decide_appeal(
    session: Session,
    settings: Settings,
    appeal_id: int,
    *,
    inspector: str,
    outcome: Outcome,
    reason: str,
    now: datetime,
) -> AppealDecision:
    appeal = session.get(Appeal, appeal_id)
    if appeal is None:
        raise AppealError(f"no appeal {appeal_id}")
    if outcome not in ("upheld", "overturned"):
        raise AppealError(f"outcome must be upheld or overturned, not {outcome!r}")
    if appeal.state != "pending":
        raise AppealError(f"appeal {appeal_id} is already {appeal.state}")
    if not reason.strip():
        raise AppealError("a decision needs a reason")
    if inspector in (appeal.filed_by, appeal.entered_by):
        # Separation of duties: whoever brought the appeal does not judge it.
        raise AppealError(f"appeal {appeal_id} was filed by {inspector}; someone else decides")
    appeal.state = outcome
    appeal.decided_by = inspector
    appeal.decision_reason = reason
    appeal.decided_at = now
    session.add(
        AppealEvent(
            appeal_id=appeal.id,
            at=now,
            from_state="pending",
            to_state=outcome,
            actor=inspector,
            reason=reason,
        )
    )
    session.flush()
    decision = AppealDecision(appeal=appeal)
    if outcome == "overturned":
        finding = session.get(Finding, appeal.finding_id)
        assert finding is not None
        for period in periods_holding(session, finding.period):
            # Recompute the latest computation of the period at its own as-of, so the
            # corrected rows replace the ones the assessment office last received.
            as_of = session.scalar(
                select(func.max(Score.computed_at)).where(Score.period == period.key)
            )
            if as_of is not None:
                decision.recomputed.append(
                    compute_scores(session, settings, period=period, as_of=as_of)
                )
    return decision
