"""What an inspector asks of a unit for each rule's finding, and how many days the
unit gets: shown with every alert and in its notification.

A rule may carry its own (``Rule.remedy`` and ``Rule.remedy_days``); the built-in
rules' are here, marked for translation (the catalogue has them in Chinese)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.i18n import N_, gettext
from rules.api import Rule

DEFAULT_DAYS = 10

REMEDIES: dict[str, tuple[str, int]] = {
    "completeness.required_categories": (
        N_("Publish the missing category of information in the unit's disclosure column."),
        10,
    ),
    "completeness.required_metadata": (
        N_("Add the missing fields (date of formation, issuing body, document number)."),
        10,
    ),
    "completeness.periodic_series": (
        N_("Publish the missing periodic disclosure (village affairs, finances) for the period."),
        10,
    ),
    "completeness.annual_report": (
        N_("Publish the annual disclosure report for the year named."),
        10,
    ),
    "timeliness.publication_lag": (
        N_("Publish within 20 working days of formation; ask the unit to explain the delay."),
        10,
    ),
    "timeliness.stale_columns": (
        N_("Update the stale column, or state that nothing new was formed in the period."),
        10,
    ),
    "timeliness.unit_silent": (
        N_("Ask the unit why it published nothing in the period and have it resume."),
        5,
    ),
    "integrity.backdating": (
        N_("Correct the publication date to the real one and explain the correction."),
        5,
    ),
    "integrity.altered_after_publication": (
        N_("Ask the unit to explain the change; a correction is published as a dated notice."),
        5,
    ),
    "integrity.deleted_after_publication": (
        N_("Ask why the item was removed; restore it or publish the reason for withdrawing it."),
        5,
    ),
    "integrity.broken_attachments": (N_("Restore the missing or broken attachments."), 10),
    "availability.unreachable": (
        N_("Restore access to the disclosure site and report the outage and its cause."),
        3,
    ),
    "availability.channel_gone": (
        N_("Restore the disclosure column or register its new address."),
        5,
    ),
    "privacy.personal_data": (
        N_(
            "Take the personal data off the page at once (mask ID and phone numbers) and republish."
        ),
        1,
    ),
    "responsiveness.requests_overdue": (
        N_("Answer the overdue requests for information within the statutory 20 working days."),
        10,
    ),
}


@dataclass(frozen=True)
class NextStep:
    remedy: str  # in the reader's language
    days: int
    due: datetime  # the alert's opening plus DAYS


def next_step(rule_id: str, rule: type[Rule] | None, opened_at: datetime) -> NextStep | None:
    """What to do about an alert on RULE_ID opened at OPENED_AT, or None when unknown."""
    own = getattr(rule, "remedy", "") if rule is not None else ""
    if own:
        text, days = own, int(getattr(rule, "remedy_days", DEFAULT_DAYS))
    elif rule_id in REMEDIES:
        text, days = REMEDIES[rule_id]
    else:
        return None
    return NextStep(gettext(text), days, opened_at + timedelta(days=days))
