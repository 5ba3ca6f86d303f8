"""HTML plumbing every page parser shares: parsing, CSS selectors, absolute links."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.html
from lxml import etree
from lxml.cssselect import CSSSelector
from lxml.etree import ParserError

from monitor.parse.model import ParseError


@lru_cache(maxsize=256)
def selector(css: str) -> CSSSelector:
    try:
        return CSSSelector(css)
    except Exception as exc:  # cssselect raises several unrelated types
        raise ParseError(f"invalid CSS selector {css!r}: {exc}") from exc


def first(node: Any, css: str) -> Any | None:
    found = selector(css)(node)
    return found[0] if found else None


def absolute(base_url: str, href: str | None) -> str | None:
    if not href:
        return None
    return _absolute(base_url, href)


@lru_cache(maxsize=4096)
def _absolute(base_url: str, href: str) -> str | None:
    # A list page repeats its base for every row: urljoin's parsing is the cost.
    href = href.strip()
    if not href or href.lower().startswith(("javascript:", "mailto:", "#", "tel:", "data:")):
        return None
    try:
        return urldefrag(urljoin(base_url, href))[0]
    except ValueError:  # e.g. "http://[": one broken link must not sink the page
        return None


def same_site(url: str | None, base_url: str) -> bool:
    """Same host (and scheme family): pagination and discovery never leave the site."""
    if not url:
        return False
    try:
        a, b = urlsplit(url), urlsplit(base_url)
        return a.scheme in ("http", "https") and (a.hostname or "") == (b.hostname or "")
    except ValueError:
        return False


def html_document(text: str) -> Any:
    try:
        return lxml.html.document_fromstring(text)
    except (ParserError, ValueError) as exc:
        raise ParseError(f"not an HTML document: {exc}") from exc


def document_base(doc: Any, base_url: str) -> str:
    """The URL relative links resolve against: ``<base href>`` when the page sets one."""
    for node in doc.iter("base"):
        href = (node.get("href") or "").strip()
        if href:
            resolved = absolute(base_url, href)
            return resolved or base_url
    return base_url


# How a person reads a page: blocks and list items on lines of their own, the cells of
# a table row apart, pictures by their alt text. Text run together across cells is how
# an ID number in one cell and "2人" in the next become a 19-digit number nobody wrote.
_LINE_BREAKS = frozenset(
    {"p", "div", "li", "ul", "ol", "dl", "dt", "dd", "tr", "table", "tbody", "thead", "tfoot",
     "br", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header", "footer", "form",
     "blockquote", "pre", "hr", "body", "center", "caption", "figure", "figcaption", "main",
     "nav", "aside", "address"}
)  # fmt: skip
_CELLS = frozenset({"td", "th"})
_NOT_READ = frozenset({"script", "style", "noscript", "template", "head", "title"})
_CELL = "\x1f"  # a cell starts (a control character no page text keeps)


def readable_text(source: Any) -> str:
    """The text of an element (or an HTML string) as a person reads it: one line per
    block, list item and table row, a row's cells joined by `` | ``, images by their
    alt text, link text (attachment names) kept; whitespace runs collapsed."""
    root = html_document(source) if isinstance(source, str) else source
    parts: list[str] = []
    unseen = 0
    for event, node in etree.iterwalk(root, events=("start", "end")):
        tag = node.tag if isinstance(node.tag, str) else None
        if event == "start":
            if tag in _NOT_READ:
                unseen += 1
            if unseen or tag is None:
                continue
            parts.append(_opening(node, tag))
            continue
        if tag in _NOT_READ:
            unseen -= 1
        if unseen:
            continue
        if tag in _LINE_BREAKS:
            parts.append("\n")
        if node is not root and node.tail:
            parts.append(node.tail.replace(_CELL, " "))
    return _lay_out("".join(parts))


def _opening(node: Any, tag: str) -> str:
    lead = "\n" if tag in _LINE_BREAKS else _CELL if tag in _CELLS else " " if tag == "img" else ""
    alt = " ".join((node.get("alt") or "").split()) if tag == "img" else ""
    text = (node.text or "").replace(_CELL, " ")
    return f"{lead}{alt} {text}" if alt else f"{lead}{text}"


def _lay_out(raw: str) -> str:
    lines = []
    for line in raw.split("\n"):
        cells = [" ".join(cell.split()) for cell in line.split(_CELL)]
        text = " | ".join(cell for cell in cells if cell)
        if text:
            lines.append(text)
    return "\n".join(lines)
