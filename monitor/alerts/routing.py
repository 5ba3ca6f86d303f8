"""Who hears about a unit: inspectors subscribed to a subtree, a minimum severity
and channels. Pure functions over an id → parent map."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from monitor.store.models import Inspector
from rules.api import Severity

__all__ = ["ancestors", "routed", "severity_ok"]


def ancestors(unit_id: int, parents: Mapping[int, int | None]) -> list[int]:
    """The unit itself and every unit above it, nearest first (cycle-safe)."""
    out: list[int] = []
    cur: int | None = unit_id
    while cur is not None and cur not in out:
        out.append(cur)
        cur = parents.get(cur)
    return out


def severity_ok(severity: str, minimum: str) -> bool:
    try:
        return Severity(severity).at_least(minimum)
    except ValueError:
        return False


def routed(
    unit_id: int, inspectors: Iterable[Inspector], parents: Mapping[int, int | None]
) -> list[Inspector]:
    """Inspectors whose subtree holds ``unit_id``, by name."""
    up = set(ancestors(unit_id, parents))
    return sorted((i for i in inspectors if i.unit_id in up), key=lambda i: i.name)
