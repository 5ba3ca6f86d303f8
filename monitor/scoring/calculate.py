"""Pure score arithmetic: findings and a scheme in, indicator values and the
explanation out. No database, no clock; the same input gives the same output.

A unit's own score starts at ``max_score``; each counted finding of a rule in the
scheme takes that rule's deduction, limited by the rule's cap and then by the
indicator's points. Findings are applied in a fixed order (period, rule, subject,
id) so which finding "hit the cap" never depends on the order rows were read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from monitor.scoring.scheme import Scheme

__all__ = [
    "NOT_ASSESSABLE",
    "NOT_MONITORED",
    "SCORED",
    "STATUSES",
    "FindingRecord",
    "IndicatorResult",
    "UnitResult",
    "combine",
    "score_unit",
    "unscored",
]


@dataclass(frozen=True)
class FindingRecord:
    """What scoring needs to know about one finding."""

    id: int
    rule_id: str
    rule_version: str
    period: str
    subject: str
    severity: str
    assessable: bool = True
    overturned_by: int | None = None  # the appeal that overturned it

    @property
    def order(self) -> tuple[str, str, str, int]:
        return (self.period, self.rule_id, self.subject, self.id)


@dataclass
class IndicatorResult:
    indicator: str
    value: float | None  # None: the unit could not be scored (see UnitResult.status)
    max_value: float
    weight: float
    assessable_fraction: float
    explanation: list[dict[str, Any]] = field(default_factory=list)


# A unit with no readable channel is not scored: "not_monitored" when it has no
# enabled feed, "not_assessable" when none of its feeds was read successfully in the
# period. Neither is a pass; neither counts in a roll-up mean.
SCORED = "scored"
NOT_MONITORED = "not_monitored"
NOT_ASSESSABLE = "not_assessable"
STATUSES = (SCORED, NOT_MONITORED, NOT_ASSESSABLE)


@dataclass
class UnitResult:
    indicators: dict[str, IndicatorResult]
    total: IndicatorResult
    status: str = SCORED


def unscored(scheme: Scheme, status: str, reason: str) -> UnitResult:
    """The result of a unit that could not be scored: no values, the reason explained."""
    note = {"kind": "status", "status": status, "reason": reason}
    indicators = {
        ind.id: IndicatorResult(
            indicator=ind.id,
            value=None,
            max_value=ind.points,
            weight=_round(ind.points / scheme.max_score),
            assessable_fraction=0.0,
            explanation=[note],
        )
        for ind in scheme.indicators
    }
    total = IndicatorResult(
        indicator="total",
        value=None,
        max_value=scheme.max_score,
        weight=1.0,
        assessable_fraction=0.0,
        explanation=[note],
    )
    return UnitResult(indicators=indicators, total=total, status=status)


def _round(x: float) -> float:
    # Weighted roll-ups produce binary-float noise; four decimals is plenty for points
    # and keeps recomputed rows bit-identical.
    return round(x + 0.0, 4)


def score_unit(scheme: Scheme, findings: Iterable[FindingRecord], months: int) -> UnitResult:
    """A unit's own scores for a period of ``months`` months.

    ``assessable_fraction`` per indicator is the share of (rule, month) slots that had
    no not-assessable finding: a month whose feed was down for a rule is a month the
    unit could not be judged on for that rule.
    """
    ordered = sorted(findings, key=lambda f: f.order)
    indicators: dict[str, IndicatorResult] = {}
    total_expl: list[dict[str, Any]] = []
    veto: list[dict[str, Any]] = []
    slots_total = 0
    slots_unassessable = 0
    for ind in scheme.indicators:
        taken = 0.0
        per_rule: dict[str, float] = {}
        expl: list[dict[str, Any]] = []
        unassessable: set[tuple[str, str]] = set()
        for f in ordered:
            rule = ind.rules.get(f.rule_id)
            if rule is None:
                continue
            entry: dict[str, Any] = {
                "finding_id": f.id,
                "rule_id": f.rule_id,
                "rule_version": f.rule_version,
                "period": f.period,
                "subject": f.subject,
                "severity": f.severity,
                "points": rule.deduction,
                "counted": 0.0,
            }
            if f.overturned_by is not None:
                entry["note"] = f"overturned on appeal {f.overturned_by}"
            elif not f.assessable:
                entry["note"] = "not assessable"
                unassessable.add((f.rule_id, f.period))
            else:
                room = ind.points - taken
                if rule.cap is not None:
                    room = min(room, rule.cap - per_rule.get(f.rule_id, 0.0))
                counted = max(0.0, min(rule.deduction, room))
                entry["counted"] = counted
                if counted < rule.deduction:
                    entry["note"] = "cap reached"
                taken += counted
                per_rule[f.rule_id] = per_rule.get(f.rule_id, 0.0) + counted
                if rule.veto:
                    veto.append({"finding_id": f.id, "rule_id": f.rule_id, "subject": f.subject})
            expl.append({"indicator": ind.id, **entry})
        slots = len(ind.rules) * max(months, 1)
        bad = min(len(unassessable), slots)
        slots_total += slots
        slots_unassessable += bad
        indicators[ind.id] = IndicatorResult(
            indicator=ind.id,
            value=_round(ind.points - taken),
            max_value=ind.points,
            weight=_round(ind.points / scheme.max_score),
            assessable_fraction=_round(1 - bad / slots) if slots else 1.0,
            explanation=expl,
        )
        total_expl.extend(expl)
    value = _round(sum(r.value or 0.0 for r in indicators.values()))
    if veto and scheme.veto_cap is not None and value > scheme.veto_cap:
        total_expl.append({"kind": "veto", "cap": scheme.veto_cap, "findings": veto})
        value = scheme.veto_cap
    total = IndicatorResult(
        indicator="total",
        value=value,
        max_value=scheme.max_score,
        weight=1.0,
        assessable_fraction=_round(1 - slots_unassessable / slots_total) if slots_total else 1.0,
        explanation=total_expl,
    )
    return UnitResult(indicators=indicators, total=total)


def combine(
    own: UnitResult,
    children: Mapping[str, UnitResult],
    *,
    own_weight: float,
    children_weight: float,
) -> UnitResult:
    """Roll a unit's own result together with the mean of its children's (by code).

    Without children the unit's own result stands; the explanation keeps the own
    deductions with their finding ids and adds one ``rollup`` entry with the parts.
    Children that could not be scored are left out of the mean (and listed with their
    status); the caller decides what an unscored own result means.
    """
    skipped = [
        {"unit": c, "status": r.status} for c, r in sorted(children.items()) if r.status != SCORED
    ]
    children = {c: r for c, r in children.items() if r.status == SCORED}
    if not children or own_weight + children_weight == 0:
        return own
    wsum = own_weight + children_weight
    codes = sorted(children)

    def mix(name: str, mine: IndicatorResult, pick: Any) -> IndicatorResult:
        kids = [pick(children[c]) for c in codes]
        mean = sum(k.value or 0.0 for k in kids) / len(kids)
        mean_af = sum(k.assessable_fraction for k in kids) / len(kids)
        rollup = {
            "kind": "rollup",
            "own_value": mine.value,
            "own_weight": own_weight,
            "children_mean": _round(mean),
            "children_weight": children_weight,
            "children": [{"unit": c, "value": k.value} for c, k in zip(codes, kids, strict=True)],
        }
        if skipped:
            rollup["not_scored"] = skipped
        return IndicatorResult(
            indicator=name,
            value=_round((own_weight * (mine.value or 0.0) + children_weight * mean) / wsum),
            max_value=mine.max_value,
            weight=mine.weight,
            assessable_fraction=_round(
                (own_weight * mine.assessable_fraction + children_weight * mean_af) / wsum
            ),
            explanation=[*mine.explanation, rollup],
        )

    indicators = {
        name: mix(name, res, lambda r, n=name: r.indicators[n])
        for name, res in own.indicators.items()
    }
    return UnitResult(indicators=indicators, total=mix("total", own.total, lambda r: r.total))
