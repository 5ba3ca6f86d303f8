from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import ClassVar

from rules._helpers import item_day, item_evidence, local_date, no_data_finding
from rules.api import FindingDraft, Rule, RuleContext, RuleParams, Severity


class AnnualReport(Rule):
    """The annual disclosure report for the previous year is published by its deadline.

    Basis: Regulations on Open Government Information (2019), art. 49: county-level
    departments by 31 January, the county-level government by 31 March. For townships
    the deadline is set locally, for example 20 February; that default is
    *unconfirmed* nationally, so ``deadline`` is a parameter (``MM-DD``).

    Evaluated on a year Y: the report on Y−1 is due on the deadline in Y. Once the
    deadline has passed (as-of day), an item whose title holds one of ``title_words``
    (政府信息公开工作年度报告, 年度报告) and names Y−1 (``2025年``), or else published
    in Y by the deadline, must exist. Missing → finding; published after the deadline →
    a lower-severity finding.

    Bad: as of 2026-03-01 no "2025年度政府信息公开工作年度报告".
    Good: "某镇2025年政府信息公开工作年度报告" published 2026-01-20.
    """

    id = "completeness.annual_report"
    title = "Annual disclosure report published by its deadline"
    basis = "Regulations on Open Government Information (2019), art. 49"
    severity = Severity.HIGH
    messages: ClassVar[dict[str, str]] = {
        "missing": "no annual disclosure report on {year} (due {due})",
        "late": "annual report on {year} published {published}, after the deadline {due}",
    }
    applies_to = frozenset({"township", "town", "street"})

    class Params(RuleParams):
        deadline: str = "02-20"
        title_words: tuple[str, ...] = ("政府信息公开工作年度报告", "信息公开年度报告", "年度报告")

    def evaluate(self, ctx: RuleContext) -> Iterable[FindingDraft]:
        if ctx.period.kind != "year":
            return
        year = ctx.period.start.year
        month, day = (int(part) for part in ctx.params.deadline.split("-"))
        deadline = date(year, month, day)
        if local_date(ctx.as_of) <= deadline:
            return
        subject = f"annual-report:{year - 1}"
        reports = []
        for item in ctx.items:
            if not any(word in item.title for word in ctx.params.title_words):
                continue
            names_year = f"{year - 1}年" in item.title or f"{year - 1}" in item.title
            if names_year or item_day(item).year == year:
                reports.append(item)
        if not reports:
            blind = no_data_finding(ctx, "the annual report")
            if blind is not None:
                yield blind
                return
            yield FindingDraft(
                subject=subject,
                message=self.say("missing", year=year - 1, due=deadline),
                evidence={"report_year": year - 1, "deadline": str(deadline)},
            )
            return
        first = min(reports, key=item_day)
        if item_day(first) > deadline:
            yield FindingDraft(
                subject=subject,
                message=self.say("late", year=year - 1, published=item_day(first), due=deadline),
                severity=Severity.LOW,
                evidence=item_evidence(
                    first,
                    report_year=year - 1,
                    deadline=str(deadline),
                    published=str(item_day(first)),
                ),
            )
