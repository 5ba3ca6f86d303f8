"""JSON APIs with a field mapping: ``{"items": "data.list", "fields": {...}}``."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from monitor.parse.dates import SHANGHAI
from monitor.parse.model import Entry, Page, ParseError

DEFAULT_FIELDS = {
    "key": "id",
    "title": "title",
    "url": "url",
    "published": "published",
    "formed": "formed",
    "category": "category",
}
_DATE_FIELDS = ("published", "formed")


def dig(data: Any, path: str | None) -> Any:
    """Follow a dotted path (``data.list.0.title``); None where it leads nowhere."""
    if not path:
        return data
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.lstrip("-").isdigit():
            index = int(part)
            data = data[index] if -len(data) <= index < len(data) else None
        else:
            return None
    return data


def _date_text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 10**11 else value
        try:
            return datetime.fromtimestamp(seconds, SHANGHAI).isoformat()
        except (ValueError, OverflowError, OSError):
            return str(value)  # out of range: kept as printed, the date parser reports it
    return str(value)


def parse_json(text: str, base_url: str, options: dict[str, Any]) -> Page:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ParseError(f"not JSON: {exc}") from exc
    records = dig(data, options.get("items"))
    if not isinstance(records, list):
        raise ParseError(f"no list at {options.get('items')!r}")
    fields = {**DEFAULT_FIELDS, **(options.get("fields") or {})}
    page = Page()
    for record in records:
        values = {name: dig(record, path) for name, path in fields.items()}
        url = values.get("url")
        try:
            url = urljoin(base_url, str(url)) if url else None
        except ValueError:  # e.g. "http://[": kept out, the record still counts
            page.errors.append(f"invalid url {str(url)[:200]!r}")
            url = None
        key = values.get("key")
        key = str(key) if key not in (None, "") else url
        if not key:
            page.errors.append("record without key or url skipped")
            continue
        meta = {
            name: value  # kept as the API typed it (booleans, numbers)
            for name, value in values.items()
            if name not in DEFAULT_FIELDS and value not in (None, "")
        }
        category = values.get("category")
        page.entries.append(
            Entry(
                key=key,
                title=str(values.get("title") or "").strip(),
                url=url,
                category=str(category) if category else None,
                published=_date_text(values.get("published")),
                formed=_date_text(values.get("formed")),
                meta=meta,
            )
        )
    return page
