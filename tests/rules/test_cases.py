"""Every rule's YAML pass/fail cases, run by one parametrized test, plus the
meta-test that every registered rule has cases and documentation."""

from __future__ import annotations

from typing import Any

import pytest

from rules.registry import load_rules
from tests.rules.casebook import build_context, load_case_files

REGISTERED = load_rules()
CASE_FILES = load_case_files()


def _cases() -> list[Any]:
    out = []
    for rule_id, data in sorted(CASE_FILES.items()):
        for case in data["cases"]:
            out.append(
                pytest.param(
                    rule_id, data.get("defaults", {}), case, id=f"{rule_id}:{case['name']}"
                )
            )
    return out


@pytest.mark.parametrize(("rule_id", "defaults", "case"), _cases())
def test_case(rule_id: str, defaults: dict[str, Any], case: dict[str, Any]) -> None:
    rule = REGISTERED.get(rule_id)
    assert rule is not None, f"case file for unregistered rule {rule_id}"
    params = rule.params({**defaults.get("params", {}), **case.get("params", {})})
    ctx = build_context(case, defaults, params)
    drafts = list(rule().evaluate(ctx))
    got = sorted(d.subject for d in drafts if d.assessable)
    blind = sorted(d.subject for d in drafts if not d.assessable)
    assert got == sorted(case.get("expect", [])), [d.message for d in drafts]
    assert blind == sorted(case.get("unassessable", [])), [d.message for d in drafts]
    for draft in drafts:
        assert draft.message
        assert isinstance(draft.evidence, dict)
    for subject, severity in case.get("severity", {}).items():
        assert {str(d.severity) for d in drafts if d.subject == subject} == {severity}


def test_builtin_rules_all_load() -> None:
    assert REGISTERED.errors == []
    assert len(REGISTERED.rules) >= 14


@pytest.mark.parametrize("rule_id", sorted(REGISTERED.rules))
def test_every_rule_has_cases_and_docs(rule_id: str) -> None:
    rule = REGISTERED.rules[rule_id]
    doc = rule.doc()
    assert len(doc) > 200, f"{rule_id}: the docstring is its documentation page"
    assert "Bad" in doc and "Good" in doc, f"{rule_id}: docs need a bad and a good example"
    assert rule.basis and rule.title
    data = CASE_FILES.get(rule_id)
    assert data is not None, f"{rule_id}: no tests/rules/cases/{rule_id}.yaml"
    outcomes = [bool(c.get("expect") or c.get("unassessable")) for c in data["cases"]]
    assert True in outcomes, f"{rule_id}: needs a failing case"
    assert False in outcomes, f"{rule_id}: needs a passing case"
