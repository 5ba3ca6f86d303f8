"""``plan_unit`` runs a unit's rules without a database; ``apply_unit`` turns the plan
into finding rows (plain objects here: no session)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from monitor.evaluate import EvaluateReport, UnitPlan, _ChunkData, apply_unit, plan_unit
from monitor.rulesets import BoundRule
from monitor.store.models import Finding
from rules.api import FindingDraft, Period, Rule, RuleContext, RuleParams, UnitView

AS_OF = datetime(2026, 4, 20, 4, 0, tzinfo=UTC)
UNIT = UnitView(1, "441702001001", "样例村", "village", "village", None)
MONTH = Period.parse("2026-03")


class _Says(Rule):
    """Reports one finding per subject in its params-free list. Bad / Good: none."""

    id = "test.says"
    title = "says"
    basis = "none"
    subjects: tuple[str, ...] = ("a", "a", "b")

    def evaluate(self, ctx: RuleContext) -> Iterable[FindingDraft]:
        return [FindingDraft(subject=s, message=f"about {s}") for s in self.subjects]


class _Boom(_Says):
    id = "test.boom"

    def evaluate(self, ctx: RuleContext) -> Iterable[FindingDraft]:
        raise RuntimeError("boom")


def _bound(rule: type[Rule]) -> BoundRule:
    return BoundRule(rule, RuleParams(), ("month",))


def _plan(rules: list[type[Rule]], known: Iterable[str] = ()) -> UnitPlan:
    data = _ChunkData({}, {}, {}, {})
    bound = [_bound(r) for r in rules]
    return plan_unit(UNIT, bound, [MONTH], AS_OF, None, data, set(), known)  # type: ignore[arg-type]


def test_plan_keeps_the_first_verdict_per_subject_and_settles_the_rule() -> None:
    plan = _plan([_Says])
    assert sorted(plan.verdicts) == [
        ("test.says", "2026-03", "a"),
        ("test.says", "2026-03", "b"),
    ]
    assert plan.settled == {("test.says", "2026-03")}


def test_a_raising_rule_is_not_settled_and_a_dropped_rule_is() -> None:
    plan = _plan([_Boom], known=["test.boom", "test.gone"])
    assert plan.errors and "boom" in plan.errors[0]
    assert plan.settled == {("test.gone", "2026-03")}


def test_apply_opens_new_and_clears_what_a_settled_rule_no_longer_says() -> None:
    old = Finding(rule_id="test.says", unit_id=1, period="2026-03", subject="c", status="open")
    existing = {("test.says", "2026-03", "c"): old}
    report = EvaluateReport()
    changes = apply_unit(UNIT, _plan([_Says]), existing, AS_OF, report)
    assert [f.subject for f in changes.opened] == ["a", "b"]
    assert changes.cleared == [old] and old.status == "cleared"
    assert report.findings == 2
