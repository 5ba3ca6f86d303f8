"""A feed's options, one model per kind: what ``monitor inspect --option``, a feeds file
and the API's ``/feeds`` accept, and what the crawl reads (docs/feeds.md lists them).

Every kind takes the common options; ``html`` adds the list selectors and ``json`` the
records' path and field mapping. An option another kind would take is refused, so a
typo or a selector on an RSS feed is said at once instead of silently ignored."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class FeedOptions(BaseModel):
    """Options of every kind (alone: ``rss`` and ``atom``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    max_pages: int | None = Field(None, ge=1, le=1000, description="listing pages followed")
    detail: bool | None = Field(None, description="read each new or changed entry's page")
    content: str | None = Field(
        None, min_length=1, max_length=500, description="CSS of a detail page's main text"
    )
    column: Literal["news", "policy"] | None = Field(
        None, description="the column's type, for the stale-columns rule"
    )


class HtmlOptions(FeedOptions):
    """A list page read with CSS selectors (each found on the page when left out)."""

    item: str | None = Field(None, min_length=1, max_length=500)
    link: str | None = Field(None, min_length=1, max_length=500)
    title: str | None = Field(None, min_length=1, max_length=500)
    date: str | None = Field(None, min_length=1, max_length=500)
    category: str | None = Field(None, min_length=1, max_length=500)
    next: str | None = Field(None, min_length=1, max_length=500)


class JsonOptions(FeedOptions):
    """A JSON API: the dotted path to the records and each field's path in a record."""

    items: str | None = Field(None, min_length=1, max_length=500)
    fields: dict[str, str] | None = Field(None, max_length=50)


OPTIONS_BY_KIND: dict[str, type[FeedOptions]] = {
    "rss": FeedOptions,
    "atom": FeedOptions,
    "html": HtmlOptions,
    "json": JsonOptions,
}

OPTION_MODELS: tuple[type[FeedOptions], ...] = (FeedOptions, HtmlOptions, JsonOptions)


def check_options(kind: str, raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` checked against ``kind``'s model (pydantic's ValidationError when it does
    not fit), as the plain dict that is stored and handed to the parsers."""
    model = OPTIONS_BY_KIND.get(kind, FeedOptions)
    return model.model_validate(raw).model_dump(exclude_none=True)


def read_options(kind: str, raw: dict[str, Any]) -> FeedOptions:
    """A stored feed's options as its kind's model, for the crawl. Options stored before
    they were checked, and no longer fitting, are read as far as they go: the crawl of
    a feed never stops on them (``monitor inspect`` shows what is wrong)."""
    model = OPTIONS_BY_KIND.get(kind, FeedOptions)
    known = {k: v for k, v in raw.items() if k in model.model_fields}
    try:
        return model.model_validate(known)
    except ValueError:
        return model.model_validate({})
