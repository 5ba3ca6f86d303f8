"""``/items``: what the crawl read, each item's versions and a diff between two of
them; for those who work alerts, within their jurisdiction (as the workspace)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.store.models import Item, ItemVersion, Unit
from monitor.web.accounts import Viewer
from monitor.web.api.common import (
    ERRORS,
    NOT_FOUND,
    Db,
    Page,
    Pages,
    Worker,
    require_within,
    unit_id,
)
from monitor.web.evidence_view import version_diff
from monitor.web.params import OptionalRowId, RowId

router = APIRouter(tags=["items"])


class ItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    unit_code: str
    feed_id: int
    key: str
    title: str
    category: str | None
    url: str | None
    formed_date: date | None
    published_date: date | None
    meta: dict[str, Any]
    attachments: list[Any]
    content_hash: str
    first_seen: datetime
    last_seen: datetime
    removed_at: datetime | None


class VersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    content_hash: str
    seen_at: datetime
    title: str
    text: str
    meta: dict[str, Any]
    evidence_id: int | None


class DiffLineOut(BaseModel):
    kind: str  # add | del | ctx | hunk
    text: str


class DiffOut(BaseModel):
    item_id: int
    old: int
    new: int
    lines: list[DiffLineOut]


def item_out(item: Item, code: str) -> ItemOut:
    return ItemOut(
        unit_code=code, **{k: getattr(item, k) for k in ItemOut.model_fields if k != "unit_code"}
    )


def _item(session: Session, viewer: Viewer, item_id: int) -> Item:
    item = session.get(Item, item_id)
    if item is None:
        raise HTTPException(404, "no such item")
    require_within(viewer, item.unit_id, "item")
    return item


@router.get("/items", responses={**ERRORS, **NOT_FOUND})
def list_items(
    session: Db,
    viewer: Worker,
    paging: Pages,
    unit: str | None = None,
    feed: OptionalRowId = None,
    category: str | None = None,
    removed: bool | None = None,
) -> Page[ItemOut]:
    """Items by id, within the caller's jurisdiction; ``removed=true`` for items
    gone from their channel."""
    query = select(Item, Unit.code).join(Unit, Unit.id == Item.unit_id)
    found_unit = unit_id(session, unit)
    if found_unit is not None:
        query = query.where(Item.unit_id == found_unit)
    if feed is not None:
        query = query.where(Item.feed_id == feed)
    if category is not None:
        query = query.where(Item.category == category)
    if removed is not None:
        query = query.where(Item.removed_at.is_not(None) if removed else Item.removed_at.is_(None))
    if viewer.unit_ids is not None:
        query = query.where(Item.unit_id.in_(viewer.unit_ids))
    rows, total = paging.rows(session, query.order_by(Item.id))
    return paging.of([item_out(i, code) for i, code in rows], total)


@router.get("/items/{item_id}", responses={**ERRORS, **NOT_FOUND})
def get_item(session: Db, viewer: Worker, item_id: RowId) -> ItemOut:
    item = _item(session, viewer, item_id)
    return item_out(item, session.get(Unit, item.unit_id).code)  # type: ignore[union-attr]


@router.get("/items/{item_id}/versions", responses={**ERRORS, **NOT_FOUND})
def list_versions(session: Db, viewer: Worker, item_id: RowId) -> list[VersionOut]:
    """Every distinct content the item had, oldest first, with its evidence."""
    item = _item(session, viewer, item_id)
    return [VersionOut.model_validate(v) for v in item.versions]


@router.get("/items/{item_id}/diff", responses={**ERRORS, **NOT_FOUND})
def diff_versions(
    session: Db, viewer: Worker, item_id: RowId, a: OptionalRowId = None, b: OptionalRowId = None
) -> DiffOut:
    """A unified diff of title and text from version ``a`` to version ``b`` (default:
    the two latest). 404 when the item has fewer than two versions or either id is
    not one of its versions."""
    item = _item(session, viewer, item_id)
    versions: list[ItemVersion] = list(item.versions)
    by_id = {v.id: v for v in versions}
    if len(versions) < 2 and (a is None or b is None):
        raise HTTPException(404, "this item has only one version")
    old = by_id.get(a) if a else versions[-2]
    new = by_id.get(b) if b else versions[-1]
    if old is None or new is None:
        raise HTTPException(404, "no such version of this item")
    lines = [DiffLineOut(kind=line.kind, text=line.text) for line in version_diff(old, new)]
    return DiffOut(item_id=item.id, old=old.id, new=new.id, lines=lines)
