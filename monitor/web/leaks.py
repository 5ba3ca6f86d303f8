"""What the public may not see of a privacy finding: the page or attachment that still
carries the personal data.

A privacy finding (rule id ``privacy.*``) that is open marks its item as *withheld*:
public pages, public exports and the API for viewers who do not work alerts show such
a finding as a count and one masked value at most, with no link to, and no address
of, the item or its attachments; every other finding on the same item loses its link
too. Inspectors see the evidence in the workspace. A privacy finding that only says an
attachment could not be read (``not_read`` in its evidence) withholds nothing but
itself. Pure helpers plus one query.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.i18n.words import finding_text
from monitor.store.models import Finding, Item

__all__ = ["PRIVACY_PREFIX", "Withheld", "is_privacy", "withheld"]

PRIVACY_PREFIX = "privacy."
WITHHELD_SUBJECT = "item withheld: personal data 含个人信息，链接不公开"


def is_privacy(rule_id: str) -> bool:
    return rule_id.startswith(PRIVACY_PREFIX)


def _urls(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        if value.startswith(("http://", "https://")):
            yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _urls(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _urls(v)


@dataclass
class Withheld:
    item_ids: set[int] = field(default_factory=set)
    urls: set[str] = field(default_factory=set)

    def hides_url(self, url: str | None) -> bool:
        return bool(url) and url in self.urls

    def hides_item(self, item: Item) -> bool:
        return item.id in self.item_ids or self.hides_url(item.url)

    def hides_finding(self, finding: Finding) -> bool:
        if is_privacy(finding.rule_id) and finding.status == "open":
            return True
        evidence = finding.evidence or {}
        if evidence.get("item_id") in self.item_ids:
            return True
        return any(u in self.urls for u in _urls(evidence)) or any(
            u in finding.subject for u in self.urls
        )

    def subject(self, finding: Finding) -> str:
        return WITHHELD_SUBJECT if self.hides_finding(finding) else finding.subject

    def entry_subject(self, entry: Mapping[str, Any]) -> str | None:
        """A score explanation entry's subject as the public may see it."""
        subject = entry.get("subject")
        if not isinstance(subject, str):
            return subject
        if is_privacy(str(entry.get("rule_id", ""))) or any(u in subject for u in self.urls):
            return WITHHELD_SUBJECT
        return subject

    def public_message(self, finding: Finding) -> str:
        """A privacy finding's message with at most one masked value."""
        if not is_privacy(finding.rule_id):
            return finding_text(finding)
        found = (finding.evidence or {}).get("found") or {}
        sample = next((v[0] for v in found.values() if isinstance(v, list) and v), None)
        message = finding_text(finding).split("\n")[0]
        return f"{message} (e.g. {sample})" if sample else message


def withheld(session: Session, unit_ids: Iterable[int] | None = None) -> Withheld:
    """The items (and their addresses, attachments included) under an open privacy
    finding, for the given units or all."""
    query = select(Finding.evidence, Finding.subject).where(
        Finding.rule_id.startswith(PRIVACY_PREFIX), Finding.status == "open"
    )
    if unit_ids is not None:
        query = query.where(Finding.unit_id.in_(list(unit_ids)))
    out = Withheld()
    for evidence, subject in session.execute(query):
        evidence = evidence or {}
        if evidence.get("not_read"):
            continue  # an attachment the monitor could not read: no leak is known
        if isinstance(evidence.get("item_id"), int):
            out.item_ids.add(evidence["item_id"])
        out.urls.update(_urls(evidence))
        if subject.startswith("item:http"):
            out.urls.add(subject.removeprefix("item:"))
    if out.item_ids:
        for url, attachments in session.execute(
            select(Item.url, Item.attachments).where(Item.id.in_(out.item_ids))
        ):
            if url:
                out.urls.add(url)
            out.urls.update(_urls(attachments or []))
    return out
