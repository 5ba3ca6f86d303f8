from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import ClassVar

from rules._helpers import REACHED, end_of_day, item_evidence, local_date, subject_for
from rules.api import FindingDraft, Rule, RuleContext, RuleParams, Severity


class Backdating(Rule):
    """The claimed publication date is earlier than the item could have been seen.

    Basis: the State Council General Office's 2019 website inspection indicators list
    faked dates among the serious errors that fail a site outright; Regulations on Open
    Government Information (2019), art. 26 (the date is what the 20-day limit is
    judged on). For villages and communities, whose platforms the website indicators
    do not govern: Organic Law of Villagers' Committees (2018), art. 30 (the committee
    guarantees that what it publishes is true) — a backdated item is how a late
    monthly or quarterly disclosure is made to look on time.

    An item claims 发布日期 D. If the monitor read the item's own feed successfully
    more than ``tolerance_hours`` after the end of D and the item was not there (the
    item's first sighting is later than that read), the date was backdated. Items first
    seen in the period are checked; the evidence lists the reads that missed it.
    The tolerance (default 24 h, *unconfirmed*: covers list pages cached by the
    platform and items published late in the evening) is a parameter.

    Bad: 发布日期 2026-03-02; the feed was read on 3, 5 and 9 March without it; first
    seen 2026-03-10.
    Good: 发布日期 2026-03-09, first seen 2026-03-10 (no read in between).
    """

    id = "integrity.backdating"
    title = "Publication date not earlier than the item could be seen"
    basis = (
        "GOV website inspection indicators (2019): faked dates; Regulations (2019), art. 26; "
        "villages: Organic Law of Villagers' Committees (2018), art. 30"
    )
    severity = Severity.HIGH
    messages: ClassVar[dict[str, str]] = {
        "backdated": "claims publication on {published} but {missed} read(s) of its feed "
        "after that did not list it (first seen {first_seen})"
    }

    class Params(RuleParams):
        tolerance_hours: float = 24.0

    def evaluate(self, ctx: RuleContext) -> Iterable[FindingDraft]:
        slack = timedelta(hours=ctx.params.tolerance_hours)
        reads: dict[int, list] = {}
        for fetch in ctx.fetches:
            if fetch.outcome in REACHED:
                reads.setdefault(fetch.feed_id, []).append(fetch)
        for item in ctx.items:
            if item.published_date is None or local_date(item.first_seen) not in ctx.period:
                continue
            after = end_of_day(item.published_date) + slack
            missed = [
                f for f in reads.get(item.feed_id, ()) if after < f.started_at < item.first_seen
            ]
            if not missed:
                continue
            missed.sort(key=lambda f: f.started_at)
            yield FindingDraft(
                subject=subject_for(item),
                message=self.say(
                    "backdated",
                    published=item.published_date,
                    missed=len(missed),
                    first_seen=local_date(item.first_seen),
                ),
                evidence=item_evidence(
                    item,
                    published=str(item.published_date),
                    first_seen=item.first_seen.isoformat(),
                    missed_reads=[f.started_at.isoformat() for f in missed[:10]],
                ),
            )
