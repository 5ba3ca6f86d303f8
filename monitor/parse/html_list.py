"""HTML list pages of county disclosure platforms.

With no ``item`` option the list is found on the page (``monitor.parse.structure``):
the repeated blocks that each hold an article link and usually a date. A feed's
options (``item``, ``link``, ``title``, ``date``, ``category``, ``next``) override
what is found (see docs/feeds.md). Hanweb lists filled from a ``<datastore>`` block
are read from its records; the next page is found the ways platforms print it
(``monitor.parse.pagination``). A page where no list is found says so.
"""

from __future__ import annotations

import re
from typing import Any

from monitor.parse import datastore, pagination, structure
from monitor.parse.markup import (
    absolute,
    document_base,
    first,
    html_document,
    same_site,
    selector,
)
from monitor.parse.model import Entry, Page

DEFAULT_LINK = "a"
DEFAULT_DATE = ".date, .time, span.rq, span:last-child"
NO_LIST = "no list found; read as a single page"
EMPTY_LIST = "the list is empty (the page says it has no entries)"
_DATE_IN_TEXT = re.compile(
    r"\d{4}\s*[年\-/.]\s*\d{1,2}\s*[月\-/.]\s*\d{1,2}\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
)
_BULLETS = "·•●■□◆◇▪▸►>»-— \u3000"
_SCRIPT_URL = re.compile(
    r"""(?:url|href|action|src|ajax|get|post|fetch|load)\s*[:=(,]\s*["']([^"'\s<>]{4,300})["']""",
    re.IGNORECASE,
)
_DATA_PATH = re.compile(
    r"(?:\.json\b|dataproxy\.jsp|/api/|/(?:\w+/)*(?:list|query|search|data)\w*\.(?:do|action|jsp|php|ashx|aspx)|getlist|list\.json)",
    re.IGNORECASE,
)


def text_of(node: Any) -> str:
    return " ".join(node.text_content().split())


def parse_html_list(text: str, base_url: str, options: dict[str, Any]) -> Page:
    """Entries of one list page, and the next page's URL when there is one."""
    item_css = options.get("item")
    if not item_css and datastore.has_datastore(text):
        return _datastore_page(text, base_url, options)
    doc = html_document(text)
    base_url = document_base(doc, base_url)
    page = Page()
    if item_css:
        _explicit_rows(doc, base_url, options, item_css, page)
    else:
        found = structure.find_list(doc, base_url)
        if found is None:
            _no_list(doc, base_url, page)
            return page
        page.structure = found.as_dict()
        _found_rows(found, base_url, options, page)
    found_next = pagination.next_page(doc, base_url, options.get("next"))
    if found_next is not None:
        page.next_url, page.next_how = found_next.url, found_next.how
    return page


def _explicit_rows(
    doc: Any, base_url: str, options: dict[str, Any], item_css: str, page: Page
) -> None:
    link_css = options.get("link") or DEFAULT_LINK
    title_css = options.get("title") or link_css
    date_css = options.get("date")
    rows = selector(item_css)(doc)
    if not rows:
        page.errors.append(f"no entries match {item_css!r}")
    for row in rows:
        link = first(row, link_css)
        if link is None and row.tag == "a":
            link = row  # the block is the link itself
        url = absolute(base_url, link.get("href")) if link is not None else None
        if url is None:
            page.errors.append(f"entry without a link: {text_of(row)[:80]!r}")
            continue
        title_node = first(row, title_css) if title_css != link_css else link
        title = _title(title_node)
        published = _date(row, date_css, title)
        page.entries.append(
            Entry(
                key=url,
                title=_without_date(title, published),
                url=url,
                category=_category(row, options.get("category")),
                published=published,
            )
        )


