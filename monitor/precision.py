"""Precision of the rules, measured on inspectors' verdicts.

When an inspector resolves a finding's alert they may say whether the finding was
right (``confirmed``) or wrong (``false_positive``); an appeal that overturned a
finding counts as a false positive whatever was said before. Per rule and rule
version: confirmed, false positives, pending (assessable findings with no verdict),
and precision = confirmed / (confirmed + false positives), None before any verdict.

A rule whose newest version has at least ``rules.precision_min_verdicts`` verdicts
and a precision under ``rules.precision_alert_below`` is *flagged*: shown on the
workspace page and on ``/metrics`` (``disclosure_rule_precision`` and
``disclosure_rule_precision_low``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.alerts.models import Appeal
from monitor.settings import RulesSettings
from monitor.store.models import Finding

__all__ = [
    "CONFIRMED",
    "FALSE_POSITIVE",
    "VERDICTS",
    "RulePrecision",
    "flagged",
    "latest_by_rule",
    "parse_verdict",
    "precision",
    "record_verdict",
]

CONFIRMED = "confirmed"
FALSE_POSITIVE = "false_positive"
VERDICTS = (CONFIRMED, FALSE_POSITIVE)


def parse_verdict(text: str | None) -> str | None:
    """``confirmed`` / ``false-positive`` (or ``false_positive``, ``fp``); empty: None."""
    if text is None or not text.strip():
        return None
    value = text.strip().lower().replace("-", "_").replace(" ", "_")
    if value == "fp":
        value = FALSE_POSITIVE
    if value not in VERDICTS:
        raise ValueError(f"verdict must be confirmed or false-positive, not {text!r}")
    return value


def record_verdict(finding: Finding, verdict: str, *, by: str, now: datetime) -> None:
    if verdict not in VERDICTS:
        raise ValueError(f"unknown verdict {verdict!r}")
    finding.verdict = verdict
    finding.verdict_by = by
    finding.verdict_at = now


@dataclass
class RulePrecision:
    rule_id: str
    rule_version: str
    confirmed: int = 0
    false_positive: int = 0
    pending: int = 0
    overturned: int = 0  # of the false positives, by appeal
    flagged: bool = False

    @property
    def verdicts(self) -> int:
        return self.confirmed + self.false_positive

    @property
    def precision(self) -> float | None:
        return round(self.confirmed / self.verdicts, 4) if self.verdicts else None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "verdicts": self.verdicts, "precision": self.precision}


def _version_key(version: str) -> tuple[int, str]:
    return (int(version), version) if version.isdigit() else (-1, version)


def precision(
    session: Session, *, since: datetime | None = None, settings: RulesSettings | None = None
) -> list[RulePrecision]:
    """Verdict counts per (rule, version) over assessable findings first seen since
    ``since``; with ``settings``, the newest version of each rule is flagged when its
    precision is under the threshold."""
    query = select(Finding.id, Finding.rule_id, Finding.rule_version, Finding.verdict).where(
        Finding.assessable
    )
    if since is not None:
        query = query.where(Finding.first_seen >= since)
    overturned = set(session.scalars(select(Appeal.finding_id).where(Appeal.state == "overturned")))
    rows: dict[tuple[str, str], RulePrecision] = {}
    for finding_id, rule_id, version, verdict in session.execute(query):
        row = rows.setdefault((rule_id, version), RulePrecision(rule_id, version))
        if finding_id in overturned:
            row.false_positive += 1
            row.overturned += 1
        elif verdict == CONFIRMED:
            row.confirmed += 1
        elif verdict == FALSE_POSITIVE:
            row.false_positive += 1
        else:
            row.pending += 1
    out = sorted(rows.values(), key=lambda r: (r.rule_id, _version_key(r.rule_version)))
    if settings is not None:
        for row in latest_by_rule(out).values():
            row.flagged = flagged(row, settings)
    return out


def latest_by_rule(rows: list[RulePrecision]) -> dict[str, RulePrecision]:
    """Each rule's newest version (a new version starts its precision afresh)."""
    out: dict[str, RulePrecision] = {}
    by_rule: dict[str, list[RulePrecision]] = defaultdict(list)
    for row in rows:
        by_rule[row.rule_id].append(row)
    for rule_id, versions in by_rule.items():
        out[rule_id] = max(versions, key=lambda r: _version_key(r.rule_version))
    return out


def flagged(row: RulePrecision, settings: RulesSettings) -> bool:
    p = row.precision
    return (
        p is not None
        and row.verdicts >= settings.precision_min_verdicts
        and p < settings.precision_alert_below
    )
