"""Writing one feed's crawl to the store: fetch rows, evidence, item upserts and
versions, removals. One call per feed, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from monitor import metrics
from monitor.crawl.archive import WarcArchive, store_evidence
from monitor.crawl.attachments import AttachmentRead
from monitor.crawl.content import ItemFields, entry_hash, item_fields
from monitor.crawl.models import AttachmentText, ItemEntry, PageFetch
from monitor.crawl.reading import Listing, PageDetail
from monitor.fetch import OK, Response
from monitor.store.bulk import insert_numbered, insert_rows, insert_tuples
from monitor.store.models import Feed, Fetch, Item, ItemVersion


@dataclass(frozen=True)
class FeedJob:
    id: int
    unit_id: int
    url: str
    kind: str
    options: dict[str, Any]
    category: str | None
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class KnownItem:
    id: int
    key: str
    url: str | None
    content_hash: str
    last_seen: datetime
    removed_at: datetime | None
    entry_hash: str | None
    detail_ok: bool


@dataclass
class FeedOutcome:
    """A feed's crawl, read from the network, waiting to be written."""

    job: FeedJob
    listing: Listing
    details: dict[str, PageDetail] = field(default_factory=dict)  # by entry key
    checks: dict[int, PageDetail] = field(default_factory=dict)  # by item id
    attachments: dict[str, Response] = field(default_factory=dict)  # checks, by URL
    attachment_reads: dict[str, AttachmentRead] = field(default_factory=dict)  # by URL


@dataclass
class FeedChanges:
    new: int = 0
    changed: int = 0  # a new version of what was published
    removed: int = 0
    updated: int = 0  # stored fields changed without a new version (a request answered)


def load_known(session: Session, feed_id: int) -> dict[str, KnownItem]:
    """Every stored item of a feed, in one query."""
    return load_known_many(session, [feed_id]).get(feed_id, {})


def load_known_many(session: Session, feed_ids: Sequence[int]) -> dict[int, dict[str, KnownItem]]:
    """Every stored item of several feeds, by feed and key, in one query."""
    known: dict[int, dict[str, KnownItem]] = {}
    rows = session.execute(
        select(
            Item.id,
            Item.key,
            Item.url,
            Item.content_hash,
            Item.last_seen,
            Item.removed_at,
            ItemEntry.entry_hash,
            ItemEntry.detail_ok,
            Item.feed_id,
        )
        .outerjoin(ItemEntry, ItemEntry.item_id == Item.id)
        .where(Item.feed_id.in_(list(feed_ids)))
    ).all()
    for r in rows:
        known.setdefault(r.feed_id, {})[r.key] = KnownItem(
            r.id, r.key, r.url, r.content_hash, r.last_seen, r.removed_at, r.entry_hash,
            bool(r.detail_ok),
        )  # fmt: skip
    return known


def removal_candidates(known: dict[str, KnownItem], listed: set[str]) -> list[KnownItem]:
    """Items that were in the last listing read and are missing from this one.

    Items that fell out earlier were checked then; checking every old item on each
    crawl would cost a request per item ever seen.
    """
    present = [k for k in known.values() if k.removed_at is None]
    if not present:
        return []
    last_listing = max(k.last_seen for k in present)
    return [k for k in present if k.key not in listed and k.url and k.last_seen == last_listing]


def _fetch_rows(
    response: Response, outcome: str, error: str | None, evidence_id: int | None
) -> list[dict[str, Any]]:
    """One row per attempt; the last carries the final outcome and the evidence."""
    rows = []
    attempts = response.attempts
    for index, attempt in enumerate(attempts):
        last = index == len(attempts) - 1
        rows.append(
            {
                "url": response.url[:2000],
                "outcome": outcome if last else attempt.outcome,
                "status": attempt.status,
                "bytes": attempt.bytes,
                "duration": attempt.duration,
                "error": (error if last else attempt.error),
                "evidence_id": evidence_id if last else None,
            }
        )
    return rows


def _apply_fields(fields: ItemFields) -> dict[str, Any]:
    return {
        "title": fields.title,
        "url": fields.url,
        "category": fields.category,
        "formed_date": fields.formed_date,
        "published_date": fields.published_date,
        "formed_text": fields.formed_text,
        "published_text": fields.published_text,
        "date_errors": fields.date_errors,
        "meta": fields.meta,
        "attachments": fields.attachments,
        "content_hash": fields.content_hash,
    }