def _found_rows(found: Any, base_url: str, options: dict[str, Any], page: Page) -> None:
    link_css, date_css = options.get("link"), options.get("date") or found.date
    title_css = options.get("title")
    for row in found.rows:
        link = first(row.node, link_css) if link_css else row.link
        if link_css:
            url = absolute(base_url, link.get("href")) if link is not None else None
        else:
            url = row.url
        if url is None:
            continue  # header and separator rows
        title = _title(first(row.node, title_css) if title_css else link)
        published = _date(row.node, date_css, title) if date_css else row.date
        page.entries.append(
            Entry(
                key=url,
                title=_without_date(title, published),
                url=url,
                category=_category(row.node, options.get("category")),
                published=published,
            )
        )


def _title(node: Any) -> str:
    if node is None:
        return ""
    title = " ".join((node.get("title") or "").split()) or text_of(node)
    return title.strip(_BULLETS) or title


def _without_date(title: str, published: str | None) -> str:
    """A date printed inside the link, before or after the title, is not part of it."""
    edge = structure.edge_date(title)
    if published and edge is not None and edge.group(0) == published and title != published:
        stripped = (title[: edge.start()] + " " + title[edge.end() :]).strip(
            " []()（）【】" + _BULLETS
        )
        return " ".join(stripped.split()) or title
    return title


def _category(row: Any, category_css: str | None) -> str | None:
    if not category_css:
        return None
    node = first(row, category_css)
    return (text_of(node).strip("[]【】 ") or None) if node is not None else None


def _date(row: Any, date_css: str | None, title: str) -> str | None:
    node = first(row, date_css or DEFAULT_DATE)
    if node is not None:
        value = text_of(node).strip("[]()（）【】 ")
        if value and value != title:
            return value
        if date_css:
            return None
    # No date cell: find a printed date in the row, outside the title first (a date
    # printed inside the link is cut from the title by the caller).
    match = _DATE_IN_TEXT.search(text_of(row).replace(title, " ")) or structure.edge_date(title)
    return match.group(0) if match else None


def _no_list(doc: Any, base_url: str, page: Page) -> None:
    """No list on the page: an empty column says so; a list filled by script names
    its data source (read next, as the following page); else "no list found"."""
    source = script_data_url(doc, base_url)
    if source is not None:
        page.next_url, page.next_how = source, "script data"
        page.errors.append(f"no list in the page's HTML; its script reads the list from {source}")
        return
    if structure.says_empty(doc):
        page.empty = True
        page.errors.append(EMPTY_LIST)
        return
    page.no_list = True
    page.errors.append(NO_LIST)


def script_data_url(doc: Any, base_url: str) -> str | None:
    """The JSON or XML endpoint an inline script fills the list from (same host)."""
    for script in doc.iter("script"):
        for match in _SCRIPT_URL.finditer(script.text or ""):
            raw = match.group(1)
            if not _DATA_PATH.search(raw):
                continue
            url = absolute(base_url, raw)
            if url and same_site(url, base_url) and not url.lower().endswith(".js"):
                return url
    return None


def _datastore_page(text: str, base_url: str, options: dict[str, Any]) -> Page:
    store = datastore.read_datastore(text, base_url)
    page = Page(structure={"item": "datastore record", "link": "a", "confidence": 1.0})
    for record in store.records:
        if not record.strip():
            continue
        try:
            fragment = html_document(f"<html><body><ul>{record}</ul></body></html>")
        except Exception:
            page.errors.append(f"unreadable record: {' '.join(record.split())[:80]!r}")
            continue
        body = fragment.find("body")
        row = structure.best_row(body if body is not None else fragment, base_url)
        if row is None:
            page.errors.append(f"record without a link: {text_of(fragment)[:80]!r}")
            continue
        title = _title(row.link)
        page.entries.append(
            Entry(
                key=row.url,
                title=_without_date(title, row.date),
                url=row.url,
                category=None,
                published=row.date,
            )
        )
    page.structure = {**(page.structure or {}), "entries": len(page.entries)}
    if store.next_url:
        page.next_url, page.next_how = store.next_url, "datastore"
    return page
