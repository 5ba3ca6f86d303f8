"""What every parser returns: entries of a listing, and a detail page's contents."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class ParseError(ValueError):
    """The document is not what its feed kind promises (or is hostile)."""


@dataclass(slots=True)
class Entry:
    """One entry of a listing (feed item, list-page row, JSON record)."""

    key: str
    title: str = ""
    url: str | None = None
    category: str | None = None
    published: str | None = None  # as printed; parsed later, never dropped
    formed: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    text: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "url": self.url,
            "category": self.category,
            "published": self.published,
            "formed": self.formed,
            "meta": self.meta,
            "attachments": self.attachments,
        }


@dataclass(slots=True)
class Page:
    """One parsed listing page."""

    entries: list[Entry] = field(default_factory=list)
    next_url: str | None = None
    errors: list[str] = field(default_factory=list)
    # How the list was read when no selectors were given: the selectors found and a
    # confidence (see monitor.parse.structure), for an operator to check or freeze.
    structure: dict[str, Any] | None = None
    next_how: str | None = None  # link | script | pager | series | datastore | option …
    no_list: bool = False  # nothing on the page looks like a list: never a silent guess
    empty: bool = False  # the page says its list is empty


@dataclass(slots=True)
class Detail:
    """A detail page: its metadata table, main text and attachments."""

    title: str = ""
    meta: dict[str, str] = field(default_factory=dict)
    text: str = ""
    attachments: list[dict[str, Any]] = field(default_factory=list)
    not_found: bool = False  # a "soft 404": an error page served with status 200
