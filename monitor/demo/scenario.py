"""The machine-readable manifest of the sample district: when to crawl, as of when to
judge, and which rule must find what where (and what it must *not* find).

The end-to-end test crawls the site at each of ``crawl_days`` (setting the site's
clock and the crawl's ``now`` to that day), evaluates as of each day, and compares
the open findings with ``expected``. ``traps`` are near misses built in on purpose
(on time only thanks to the holiday calendar, an edit with a correction notice,
masked ID numbers): a rule that reports them is wrong.

Subjects: rule-level subjects are given as the rules write them (``category:党务公开``,
``series:村务:2026-Q3``, ``unit``, ``annual-report:2025``, ``host:127.0.0.1``);
item-level findings (subject ``item:<key>``, the key being the item's URL on the
site, which holds the port) are given by the item's title as of ``as_of`` and its
``path``, so ``base_url + path`` is the key; request items by their id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from monitor.annual.model import REQUESTS
from monitor.demo import plan
from monitor.demo.annual import INCONSISTENT_CELLS
from monitor.demo.generate import generate_district
from monitor.demo.model import DemoItem, DemoRequest, DemoUnit, District


class Expect(NamedTuple):
    unit_code: str
    subject: str  # the rule's subject, or the item's title for item findings
    period: str  # the period key the finding belongs to
    path: str | None = None  # the item's path on the site, for item findings
    only_if: str | None = None  # a ruleset setting the finding depends on

    def subject_on(self, base_url: str) -> str:
        """The subject the rule writes, for the site at ``base_url``."""
        base = base_url.rstrip("/")
        if self.path is not None:
            return f"item:{base}{self.path}"
        if self.subject.startswith("column:/"):
            return f"column:{base}{self.subject.removeprefix('column:')}"
        return self.subject


@dataclass(frozen=True)
class Scenario:
    seed: int
    crawl_days: list[date]
    as_of: date
    expected: dict[str, list[Expect]]
    traps: dict[str, list[Expect]] = field(default_factory=dict)

    def findings(
        self, rule_id: str, base_url: str, *, include_conditional: bool = False, traps: bool = False
    ) -> set[tuple[str, str, str]]:
        """(unit code, subject, period) as the rule writes them for the site at ``base_url``;
        with ``traps``, the near misses that must *not* be reported instead."""
        source = self.traps if traps else self.expected
        return {
            (e.unit_code, e.subject_on(base_url), e.period)
            for e in source.get(rule_id, [])
            if include_conditional or e.only_if is None
        }

    def expected_units(self, rule_id: str, *, include_conditional: bool = False) -> set[str]:
        return {
            e.unit_code
            for e in self.expected.get(rule_id, [])
            if include_conditional or e.only_if is None
        }


def _item(unit: DemoUnit, predicate: object) -> DemoItem:
    found = [i for i in unit.items if predicate(i)]  # type: ignore[operator]
    if len(found) != 1:
        raise LookupError(f"scenario: {len(found)} items match in {unit.code}")
    return found[0]


def _item_expect(unit: DemoUnit, item: DemoItem, period: str, as_of: date) -> Expect:
    return Expect(unit.code, item.title_on(as_of), period, item.path)


def _traps(d: District) -> dict[str, list[Expect]]:
    """Look-alikes the rules must NOT report: the edge of a deadline, a correction,
    masked names, an extended request."""
    u = d.units
    as_of, nov = plan.AS_OF, "2026-11"
    gaofeng, yuncheng, silao = u[plan.GAOFENG], u[plan.YUNCHENG], u[plan.SILAO]
    edge = _item(gaofeng, lambda i: (i.formed, i.published) == plan.EDGE_GAOFENG)
    corrected = _item(yuncheng, lambda i: i.edit is not None)
    return {
        "timeliness.publication_lag": [_item_expect(gaofeng, edge, nov, as_of)],
        "integrity.altered_after_publication": [_item_expect(yuncheng, corrected, nov, as_of)],
        "privacy.personal_data": [
            _item_expect(u[c], _item(u[c], lambda i: "低保对象名单" in i.title), nov, as_of)
            for c in plan.MASKED
        ],
        "responsiveness.requests_overdue": [
            Expect(plan.SILAO, f"item:{r.id}", nov)
            for r in silao.requests
            if (r.received, r.answered, r.extended) == plan.REQUEST_EXTENDED
        ],
    }


def _annual_inconsistencies() -> list[Expect]:
    """The cells of the inconsistent town's annual report that do not add up."""
    return [
        Expect(
            plan.ANNUAL_INCONSISTENT, f"annual-report:2025:{kind}:{REQUESTS}/{row}/{col}", "2026"
        )
        for kind, row, col in INCONSISTENT_CELLS
    ]


