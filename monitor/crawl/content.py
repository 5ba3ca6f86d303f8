"""Pure functions from parsed entries and detail pages to item fields and hashes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from monitor.parse import Detail, Entry, parse_date

# What json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
# builds on every call; made once, as two hashes per item made it a visible cost.
# The text must stay byte for byte the same: stored hashes are compared with it.
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))
# JSONEncoder.encode also builds its C encoder anew on every call; build it once.
# No cycle check: hashed values come from parsed documents and cannot be circular.
_MAKE_ENCODER = getattr(json.encoder, "c_make_encoder", None)
_C_ENCODER = (
    _MAKE_ENCODER(
        # markers, default, encoder, indent, key_separator, item_separator,
        # sort_keys, skipkeys, allow_nan: what encode() passes for these options.
        None,
        _CANONICAL.default,
        json.encoder.encode_basestring,
        None,
        ":",
        ",",
        True,
        False,
        True,
    )
    if _MAKE_ENCODER is not None
    else None
)


def canonical_json(data: Any) -> str:
    if _C_ENCODER is None:
        return _CANONICAL.encode(data)
    if isinstance(data, str):  # the C encoder only takes containers and scalars at depth
        return json.encoder.encode_basestring(data)
    return "".join(_C_ENCODER(data, 0))


def _sha(data: Any) -> str:
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


def entry_hash(entry: Entry) -> str:
    """Everything the listing entry itself says (a JSON record's extra fields, a feed
    item's summary included): when it is unchanged the item is left as it is and its
    detail page is not fetched again."""
    return _sha(
        [entry.title, entry.url, entry.category, entry.published, entry.formed, entry.meta,
         entry.text, entry.attachments]
    )  # fmt: skip


# The standard metadata of a disclosure (the detail page's table). Other fields a
# source gives (a request's "answered", "extended") are status: kept on the item,
# but a change in them is not a new version of what was published.
CONTENT_META = frozenset(
    {"index_no", "category", "publisher", "formed", "published", "doc_no", "keywords",
     "validity", "title"}
)  # fmt: skip


def content_meta(meta: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in meta.items() if k in CONTENT_META}


def content_hash(title: str, text: str, meta: dict[str, Any], attachments: list[Any]) -> str:
    # An attachment's checked status is an observation, not part of what was published.
    files = [
        {k: v for k, v in a.items() if k != "status"} if isinstance(a, dict) else a
        for a in attachments
    ]
    return _sha([title, text, meta, files])


@dataclass
class ItemFields:
    title: str
    url: str | None
    category: str | None
    formed_date: date | None
    published_date: date | None
    formed_text: str | None
    published_text: str | None
    date_errors: list[dict[str, str]]
    meta: dict[str, Any]
    attachments: list[dict[str, Any]]
    text: str
    content_hash: str = field(init=False)
    version_meta: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.version_meta = content_meta(self.meta)
        self.content_hash = content_hash(self.title, self.text, self.version_meta, self.attachments)


def item_fields(entry: Entry, detail: Detail | None, feed_category: str | None) -> ItemFields:
    """Merge a listing entry with its detail page. The detail page's metadata is the
    official record, so its dates and its own category (主题分类, 信息分类 …) win over
    the list's; the list's, the feed's and the column's name are hints used when the
    page names none."""
    meta: dict[str, Any] = dict(entry.meta)
    page_category = None
    if detail is not None:
        meta.update(detail.meta)
        page_category = detail.meta.get("category")
    title = entry.title or (detail.title if detail else "")
    category = page_category or entry.category or feed_category or meta.get("column")
    errors: list[dict[str, str]] = []
    dates: dict[str, tuple[date | None, str | None]] = {}
    for name, printed in (
        ("formed", meta.get("formed") or entry.formed),
        ("published", meta.get("published") or entry.published),
    ):
        parsed = parse_date(printed)
        if parsed is None:
            dates[name] = (None, None)
            continue
        if parsed.error:
            errors.append({"field": name, "text": parsed.text, "error": parsed.error})
        dates[name] = (parsed.day, parsed.text[:200])
    return ItemFields(
        title=title,
        url=entry.url,
        category=category[:200] if category else None,
        formed_date=dates["formed"][0],
        published_date=dates["published"][0],
        formed_text=dates["formed"][1],
        published_text=dates["published"][1],
        date_errors=errors,
        meta=meta,
        attachments=(detail.attachments if detail and detail.attachments else entry.attachments),
        text=(detail.text if detail and detail.text else entry.text),
    )
