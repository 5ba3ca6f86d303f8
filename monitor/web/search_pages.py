"""The public ``/search`` page and the archived copy of a removed item."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.redact import mask_personal_data
from monitor.search import SearchQuery
from monitor.store.models import Evidence, Item, ItemVersion, Unit
from monitor.web import leaks
from monitor.web.deps import current_viewer, get_db
from monitor.web.params import MAX_PAGE, RowId
from monitor.web.search_view import MAX_QUERY, public_search, unit_scope

router = APIRouter(include_in_schema=False)
Db = Annotated[Session, Depends(get_db)]


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    session: Db,
    q: Annotated[str, Query(max_length=MAX_QUERY)] = "",
    unit: Annotated[str, Query(max_length=12)] = "",
    category: Annotated[str, Query(max_length=200)] = "",
    date_from: str = "",
    date_to: str = "",
    findings: str = "",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> Response:
    """A form (filters from the form's own fields; an empty field is no filter)."""
    unit_id, level = unit_scope(session, unit)
    query = SearchQuery(
        text=q,
        unit_id=unit_id,
        unit_level=level,
        category=category or None,
        date_from=_date(date_from),
        date_to=_date(date_to),
        has_findings=True if findings == "yes" else None,
        page=page,
    )
    results, hits = public_search(session, query)
    # Towns and counties to choose from, and the unit asked for (a village's page links here).
    towns = session.scalars(
        select(Unit).where((Unit.level != "village") | (Unit.code == unit)).order_by(Unit.code)
    )
    context = {
        "q": q,
        "form": {"unit": unit, "category": category, "date_from": date_from,
                 "date_to": date_to, "findings": findings},
        "hits": hits,
        "page": page,
        "has_more": results.has_more,
        "recent_only": results.recent_only,
        "page_query": urlencode(
            {"q": q, "unit": unit, "category": category, "date_from": date_from,
             "date_to": date_to, "findings": findings}
        ),
        "units": list(towns),
        "viewer": current_viewer(request, session),
    }  # fmt: skip
    return request.app.state.templates.TemplateResponse(request, "search.html", context)


@router.get("/items/{item_id}/archived", response_class=HTMLResponse)
def archived_page(request: Request, session: Db, item_id: RowId) -> Response:
    """What an item said when last read, from the store, personal data masked; when
    it fetched and the digest of the archived response. Not for an item under an
    open privacy finding."""
    item = session.get(Item, item_id)
    if item is None:
        raise HTTPException(404, "no such item")
    hidden = leaks.withheld(session, [item.unit_id])
    if hidden.hides_item(item):
        raise HTTPException(404, "this item is withheld: it carries personal data")
    version = session.scalars(
        select(ItemVersion).where(ItemVersion.item_id == item.id).order_by(ItemVersion.id.desc())
    ).first()
    evidence = (
        session.get(Evidence, version.evidence_id) if version and version.evidence_id else None
    )
    context = {
        "item": item,
        "unit": session.get(Unit, item.unit_id),
        "title": mask_personal_data(item.title),
        "text": mask_personal_data(version.text) if version else "",
        "version": version,
        "evidence": evidence,
        "viewer": current_viewer(request, session),
    }
    return request.app.state.templates.TemplateResponse(request, "archived.html", context)
