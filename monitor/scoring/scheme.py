"""The assessment scheme: indicators built from rules, deductions, caps, roll-up.

A scheme is data (YAML). It is validated once when loaded and hashed canonically, so
each score row can say exactly which configuration produced it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from monitor.settings import Settings

DEFAULT_SCHEME = Path(__file__).resolve().parent.parent / "defaults" / "scheme.yaml"


class RuleDeduction(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    deduction: float = Field(ge=0, description="points taken per counted finding")
    cap: float | None = Field(default=None, ge=0, description="most points this rule can take")
    veto: bool = Field(default=False, description="a counted finding fails the unit outright")


class Indicator(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: str = ""
    points: float = Field(gt=0, description="the indicator's share of max_score; also its cap")
    rules: dict[str, RuleDeduction]


class RollupWeights(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    own: float = Field(default=0.5, ge=0)
    children: float = Field(default=0.5, ge=0)


class Scheme(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    title: str = ""
    max_score: float = 100.0
    pass_line: float = 60.0
    veto_cap: float | None = None
    indicators: list[Indicator]
    rollup: dict[str, RollupWeights] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> Scheme:
        total = sum(ind.points for ind in self.indicators)
        if abs(total - self.max_score) > 1e-9:
            raise ValueError(f"indicator points add up to {total}, not max_score {self.max_score}")
        seen: dict[str, str] = {}
        for ind in self.indicators:
            for rule_id in ind.rules:
                if rule_id in seen:
                    raise ValueError(f"rule {rule_id} in both {seen[rule_id]} and {ind.id}")
                seen[rule_id] = ind.id
        if len({ind.id for ind in self.indicators}) != len(self.indicators):
            raise ValueError("indicator ids must be unique")
        if "total" in seen.values():
            raise ValueError("'total' is reserved for the unit's total")
        return self

    def indicator_of(self, rule_id: str) -> Indicator | None:
        for ind in self.indicators:
            if rule_id in ind.rules:
                return ind
        return None

    def rollup_for(self, level: str) -> RollupWeights:
        return self.rollup.get(level, RollupWeights())

    def rule_ids(self) -> list[str]:
        return sorted(r for ind in self.indicators for r in ind.rules)


def parse_scheme(data: Mapping[str, Any]) -> Scheme:
    return Scheme.model_validate(dict(data))


def load_scheme(path: Path | None = None) -> Scheme:
    """The scheme at ``path``, or the default national-style scheme."""
    with (path or DEFAULT_SCHEME).open(encoding="utf-8") as fh:
        return parse_scheme(yaml.safe_load(fh))


def scheme_for(settings: Settings) -> Scheme:
    return load_scheme(settings.scheme)


def config_hash(scheme: Scheme, rule_versions: Mapping[str, list[str]]) -> str:
    """SHA-256 over the canonical JSON of the scheme and the rule versions it judged."""
    doc = {
        "scheme": scheme.model_dump(mode="json"),
        "rule_versions": {k: sorted(v) for k, v in sorted(rule_versions.items())},
    }
    blob = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
