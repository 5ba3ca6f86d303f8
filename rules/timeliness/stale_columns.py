from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from rules._helpers import REACHED, enabled_feeds, item_day, local_date, reached_ok, reference_day
from rules.api import FeedView, FindingDraft, Rule, RuleContext, RuleParams, Severity


class StaleColumns(Rule):
    """Columns that should be updated are not left stale, and none is blank.

    Basis: State Council General Office, national government website inspection
    indicators (2019): a news/dynamic column with nothing new for 2 weeks, a
    notice/policy column with nothing new for 6 months is stale (5 stale columns fail a
    site); a column with no content at all is blank (5 blank columns fail a site).

    Each enabled feed is a column. Its type comes from ``options.column`` (``news`` or
    ``policy``) or else from keywords in its category (``news_keywords``:
    动态/新闻/要闻/工作; ``policy_keywords``: 通知/公告/政策/文件/规范性). Columns of
    neither type are only checked for blankness. The newest item's day is its
    publication date (first sighting when undated), judged on the as-of day or the
    period's last day if earlier. Staleness needs a successful read after the limit
    ran out; without one (the feed is down), and for a feed never read, the finding is
    not assessable.

    Bad: 工作动态 column, newest item 2026-03-01, as of 2026-03-20 (19 days > 14).
    Good: 政策文件 column, newest item 2025-11-01, as of 2026-03-20 (< 6 months).
    """

    id = "timeliness.stale_columns"
    title = "No stale or blank columns"
    basis = "GOV website inspection indicators (State Council General Office, 2019)"
    severity = Severity.MEDIUM

    class Params(RuleParams):
        news_days: int = 14
        policy_days: int = 183
        news_keywords: tuple[str, ...] = ("动态", "新闻", "要闻", "工作")
        policy_keywords: tuple[str, ...] = ("通知", "公告", "政策", "文件", "规范性")

    def column_type(self, feed: FeedView, params: Params) -> str | None:
        declared = (feed.options or {}).get("column")
        if declared in ("news", "policy"):
            return str(declared)
        hint = feed.category or ""
        if any(word in hint for word in params.news_keywords):
            return "news"
        if any(word in hint for word in params.policy_keywords):
            return "policy"
        return None

    def evaluate(self, ctx: RuleContext) -> Iterable[FindingDraft]:
        params = ctx.params
        ref = reference_day(ctx)
        newest: dict[int, date] = {}
        for item in ctx.items:
            if item.removed_at is not None and local_date(item.removed_at) <= ref:
                continue
            day = item_day(item)
            if day <= ref and day > newest.get(item.feed_id, date.min):
                newest[item.feed_id] = day
        for feed in enabled_feeds(ctx):
            subject = f"column:{feed.url}"[:500]
            fetches = [f for f in ctx.fetches if f.feed_id == feed.id and f.started_at <= ctx.as_of]
            base = {"feed_id": feed.id, "url": feed.url, "category": feed.category}
            if not reached_ok(fetches):
                yield FindingDraft(
                    subject=subject,
                    message=f"cannot assess column {feed.category or feed.url}: never read",
                    assessable=False,
                    evidence=base,
                )
                continue
            last = newest.get(feed.id)
            if last is None:
                yield FindingDraft(
                    subject=subject,
                    message=f"blank column {feed.category or feed.url}: no item at all",
                    evidence={**base, "blank": True},
                )
                continue
            kind = self.column_type(feed, params)
            if kind is None:
                continue
            limit = params.news_days if kind == "news" else params.policy_days
            due = last + timedelta(days=limit)
            if ref > due and not any(
                f.outcome in REACHED and local_date(f.started_at) > due for f in fetches
            ):
                yield FindingDraft(
                    subject=subject,
                    message=f"cannot assess column {feed.category or feed.url}: not read "
                    f"successfully after {due}",
                    assessable=False,
                    evidence={**base, "column_type": kind, "newest": str(last), "due": str(due)},
                )
                continue
            if ref > due:
                yield FindingDraft(
                    subject=subject,
                    message=(
                        f"{kind} column {feed.category or feed.url} stale: newest item "
                        f"{last}, {(ref - last).days} days before {ref} (limit {limit})"
                    ),
                    evidence={
                        **base,
                        "column_type": kind,
                        "newest": str(last),
                        "days": (ref - last).days,
                        "limit_days": limit,
                    },
                )
