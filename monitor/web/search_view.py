"""Search as the public sees it, shared by the ``/search`` page and
``GET /api/v1/search``: unit codes resolved to the filter, hits of items under an
open privacy finding without their address (:mod:`monitor.web.leaks`), removed
items pointing at their archived copy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from fastapi import HTTPException
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.search import Hit, Results, SearchQuery, search
from monitor.store.models import Unit
from monitor.web import leaks

MAX_QUERY = 200
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class PublicHit:
    item_id: int
    unit_code: str
    unit_name: str
    title: str
    title_html: str
    snippet_html: str
    category: str | None
    published_date: date | None
    url: str | None  # None when withheld (personal data) or unknown
    removed: bool
    removed_at: datetime | None
    archived_url: str | None  # the archived copy, for a removed item


def archived_url(item_id: int) -> str:
    return f"/items/{item_id}/archived"


def public_hit(hit: Hit, hidden: leaks.Withheld) -> PublicHit:
    withheld = hit.item_id in hidden.item_ids or hidden.hides_url(hit.url)
    removed = hit.removed_at is not None
    return PublicHit(
        item_id=hit.item_id,
        unit_code=hit.unit_code,
        unit_name=hit.unit_name,
        title=hit.title,
        title_html=hit.title_html,
        snippet_html=hit.snippet_html,
        category=hit.category,
        published_date=hit.published_date,
        url=None if withheld else hit.url,
        removed=removed,
        removed_at=hit.removed_at,
        archived_url=archived_url(hit.item_id) if removed and not withheld else None,
    )


def unit_scope(session: Session, code: str | None) -> tuple[int | None, str | None]:
    """The id and level of the unit with CODE ((None, None) for no code); 404 when
    there is none."""
    if not code:
        return None, None
    found = session.execute(select(Unit.id, Unit.level).where(Unit.code == code)).first()
    if found is None:
        raise HTTPException(404, "no such unit")
    return found[0], found[1]


def public_search(session: Session, query: SearchQuery) -> tuple[Results, list[PublicHit]]:
    results = search(session, query)
    hidden = leaks.withheld(session, {h.unit_id for h in results.hits})
    return results, [public_hit(h, hidden) for h in results.hits]
