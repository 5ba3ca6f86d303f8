"""Column headers of exported tables. English exports keep the column keys (scripts
read them); other languages get the headers in words."""

from __future__ import annotations

from collections.abc import Iterable

from monitor import i18n
from monitor.i18n import N_, gettext
from monitor.i18n.words import INDICATOR_NAMES

__all__ = ["COLUMN_LABELS", "headers"]

COLUMN_LABELS: dict[str, str] = {
    "id": N_("No."),
    "code": N_("Unit code"),
    "unit_code": N_("Unit code"),
    "name": N_("Unit"),
    "unit_name": N_("Unit"),
    "level": N_("Level"),
    "change": N_("Change"),
    "status": N_("Status"),
    "rule_id": N_("Rule"),
    "period": N_("Period"),
    "subject": N_("Subject"),
    "severity": N_("Severity"),
    "message": N_("Message"),
    "first_seen": N_("First seen"),
    "published": N_("Published"),
    "title": N_("Title"),
    "category": N_("Category"),
    "url": N_("Address"),
    "removed_at": N_("Removed"),
    "indicator": N_("Indicator"),
    "value": N_("Score"),
    "max_value": N_("Max"),
    "weight": N_("Weight"),
    "assessable_fraction": N_("Assessable share"),
    "scheme": N_("Scheme"),
    "scheme_version": N_("Scheme"),
    "config_hash": N_("Configuration hash"),
    "computed_for": N_("Computed for"),
    "passed": N_("Passed"),
    "deductions": N_("Deductions"),
    "points_deducted": N_("Points deducted"),
    "finding_ids": N_("Findings"),
    "state": N_("State"),
    "opened_at": N_("Opened"),
    "acknowledged_by": N_("Acknowledged by"),
    "resolved_at": N_("Resolved at"),
    "silenced_until": N_("Silenced until"),
    **INDICATOR_NAMES,
}


def headers(columns: Iterable[str]) -> list[str]:
    """The header row for COLUMNS in the language of the moment."""
    if i18n.current() == "en":
        return list(columns)
    return [gettext(COLUMN_LABELS[c]) if c in COLUMN_LABELS else c for c in columns]
