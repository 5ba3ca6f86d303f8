"""The rules as data: id, title, basis, severity, parameters with defaults, the
periods the ruleset judges them on, and the docstring that is their documentation.
What ``monitor rules``, docs/rules.md and the API's ``/rules`` show."""

from __future__ import annotations

from typing import Any

from monitor.rulesets import load_ruleset
from monitor.settings import Settings
from rules.api import Rule

__all__ = ["describe", "ruleset_periods"]


def describe(rule: type[Rule], kinds: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """A rule as data: what ``rules show --json`` prints and docs/rules.md is made of."""
    params = []
    for name, info in rule.Params.model_fields.items():
        default = info.get_default(call_default_factory=True)
        if hasattr(default, "model_dump"):
            default = default.model_dump()
        elif isinstance(default, dict):
            default = {
                k: v.model_dump() if hasattr(v, "model_dump") else v for k, v in default.items()
            }
        params.append({"name": name, "type": str(info.annotation), "default": default})
    return {
        "id": rule.id,
        "title": rule.title,
        "basis": rule.basis,
        "severity": str(rule.severity),
        "version": rule.version,
        "applies_to": sorted(rule.applies_to),
        "periods": (kinds or {}).get(rule.id, []),
        "params": params,
        "doc": rule.doc(),
    }


def ruleset_periods(settings: Settings) -> dict[str, list[str]]:
    """Rule id → the ``kind:period`` pairs the ruleset enables it for."""
    ruleset = load_ruleset(settings)
    out: dict[str, set[str]] = {}
    for kind, entries in ruleset.kinds.items():
        for entry in entries:
            if entry.enabled:
                out.setdefault(entry.rule, set()).update(f"{kind}:{p}" for p in entry.periods)
    return {rule: sorted(values) for rule, values in out.items()}
