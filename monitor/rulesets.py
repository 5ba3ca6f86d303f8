"""Rulesets: which rules run for each unit kind, with which parameters and periods.

A ruleset is a YAML file (the default national one ships in
``monitor/defaults/ruleset.yaml``; ``settings.ruleset`` points at another)::

    version: national-2026.1
    kinds:
      village:
        - {rule: completeness.required_categories, periods: [quarter]}
        - {rule: completeness.periodic_series, periods: [year],
           params: {monthly_finance: true}}

A kind's list may nest lists (YAML anchors share blocks between kinds). Each entry
names a rule id, the period kinds it is evaluated on, and parameters validated
against the rule's ``Params``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from monitor.settings import Settings
from rules.api import Rule, RuleParams
from rules.registry import LoadedRules

__all__ = ["BoundRule", "Ruleset", "RulesetEntry", "bind", "load_ruleset", "parse_ruleset"]

DEFAULT_RULESET = Path(__file__).parent / "defaults" / "ruleset.yaml"

PeriodKind = Literal["month", "quarter", "year"]


class RulesetEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: str
    periods: tuple[PeriodKind, ...] = ("month",)
    params: dict[str, Any] = Field(default_factory=dict)
    enabled: bool = True


def _flatten(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [leaf for part in value for leaf in _flatten(part)]
    return [value]


class Ruleset(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    version: str = "custom"
    kinds: dict[str, tuple[RulesetEntry, ...]] = Field(default_factory=dict)

    @field_validator("kinds", mode="before")
    @classmethod
    def _flatten_kinds(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {kind: _flatten(entries or []) for kind, entries in value.items()}
        return value

    def for_kind(self, kind: str) -> tuple[RulesetEntry, ...]:
        return tuple(entry for entry in self.kinds.get(kind, ()) if entry.enabled)


@dataclass(frozen=True)
class BoundRule:
    """A ruleset entry resolved to its rule class and validated parameters."""

    rule: type[Rule]
    params: RuleParams
    periods: tuple[str, ...]


def parse_ruleset(text: str) -> Ruleset:
    return Ruleset.model_validate(yaml.safe_load(text) or {})


def load_ruleset(settings: Settings) -> Ruleset:
    if settings.ruleset is not None:
        return parse_ruleset(Path(settings.ruleset).read_text(encoding="utf-8"))
    return parse_ruleset(DEFAULT_RULESET.read_text(encoding="utf-8"))


def bind(ruleset: Ruleset, loaded: LoadedRules) -> tuple[dict[str, list[BoundRule]], list[str]]:
    """Resolve each kind's entries. Unknown rules, bad parameters and kinds a rule does
    not apply to are reported and left out, so one bad line never stops evaluation."""
    out: dict[str, list[BoundRule]] = {}
    errors: list[str] = []
    for kind in ruleset.kinds:
        bound: list[BoundRule] = []
        for entry in ruleset.for_kind(kind):
            rule = loaded.get(entry.rule)
            if rule is None:
                errors.append(f"ruleset {ruleset.version}: {kind}: unknown rule {entry.rule}")
                continue
            if kind not in rule.applies_to:
                errors.append(
                    f"ruleset {ruleset.version}: {kind}: {entry.rule} does not apply to {kind}"
                )
                continue
            try:
                params = rule.params(entry.params)
            except ValidationError as exc:
                errors.append(f"ruleset {ruleset.version}: {kind}: {entry.rule}: {exc}")
                continue
            bound.append(BoundRule(rule, params, tuple(entry.periods)))
        out[kind] = bound
    return out, errors
