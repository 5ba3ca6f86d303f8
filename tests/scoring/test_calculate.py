"""Score arithmetic without a database: deductions, caps, veto, not-assessable."""

from __future__ import annotations

import random

import pytest
from pydantic import ValidationError

from monitor.scoring import FindingRecord, combine, load_scheme, parse_scheme, score_unit

SCHEME = load_scheme()


def rec(
    i: int, rule: str, subject: str = "s", *, period: str = "2026-11", **kw: object
) -> FindingRecord:
    return FindingRecord(
        id=i,
        rule_id=rule,
        rule_version="1",
        period=period,
        subject=subject,
        severity="medium",
        **kw,  # type: ignore[arg-type]
    )


def counted(expl: list[dict]) -> float:
    return sum(e["counted"] for e in expl if "counted" in e)


def test_no_findings_scores_full_marks() -> None:
    res = score_unit(SCHEME, [], months=1)
    assert res.total.value == 100
    assert res.total.assessable_fraction == 1.0
    assert {k: r.value for k, r in res.indicators.items()} == {
        "completeness": 30,
        "timeliness": 30,
        "integrity": 20,
        "responsiveness": 10,
        "availability": 10,
    }


def test_total_is_100_minus_the_listed_deductions() -> None:
    findings = [
        rec(1, "completeness.required_categories", "财务公开"),
        rec(2, "completeness.required_categories", "村务公开"),
        *[rec(10 + i, "timeliness.publication_lag", f"item{i:02d}") for i in range(12)],
        rec(40, "privacy.personal_data", "低保名单"),
    ]
    res = score_unit(SCHEME, findings, months=1)
    # 2×3 completeness, publication lag capped at 10 of 12, privacy 5.
    assert res.indicators["completeness"].value == 24
    assert res.indicators["timeliness"].value == 20
    assert res.indicators["integrity"].value == 15
    assert res.total.value == 100 - 6 - 10 - 5
    assert counted(res.total.explanation) == 100 - res.total.value
    ids = {e["finding_id"] for e in res.total.explanation}
    assert ids == {f.id for f in findings}
    capped = [e for e in res.total.explanation if e.get("note") == "cap reached"]
    assert [e["finding_id"] for e in capped] == [20, 21]  # the last two in fixed order


def test_indicator_points_cap_the_sum_of_rule_caps() -> None:
    findings = [
        *[rec(i, "integrity.altered_after_publication", f"a{i}") for i in range(1, 5)],
        *[rec(10 + i, "integrity.deleted_after_publication", f"d{i}") for i in range(4)],
        *[rec(20 + i, "privacy.personal_data", f"p{i}") for i in range(3)],
    ]
    res = score_unit(SCHEME, findings, months=1)
    integrity = res.indicators["integrity"]
    assert integrity.value == 0
    assert counted(integrity.explanation) == 20
    per_rule: dict[str, float] = {}
    for e in integrity.explanation:
        per_rule[e["rule_id"]] = per_rule.get(e["rule_id"], 0) + e["counted"]
    assert per_rule["integrity.altered_after_publication"] <= 9
    assert per_rule["integrity.deleted_after_publication"] <= 9


def test_not_assessable_findings_do_not_count_but_lower_the_fraction() -> None:
    findings = [
        rec(1, "timeliness.stale_columns", "通知公告", assessable=False),
        rec(2, "timeliness.stale_columns", "通知公告", period="2026-10", assessable=False),
    ]
    res = score_unit(SCHEME, findings, months=3)
    assert res.total.value == 100
    timeliness = res.indicators["timeliness"]
    assert timeliness.assessable_fraction == pytest.approx(
        1 - 2 / 9, abs=1e-4
    )  # 3 rules × 3 months
    assert res.total.assessable_fraction < 1
    assert all(e["note"] == "not assessable" for e in timeliness.explanation)


def test_overturned_findings_are_listed_but_not_counted() -> None:
    res = score_unit(SCHEME, [rec(1, "timeliness.unit_silent", overturned_by=7)], months=1)
    assert res.total.value == 100
    assert res.total.explanation[0]["note"] == "overturned on appeal 7"


def test_veto_rule_fails_the_unit_outright() -> None:
    res = score_unit(SCHEME, [rec(1, "availability.unreachable", "site")], months=1)
    assert res.indicators["availability"].value == 0
    assert res.total.value == SCHEME.veto_cap
    assert res.total.value < SCHEME.pass_line
    assert res.total.explanation[-1]["kind"] == "veto"


def test_rules_outside_the_scheme_are_ignored() -> None:
    assert score_unit(SCHEME, [rec(1, "experimental.thing")], months=1).total.value == 100


def test_input_order_does_not_change_the_result() -> None:
    findings = [rec(i, "timeliness.publication_lag", f"i{i:02d}") for i in range(15)]
    first = score_unit(SCHEME, findings, months=1)
    shuffled = findings[:]
    random.Random(4).shuffle(shuffled)
    assert score_unit(SCHEME, shuffled, months=1) == first


def test_combine_weights_own_and_children_mean() -> None:
    own = score_unit(SCHEME, [rec(1, "timeliness.unit_silent")], months=1)  # 95
    a = score_unit(SCHEME, [], months=1)  # 100
    b = score_unit(SCHEME, [rec(2, "completeness.annual_report")], months=1)  # 95
    res = combine(own, {"v2": b, "v1": a}, own_weight=0.4, children_weight=0.6)
    assert res.total.value == pytest.approx(0.4 * 95 + 0.6 * 97.5)
    rollup = res.total.explanation[-1]
    assert rollup["kind"] == "rollup"
    assert [c["unit"] for c in rollup["children"]] == ["v1", "v2"]
    assert res.indicators["completeness"].value == pytest.approx(0.4 * 30 + 0.6 * 27.5)
    # The unit's own deduction keeps its finding id in the explanation.
    assert res.total.explanation[0]["finding_id"] == 1
    assert combine(own, {}, own_weight=0.4, children_weight=0.6) is own


def test_scheme_points_must_add_up_to_max_score() -> None:
    data = SCHEME.model_dump(mode="json")
    data["indicators"][0]["points"] = 10
    with pytest.raises(ValidationError, match="add up"):
        parse_scheme(data)


def test_a_rule_belongs_to_one_indicator() -> None:
    data = SCHEME.model_dump(mode="json")
    data["indicators"][1]["rules"]["completeness.annual_report"] = {"deduction": 1}
    with pytest.raises(ValidationError, match="both"):
        parse_scheme(data)
