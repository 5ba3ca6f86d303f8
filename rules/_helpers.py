"""Small pure helpers the built-in rules share (stdlib and ``rules.api`` only)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rules._periods import Covered, covered_period, deadline_after
from rules.api import (
    COMMON_MESSAGES,
    FeedView,
    FetchOutcome,
    FetchView,
    FindingDraft,
    ItemView,
    Period,
    RuleContext,
    Said,
)

LOCAL = ZoneInfo("Asia/Shanghai")
REACHED = frozenset({FetchOutcome.OK, FetchOutcome.NOT_MODIFIED})


def local_date(stamp: datetime) -> date:
    return stamp.astimezone(LOCAL).date()


def end_of_day(day: date) -> datetime:
    """The last second of a local calendar day, as an aware datetime."""
    return datetime.combine(day, time(23, 59, 59), LOCAL)


def reference_day(ctx: RuleContext) -> date:
    """The day a state-based check judges: the as-of day, or the period's last day
    when the period is already over."""
    return min(local_date(ctx.as_of), ctx.period.end)


def period_closed(ctx: RuleContext) -> bool:
    return local_date(ctx.as_of) > ctx.period.end


def item_day(item: ItemView) -> date:
    """The day an item counts for: its claimed publication date, else first sight."""
    return item.published_date or local_date(item.first_seen)


# The evaluator hands every rule of a unit the same items tuple, and most rules ask
# for the same periods: remember the last unit's buckets. One tuple swap keeps it
# consistent across threads (each caller checks the identity of what it reads).
_bucket: tuple[object, dict[str, tuple[ItemView, ...]]] = (None, {})


def items_in(items: Iterable[ItemView], period: Period) -> tuple[ItemView, ...]:
    """The items that count for ``period`` (see :func:`item_day`)."""
    global _bucket
    if not isinstance(items, tuple):
        return tuple(item for item in items if item_day(item) in period)
    current = _bucket
    if current[0] is not items:
        current = _bucket = (items, {})
    hit = current[1].get(period.key)
    if hit is None:
        start, end = period.start, period.end
        hit = current[1][period.key] = tuple(
            item for item in items if start <= (item.published_date or item_day(item)) <= end
        )
    return hit


def item_covered(item: ItemView) -> Covered | None:
    """The period the item says it covers (title, else the head of its text), placed in
    a year by its publication day when it names none (see :mod:`rules._periods`)."""
    return covered_period(item.title or "", item.text or "", item_day(item))


def counts_for(item: ItemView, start: date, end: date) -> bool:
    """Whether ``item`` counts for the span ``start``..``end`` when a series is judged on
    the periods items cover: an item covering a period inside the span counts for it,
    whenever it was published; an item that names no period, or a longer one that its
    publication day falls in ("2026年农村建房审批情况" published in September), counts
    for the span its publication day falls in; any other item does not (August's
    finances published on 6 September are August's, not September's)."""
    return _counts(item_covered(item), item_day(item), start, end)


def _counts(covered: Covered | None, day: date, start: date, end: date) -> bool:
    if covered is not None and covered.within(start, end):
        return True
    if covered is not None and not (covered.start <= day <= covered.end):
        return False
    if covered is not None and covered.end - covered.start <= end - start:
        return False
    return start <= day <= end


# Like ``items_in``: every rule of a unit gets the same items tuple; remember each
# item's covered period and day once per tuple, and the spans asked for.
_covered: tuple[object, list[tuple[ItemView, Covered | None, date]], dict[object, object]] = (
    None,
    [],
    {},
)


def items_covering(items: tuple[ItemView, ...], start: date, end: date) -> tuple[ItemView, ...]:
    """The items of ``items`` that count for ``start``..``end`` (see :func:`counts_for`)."""
    global _covered
    if not isinstance(items, tuple):
        return tuple(item for item in items if counts_for(item, start, end))
    current = _covered
    if current[0] is not items:
        current = _covered = (items, [(i, item_covered(i), item_day(i)) for i in items], {})
    key = (start, end)
    hit = current[2].get(key)
    if hit is None:
        hit = current[2][key] = tuple(
            item for item, covered, day in current[1] if _counts(covered, day, start, end)
        )
    return hit  # type: ignore[return-value]


def matches(item: ItemView, keywords: Sequence[str]) -> bool:
    """Category, the feed's category hint or the title contains one of the keywords."""
    haystacks = (item.category or "", item.feed_category or "", item.title or "")
    return any(word and word in hay for word in keywords for hay in haystacks)


def subject_for(item: ItemView) -> str:
    return f"item:{item.key}"[:500]


def item_evidence(item: ItemView, **extra: Any) -> dict[str, Any]:
    latest = item.versions[-1] if item.versions else None
    out: dict[str, Any] = {
        "item_id": item.id,
        "key": item.key,
        "url": item.url,
        "title": item.title,
        "evidence_ids": [v.evidence_id for v in item.versions if v.evidence_id is not None],
    }
    if latest is not None and latest.evidence_id is not None:
        out["evidence_id"] = latest.evidence_id
    out.update(extra)
    return out


def reached_ok(fetches: Iterable[FetchView]) -> bool:
    return any(f.outcome in REACHED for f in fetches)


def enabled_feeds(ctx: RuleContext) -> list[FeedView]:
    return [feed for feed in ctx.feeds if feed.enabled]


def no_data_finding(ctx: RuleContext, what: str) -> FindingDraft | None:
    """A not-assessable finding when the monitor never read any of the unit's feeds:
    an empty unit is then the monitor's blind spot, not proof of silence."""
    if reached_ok(f for f in ctx.fetches if f.started_at <= ctx.as_of):
        return None
    return FindingDraft(
        subject="monitor:no-data",
        message=Said("no_data", COMMON_MESSAGES["no_data"], {"what": what}),
        assessable=False,
        evidence={"feeds": [f.url for f in ctx.feeds], "fetches": len(ctx.fetches)},
    )


def parse_day(value: Any) -> date | None:
    """A date from item metadata: ``date``, ISO ``YYYY-MM-DD`` or ``YYYY年M月D日``."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return local_date(value) if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for sep in ("年", "月"):
        text = text.replace(sep, "-")
    text = text.replace("日", "").replace("/", "-").replace(".", "-")
    head = text.split("T")[0].split(" ")[0]
    parts = head.split("-")
    if len(parts) != 3:
        return None
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None


# Kinds whose own channels follow the Organic Law's cadence (quarterly affairs, monthly
# finances where required) rather than the State Council's website indicators.
VILLAGE_KINDS = frozenset({"village", "community"})


def latest_due(ref: date, every: str, window_day: int) -> Period:
    """The latest month or quarter whose publication window (day ``window_day`` of the
    month after it) closed before ``ref``."""
    period = Period.containing(ref, every)
    while deadline_after(period.end, window_day) >= ref:
        period = Period.containing(period.start - timedelta(days=1), every)
    return period
