from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rules._helpers import items_in, local_date, matches, no_data_finding
from rules.api import FindingDraft, Period, Rule, RuleContext, RuleParams, Severity


class Series(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    keywords: list[str]
    every: Literal["month", "quarter"] = "quarter"


class PeriodicSeries(Rule):
    """A recurring disclosure appears in every month or quarter, without gaps.

    Basis: Organic Law of Villagers' Committees (2018), art. 30: general village
    affairs at least once a quarter, finances every month where transactions are
    frequent; Rules on financial disclosure of rural collective economic organisations
    (2011).

    Evaluated on a longer period (a year, say): every month or quarter inside it that
    has ended by the as-of date must hold at least one matching item (category, feed
    category or title keyword). One finding per missing sub-period, subject
    ``series:<name>:<sub-period>``.

    Parameters: ``series`` maps a name to ``{keywords, every}``; the default is 村务
    and 财务 each quarter. Set ``monthly_finance: true`` where the county requires
    monthly finances (the law says "where transactions are frequent"; which villages
    that covers is a local decision, so it is off by default), and ``monthly_from``
    to the date monthly disclosure became required (earlier months fall back to the
    series' own ``every``).

    Bad (2026, as of 2026-08-15): 财务 items in January–March and May–June only →
    ``series:财务:2026-Q2`` is not missing, but with monthly finances
    ``series:财务:2026-04`` and ``series:财务:2026-07`` are.
    Good: an item in each quarter (or month) that has ended.
    """

    id = "completeness.periodic_series"
    title = "Periodic village disclosures have no gaps"
    basis = (
        "Organic Law of Villagers' Committees (2018), art. 30; "
        "Rules on financial disclosure of rural collective economic organisations (2011)"
    )
    severity = Severity.MEDIUM
    applies_to = frozenset({"village", "community"})

    class Params(RuleParams):
        series: dict[str, Series] = Field(
            default_factory=lambda: {
                "村务": Series(keywords=["村务"], every="quarter"),
                "财务": Series(keywords=["财务"], every="quarter"),
            }
        )
        monthly_finance: bool = False
        monthly_from: date | None = None
        finance_series: str = "财务"

    def evaluate(self, ctx: RuleContext) -> Iterable[FindingDraft]:
        today = local_date(ctx.as_of)
        due: list[tuple[str, Series, Period]] = []
        for name, series in ctx.params.series.items():
            every = series.every
            if ctx.params.monthly_finance and name == ctx.params.finance_series:
                every = "month"
            subs = ctx.period.months() if every == "month" else ctx.period.quarters()
            for sub in subs:
                if sub.end >= today:
                    continue
                since = ctx.params.monthly_from
                if every == "month" and series.every != "month" and since and sub.end < since:
                    # Before monthly disclosure was required the quarter rule holds.
                    quarter = Period.containing(sub.start, "quarter")
                    if quarter.end < today and (name, series, quarter) not in due:
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
            if any(matches(item, series.keywords) for item in items_in(ctx.items, sub)):
                continue
            yield FindingDraft(
                subject=f"series:{name}:{sub.key}",
                message=f"no {name} disclosure in {sub.key}",
                evidence={"series": name, "keywords": series.keywords, "missing": sub.key},
            )
