"""HTML list pages of county disclosure platforms, read with per-feed CSS selectors.

The defaults fit the common shape ``<ul class="list"><li><a href>title</a>
<span class="date">2026-11-02</span></li></ul>``; a feed's options override them
(see docs/feeds.md).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from urllib.parse import urldefrag, urljoin

import lxml.html
from lxml.cssselect import CSSSelector
from lxml.etree import ParserError

from monitor.parse.model import Entry, Page, ParseError

DEFAULT_ITEM = "ul.list > li"
DEFAULT_LINK = "a"
DEFAULT_DATE = ".date, .time, span.rq, span:last-child"
_DATE_IN_TEXT = re.compile(
    r"\d{4}\s*[年\-/.]\s*\d{1,2}\s*[月\-/.]\s*\d{1,2}\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
)
_NEXT_XPATH = (
    "//a[@rel='next' or normalize-space(.)='下一页' or normalize-space(.)='下页'"
    " or normalize-space(.)='next' or normalize-space(.)='Next']"
)


@lru_cache(maxsize=256)
def selector(css: str) -> CSSSelector:
    try:
        return CSSSelector(css)
    except Exception as exc:  # cssselect raises several unrelated types
        raise ParseError(f"invalid CSS selector {css!r}: {exc}") from exc


def first(node: Any, css: str) -> Any | None:
    found = selector(css)(node)
    return found[0] if found else None


def text_of(node: Any) -> str:
    return " ".join(node.text_content().split())


def absolute(base_url: str, href: str | None) -> str | None:
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith(("javascript:", "mailto:", "#")):
        return None
    try:
        return urldefrag(urljoin(base_url, href))[0]
    except ValueError:  # e.g. "http://[": one broken link must not sink the page
        return None


def html_document(text: str) -> Any:
    try:
        return lxml.html.document_fromstring(text)
    except (ParserError, ValueError) as exc:
        raise ParseError(f"not an HTML document: {exc}") from exc


def parse_html_list(text: str, base_url: str, options: dict[str, Any]) -> Page:
    """Entries of one list page, and the next page's URL when there is one."""
    doc = html_document(text)
    item_css = options.get("item") or DEFAULT_ITEM
    link_css = options.get("link") or DEFAULT_LINK
    title_css = options.get("title") or link_css
    date_css = options.get("date")
    category_css = options.get("category")
    page = Page()
    rows = selector(item_css)(doc)
    if not rows:
        page.errors.append(f"no entries match {item_css!r}")
    for row in rows:
        link = first(row, link_css)
        url = absolute(base_url, link.get("href")) if link is not None else None
        if url is None:
            page.errors.append(f"entry without a link: {text_of(row)[:80]!r}")
            continue
        title_node = first(row, title_css) if title_css != link_css else link
        title = ""
        if title_node is not None:
            title = (title_node.get("title") or "").strip() or text_of(title_node)
        published = _date(row, date_css, title)
        category = None
        if category_css:
            node = first(row, category_css)
            category = text_of(node).strip("[]【】 ") or None if node is not None else None
        page.entries.append(
            Entry(key=url, title=title, url=url, category=category, published=published)
        )
    page.next_url = _next(doc, base_url, options.get("next"))
    return page


def _date(row: Any, date_css: str | None, title: str) -> str | None:
    node = first(row, date_css or DEFAULT_DATE)
    if node is not None:
        value = text_of(node).strip("[]()（）【】 ")
        if value and value != title:
            return value
        if date_css:
            return None
    # No date cell: find a printed date in the row, outside the title.
    match = _DATE_IN_TEXT.search(text_of(row).replace(title, " "))
    return match.group(0) if match else None


def _next(doc: Any, base_url: str, next_css: str | None) -> str | None:
    if next_css:
        node = first(doc, next_css)
    else:
        found = doc.xpath(_NEXT_XPATH)
        node = found[0] if found else None
    if node is None:
        return None
    url = absolute(base_url, node.get("href"))
    return url if url and url != urldefrag(base_url)[0] else None
