"""An item's search document, built from what the store holds: pure functions.

The document is masked of personal data when it is built (see
:func:`monitor.redact.mask_personal_data`), so no snippet, feed or API answer drawn
from it can show an ID or mobile number, whatever the query.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from monitor.redact import mask_personal_data

# Bounds what one item costs the index (a 300-page attachment is not all searched).
MAX_TEXT = 20_000


@dataclass(frozen=True)
class Source:
    """What a document is built from: an item's row, its latest version, its units."""

    item_id: int
    key: str
    unit_id: int
    town_id: int | None
    county_id: int | None
    title: str
    category: str | None
    published_date: date | None
    removed_at: datetime | None
    meta: Mapping[str, Any]
    attachments: Iterable[Any]
    text: str
    evidence_id: int | None
    attachment_texts: Iterable[str] = ()


# Dates are filters, not words: left out of the text (each character costs the
# trigram index three entries).
DATE_KEYS = frozenset({"formed", "published", "received", "date", "成文日期", "发布日期"})


def meta_line(meta: Mapping[str, Any]) -> str:
    """Metadata values (文号, 索引号, 发布机构 …) but dates, one line."""
    return "  ".join(
        str(v) for k, v in meta.items() if isinstance(v, str | int) and v and k not in DATE_KEYS
    )


def attachment_names(attachments: Iterable[Any]) -> str:
    names = []
    for a in attachments:
        if isinstance(a, Mapping):
            names.append(str(a.get("name") or a.get("title") or ""))
    return "  ".join(n for n in names if n)


def document(source: Source) -> dict[str, Any]:
    """The ``search_doc`` row of SOURCE."""
    parts = [
        source.title,
        meta_line(source.meta),
        attachment_names(source.attachments),
        source.text,
        *source.attachment_texts,
    ]
    text = "\n".join(p for p in parts if p)[:MAX_TEXT]
    return {
        "item_id": source.item_id,
        "unit_id": source.unit_id,
        "town_id": source.town_id,
        "county_id": source.county_id,
        "category": source.category,
        "published_date": source.published_date,
        "removed_at": source.removed_at,
        "subject": f"item:{source.key}"[:500],
        "title": mask_personal_data(source.title),
        "text": mask_personal_data(text),
        "evidence_id": source.evidence_id,
    }
