from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rules._helpers import item_evidence, subject_for
from rules.api import CalendarUnknown, FindingDraft, Rule, RuleContext, RuleParams, Severity


class PublicationLag(Rule):
    """Information is published within 20 working days of being formed.

    Basis: Regulations on Open Government Information (2019), art. 26 (the 2008 text,
    art. 18, also says 20 working days).

    For each item published in the period with both dates, counts the working days
    after 成文日期 up to and including 发布日期 on the State Council calendar (makeup
    working days count, holiday weeks do not). More than ``limit_workdays`` (20) is a
    finding. When a date falls in a year the calendar does not know, the finding is
    not assessable: the monitor never guesses.

    Bad: formed 2026-01-05, published 2026-02-26 — 33 working days (the Spring
    Festival holiday 15–23 Feb does not count, Saturday 14 Feb does).
    Good: formed 2026-02-02, published 2026-02-27 — 14 working days.
    """

    id = "timeliness.publication_lag"
    title = "Published within 20 working days of formation"
    basis = "Regulations on Open Government Information (2019), art. 26"
    severity = Severity.MEDIUM
    messages: ClassVar[dict[str, str]] = {
        "cannot_assess": "cannot assess publication lag: {error}",
        "late": "published {published} is {lag} working days after formation {formed} "
        "(limit {limit})",
    }
    applies_to = frozenset({"township", "town", "street"})

    class Params(RuleParams):
        limit_workdays: int = 20

    def evaluate(self, ctx: RuleContext) -> Iterable[FindingDraft]:
        limit = ctx.params.limit_workdays
        for item in ctx.items:
            formed, published = item.formed_date, item.published_date
            if formed is None or published is None or published not in ctx.period:
                continue
            try:
                lag = ctx.calendar.workdays_between(formed, published)
            except CalendarUnknown as exc:
                yield FindingDraft(
                    subject=subject_for(item),
                    message=self.say("cannot_assess", error=str(exc)),
                    assessable=False,
                    evidence=item_evidence(item, formed=str(formed), published=str(published)),
                )
                continue
            if lag > limit:
                yield FindingDraft(
                    subject=subject_for(item),
                    message=self.say(
                        "late", published=published, lag=lag, formed=formed, limit=limit
                    ),
                    evidence=item_evidence(
                        item, formed=str(formed), published=str(published), workdays=lag
                    ),
                )
