"""``/feeds``: a unit's disclosure channels. Read by those who work alerts (within
their jurisdiction); created, changed and disabled by administrators, checked by the
same model as a feeds file (``monitor.units.FeedRow``, what ``monitor feeds import``
uses), so the API accepts exactly what the import accepts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.feed_options import OPTION_MODELS
from monitor.store.models import Feed, Unit
from monitor.units import OPTIONS_MISFIT, FeedRow, feed_row, save_feed
from monitor.web.api.common import (
    CONFLICT,
    ERRORS,
    NOT_FOUND,
    Admin,
    Db,
    Page,
    Pages,
    Worker,
    require_within,
    unit_id,
)
from monitor.web.params import RowId

router = APIRouter(tags=["feeds"])


class FeedOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    unit_code: str
    url: str
    kind: str
    category: str | None
    options: dict[str, Any]
    interval_minutes: int
    enabled: bool
    last_fetched_at: datetime | None
    created_at: datetime


class FeedChange(BaseModel):
    """Fields to change; those left out keep their value. Checked as a whole feed."""

    model_config = ConfigDict(extra="forbid")
    url: str | None = Field(None, max_length=2000, pattern=r"^https?://")
    kind: Literal["rss", "atom", "html", "json"] | None = None
    category: str | None = Field(None, max_length=100)
    # Any kind's options; those that do not fit the feed's kind answer 409.
    options: Annotated[
        dict[str, Any] | None,
        WithJsonSchema(
            {"anyOf": [*(m.model_json_schema() for m in OPTION_MODELS), {"type": "null"}]}
        ),
    ] = None
    interval_minutes: int | None = Field(None, gt=0, le=525_600)
    enabled: bool | None = None


def feed_out(feed: Feed, code: str) -> FeedOut:
    data = {k: getattr(feed, k) for k in FeedOut.model_fields if k != "unit_code"}
    return FeedOut(unit_code=code, **data)


def _feed(session: Session, feed_id: int) -> tuple[Feed, Unit]:
    feed = session.get(Feed, feed_id)
    if feed is None:
        raise HTTPException(404, "no such feed")
    return feed, session.get(Unit, feed.unit_id)  # type: ignore[return-value]


def _store(session: Session, row: FeedRow, feed: Feed | None) -> FeedOut:
    unit = session.scalar(select(Unit).where(Unit.code == row.unit_code))
    if unit is None:
        raise HTTPException(404, f"unit {row.unit_code} is not registered")
    clash = session.scalar(select(Feed).where(Feed.unit_id == unit.id, Feed.url == row.url))
    if clash is not None and clash is not feed:
        raise HTTPException(409, f"unit {row.unit_code} already has feed {clash.id} at this URL")
    saved = save_feed(session, row, unit, feed)
    session.commit()
    return feed_out(saved, unit.code)


@router.get("/feeds", responses={**ERRORS, **NOT_FOUND})
def list_feeds(
    session: Db,
    viewer: Worker,
    paging: Pages,
    unit: str | None = None,
    kind: Literal["rss", "atom", "html", "json"] | None = None,
    enabled: bool | None = None,
) -> Page[FeedOut]:
    """Feeds by unit code and URL, within the caller's jurisdiction."""
    query = select(Feed, Unit.code).join(Unit, Unit.id == Feed.unit_id)
    found_unit = unit_id(session, unit)
    if found_unit is not None:
        query = query.where(Feed.unit_id == found_unit)
    if kind:
        query = query.where(Feed.kind == kind)
    if enabled is not None:
        query = query.where(Feed.enabled.is_(enabled))
    if viewer.unit_ids is not None:
        query = query.where(Feed.unit_id.in_(viewer.unit_ids))
    rows, total = paging.rows(session, query.order_by(Unit.code, Feed.url, Feed.id))
    return paging.of([feed_out(f, code) for f, code in rows], total)


@router.get("/feeds/{feed_id}", responses={**ERRORS, **NOT_FOUND})
def get_feed(session: Db, viewer: Worker, feed_id: RowId) -> FeedOut:
    feed, unit = _feed(session, feed_id)
    require_within(viewer, unit.id, "feed")
    return feed_out(feed, unit.code)


@router.post("/feeds", status_code=201, responses={**ERRORS, **NOT_FOUND, **CONFLICT})
def create_feed(session: Db, viewer: Admin, body: FeedRow) -> FeedOut:
    """Add a feed to a registered unit (one per unit and URL)."""
    return _store(session, body, None)


@router.patch("/feeds/{feed_id}", responses={**ERRORS, **NOT_FOUND, **CONFLICT})
def update_feed(session: Db, viewer: Admin, feed_id: RowId, body: FeedChange) -> FeedOut:
    """Change a feed's URL, kind, category, options, interval or enabled flag."""
    feed, unit = _feed(session, feed_id)
    try:
        # null leaves a field as it is, except the category, which it clears.
        changes = body.model_dump(exclude_unset=True)
        changes = {k: v for k, v in changes.items() if v is not None or k == "category"}
        row = feed_row(feed, unit.code, **changes)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        if all(OPTIONS_MISFIT in str(e["msg"]) for e in errors):
            raise HTTPException(409, "; ".join(str(e["msg"]) for e in errors)) from exc
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from exc
    return _store(session, row, feed)


@router.post("/feeds/{feed_id}/disable", responses={**ERRORS, **NOT_FOUND})
def disable_feed(session: Db, viewer: Admin, feed_id: RowId) -> FeedOut:
    """Stop crawling a feed; its items, fetches and evidence are kept."""
    feed, unit = _feed(session, feed_id)
    feed.enabled = False
    session.commit()
    return feed_out(feed, unit.code)
