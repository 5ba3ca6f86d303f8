"""The scenario manifest names every rule of issue 4 and only real units and items."""

from __future__ import annotations

from monitor.demo import plan
from monitor.demo.model import District
from monitor.demo.scenario import build_scenario

ISSUE_4_RULES = {
    "completeness.required_categories",
    "completeness.required_metadata",
    "completeness.periodic_series",
    "timeliness.publication_lag",
    "integrity.backdating",
    "timeliness.stale_columns",
    "timeliness.unit_silent",
    "availability.unreachable",
    "integrity.altered_after_publication",
    "integrity.deleted_after_publication",
    "privacy.personal_data",
    "integrity.broken_attachments",
    "responsiveness.requests_overdue",
    "completeness.annual_report",
}
# Issue 18: one town's annual report does not add up.
ISSUE_18_RULES = {"completeness.annual_report_consistency"}


def test_every_rule_is_triggered_somewhere(district: District) -> None:
    scenario = build_scenario(district)
    assert set(scenario.expected) == ISSUE_4_RULES | ISSUE_18_RULES
    assert all(scenario.expected[rule] for rule in ISSUE_4_RULES | ISSUE_18_RULES)


def test_expectations_point_at_real_units_and_items(district: District) -> None:
    scenario = build_scenario(district)
    for expectations in [*scenario.expected.values(), *scenario.traps.values()]:
        for e in expectations:
            unit = district.units[e.unit_code]
            if e.path is not None:
                item = next(i for i in unit.items if i.path == e.path)
                assert item.title_on(scenario.as_of) == e.subject


def test_crawl_days_and_as_of(district: District) -> None:
    scenario = build_scenario(district)
    base = "http://127.0.0.1:8765"
    assert scenario.crawl_days == sorted(scenario.crawl_days)
    assert scenario.crawl_days[-1] == scenario.as_of == plan.AS_OF
    # The availability rule wants 20 probes in 7 days: daily crawls of a town's 6 feeds.
    last_week = [d for d in scenario.crawl_days if (scenario.as_of - d).days < 7]
    assert len(last_week) * 6 >= 20 + 6
    assert scenario.expected_units("completeness.periodic_series") == {plan.NO_VILLAGE_AFFAIRS_Q3}
    assert scenario.expected_units("completeness.periodic_series", include_conditional=True) == {
        plan.NO_VILLAGE_AFFAIRS_Q3,
        plan.NO_FINANCE_SEPTEMBER,
        plan.SILENT,
    }
    # A missing month is reported as the month the disclosure covers, not the next.
    series = scenario.findings("completeness.periodic_series", base, include_conditional=True)
    assert (plan.NO_FINANCE_SEPTEMBER, "series:财务:2026-08", "2026") in series


def test_subjects_as_the_rules_write_them(district: District) -> None:
    scenario = build_scenario(district)
    base = "http://127.0.0.1:8765"
    stale = scenario.findings("timeliness.stale_columns", base + "/")
    assert stale == {(plan.QIANFENG, f"column:{base}/u/{plan.QIANFENG}/gzdt/list.html", "2026-11")}
    [(code, subject, period)] = scenario.findings("integrity.backdating", base)
    assert (code, period) == (plan.BACKDATED, "2026-11")
    assert subject.startswith(f"item:{base}/u/{plan.BACKDATED}/art/")
    assert scenario.findings("timeliness.unit_silent", base) == {(plan.SILENT, "unit", "2026-11")}
    traps = scenario.findings("privacy.personal_data", base, traps=True)
    assert {code for code, _, _ in traps} == set(plan.MASKED)
