"""``/search``: full-text search over every unit's disclosures, public like the
report (no token): the same hits as the ``/search`` page."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from monitor.search import SearchQuery
from monitor.web.api.common import NOT_FOUND, Db
from monitor.web.params import MAX_PAGE
from monitor.web.search_view import MAX_PER_PAGE, MAX_QUERY, public_search, unit_scope

router = APIRouter(tags=["search"])


class HitOut(BaseModel):
    item_id: int
    unit_code: str
    unit_name: str
    title: str
    title_html: str
    snippet_html: str
    category: str | None
    published_date: date | None
    url: str | None
    removed: bool
    removed_at: datetime | None
    archived_url: str | None


class SearchOut(BaseModel):
    q: str
    items: list[HitOut]
    page: int
    per_page: int
    has_more: bool
    # Only one- or two-character terms: the newest 50,000 documents in scope searched.
    recent_only: bool


@router.get("/search", responses={**NOT_FOUND})
def search_items(
    session: Db,
    q: Annotated[
        str, Query(min_length=1, max_length=MAX_QUERY, description="Terms, all must match.")
    ],
    unit: Annotated[
        str | None, Query(max_length=12, description="A unit's code: it and everything under it.")
    ] = None,
    town: Annotated[str | None, Query(max_length=12, description="A town's code.")] = None,
    category: Annotated[str | None, Query(max_length=200)] = None,
    date_from: date | None = None,
    date_to: date | None = None,
    has_findings: bool | None = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 20,
) -> SearchOut:
    """Items whose title, metadata (文号, 索引号), text or attachments hold every term,
    newest first, with ``<mark>``-highlighted HTML-escaped title and snippet. Terms of
    one or two characters work too, over the newest 50,000 documents in scope when no
    longer term narrows them (``recent_only``). Removed items are included, marked
    ``removed``, with the address of their archived copy. Personal data is masked."""
    # A unit is at or under its town: the narrower filter wins.
    unit_id, level = unit_scope(session, unit or town)
    query = SearchQuery(
        text=q, unit_id=unit_id, unit_level=level, category=category, date_from=date_from,
        date_to=date_to, has_findings=has_findings, page=page, per_page=per_page,
    )  # fmt: skip
    results, hits = public_search(session, query)
    return SearchOut(
        q=q,
        items=[HitOut(**h.__dict__) for h in hits],
        page=page,
        per_page=per_page,
        has_more=results.has_more,
        recent_only=results.recent_only,
    )
