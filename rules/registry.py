"""Discover rules through the ``disclosure_monitor.rules`` entry-point group.

Built-in and third-party rules load the same way. Each entry point loads on its
own: one that fails to import, is not a :class:`rules.api.Rule` subclass or clashes
with an id already loaded is reported in ``errors`` and skipped, never fatal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points

from rules.api import ENTRY_POINT_GROUP, Rule

__all__ = ["LoadedRules", "load_rules"]


@dataclass
class LoadedRules:
    rules: dict[str, type[Rule]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def get(self, rule_id: str) -> type[Rule] | None:
        return self.rules.get(rule_id)


def _check(ep: EntryPoint, obj: object) -> type[Rule]:
    if not (isinstance(obj, type) and issubclass(obj, Rule)):
        raise TypeError(f"{ep.value} is not a Rule subclass")
    for attr in ("id", "title", "basis"):
        if not getattr(obj, attr, None):
            raise TypeError(f"{ep.value} has no {attr}")
    return obj


def load_rules(eps: list[EntryPoint] | None = None) -> LoadedRules:
    """Load every registered rule; ``eps`` replaces discovery (for tests)."""
    out = LoadedRules()
    found = eps if eps is not None else list(entry_points(group=ENTRY_POINT_GROUP))
    for ep in sorted(found, key=lambda e: e.name):
        try:
            rule = _check(ep, ep.load())
        except Exception as exc:  # a broken plugin must not take the others down
            out.errors.append(f"rule {ep.name} ({ep.value}) failed to load: {exc!r}")
            continue
        if rule.id in out.rules and out.rules[rule.id] is not rule:
            out.errors.append(f"rule {ep.name}: id {rule.id} already registered, skipped")
            continue
        out.rules[rule.id] = rule
    return out
