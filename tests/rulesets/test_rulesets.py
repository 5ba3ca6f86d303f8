"""Rulesets: the default national one binds cleanly; bad lines are reported."""

from __future__ import annotations

from pathlib import Path

from monitor.rulesets import bind, load_ruleset, parse_ruleset
from monitor.settings import Settings
from rules.registry import load_rules


def test_default_ruleset_binds_every_kind() -> None:
    ruleset = load_ruleset(Settings())
    bound, errors = bind(ruleset, load_rules())
    assert errors == []
    village = {b.rule.id: b for b in bound["village"]}
    town = {b.rule.id: b for b in bound["town"]}
    assert village["completeness.required_categories"].periods == ("quarter",)
    assert "completeness.periodic_series" in village and "completeness.periodic_series" not in town
    assert town["completeness.annual_report"].periods == ("year",)
    assert "timeliness.publication_lag" in town and bound["county"] == []
    # Every registered rule is used by some kind.
    used = {b.rule.id for rules in bound.values() for b in rules}
    assert used == set(load_rules().rules)


def test_bad_lines_are_reported_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "ruleset.yaml"
    path.write_text(
        """
version: local-1
kinds:
  village:
    - {rule: timeliness.unit_silent, params: {days: 7}}
    - {rule: timeliness.unit_silent_typo}
    - {rule: timeliness.publication_lag}
    - {rule: timeliness.stale_columns, params: {news_days: soon}}
    - {rule: privacy.personal_data, enabled: false}
""",
        encoding="utf-8",
    )
    ruleset = load_ruleset(Settings(ruleset=path))
    bound, errors = bind(ruleset, load_rules())
    assert [b.rule.id for b in bound["village"]] == ["timeliness.unit_silent"]
    assert bound["village"][0].params.days == 7
    assert len(errors) == 3
    assert any("unknown rule timeliness.unit_silent_typo" in e for e in errors)
    assert any("does not apply to village" in e for e in errors)
    assert any("news_days" in e for e in errors)


def test_nested_lists_from_anchors_flatten() -> None:
    ruleset = parse_ruleset(
        """
a: &a [{rule: timeliness.unit_silent}]
kinds:
  town: [*a, {rule: timeliness.stale_columns, periods: [month, year]}]
"""
    )
    assert [e.rule for e in ruleset.for_kind("town")] == [
        "timeliness.unit_silent",
        "timeliness.stale_columns",
    ]
    assert ruleset.for_kind("town")[1].periods == ("month", "year")
