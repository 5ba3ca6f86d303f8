"""The monitor's own words in the reader's language: finding messages, rule titles and
remedies, indicator names, severities, alert and appeal states, unit kinds, roles.

Each function translates with the locale of the moment (:func:`monitor.i18n.current`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any, Protocol

from monitor import remedies
from monitor.i18n import N_, gettext, say
from monitor.remedies import NextStep
from rules.api import COMMON_MESSAGES, Rule
from rules.registry import load_rules

__all__ = [
    "appeal_name",
    "finding_text",
    "indicator_name",
    "kind_name",
    "next_step",
    "role_name",
    "rule_title",
    "severity_name",
    "state_name",
    "status_name",
]

INDICATOR_NAMES: Mapping[str, str] = {
    "total": N_("Total"),
    "completeness": N_("Completeness"),
    "timeliness": N_("Timeliness"),
    "integrity": N_("Integrity"),
    "responsiveness": N_("Responsiveness"),
    "availability": N_("Availability"),
    "privacy": N_("Privacy"),
    "conformity": N_("Conformity"),
}

SEVERITY_NAMES: Mapping[str, str] = {
    "info": N_("info"),
    "low": N_("low"),
    "medium": N_("medium"),
    "high": N_("high"),
    "critical": N_("critical"),
}

STATE_NAMES: Mapping[str, str] = {
    "open": N_("open"),
    "acknowledged": N_("acknowledged"),
    "resolved": N_("resolved"),
    "silenced": N_("silenced"),
    "cleared": N_("cleared"),
}

KIND_NAMES: Mapping[str, str] = {
    "county": N_("county"),
    "township": N_("township"),
    "town": N_("town"),
    "street": N_("street office"),
    "village": N_("village"),
    "community": N_("community"),
}

ROLE_NAMES: Mapping[str, str] = {
    "administrator": N_("administrator"),
    "inspector": N_("inspector"),
    "assessment": N_("assessment office"),
}

APPEAL_NAMES: Mapping[str, str] = {
    "pending": N_("pending"),
    "upheld": N_("upheld"),
    "overturned": N_("overturned"),
}

STATUS_NAMES: Mapping[str, str] = {
    "not_monitored": N_("not monitored"),
    "not_assessable": N_("not assessable"),
    "scored": N_("scored"),
}


class FindingLike(Protocol):
    rule_id: str
    message: str
    message_code: str | None
    message_params: dict[str, Any]


@lru_cache(maxsize=1)
def _rules() -> dict[str, type[Rule]]:
    return dict(load_rules().rules)


def _rule(rule_id: str) -> type[Rule] | None:
    return _rules().get(rule_id)


def finding_text(finding: FindingLike) -> str:
    """The finding's message in the reader's language; the stored English text when
    the finding has no code (older findings) or its rule no longer knows the code."""
    rule = _rule(finding.rule_id)
    code = getattr(finding, "message_code", None)
    template = None
    if code:
        own = rule.messages.get(code) if rule is not None else None
        template = own or COMMON_MESSAGES.get(code)
    if template is None:
        return gettext(finding.message) if finding.message else ""
    return say(template, getattr(finding, "message_params", None) or {})


def rule_title(rule_id: str) -> str:
    rule = _rule(rule_id)
    return gettext(rule.title) if rule is not None else rule_id


def next_step(rule_id: str, opened_at: datetime) -> NextStep | None:
    """The remedy and deadline of an alert on RULE_ID, in the reader's language."""
    return remedies.next_step(rule_id, _rule(rule_id), opened_at)


def indicator_name(indicator: str, title: str = "") -> str:
    known = INDICATOR_NAMES.get(indicator)
    if known is not None:
        return gettext(known)
    return title or indicator


def severity_name(severity: str) -> str:
    return gettext(SEVERITY_NAMES.get(severity, severity))


def state_name(state: str) -> str:
    return gettext(STATE_NAMES.get(state, state))


def named(table: Mapping[str, str], key: str | None) -> str:
    """KEY in words from TABLE, in the reader's language; unknown keys as they are."""
    if key is None or key not in table:
        return key or ""
    return gettext(table[key])


def kind_name(kind: str | None) -> str:
    return named(KIND_NAMES, kind)


def role_name(role: str | None) -> str:
    return named(ROLE_NAMES, role)


def appeal_name(state: str | None) -> str:
    return named(APPEAL_NAMES, state)


def status_name(status: str | None) -> str:
    if status is None or status not in STATUS_NAMES:
        return status or ""
    return gettext(STATUS_NAMES[status])
