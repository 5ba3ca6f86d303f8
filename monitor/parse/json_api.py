"""JSON APIs with a field mapping: ``{"items": "data.list", "fields": {...}}``.

Without an ``items`` option the records are found: the largest list of objects
that carry a title-like field, with fields mapped by their usual names (``title``,
``docTitle``, ``url``, ``pubDate`` …); the mapping found is reported as the options
an operator can freeze. A ``page``/``pageNo`` parameter in the URL is followed to
the next page while pages have records (and the total, when given, is not reached).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

from monitor.parse.dates import SHANGHAI
from monitor.parse.markup import same_site
from monitor.parse.model import Entry, Page, ParseError
from monitor.parse.pagination import with_params

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


# Usual names of each field in the APIs of content platforms (compared lower-cased).
_NAMES: dict[str, tuple[str, ...]] = {
    "title": ("title", "doctitle", "name", "subject", "headline", "infotitle", "articletitle",
              "contenttitle", "biaoti", "wzbt", "标题"),
    "url": ("url", "link", "href", "docurl", "pageurl", "infourl", "detailurl", "linkurl",
            "articleurl", "path", "链接"),
    "published": ("published", "pubdate", "publishdate", "publishtime", "publish_time",
                  "releasedate", "releasetime", "docreltime", "fbrq", "fbsj", "date", "time",
                  "createtime", "created", "received", "发布日期"),
    "formed": ("formed", "cwrq", "writtendate", "makedate", "成文日期"),
    "key": ("id", "guid", "docid", "infoid", "contentid", "articleid", "uuid"),
    "category": ("category", "channelname", "columnname", "type", "分类"),
}  # fmt: skip
_PAGE_PARAMS = ("page", "pageNo", "pageno", "pageIndex", "pageindex", "currentPage", "curPage",
                "pageNum", "pagenum", "pn", "p")  # fmt: skip
_TOTAL_PAGES = ("totalpage", "totalpages", "pagecount", "pages", "totalpagenum")


def _lists(data: Any, path: str = "", depth: int = 0) -> list[tuple[str, list[Any]]]:
    found: list[tuple[str, list[Any]]] = []
    if depth > 6:
        return found
    if isinstance(data, list):
        if data and sum(isinstance(v, dict) for v in data) >= max(1, len(data) // 2):
            found.append((path, data))
        for index, value in enumerate(data[:3]):
            if isinstance(value, dict | list):
                found += _lists(value, f"{path}.{index}".lstrip("."), depth + 1)
    elif isinstance(data, dict):
        for key, value in list(data.items())[:200]:
            if isinstance(value, dict | list) and "." not in str(key):
                found += _lists(value, f"{path}.{key}".lstrip("."), depth + 1)
    return found


def _field_for(keys: list[str], name: str) -> str | None:
    lowered = {k.lower(): k for k in keys}
    for wanted in _NAMES[name]:
        if wanted in lowered:
            return lowered[wanted]
    return None


def find_records(data: Any) -> tuple[str, dict[str, str], float] | None:
    """The records list of a JSON document, its field mapping and a confidence."""
    best: tuple[float, str, dict[str, str]] | None = None
    for path, records in _lists(data):
        objects = [r for r in records if isinstance(r, dict)]
        keys = list(dict.fromkeys(k for r in objects[:20] for k in r))
        fields = {n: f for n in _NAMES if (f := _field_for(keys, n)) is not None}
        if "title" not in fields:
            continue
        score = len(objects) * (1 + ("url" in fields) + ("published" in fields))
        if best is None or score > best[0]:
            best = (score, path, fields)
    if best is None:
        return None
    _, path, fields = best
    confidence = 0.5 + 0.25 * ("url" in fields or "key" in fields) + 0.25 * ("published" in fields)
    return path, fields, confidence


def _empty_list(data: Any, depth: int = 0) -> bool:
    """An empty list of records (``{"data": {"list": []}}``): an empty page, not junk."""
    if isinstance(data, list):
        return not data
    if isinstance(data, dict) and depth < 4:
        return any(_empty_list(v, depth + 1) for v in list(data.values())[:200])
    return False


def _next_json(data: Any, base_url: str, count: int) -> str | None:
    if not count:
        return None  # stop after a page with no records
    query = dict(parse_qsl(urlsplit(base_url).query))
    param = next((p for p in _PAGE_PARAMS if query.get(p, "").isdigit()), None)
    if param is None:
        return None
    current = int(query[param])
    total = None
    if isinstance(data, dict):
        for holder in (data, data.get("data") if isinstance(data.get("data"), dict) else {}):
            for key, value in holder.items():
                if str(key).lower() in _TOTAL_PAGES and isinstance(value, int):
                    total = value
    if total is not None and current >= total:
        return None
    url = with_params(base_url, **{param: current + 1})
    return url if same_site(url, base_url) else None


def parse_json(text: str, base_url: str, options: dict[str, Any]) -> Page:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ParseError(f"not JSON: {exc}") from exc
    auto = "items" not in options
    found = find_records(data) if auto else None
    if found is not None:
        path, guessed, confidence = found
        options = {**options, "items": path, "fields": {**guessed, **(options.get("fields") or {})}}
    if auto and found is None and not isinstance(data, list) and _empty_list(data):
        return Page(empty=True, errors=["no records (the list is empty)"])
    records = dig(data, options.get("items"))
    if not isinstance(records, list):
        raise ParseError(f"no list at {options.get('items')!r}")
    fields = {**DEFAULT_FIELDS, **(options.get("fields") or {})}
    page = Page()
    if found is not None:
        page.structure = {"items": path, "fields": guessed, "confidence": confidence}
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
            name = " ".join(str(values.get("title") or "").split())[:80]
            page.errors.append(
                f"record {name!r} skipped: no key or url"
                if name
                else "record skipped: no key or url"
            )
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
    if auto:
        page.next_url = _next_json(data, base_url, len(page.entries))
        page.next_how = "page parameter" if page.next_url else None
    return page