def _listing_writes(
    outcome: FeedOutcome, evidence: dict[int, int], now: datetime
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The fetch rows of a feed's listing pages and the feed's own new values."""
    job, listing = outcome.job, outcome.listing
    rows = []
    for page in listing.pages:
        response = page.response
        for row in _fetch_rows(response, page.outcome, page.error, evidence.get(id(response))):
            row.update(
                feed_id=job.id,
                started_at=now,
                etag=response.etag,
                last_modified=response.last_modified,
                items_found=page.entries,
            )
            rows.append(row)
    feed_values: dict[str, Any] = {"feed_id": job.id, "last_fetched_at": now}
    feed_values["etag"], feed_values["last_modified"] = job.etag, job.last_modified
    if listing.read_ok and not listing.skipped and all(p.outcome == OK for p in listing.pages):
        # Validators only after every page was read and every entry taken, so a page
        # that failed to parse, or entries skipped at a limit, are fetched in full next
        # time rather than answered 304.
        first = listing.pages[0].response
        feed_values.update(etag=first.etag, last_modified=first.last_modified)
    return rows, feed_values


_FEED_UPDATE = (
    update(Feed)
    .where(Feed.id == bindparam("feed_id"))
    .values(
        last_fetched_at=bindparam("last_fetched_at"),
        etag=bindparam("etag"),
        last_modified=bindparam("last_modified"),
    )
)


def persist_listings(
    session: Session, outcomes: list[FeedOutcome], archive: WarcArchive, now: datetime
) -> None:
    """Fetch rows and feed validators of many feeds at once: what a 304 or a failed
    feed amounts to, so the conditional pass costs a few statements per batch."""
    if not outcomes:
        return
    responses = [p.response for o in outcomes for p in o.listing.pages]
    evidence = store_evidence(session, archive, responses, now)
    fetch_rows: list[dict[str, Any]] = []
    feed_rows: list[dict[str, Any]] = []
    for outcome in outcomes:
        rows, feed_values = _listing_writes(outcome, evidence, now)
        fetch_rows += rows
        feed_rows.append(feed_values)
    connection = session.connection()
    insert_rows(connection, _FETCHES, fetch_rows)
    connection.execute(_FEED_UPDATE, feed_rows)


def persist_failed_store(
    session: Session, outcome: FeedOutcome, archive: WarcArchive, now: datetime, error: str
) -> None:
    """The listing's fetch rows of a feed whose crawl could not be stored, with why:
    the read is on record even when its items are not. The feed's validators are left
    as they were, so the next crawl reads it whole again."""
    responses = [p.response for p in outcome.listing.pages]
    evidence = store_evidence(session, archive, responses, now)
    rows, _feed_values = _listing_writes(outcome, evidence, now)
    for row in rows:
        row["error"] = "; ".join(filter(None, [row["error"], error]))[:4000]
    if rows:
        session.connection().execute(insert(Fetch), rows)


def feed_responses(outcome: FeedOutcome) -> list[Response]:
    """Every response of a feed's crawl that may become evidence."""
    responses = [p.response for p in outcome.listing.pages]
    responses += [d.response for d in outcome.details.values()]
    responses += [c.response for c in outcome.checks.values()]
    responses += [r.response for r in outcome.attachment_reads.values() if r.response is not None]
    return responses


def persist_feed(
    session: Session,
    outcome: FeedOutcome,
    known: dict[str, KnownItem],
    archive: WarcArchive,
    now: datetime,
    *,
    detail_enabled: bool,
    evidence: dict[int, int] | None = None,
    batch: BatchWrites | None = None,
) -> FeedChanges:
    """``evidence`` is what ``store_evidence`` returned for the feed's responses when
    the caller archived several feeds' responses at once; else they are archived here.
    With ``batch``, the inserts that nothing else in this feed depends on wait there
    for ``flush_batch``, to be written with the other feeds' in one statement each."""
    listing = outcome.listing
    if evidence is None:
        evidence = store_evidence(session, archive, feed_responses(outcome), now)
    fetch_rows, feed_values = _listing_writes(outcome, evidence, now)
    if batch is not None:
        batch.fetch_rows += fetch_rows
        batch.feed_rows.append(feed_values)
    else:
        connection = session.connection()
        insert_rows(connection, _FETCHES, fetch_rows)
        connection.execute(_FEED_UPDATE, [feed_values])
    if not listing.read_ok:
        return FeedChanges()

    plan = plan_feed(outcome, known, now, detail_enabled=detail_enabled)
    changes = plan.changes
    for upd in plan.updates:
        session.execute(update(Item).where(Item.id == upd.item.id).values(**upd.values))
        session.merge(
            ItemEntry(item_id=upd.item.id, entry_hash=upd.ehash, detail_ok=int(upd.detail_ok))
        )
        if upd.new_version:
            _add_version(session, upd.item.id, upd.fields, now, _evidence_of(upd.page, evidence))
    if batch is not None and not (
        outcome.details or outcome.attachments or outcome.attachment_reads
    ):
        # Nothing below needs the new items' ids: they can wait for the batch.
        batch.new_items += [(*new, evidence, listing) for new in plan.new_items]
        changes.new = len(plan.new_items)
        new_ids: dict[str, int] = {}
    else:
        new_ids = _insert_new(session, plan.new_items, now, evidence, listing)
        changes.new = len(new_ids)
    if plan.seen_ids:
        session.execute(update(Item).where(Item.id.in_(plan.seen_ids)).values(last_seen=now))
    if plan.removed_ids:
        session.execute(update(Item).where(Item.id.in_(plan.removed_ids)).values(removed_at=now))
    ids = {**{k: v.id for k, v in known.items()}, **new_ids}
    _write_page_fetches(session, outcome, ids, evidence, now)
    _attachment_texts(session, outcome, known, new_ids, evidence, now)
    return changes


@dataclass(frozen=True)
class ItemUpdate:
    """A known item whose stored fields change; ``new_version`` when its content did."""

    item: KnownItem
    fields: ItemFields
    values: dict[str, Any]
    ehash: str
    detail_ok: bool
    page: PageDetail | None
    new_version: bool


@dataclass
class FeedPlan:
    """What storing a feed's crawl writes, decided without the database."""

    new_items: list[_NewItem] = field(default_factory=list)
    updates: list[ItemUpdate] = field(default_factory=list)
    seen_ids: list[int] = field(default_factory=list)
    removed_ids: list[int] = field(default_factory=list)
    changes: FeedChanges = field(default_factory=FeedChanges)


def plan_feed(
    outcome: FeedOutcome, known: dict[str, KnownItem], now: datetime, *, detail_enabled: bool
) -> FeedPlan:
    """New items, updates of known ones, the items still listed and those gone."""
    job = outcome.job
    plan = FeedPlan()
    for entry in outcome.listing.entries:
        page = outcome.details.get(entry.key)
        detail = page.detail if page is not None else None
        detail_ok = detail is not None or not (detail_enabled and entry.url)
        item = known.get(entry.key)
        ehash = entry_hash(entry)
        if item is None:
            fields = item_fields(entry, detail, job.category)
            row = (
                job.id, job.unit_id, entry.key, now, now, fields.title, fields.url,
                fields.category, fields.formed_date, fields.published_date, fields.formed_text,
                fields.published_text, fields.date_errors, fields.meta, fields.attachments,
                fields.content_hash,
            )  # fmt: skip
            plan.new_items.append((row, fields, ehash, detail_ok, page))
            continue
        plan.seen_ids.append(item.id)
        restored = item.removed_at is not None
        if page is None and not restored and item.entry_hash == ehash:
            continue  # unchanged entry, detail not refetched: nothing but last_seen
        if page is not None and detail is None and item.detail_ok:
            continue  # the detail page failed this time: keep what we have
        fields = item_fields(entry, detail, job.category)
        values = _apply_fields(fields)
        if restored:
            values["removed_at"] = None
        changed = fields.content_hash != item.content_hash
        plan.updates.append(ItemUpdate(item, fields, values, ehash, detail_ok, page, changed))
        # A first successful detail read completes an item; it is not a change.
        if restored or (changed and item.detail_ok):
            plan.changes.changed += 1
        else:
            plan.changes.updated += 1
    plan.removed_ids = [item_id for item_id, check in outcome.checks.items() if check.gone]
    plan.changes.removed = len(plan.removed_ids)
    return plan


def _write_page_fetches(
    session: Session,
    outcome: FeedOutcome,
    ids: dict[str, int],
    evidence: dict[int, int],
    now: datetime,
) -> None:
    """Fetch rows of the feed's detail pages, removal checks and attachments."""
    job = outcome.job
    for key, page in outcome.details.items():
        _page_fetch_rows(session, job.id, ids.get(key), "detail", page, evidence, now)
    for item_id, check in outcome.checks.items():
        _page_fetch_rows(session, job.id, item_id, "check", check, evidence, now)
    written: set[str] = set()
    for key, page in outcome.details.items():
        for attachment in page.detail.attachments if page.detail is not None else ():
            answer = outcome.attachments.get(attachment["url"])
            if answer is None or attachment["url"] in written:
                continue
            written.add(attachment["url"])
            for row in _fetch_rows(answer, answer.outcome, answer.error, None):
                session.add(
                    PageFetch(
                        feed_id=job.id, item_id=ids.get(key), role="attachment", started_at=now,
                        **row,
                    )
                )  # fmt: skip


def _download_rows(
    session: Session,
    feed_id: int,
    item_id: int,
    response: Response,
    evidence_id: int | None,
    now: datetime,
) -> None:
    for row in _fetch_rows(response, response.outcome, response.error, evidence_id):
        session.add(
            PageFetch(feed_id=feed_id, item_id=item_id, role="download", started_at=now, **row)
        )


def _attachment_texts(
    session: Session,
    outcome: FeedOutcome,
    known: dict[str, KnownItem],
    new_ids: dict[str, int],
    evidence: dict[int, int],
    now: datetime,
) -> None:
    for read in outcome.attachment_reads.values():
        owner = known[read.key].id if read.key in known else new_ids.get(read.key)
        if owner is not None:
            store_attachment_read(session, outcome.job.id, owner, read, evidence, now)


def store_attachment_read(
    session: Session,
    feed_id: int,
    item_id: int,
    read: AttachmentRead,
    evidence: dict[int, int],
    now: datetime,
) -> None:
    """An attachment read: its download's fetch rows (role ``download``, with the
    evidence) and its text, replacing what an earlier read of it said."""
    evidence_id = evidence.get(id(read.response)) if read.response is not None else None
    if read.response is not None:
        _download_rows(session, feed_id, item_id, read.response, evidence_id, now)
    url = read.url[:2000]
    session.execute(
        delete(AttachmentText).where(AttachmentText.item_id == item_id, AttachmentText.url == url)
    )
    extracted = read.extracted
    session.add(
        AttachmentText(
            item_id=item_id,
            url=url,
            name=read.name,
            kind=extracted.kind,
            reason=extracted.not_read,
            parts=[p.as_json() for p in extracted.parts],
            truncated=extracted.truncated,
            evidence_id=evidence_id,
            read_at=now,
        )
    )


def count_changes(changes: FeedChanges) -> None:
    """Metrics of a stored feed, once its transaction committed (a batch that is
    rolled back and retried feed by feed must not count twice)."""
    for change, count in (
        ("new", changes.new),
        ("changed", changes.changed),
        ("removed", changes.removed),
    ):
        if count:
            metrics.ITEMS.labels(change).inc(count)


_FETCHES = cast(Table, Fetch.__table__)
_ITEMS = cast(Table, Item.__table__)
_ENTRIES = cast(Table, ItemEntry.__table__)
_VERSIONS = cast(Table, ItemVersion.__table__)

_NewItem = tuple[tuple[Any, ...], ItemFields, str, bool, PageDetail | None]  # row: ITEM_COLUMNS


@dataclass
class BatchWrites:
    """Rows of several feeds written in one transaction, inserted together."""

    fetch_rows: list[dict[str, Any]] = field(default_factory=list)
    feed_rows: list[dict[str, Any]] = field(default_factory=list)
    new_items: list[tuple[tuple[Any, ...], ItemFields, str, bool, PageDetail | None,
                          dict[int, int], Listing]] = field(default_factory=list)  # fmt: skip


def flush_batch(session: Session, batch: BatchWrites, now: datetime) -> None:
    connection = session.connection()
    if batch.fetch_rows:
        insert_rows(connection, _FETCHES, batch.fetch_rows)
    if batch.feed_rows:
        connection.execute(_FEED_UPDATE, batch.feed_rows)
    _insert_items(session, batch.new_items, now)


def _insert_new(
    session: Session,
    new_items: list[_NewItem],
    now: datetime,
    evidence: dict[int, int],
    listing: Listing,
) -> dict[str, int]:
    """A feed's new items; returns their ids by key."""
    ids = _insert_items(session, [(*new, evidence, listing) for new in new_items], now)
    return {key: item_id for (_, key), item_id in ids.items()}


def _insert_items(
    session: Session,
    new_items: list[tuple[tuple[Any, ...], ItemFields, str, bool, PageDetail | None,
                          dict[int, int], Listing]],
    now: datetime,
) -> dict[tuple[int, str], int]:  # fmt: skip
    """New items, their first versions and entry hashes: three bulk statements, not
    three per item (a first crawl of a county brings tens of thousands)."""
    if not new_items:
        return {}
    connection = session.connection()
    # INSERT ... RETURNING in row order falls back to one statement per row on SQLite:
    # there the ids are the range after the largest id before, else they are looked up.
    numbered = insert_numbered(connection, _ITEMS, ITEM_COLUMNS, [row for row, *_ in new_items])
    if numbered is not None:
        new_ids = {
            (row[0], row[2]): item_id
            for (row, *_), item_id in zip(new_items, numbered, strict=True)
        }
    else:
        new_ids = _look_up_ids(connection, {(row[0], row[2]) for row, *_ in new_items})
    versions, entries = [], []
    for row, fields, ehash, detail_ok, page, evidence, listing in new_items:
        item_id = new_ids[row[0], row[2]]
        entries.append((item_id, ehash, int(detail_ok)))
        versions.append(
            (item_id, fields.content_hash, now, fields.title, fields.text, fields.version_meta,
             _evidence_of(page, evidence, listing))
        )  # fmt: skip
    insert_tuples(connection, _ENTRIES, ("item_id", "entry_hash", "detail_ok"), entries)
    insert_tuples(connection, _VERSIONS, VERSION_COLUMNS, versions)
    return new_ids


# The columns of the rows plan_feed and _insert_items build, in their order.
ITEM_COLUMNS = (
    "feed_id", "unit_id", "key", "first_seen", "last_seen", "title", "url", "category",
    "formed_date", "published_date", "formed_text", "published_text", "date_errors", "meta",
    "attachments", "content_hash",
)  # fmt: skip
VERSION_COLUMNS = ("item_id", "content_hash", "seen_at", "title", "text", "meta", "evidence_id")


def _look_up_ids(connection: Any, wanted: set[tuple[int, str]]) -> dict[tuple[int, str], int]:
    feed_ids = sorted({feed_id for feed_id, _ in wanted})
    new_ids: dict[tuple[int, str], int] = {}
    for start in range(0, len(feed_ids), 500):
        query = select(Item.id, Item.feed_id, Item.key).where(
            Item.feed_id.in_(feed_ids[start : start + 500])
        )
        for item_id, feed_id, key in connection.execute(query):
            if (feed_id, key) in wanted:
                new_ids[feed_id, key] = item_id
    return new_ids


def _evidence_of(
    page: PageDetail | None, evidence: dict[int, int], listing: Listing | None = None
) -> int | None:
    if page is not None and page.detail is not None:
        return evidence.get(id(page.response))
    if listing is not None and listing.pages:
        return evidence.get(id(listing.pages[0].response))
    return None


def _add_version(
    session: Session, item_id: int, fields: ItemFields, now: datetime, evidence_id: int | None
) -> None:
    exists = session.scalar(
        select(func.count())
        .select_from(ItemVersion)
        .where(ItemVersion.item_id == item_id, ItemVersion.content_hash == fields.content_hash)
    )
    if exists:
        return  # back to an earlier content: that version is already on record
    session.add(
        ItemVersion(
            item_id=item_id,
            content_hash=fields.content_hash,
            seen_at=now,
            title=fields.title,
            text=fields.text,
            meta=fields.version_meta,
            evidence_id=evidence_id,
        )
    )


def _page_fetch_rows(
    session: Session,
    feed_id: int,
    item_id: int | None,
    role: str,
    page: PageDetail,
    evidence: dict[int, int],
    now: datetime,
) -> None:
    outcome = page.outcome if page.outcome != OK or page.detail is None else OK
    for row in _fetch_rows(page.response, outcome, page.error, evidence.get(id(page.response))):
        session.add(PageFetch(feed_id=feed_id, item_id=item_id, role=role, started_at=now, **row))
