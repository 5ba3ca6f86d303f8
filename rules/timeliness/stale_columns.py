from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any, ClassVar, Literal

from pydantic import Field

from rules._helpers import (
    REACHED,
    VILLAGE_KINDS,
    enabled_feeds,
    item_day,
    items_covering,
    latest_due,
    local_date,
    reached_ok,
    reference_day,
)
from rules._periods import deadline_after
from rules.api import (
    FeedView,
    FetchView,
    FindingDraft,
    ItemView,
    Rule,
    RuleContext,
    RuleParams,
    Said,
    Severity,
)


class StaleColumns(Rule):
    """Columns are kept up at the cadence their kind of unit owes, and none is blank.

    Basis, by kind of unit:

    - towns, townships and street offices (columns on the county portal, a government
      website): the State Council General Office's national website inspection
      indicators (2019): a news/dynamic (动态) column with nothing new for 2 weeks, a
      notice/policy column with nothing new for 6 months is stale (5 stale columns fail
      a site); a column with no content at all is blank (5 blank columns fail a site).
      A column's type comes from ``options.column`` (``news`` or ``policy``) or else
      from keywords in its category (``news_keywords``: 动态/新闻/要闻/工作;
      ``policy_keywords``: 通知/公告/政策/文件/规范性). Columns of neither type are only
      checked for blankness;
    - villages and communities (党务 / 村务 / 居务 / 财务 columns on "three affairs"
      platforms): the Organic Law of Villagers' Committees (2018), art. 30 — general
      affairs at least once a quarter (``general_every``), finances monthly where the
      county requires it (``finance_every: month`` for columns whose category holds one
      of ``finance_keywords``). A column is stale when the latest quarter (month) whose
      publication window has closed (``window_day``, default the 15th of the following
      month, *unconfirmed* nationally) has no item of that column covering it (period
      read from the title, see ``completeness.periodic_series``) or published in it.
      The State Council's two-week rule is about websites' news columns and does not
      apply to them.

    ``cadence: inspection`` / ``legal`` overrides the choice by kind. Judged on the
    as-of day or the period's last day if earlier; staleness needs a successful read
    after the limit ran out; without one (the feed is down), and for a feed never read,
    the finding is not assessable.

    Bad (town): 工作动态 column, newest item 2026-03-01, as of 2026-03-20 (19 days > 14).
    Bad (village): 村务公开 column with nothing covering 2026-Q3, as of 2026-10-20.
    Good (town): 政策文件 column, newest item 2025-11-01, as of 2026-03-20 (< 6 months).
    Good (village): 工作动态 column with "第三季度工作情况" on 2026-10-09, nothing since, as
    of 2026-12-20.
    """

    id = "timeliness.stale_columns"
    title = "No stale or blank columns"
    basis = (
        "Towns: GOV website inspection indicators (State Council General Office, 2019); "
        "villages and communities: Organic Law of Villagers' Committees (2018), art. 30"
    )
    version = "2"
    severity = Severity.MEDIUM
    messages: ClassVar[dict[str, str]] = {
        "never_read": "cannot assess column {name}: never read",
        "blank": "blank column {name}: no item at all",
        "stale_monthly": "column {name} stale: nothing for {period} (due by {due}, monthly); "
        "newest item {newest}",
        "stale_quarterly": "column {name} stale: nothing for {period} (due by {due}, "
        "quarterly); newest item {newest}",
        "stale_news": "news column {name} stale: newest item {newest}, {days} days before "
        "{day} (limit {limit})",
        "stale_policy": "policy column {name} stale: newest item {newest}, {days} days "
        "before {day} (limit {limit})",
        "unread_after": "cannot assess column {name}: not read successfully after {due}",
    }

    class Params(RuleParams):
        news_days: int = 14
        policy_days: int = 183
        news_keywords: tuple[str, ...] = ("动态", "新闻", "要闻", "工作")
        policy_keywords: tuple[str, ...] = ("通知", "公告", "政策", "文件", "规范性")
        cadence: Literal["inspection", "legal"] | None = None
        general_every: Literal["month", "quarter"] = "quarter"
        finance_every: Literal["month", "quarter"] = "quarter"
        finance_keywords: tuple[str, ...] = ("财务", "收支")
        window_day: int = Field(default=15, ge=1, le=31)

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
        legal = (params.cadence or "") == "legal" or (
            params.cadence is None and ctx.unit.kind in VILLAGE_KINDS
        )
        ref = reference_day(ctx)
        live: dict[int, list[ItemView]] = {}
        for item in ctx.items:
            if item.removed_at is not None and local_date(item.removed_at) <= ref:
                continue
            if item_day(item) <= ref:
                live.setdefault(item.feed_id, []).append(item)
        for feed in enabled_feeds(ctx):
            subject = f"column:{feed.url}"[:500]
            fetches = [f for f in ctx.fetches if f.feed_id == feed.id and f.started_at <= ctx.as_of]
            base = {"feed_id": feed.id, "url": feed.url, "category": feed.category}
            name = feed.category or feed.url
            if not reached_ok(fetches):
                yield FindingDraft(
                    subject=subject,
                    message=self.say("never_read", name=name),
                    assessable=False,
                    evidence=base,
                )
                continue
            items = live.get(feed.id, [])
            if not items:
                yield FindingDraft(
                    subject=subject,
                    message=self.say("blank", name=name),
                    evidence={**base, "blank": True},
                )
                continue
            last = max(item_day(item) for item in items)
            if legal:
                every = (
                    params.finance_every
                    if any(w in (feed.category or "") for w in params.finance_keywords)
                    else params.general_every
                )
                period = latest_due(ref, every, params.window_day)
                mine = {id(item) for item in items}
                covering = items_covering(ctx.items, period.start, period.end)
                if any(id(item) in mine for item in covering):
                    continue
                due = deadline_after(period.end, params.window_day)
                detail = {"column_type": every, "period": period.key}
                stale_message = self.say(
                    "stale_monthly" if every == "month" else "stale_quarterly",
                    name=name,
                    period=period.key,
                    due=due,
                    newest=last,
                )
            else:
                kind = self.column_type(feed, params)
                if kind is None:
                    continue
                limit = params.news_days if kind == "news" else params.policy_days
                due = last + timedelta(days=limit)
                if ref <= due:
                    continue
                detail = {"column_type": kind, "days": (ref - last).days, "limit_days": limit}
                stale_message = self.say(
                    f"stale_{kind}",
                    name=name,
                    newest=last,
                    days=(ref - last).days,
                    day=ref,
                    limit=limit,
                )
            yield self._stale(fetches, subject, name, due, last, base, detail, stale_message)

    @staticmethod
    def _stale(
        fetches: list[FetchView],
        subject: str,
        name: str,
        due: date,
        last: date,
        base: dict[str, Any],
        detail: dict[str, Any],
        message: Said,
    ) -> FindingDraft:
        if not any(f.outcome in REACHED and local_date(f.started_at) > due for f in fetches):
            return FindingDraft(
                subject=subject,
                message=StaleColumns.say("unread_after", name=name, due=due),
                assessable=False,
                evidence={**base, **detail, "newest": str(last), "due": str(due)},
            )
        return FindingDraft(
            subject=subject,
            message=message,
            evidence={**base, **detail, "newest": str(last), "due": str(due)},
        )
