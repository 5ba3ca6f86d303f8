from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rules._helpers import item_day, item_evidence, local_date, subject_for
from rules.api import FindingDraft, Rule, RuleContext, RuleParams, Severity


class DeletedAfterPublication(Rule):
    """A published item is not taken down silently.

    Basis: Regulations on Open Government Information (2019), art. 26 (proactively
    published information stays public) and art. 6; a withdrawal is announced
    (废止, 撤销, 撤回, 失效 notices).

    An item the crawl marked removed in the period (``removed_at``) is a finding
    unless its validity (有效性) already said 废止/失效, or the unit published a
    notice with a withdrawal word naming its title. Items older than ``max_age_days``
    (730, *unconfirmed*: platforms archive old years) when removed are not reported.
    The evidence holds the archived responses of the last version seen.

    Bad: a land-compensation notice published 2026-02-01 disappears on 2026-03-05.
    Good: it disappears after "关于废止《…》的通知" naming it was published.
    """

    id = "integrity.deleted_after_publication"
    title = "Not deleted after publication without a withdrawal notice"
    basis = "Regulations on Open Government Information (2019), arts. 6 and 26"
    severity = Severity.HIGH
    messages: ClassVar[dict[str, str]] = {
        "removed": "removed on {removed} after publication on {published}, "
        "with no withdrawal notice"
    }

    class Params(RuleParams):
        withdrawal_words: tuple[str, ...] = ("废止", "撤销", "撤回", "失效", "停止执行")
        max_age_days: int = 730

    def evaluate(self, ctx: RuleContext) -> Iterable[FindingDraft]:
        words = ctx.params.withdrawal_words
        removed_items = [
            (item, local_date(item.removed_at)) for item in ctx.items if item.removed_at is not None
        ]
        removed_items = [(item, day) for item, day in removed_items if day in ctx.period]
        if not removed_items:
            return
        notices = [
            other.title + other.text
            for other in ctx.items
            if any(word in other.title for word in words)
        ]
        for item, removed in removed_items:
            if (removed - item_day(item)).days > ctx.params.max_age_days:
                continue
            validity = str((item.meta or {}).get("validity") or "")
            if any(word in validity for word in words):
                continue
            if item.title and any(item.title in notice for notice in notices):
                continue
            yield FindingDraft(
                subject=subject_for(item),
                message=self.say("removed", removed=removed, published=item_day(item)),
                evidence=item_evidence(
                    item, removed_at=str(removed), published=str(item_day(item))
                ),
            )
