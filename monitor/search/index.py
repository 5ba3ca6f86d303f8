"""Keeping the index up to date: the queue the triggers fill is emptied here, in
batches, right after the crawl commits (:func:`monitor.crawl.crawl` calls
:func:`index_pending`). Nothing is rebuilt on a schedule."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session, aliased, sessionmaker

from monitor.search.document import Source, document
from monitor.search.models import SearchDoc, SearchQueue
from monitor.store.models import Item, ItemVersion, Unit

BATCH = 2000
LOOK_AHEAD = 4  # batches of queue rows searched for the same items (see _later_rows)


@dataclass
class IndexReport:
    items: int = 0
    seconds: float = 0.0


def _units(session: Session, unit_ids: set[int]) -> dict[int, tuple[int | None, int | None]]:
    """Each unit's town and county ids (by level, walking up at most two parents)."""
    parent, grand = aliased(Unit), aliased(Unit)
    rows = session.execute(
        select(Unit.id, Unit.level, parent.id, parent.level, grand.id)
        .outerjoin(parent, parent.id == Unit.parent_id)
        .outerjoin(grand, grand.id == parent.parent_id)
        .where(Unit.id.in_(unit_ids))
    ).all()
    out: dict[int, tuple[int | None, int | None]] = {}
    for uid, level, pid, plevel, gid in rows:
        if level == "village":
            out[uid] = (pid, gid)
        elif level == "town":
            out[uid] = (uid, pid)
        else:
            out[uid] = (None, uid if level == "county" else None)
        if level == "village" and plevel == "county":
            out[uid] = (None, pid)
    return out


def _sources(session: Session, item_ids: Sequence[int]) -> list[Source]:
    latest = (
        select(ItemVersion.item_id, func.max(ItemVersion.id).label("vid"))
        .where(ItemVersion.item_id.in_(item_ids))
        .group_by(ItemVersion.item_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Item.id,
            Item.key,
            Item.unit_id,
            Item.title,
            Item.category,
            Item.published_date,
            Item.removed_at,
            Item.meta,
            Item.attachments,
            ItemVersion.text,
            ItemVersion.evidence_id,
        )
        .outerjoin(latest, latest.c.item_id == Item.id)
        .outerjoin(ItemVersion, ItemVersion.id == latest.c.vid)
        .where(Item.id.in_(item_ids))
    ).all()
    units = _units(session, {r.unit_id for r in rows})
    attached = _attachment_texts(session, item_ids)
    return [
        Source(
            item_id=r.id,
            key=r.key,
            unit_id=r.unit_id,
            town_id=units.get(r.unit_id, (None, None))[0],
            county_id=units.get(r.unit_id, (None, None))[1],
            title=r.title or "",
            category=r.category,
            published_date=r.published_date,
            removed_at=r.removed_at,
            meta=r.meta or {},
            attachments=r.attachments or [],
            text=r.text or "",
            evidence_id=r.evidence_id,
            attachment_texts=attached.get(r.id, ()),
        )
        for r in rows
    ]


def _attachment_texts(session: Session, item_ids: Sequence[int]) -> dict[int, list[str]]:
    """What the items' attachments say (the parts the extractors kept), by item."""
    # Imported here: monitor.crawl's package imports this module (the crawl's catch-up).
    from monitor.crawl.models import AttachmentText

    out: dict[int, list[str]] = defaultdict(list)
    for item_id, parts in session.execute(
        select(AttachmentText.item_id, AttachmentText.parts)
        .where(AttachmentText.item_id.in_(item_ids))
        .order_by(AttachmentText.item_id, AttachmentText.id)
    ):
        out[item_id].extend(str(p.get("text") or "") for p in parts or () if isinstance(p, dict))
    return out


def catch_up(session: Session, limit: int = BATCH) -> int:
    """Rebuild the documents of up to LIMIT queued items, in the caller's
    transaction; returns how many queue rows were taken (0: nothing left).

    On PostgreSQL the rows are claimed with ``FOR UPDATE SKIP LOCKED``, so crawls on
    several workers never index the same item at once."""
    queued = session.execute(
        select(SearchQueue.id, SearchQueue.item_id)
        .order_by(SearchQueue.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not queued:
        return 0
    item_ids = sorted({item_id for _, item_id in queued})
    taken = [qid for qid, _ in queued] + _later_rows(session, queued[-1][0], item_ids, limit)
    docs = [document(s) for s in _sources(session, item_ids)]
    session.execute(delete(SearchDoc).where(SearchDoc.item_id.in_(item_ids)))
    if docs:
        session.connection().execute(insert(SearchDoc), docs)
    session.execute(delete(SearchQueue).where(SearchQueue.id.in_(taken)))
    return len(taken)


def _later_rows(session: Session, last: int, item_ids: list[int], limit: int) -> list[int]:
    """Queue rows just after the batch naming the same items, taken with it: a crawl
    queues each new item twice (its insert, then its first version's), a writer
    batch apart, and without this every new item's document was built twice. Read
    before the items are, so whatever these rows announce is in the documents built;
    the look-ahead is an id range (the queue has no index on item_id), and a row
    past it only costs a rebuild later."""
    return list(
        session.scalars(
            select(SearchQueue.id)
            .where(
                SearchQueue.id > last,
                SearchQueue.id <= last + LOOK_AHEAD * limit,
                SearchQueue.item_id.in_(item_ids),
            )
            .with_for_update(skip_locked=True)
        )
    )


def index_pending(sessions: sessionmaker[Session], batch: int = BATCH) -> IndexReport:
    """Empty the queue, one transaction per batch."""
    report = IndexReport()
    started = time.perf_counter()
    while True:
        with sessions() as session, session.begin():
            taken = catch_up(session, batch)
        if not taken:
            break
        report.items += taken
    report.seconds = time.perf_counter() - started
    return report
