from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any, ClassVar, Literal

from pydantic import Field

from rules._helpers import (
    REACHED,
    VILLAGE_KINDS,
    item_day,
    items_covering,
    latest_due,
    local_date,
    no_data_finding,
    reference_day,
)
from rules._periods import deadline_after
from rules.api import FindingDraft, Rule, RuleContext, RuleParams, Severity


class UnitSilent(Rule):
    """The unit keeps the publishing cadence that applies to its kind.

    Basis, by kind of unit:

    - towns, townships and street offices publish on the county portal, a government
      website: the State Council General Office's national website inspection
      indicators (2019) fail a site whose homepage has nothing new for 2 weeks. Applied
      to the unit's columns together (the unit has no homepage of its own), with
      ``days`` (14);
    - villages and communities publish on "three affairs" platforms under the Organic
      Law of Villagers' Committees (2018), art. 30 (and the Organic Law of Urban
      Residents' Committees): general affairs at least once a quarter, finances every
      month where the county requires it. A village that keeps that cadence is not
      silent, whatever its two-week gaps. ``cadence`` is ``quarter`` (the default for
      them) or ``month`` where the county requires monthly finances: the unit is silent
      when the latest quarter (month) whose publication window has closed has nothing
      at all from it — no item covering that period (read from the title, see
      ``completeness.periodic_series``) nor published in it. The window is
      ``window_day`` (default the 15th) of the following month, *unconfirmed*
      nationally.

    ``cadence: days`` / ``month`` / ``quarter`` overrides the choice by kind. Judged on
    the as-of day or the period's last day if earlier. Silence needs proof: without a
    successful read of the unit's feeds after the allowed gap ran out (the portal is
    down, say), the finding is not assessable; so is a unit none of whose feeds was
    ever read.

    Bad (town): newest item 2026-03-01, as of 2026-03-20.
    Bad (village, quarterly): nothing covering or published in 2026-Q3, as of 2026-10-20.
    Good (town): newest item 2026-03-10, as of 2026-03-20.
    Good (village): "2026年第三季度村务公开" published 2026-10-09, nothing since, as of
    2026-12-30 (Q4's window runs to 2027-01-15).
    """

    id = "timeliness.unit_silent"
    title = "The unit keeps the cadence of its kind"
    basis = (
        "Towns: GOV website inspection indicators (State Council General Office, 2019): "
        "homepage, 2 weeks; villages and communities: Organic Law of Villagers' "
        "Committees (2018), art. 30"
    )
    version = "2"
    severity = Severity.MEDIUM
    messages: ClassVar[dict[str, str]] = {
        "unproven": "cannot assess silence: no successful read of the unit's feeds "
        "after {due} (last {last})",
        "silent_period": "nothing published for {period} (due by {due}); newest item {newest}",
        "silent_period_never": "nothing published at all (due for {period} by {due})",
        "silent_days": "nothing new since {newest} ({days} days before {day})",
        "silent_never": "nothing published at all",
    }

    class Params(RuleParams):
        days: int = 14
        cadence: Literal["days", "month", "quarter"] | None = None
        window_day: int = Field(default=15, ge=1, le=31)

    def evaluate(self, ctx: RuleContext) -> Iterable[FindingDraft]:
        blind = no_data_finding(ctx, "silence")
        if blind is not None:
            yield blind
            return
        cadence = ctx.params.cadence or ("quarter" if ctx.unit.kind in VILLAGE_KINDS else "days")
        if cadence == "days":
            yield from self._days(ctx)
        else:
            yield from self._cadence(ctx, cadence)

    def _unproven(
        self, ctx: RuleContext, due: date, evidence: dict[str, Any]
    ) -> FindingDraft | None:
        reads = [f for f in ctx.fetches if f.outcome in REACHED and f.started_at <= ctx.as_of]
        if any(local_date(f.started_at) > due for f in reads):
            return None
        last = max((f.started_at for f in reads), default=None)
        return FindingDraft(
            subject="unit",
            message=self.say("unproven", due=due, last=last.isoformat() if last else "never"),
            assessable=False,
            evidence={
                **evidence,
                "due": str(due),
                "last_read": last.isoformat() if last else None,
            },
        )

    def _cadence(self, ctx: RuleContext, every: str) -> Iterable[FindingDraft]:
        ref = reference_day(ctx)
        window = ctx.params.window_day
        period = latest_due(ref, every, window)
        seen = [item for item in ctx.items if item_day(item) <= ref]
        if any(item_day(i) <= ref for i in items_covering(ctx.items, period.start, period.end)):
            return
        due = deadline_after(period.end, window)
        newest = max((item_day(item) for item in seen), default=None)
        base = {"cadence": every, "period": period.key, "newest": str(newest) if newest else None}
        unproven = self._unproven(ctx, due, base)
        if unproven is not None:
            yield unproven
            return
        yield FindingDraft(
            subject="unit",
            message=(
                self.say("silent_period", period=period.key, due=due, newest=newest)
                if newest
                else self.say("silent_period_never", period=period.key, due=due)
            ),
            evidence={**base, "due": str(due), "as_of_day": str(ref)},
        )

    def _days(self, ctx: RuleContext) -> Iterable[FindingDraft]:
        ref = reference_day(ctx)
        days = [d for d in (item_day(item) for item in ctx.items) if d <= ref]
        newest = max(days, default=None)
        if newest is not None and ref - newest <= timedelta(days=ctx.params.days):
            return
        if newest is not None:
            # Silence is only proven by a successful read after the allowed gap ran out.
            due = newest + timedelta(days=ctx.params.days)
            unproven = self._unproven(ctx, due, {"newest": str(newest)})
            if unproven is not None:
                yield unproven
                return
        message = (
            self.say("silent_days", newest=newest, days=(ref - newest).days, day=ref)
            if newest
            else self.say("silent_never")
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