def _overdue_requests(unit: DemoUnit) -> list[DemoRequest]:
    late = (plan.REQUEST_UNANSWERED, plan.REQUEST_LATE)
    return [r for r in unit.requests if (r.received, r.answered, r.extended) in late]


def build_scenario(district: District | None = None) -> Scenario:
    """The manifest for a district generated from the plan (the default seed)."""
    d = district or generate_district()
    u = d.units
    as_of = plan.AS_OF
    nov = "2026-11"

    def lag_item(code: str, dates: tuple[date, date]) -> DemoItem:
        return _item(u[code], lambda i: (i.formed, i.published) == dates)

    yaogu, yuncheng = u[plan.YAOGU], u[plan.YUNCHENG]
    altered = _item(yaogu, lambda i: i.edit is not None)
    nansheng = u[plan.NANSHENG]
    no_index = _item(nansheng, lambda i: i.index_no is None)
    swapped = _item(nansheng, lambda i: i.published < i.formed)
    backdated = _item(u[plan.BACKDATED], lambda i: i.visible_from is not None)
    deleted = _item(u[plan.DELETES], lambda i: i.deleted_on is not None)
    leak = _item(u[plan.LEAKS], lambda i: "低保对象名单" in i.title)
    broken = [i for i in u[plan.QIANFENG].items if any(a.broken for a in i.attachments)]
    overdue = _overdue_requests(u[plan.SILAO])

    expected: dict[str, list[Expect]] = {
        "completeness.required_categories": [
            Expect(plan.NO_PARTY_Q3, "category:党务公开", "2026-Q3"),
            Expect(plan.NO_VILLAGE_AFFAIRS_Q3, "category:村务公开", "2026-Q3"),
            Expect(plan.NANSHENG, "category:惠民政策", "2026-Q3"),
        ],
        "completeness.periodic_series": [
            Expect(plan.NO_VILLAGE_AFFAIRS_Q3, "series:村务:2026-Q3", "2026"),
            # A disclosure counts for the period it covers: the finances this village
            # never published in September are August's.
            Expect(
                plan.NO_FINANCE_SEPTEMBER, "series:财务:2026-08", "2026", only_if="monthly_finance"
            ),
            # The silent village's September and October finances never came.
            Expect(plan.SILENT, "series:财务:2026-09", "2026", only_if="monthly_finance"),
            Expect(plan.SILENT, "series:财务:2026-10", "2026", only_if="monthly_finance"),
        ],
        "completeness.required_metadata": [
            _item_expect(nansheng, no_index, nov, as_of),
            _item_expect(nansheng, swapped, nov, as_of),
        ],
        "completeness.annual_report": [Expect(plan.SILAO, "annual-report:2025", "2026")],
        "completeness.annual_report_consistency": _annual_inconsistencies(),
        "timeliness.publication_lag": [
            _item_expect(yaogu, lag_item(plan.YAOGU, plan.LATE_YAOGU), nov, as_of),
            _item_expect(yuncheng, lag_item(plan.YUNCHENG, plan.LATE_YUNCHENG), nov, as_of),
        ],
        "timeliness.stale_columns": [
            Expect(plan.QIANFENG, f"column:/u/{plan.QIANFENG}/gzdt/list.html", nov)
        ],
        "timeliness.unit_silent": [Expect(plan.SILENT, "unit", nov)],
        "availability.unreachable": [Expect(plan.ANTANG, "host:127.0.0.1", nov)],
        "integrity.backdating": [_item_expect(u[plan.BACKDATED], backdated, nov, as_of)],
        "integrity.altered_after_publication": [_item_expect(yaogu, altered, nov, as_of)],
        "integrity.deleted_after_publication": [_item_expect(u[plan.DELETES], deleted, nov, as_of)],
        "privacy.personal_data": [_item_expect(u[plan.LEAKS], leak, nov, as_of)],
        "integrity.broken_attachments": [
            _item_expect(u[plan.QIANFENG], i, nov, as_of) for i in broken
        ],
        "responsiveness.requests_overdue": [
            Expect(plan.SILAO, f"item:{r.id}", nov) for r in overdue
        ],
    }
    return Scenario(
        seed=d.seed,
        crawl_days=list(plan.CRAWL_DAYS),
        as_of=as_of,
        expected=expected,
        traps=_traps(d),
    )
