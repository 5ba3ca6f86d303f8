from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rules._helpers import item_evidence, local_date, subject_for
from rules.api import FindingDraft, ItemView, Rule, RuleContext, RuleParams, Severity

CORRECTION_WORDS = ("更正", "勘误", "修订说明", "修改说明", "更新说明", "纠正")


def correction_noted(item: ItemView, ctx: RuleContext, words: tuple[str, ...]) -> bool:
    """The change is declared: the new text says so, or the unit published a notice
    naming the item's title with a correction word."""
    latest = item.versions[-1] if item.versions else None
    own = (latest.title + latest.text) if latest else (item.title + item.text)
    if any(word in own for word in words):
        return True
    for other in ctx.items:
        if other.id != item.id and any(word in other.title for word in words):
            body = other.title + other.text
            if item.title and item.title in body:
                return True
    return False


def as_read(text: str) -> str:
    """The text without its layout (line breaks, spaces, the `` | `` between table
    cells): a page laid out anew by the monitor, or re-spaced, is not a change of what
    was published."""
    return "".join(text.replace(" | ", "").split())


class AlteredAfterPublication(Rule):
    """A published item's content does not change silently.

    Basis: Regulations on Open Government Information (2019), art. 26 and art. 6
    (information must be accurate; a correction is itself published); the 2019
    website indicators count faked or silently changed content among serious errors.

    An item with more than one version whose title, text or metadata changed in the
    period (by the time the new version was first seen) is a finding unless the new
    version mentions a correction (``correction_words``: 更正, 勘误, 修订说明 …) or
    the unit published a correction notice naming the item's title. Text is compared
    without its layout (spaces, line breaks, the `` | `` between table cells), so a
    page only re-spaced, or laid out anew by the monitor, is no change. The evidence
    holds both versions' archived responses.

    Bad: a subsidy list whose amounts changed on 2026-03-12 with no note.
    Good: the same change with "更正说明：第3行金额有误" added to the text.
    """

    id = "integrity.altered_after_publication"
    title = "Not altered after publication without a correction notice"
    basis = "Regulations on Open Government Information (2019), arts. 6 and 26"
    severity = Severity.HIGH
    messages: ClassVar[dict[str, str]] = {
        "changed": "changed ({fields}) on {day} after publication, with no correction notice"
    }

    class Params(RuleParams):
        correction_words: tuple[str, ...] = CORRECTION_WORDS

    def evaluate(self, ctx: RuleContext) -> Iterable[FindingDraft]:
        for item in ctx.items:
            if len(item.versions) < 2:
                continue
            changes = []
            for before, after in zip(item.versions, item.versions[1:], strict=False):
                if local_date(after.seen_at) not in ctx.period:
                    continue
                fields = [
                    name
                    for name, old, new in (
                        ("title", before.title, after.title),
                        ("text", as_read(before.text), as_read(after.text)),
                        ("meta", dict(before.meta), dict(after.meta)),
                    )
                    if old != new
                ]
                if fields:
                    changes.append((before, after, fields))
            if not changes or correction_noted(item, ctx, ctx.params.correction_words):
                continue
            before, after, fields = changes[-1]
            yield FindingDraft(
                subject=subject_for(item),
                message=self.say(
                    "changed", fields=", ".join(fields), day=local_date(after.seen_at)
                ),
                evidence=item_evidence(
                    item,
                    changed=fields,
                    before={
                        "seen_at": before.seen_at.isoformat(),
                        "hash": before.content_hash,
                        "evidence_id": before.evidence_id,
                    },
                    after={
                        "seen_at": after.seen_at.isoformat(),
                        "hash": after.content_hash,
                        "evidence_id": after.evidence_id,
                    },
                ),
            )
