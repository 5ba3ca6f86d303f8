"""Parsers chosen by a feed's kind, each a function ``(text, base_url, options) -> Page``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from monitor.parse.dates import ParsedDate, parse_date
from monitor.parse.detail import parse_detail
from monitor.parse.feeds import parse_feed
from monitor.parse.html_list import parse_html_list
from monitor.parse.json_api import parse_json
from monitor.parse.model import Detail, Entry, Page, ParseError

ListParser = Callable[[str, str, dict[str, Any]], Page]

PARSERS: dict[str, ListParser] = {
    "rss": parse_feed,
    "atom": parse_feed,
    "html": parse_html_list,
    "json": parse_json,
}


def parser_for(kind: str) -> ListParser:
    try:
        return PARSERS[kind]
    except KeyError:
        raise ParseError(f"unknown feed kind {kind!r} (one of {', '.join(PARSERS)})") from None


__all__ = [
    "PARSERS",
    "Detail",
    "Entry",
    "ListParser",
    "Page",
    "ParseError",
    "ParsedDate",
    "parse_date",
    "parse_detail",
    "parse_feed",
    "parse_html_list",
    "parse_json",
    "parser_for",
]
