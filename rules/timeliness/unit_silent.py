from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from rules._helpers import REACHED, item_day, local_date, no_data_finding, reference_day
from rules.api import FindingDraft, Rule, RuleContext, RuleParams, Severity


class UnitSilent(Rule):
    """The unit publishes something new at least every 2 weeks.

    Basis: State Council General Office, national government website inspection
    indicators (2019): a homepage with no new item for 2 weeks fails the site.
    Applied to the unit's channels together (towns and villages publish through
    shared platforms, so the unit's columns are its homepage).

    The newest item's day (publication date, else first sighting) across all of the
    unit's feeds, judged on the as-of day or the period's last day if earlier, must be
    within ``days`` (14). Silence needs proof: without a successful read of the unit's
    feeds after the 14 days ran out (the portal is down, say), the finding is not
    assessable; so is a unit none of whose feeds was ever read.

    Bad: newest item 2026-03-01, as of 2026-03-20.
    Good: newest item 2026-03-10, as of 2026-03-20.
    """

    id = "timeliness.unit_silent"
    title = "Something new at least every 2 weeks"
    basis = "GOV website inspection indicators (State Council General Office, 2019): homepage"
    severity = Severity.MEDIUM

    class Params(RuleParams):
        days: int = 14

    def evaluate(self, ctx: RuleContext) -> Iterable[FindingDraft]:
        blind = no_data_finding(ctx, "silence")
        if blind is not None:
            yield blind
            return
        ref = reference_day(ctx)
        days = [d for d in (item_day(item) for item in ctx.items) if d <= ref]
        newest = max(days, default=None)
        if newest is not None and ref - newest <= timedelta(days=ctx.params.days):
            return
        if newest is not None:
            # Silence is only proven by a successful read after the allowed gap ran out.
            due = newest + timedelta(days=ctx.params.days)
            reads = [f for f in ctx.fetches if f.outcome in REACHED and f.started_at <= ctx.as_of]
            if not any(local_date(f.started_at) > due for f in reads):
                last = max((f.started_at for f in reads), default=None)
                yield FindingDraft(
                    subject="unit",
                    message=f"cannot assess silence: no successful read of the unit's feeds "
                    f"after {due} (last {last.isoformat() if last else 'never'})",
                    assessable=False,
                    evidence={
                        "newest": str(newest),
                        "due": str(due),
                        "last_read": last.isoformat() if last else None,
                    },
                )
                return
        message = (
            f"nothing new since {newest} ({(ref - newest).days} days before {ref})"
            if newest
            else "nothing published at all"
        )
        yield FindingDraft(
            subject="unit",
            message=message,
            evidence={
                "newest": str(newest) if newest else None,
                "as_of_day": str(ref),
                "limit_days": ctx.params.days,
            },
        )
