from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from rules._helpers import (
    item_covered,
    item_day,
    items_covering,
    local_date,
    matches,
    no_data_finding,
)
from rules._periods import deadline_after
from rules.api import FindingDraft, Period, Rule, RuleContext, RuleParams, Severity


class Series(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    keywords: list[str]
    every: Literal["month", "quarter"] = "quarter"


class PeriodicSeries(Rule):
    """A recurring disclosure covers every month or quarter, on time, without gaps.

    Basis: Organic Law of Villagers' Committees (2018), art. 30: general village
    affairs at least once a quarter, finances every month where transactions are
    frequent; Rules on financial disclosure of rural collective economic organisations
    (2011). Urban communities (Organic Law of Urban Residents' Committees) call their
    affairs 居务: the community's series counts 居务 as its 村务.

    A periodic disclosure counts for the period it **covers**, read from its title (and
    from the head of its text when the title names none): "2026年8月财务收支公开"
    published on 6 September is August's; "第三季度村务公开" published in October is the
    third quarter's; 8月份, 八月, 三季度, 7-9月, 7月至9月, 上半年, 2026年度 are read too, the
    year taken from the publication day when the title has none (a December published in
    January is the previous year's). Only an item that names no period (or a longer
    one, such as "2026年农村建房审批情况", published inside it) counts for the period of
    its publication day.

    Evaluated on a longer period (a year): every month or quarter inside it whose
    publication window has closed by the as-of date must have a matching item
    (category, feed category or title keyword) covering it. The window is
    ``window_day`` (default the 15th) of the month after the sub-period: the common
    local rule is the 10th or the 15th of the following month, so the default is
    *unconfirmed* nationally and a parameter. One finding per sub-period, subject
    ``series:<name>:<sub-period>`` — the period missing, not the month its disclosure
    would have been published in: "no 财务 disclosure for 2026-08". A sub-period
    covered only by items published after its window is reported as late, with the
    same subject (severity low).

    Parameters: ``series`` maps a name to ``{keywords, every}``; the default is 村务
    (村务, 居务) and 财务 each quarter. Set ``monthly_finance: true`` where the county
    requires monthly finances (the law says "where transactions are frequent"; which
    villages that covers is a local decision, so it is off by default), and
    ``monthly_from`` to the date monthly disclosure became required (earlier months
    fall back to the series' own ``every``). ``window_day`` sets the deadline.

    Bad (monthly finances, as of 2026-11-27): "2026年7月财务收支公开" on 2026-08-04,
    nothing for August, "2026年9月财务收支公开" on 2026-10-08 → ``series:财务:2026-08``
    ("no 财务 disclosure for 2026-08, due by 2026-09-15").
    Bad: "第三季度村务公开" published 2026-10-28 → ``series:村务:2026-Q3`` late.
    Good: "第三季度村务公开" published 2026-10-09 (inside the window).
    """

    id = "completeness.periodic_series"
    title = "Periodic village disclosures cover every period, on time"
    basis = (
        "Organic Law of Villagers' Committees (2018), art. 30; "
        "Rules on financial disclosure of rural collective economic organisations (2011)"
    )
    version = "2"
    severity = Severity.MEDIUM
    messages: ClassVar[dict[str, str]] = {
        "missing": "no {name} disclosure for {period}, due by {due}",
        "late": "{name} disclosure for {period} published late: {published}, due by {due}",
    }
    applies_to = frozenset({"village", "community"})

    class Params(RuleParams):
        series: dict[str, Series] = Field(
            default_factory=lambda: {
                "村务": Series(keywords=["村务", "居务"], every="quarter"),
                "财务": Series(keywords=["财务"], every="quarter"),
            }
        )
        monthly_finance: bool = False
        monthly_from: date | None = None
        finance_series: str = "财务"
        window_day: int = Field(default=15, ge=1, le=31)

    def evaluate(self, ctx: RuleContext) -> Iterable[FindingDraft]:
        today = local_date(ctx.as_of)
        window = ctx.params.window_day
        due: list[tuple[str, Series, Period]] = []
        for name, series in ctx.params.series.items():
            every = series.every
            if ctx.params.monthly_finance and name == ctx.params.finance_series:
                every = "month"
            subs = ctx.period.months() if every == "month" else ctx.period.quarters()
            for sub in subs:
                if deadline_after(sub.end, window) >= today:
                    continue
                since = ctx.params.monthly_from
                if every == "month" and series.every != "month" and since and sub.end < since:
                    # Before monthly disclosure was required the quarter rule holds.
                    quarter = Period.containing(sub.start, "quarter")
                    if (
                        deadline_after(quarter.end, window) < today
                        and (name, series, quarter) not in due
                    ):
                        due.append((name, series, quarter))
                    continue
                due.append((name, series, sub))
        if not due:
            return
        blind = no_data_finding(ctx, "periodic series")
        if blind is not None:
            yield blind
            return
        for name, series, sub in due:
            deadline = deadline_after(sub.end, window)
            hits = [
                item
                for item in items_covering(ctx.items, sub.start, sub.end)
                if item_day(item) <= today and matches(item, series.keywords)
            ]
            evidence = {
                "series": name,
                "keywords": series.keywords,
                "missing": sub.key,
                "deadline": deadline.isoformat(),
            }
            if not hits:
                yield FindingDraft(
                    subject=f"series:{name}:{sub.key}",
                    message=self.say("missing", name=name, period=sub.key, due=deadline),
                    evidence=evidence,
                )
                continue
            first = min(hits, key=item_day)
            if item_day(first) <= deadline:
                continue
            covered = item_covered(first)
            yield FindingDraft(
                subject=f"series:{name}:{sub.key}",
                message=self.say(
                    "late", name=name, period=sub.key, published=item_day(first), due=deadline
                ),
                severity=Severity.LOW,
                evidence={
                    **{k: v for k, v in evidence.items() if k != "missing"},
                    "late": sub.key,
                    "published": item_day(first).isoformat(),
                    "title": first.title,
                    "covers": covered.key if covered else None,
                },
            )
