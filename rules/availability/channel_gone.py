from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import ClassVar

from pydantic import Field

from rules._helpers import REACHED, enabled_feeds, local_date
from rules.api import FindingDraft, Rule, RuleContext, RuleParams, Severity

GONE = frozenset({404, 410})


class ChannelGone(Rule):
    """A disclosure channel the unit is registered with has not vanished.

    Basis: Regulations on Open Government Information (2019), art. 23 (bodies set up
    and keep disclosure platforms: government websites, bulletins, notice boards) and
    the State Council General Office's 2019 website inspection indicators (a column
    that cannot be opened counts against the site); Organic Law of Villagers'
    Committees (2018), art. 30 (village affairs disclosed on a fixed board or
    platform). A column that answers "404 Not Found" or "410 Gone" publishes nothing to
    anyone: that is a finding against the unit, not merely a gap in the monitor's view.

    Per enabled feed (a column), over the period up to the as-of moment: the feed's own
    address answered 404 or 410 at least ``min_answers`` (2) times, the first and the
    last of those at least ``min_hours`` (24) apart, and no read of it succeeded after
    the first. One transient 404 is no finding; a network error or timeout is not
    "gone" (that is ``availability.unreachable``'s). Subject ``channel:<feed URL>``.

    Note: a feed registered with a mistyped address also answers 404; the inspector
    who sees that marks the finding a false positive and corrects the registry.

    Bad: 工作动态 answered 404 on 2026-11-02, 11-03 and 11-04, nothing since.
    Good: answered 404 once on 2026-11-02 and 200 on 2026-11-03.
    """

    id = "availability.channel_gone"
    title = "No disclosure channel has vanished (404/410)"
    basis = (
        "Regulations on Open Government Information (2019), art. 23; GOV website "
        "inspection indicators (State Council General Office, 2019)"
    )
    severity = Severity.HIGH
    messages: ClassVar[dict[str, str]] = {
        "gone": "channel {channel} gone: answered {statuses} on {reads} reads from {start} to {end}"
    }

    class Params(RuleParams):
        min_answers: int = Field(default=2, ge=1)
        min_hours: float = Field(default=24.0, ge=0)

    def evaluate(self, ctx: RuleContext) -> Iterable[FindingDraft]:
        for feed in enabled_feeds(ctx):
            own = sorted(
                (
                    f
                    for f in ctx.fetches
                    if f.feed_id == feed.id
                    and f.url == feed.url
                    and f.started_at <= ctx.as_of
                    and local_date(f.started_at) in ctx.period
                ),
                key=lambda f: f.started_at,
            )
            gone = [f for f in own if f.status in GONE]
            if len(gone) < ctx.params.min_answers:
                continue
            first, last = gone[0], gone[-1]
            if last.started_at - first.started_at < timedelta(hours=ctx.params.min_hours):
                continue
            if any(f.outcome in REACHED and f.started_at > first.started_at for f in own):
                continue
            yield FindingDraft(
                subject=f"channel:{feed.url}"[:500],
                message=self.say(
                    "gone",
                    channel=feed.category or feed.url,
                    statuses="/".join(sorted({str(f.status) for f in gone})),
                    reads=len(gone),
                    start=local_date(first.started_at),
                    end=local_date(last.started_at),
                ),
                evidence={
                    "feed_id": feed.id,
                    "url": feed.url,
                    "category": feed.category,
                    "answers": len(gone),
                    "statuses": sorted({f.status for f in gone if f.status is not None}),
                    "first": first.started_at.isoformat(),
                    "last": last.started_at.isoformat(),
                },
            )
