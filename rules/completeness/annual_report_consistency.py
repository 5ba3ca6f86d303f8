from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from monitor.annual.checker import KINDS, check
from monitor.annual.reader import from_figures
from rules.api import AnnualReportView, FindingDraft, Rule, RuleContext, RuleParams, Severity

_LOW = frozenset({"cell_blank", "cell_fraction", "year_missing"})


class AnnualReportConsistency(Rule):
    """The published annual disclosure report adds up and follows the national template.

    Basis: Regulations on Open Government Information (2019), art. 50 (what the annual
    report must contain) and the national template of the General Office of the State
    Council (2019, revised 2021): six sections, three tables (主动公开政府信息情况;
    收到和处理政府信息公开申请情况 by applicant type and outcome; 行政复议、行政诉讼情况),
    and the check printed under the requests table: 本年新收 + 上年结转 = 办理结果总计 +
    结转下年度继续办理.

    Evaluated on a year Y, on the report on Y−1 (the one due in Y) as read from the
    unit's site (its page, or its .docx/.xlsx attachment; see docs/annual-reports.md).
    Each inconsistency is one finding naming its cell (section/row/column): a total that
    is not the sum of its parts (row totals by applicant type, the outcomes' 总计, the
    balance above, 行政复议 and both 行政诉讼 totals), 上年结转 not equal to last year's
    结转下年度继续办理, 现行有效件数 not equal to last year's plus 制发 minus 废止 (both
    need last year's report, when the monitor has read it), negative, blank, fractional
    or non-numeric figures, missing rows, tables or sections, and a stated year that is
    missing or not Y−1. A report that could not be read yields a not-assessable finding;
    no report at all is ``completeness.annual_report``'s finding, not this rule's.
    ``ignore`` lists kinds of inconsistency to leave out (for a locality whose template
    differs).

    Bad: 本年新收 16 + 上年结转 3, 办理结果总计 16 + 结转下年度 4 (the 总计 column).
    Good: the same report with 结转下年度继续办理 3, and 上年结转 3 as last year carried out.
    """

    id = "completeness.annual_report_consistency"
    title = "Annual disclosure report consistent with itself and the template"
    basis = (
        "Regulations on Open Government Information (2019), art. 50; national annual "
        "report template (State Council General Office, 2019, revised 2021)"
    )
    severity = Severity.MEDIUM
    messages: ClassVar[dict[str, str]] = {
        "unread": "cannot assess the annual report on {year}: {error}",
        "inconsistent": "annual report on {year}, {cell}: {detail}",
    }
    applies_to = frozenset({"township", "town", "street"})

    class Params(RuleParams):
        ignore: tuple[str, ...] = ()
        compare_previous: bool = True

    def evaluate(self, ctx: RuleContext) -> Iterable[FindingDraft]:
        if ctx.period.kind != "year":
            return
        on = ctx.period.start.year - 1
        by_year = {r.year: r for r in ctx.annual_reports}
        report = by_year.get(on)
        if report is None:
            return
        if report.read_error:
            yield FindingDraft(
                subject=f"annual-report:{on}:unread",
                message=self.say("unread", year=on, error=report.read_error),
                assessable=False,
                evidence={"url": report.url, "error": report.read_error},
            )
            return
        previous = by_year.get(on - 1) if ctx.params.compare_previous else None
        yield from self._findings(ctx, report, previous, on)

    def _findings(
        self,
        ctx: RuleContext,
        report: AnnualReportView,
        previous: AnnualReportView | None,
        on: int,
    ) -> Iterable[FindingDraft]:
        ignored = set(ctx.params.ignore) & set(KINDS)
        before = None
        if previous is not None and not previous.read_error:
            before = from_figures(previous.figures, year=previous.stated_year)
        current = from_figures(
            report.figures, sections=report.sections, year=report.stated_year, title=report.title
        )
        for found in check(current, year=on, previous=before):
            if found.kind in ignored:
                continue
            yield FindingDraft(
                subject=f"annual-report:{on}:{found.kind}:{found.cell}",
                message=self.say("inconsistent", year=on, cell=found.cell, detail=found.message),
                severity=Severity.LOW if found.kind in _LOW else None,
                evidence={
                    **found.as_dict(),
                    "report_year": on,
                    "url": report.url,
                    "evidence_id": report.evidence_id,
                },
            )
