from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from rules._helpers import item_evidence, items_in, subject_for
from rules.api import FindingDraft, Rule, RuleContext, RuleParams, Severity

BROKEN_WORDS = frozenset(
    {"broken", "error", "http_error", "not_found", "timeout", "network_error", "missing"}
)
# The crawl did not ask (the request waited too long for its host's turn, or a limit
# held it back): nothing is known about the file, so it is not judged.
NOT_CHECKED = frozenset({"not_checked", "deferred"})


def broken(attachment: Mapping[str, Any]) -> bool:
    """An attachment the crawl checked and could not get. Unchecked ones (no
    ``status``, or ``not_checked``) are not judged."""
    status = attachment.get("status")
    if status is None or status == "" or status in NOT_CHECKED:
        return False
    if isinstance(status, int) and not isinstance(status, bool):
        return status >= 400
    text = str(status).strip().lower()
    if text.isdigit():
        return int(text) >= 400
    return text in BROKEN_WORDS


class BrokenAttachments(Rule):
    """Attachments of published items can be downloaded.

    Basis: State Council General Office, national government website inspection
    indicators (2019): unusable links and attachments count against a site; a
    disclosure whose substance sits in an attachment is not disclosed when the
    attachment is missing (Regulations on Open Government Information, 2019, art. 23).

    Reads the crawl's check of each attachment, ``Item.attachments[i]["status"]``: an
    HTTP status ≥ 400 or an error word (``broken``, ``error``, ``http_error``,
    ``not_found``, ``timeout``, ``network_error``, ``missing``) is broken; no status,
    or ``not_checked`` (the crawl never sent the request: it waited too long for the
    host's turn), means not checked and is not judged. A ``timeout`` is a request
    that was sent and not answered in time. One finding per item published in the
    period.

    Bad: ``[{"url": ".../2026补贴名单.xls", "status": 404}]``.
    Good: ``[{"url": ".../2026补贴名单.xls", "status": 200}]``.
    """

    id = "integrity.broken_attachments"
    title = "Attachments can be downloaded"
    basis = "GOV website inspection indicators (2019); Regulations (2019), art. 23"
    severity = Severity.MEDIUM
    messages: ClassVar[dict[str, str]] = {"broken": "{bad} of {total} attachment(s) broken"}

    class Params(RuleParams):
        pass

    def evaluate(self, ctx: RuleContext) -> Iterable[FindingDraft]:
        for item in items_in(ctx.items, ctx.period):
            bad = [a for a in item.attachments if isinstance(a, Mapping) and broken(a)]
            if not bad:
                continue
            yield FindingDraft(
                subject=subject_for(item),
                message=self.say("broken", bad=len(bad), total=len(item.attachments)),
                evidence=item_evidence(
                    item,
                    attachments=[
                        {"url": a.get("url"), "name": a.get("name"), "status": a.get("status")}
                        for a in bad
                    ],
                ),
            )
