"""HTML plumbing every page parser shares: parsing, CSS selectors, absolute links."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.html
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
