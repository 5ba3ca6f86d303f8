"""Alert queries for every front door (CLI, workspace, API): one filter, one sort,
one page, and one jurisdiction check.

A *scope* is the set of unit ids the asker may see (an inspector's subtree), or
``None`` for everything (an administrator, the operator's command line)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from monitor.store.models import Alert, Unit

__all__ = [
    "SEVERITIES",
    "STATES",
    "AlertFilter",
    "AlertNotFound",
    "OutsideJurisdiction",
    "Scope",
    "alert_query",
    "alert_rules",
    "count",
    "page",
    "unit_prefix",
    "visible_alert",
    "within",
]

STATES = ("open", "acknowledged", "silenced", "resolved")
SEVERITIES = ("critical", "high", "medium", "low", "info")
# Everything but resolved: what still needs work, the default of every door.
UNRESOLVED = "unresolved"
ALL = "all"

Scope = frozenset[int] | None
Sort = Literal["newest", "severity"]


class AlertNotFound(LookupError):
    """No alert has this id (a 404 on the web)."""


class OutsideJurisdiction(PermissionError):
    """The alert exists but belongs to a unit outside the asker's scope (a 403)."""


def within(scope: Scope, unit_id: int) -> bool:
    """Whether a unit lies inside the scope."""
    return scope is None or unit_id in scope


def unit_prefix(code: str) -> str:
    """The code prefix that selects a unit and everything below it: a county's first
    6 digits, a town's first 9, a village's 12. A shorter string is taken as a prefix."""
    code = code.strip()
    if len(code) == 12 and code.isdigit():
        if code[6:] == "000000":
            return code[:6]
        if code[9:] == "000":
            return code[:9]
    return code


@dataclass(frozen=True)
class AlertFilter:
    """What to list. ``state``: one of :data:`STATES`, ``"all"``, or ``None`` for
    every state but resolved. ``unit``: a unit code (its subtree) or a code prefix,
    or else part of a name: the units so named and the units directly under them
    (a town's name finds the town and its villages)."""

    state: str | None = None
    severity: str | None = None
    rule: str | None = None
    unit: str | None = None
    sort: Sort = "newest"


def _severity_rank():
    return case({s: i for i, s in enumerate(SEVERITIES)}, value=Alert.severity, else_=9)


def alert_query(scope: Scope, flt: AlertFilter = AlertFilter()) -> Select[tuple[Alert, Unit]]:
    """Alerts with their unit, in the scope, filtered and sorted."""
    query = select(Alert, Unit).join(Unit, Unit.id == Alert.unit_id)
    if scope is not None:
        query = query.where(Alert.unit_id.in_(scope))
    if flt.state in (None, UNRESOLVED):
        query = query.where(Alert.state != "resolved")
    elif flt.state != ALL:
        query = query.where(Alert.state == flt.state)
    if flt.severity:
        query = query.where(Alert.severity == flt.severity)
    if flt.rule:
        query = query.where(Alert.rule_id == flt.rule)
    if flt.unit and flt.unit.strip().isdigit():
        query = query.where(Unit.code.startswith(unit_prefix(flt.unit)))
    elif flt.unit and flt.unit.strip():
        parent = aliased(Unit)
        name = flt.unit.strip()
        query = query.outerjoin(parent, parent.id == Unit.parent_id).where(
            or_(
                Unit.name.contains(name, autoescape=True),
                parent.name.contains(name, autoescape=True),
            )
        )
    if flt.sort == "severity":
        return query.order_by(_severity_rank(), Alert.opened_at, Alert.id)
    return query.order_by(Alert.opened_at.desc(), Alert.id.desc())


def count(session: Session, query: Select) -> int:
    return session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def page(
    session: Session, query: Select, number: int, size: int
) -> tuple[list[tuple[Alert, Unit]], int]:
    """One page (1-based) of the query's rows and the total count."""
    rows = session.execute(query.offset((number - 1) * size).limit(size)).all()
    return [(alert, unit) for alert, unit in rows], count(session, query)


def alert_rules(session: Session, scope: Scope) -> list[str]:
    """The rules that have alerts in the scope (for a filter's choices)."""
    query = select(Alert.rule_id).distinct()
    if scope is not None:
        query = query.where(Alert.unit_id.in_(scope))
    return sorted(session.scalars(query))


def visible_alert(session: Session, scope: Scope, alert_id: int) -> Alert:
    """The alert, or :class:`AlertNotFound`; :class:`OutsideJurisdiction` when it
    belongs to another jurisdiction (forbidden, not reported absent: issue 9)."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise AlertNotFound(f"no alert {alert_id}")
    if not within(scope, alert.unit_id):
        raise OutsideJurisdiction("this alert is outside your jurisdiction")
    return alert
