"""The readable summary printed after a run: a table per town, the worst units,
alert counts. ``build_summary`` reads; ``render_text`` formats; nothing else."""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.i18n import N_
from monitor.i18n import gettext as _
from monitor.i18n.words import indicator_name, rule_title, severity_name
from monitor.scoring.query import scores_as_of
from monitor.store.models import Alert, Finding, Unit
from rules.api import Period

PASS_LINE = 60.0


@dataclass
class UnitLine:
    code: str
    name: str
    level: str
    total: float | None
    parts: dict[str, float] = field(default_factory=dict)
    open_findings: int = 0
    open_alerts: int = 0
    villages: int = 0
    villages_passing: int = 0
    # scored | not_monitored | not_assessable (None: no score for the period)
    status: str | None = None


@dataclass
class Summary:
    period: str
    county: UnitLine | None
    towns: list[UnitLine]
    worst: list[UnitLine]
    alerts_by_severity: dict[str, int]
    findings_by_rule: dict[str, int]
    # Towns and villages by monitoring status: how many could be judged at all.
    coverage: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _latest_scores(
    session: Session, period: Period
) -> tuple[dict[int, dict[str, float]], dict[int, str]]:
    """Each unit's newest score per indicator for the period, and its status."""
    out: dict[int, dict[str, float]] = defaultdict(dict)
    status: dict[int, str] = {}
    for row in scores_as_of(session, period=period.key):
        if row.indicator == "total":
            status[row.unit_id] = row.status
        if row.value is not None:
            out[row.unit_id][row.indicator] = round(float(row.value), 2)
    return out, status


def build_summary(session: Session, period: Period, worst_n: int = 10) -> Summary:
    units = session.scalars(select(Unit).order_by(Unit.code)).all()
    scores, statuses = _latest_scores(session, period)
    keys = period.keys_within()
    findings = Counter(
        session.scalars(
            select(Finding.unit_id).where(
                Finding.status == "open", Finding.assessable, Finding.period.in_(keys)
            )
        ).all()
    )
    alerts = Counter(session.scalars(select(Alert.unit_id).where(Alert.state != "resolved")).all())

    def line(unit: Unit) -> UnitLine:
        parts = dict(scores.get(unit.id, {}))
        total = parts.pop("total", None)
        return UnitLine(
            code=unit.code,
            name=unit.name,
            level=unit.level,
            total=total,
            parts=parts,
            open_findings=findings.get(unit.id, 0),
            open_alerts=alerts.get(unit.id, 0),
            status=statuses.get(unit.id),
        )

    lines = {u.id: line(u) for u in units}
    county: UnitLine | None = None
    towns: list[UnitLine] = []
    for unit in units:
        ul = lines[unit.id]
        if unit.level == "county":
            county = ul
        elif unit.level == "town":
            kids = [lines[c.id] for c in units if c.parent_id == unit.id]
            ul.villages = len(kids)
            ul.villages_passing = sum(
                1 for k in kids if k.total is not None and k.total >= PASS_LINE
            )
            ul.open_findings += sum(k.open_findings for k in kids)
            ul.open_alerts += sum(k.open_alerts for k in kids)
            towns.append(ul)
    scored = [ul for ul in lines.values() if ul.total is not None and ul.level != "county"]
    worst = sorted(scored, key=lambda ul: (ul.total, ul.code))[:worst_n]
    by_severity = Counter(
        session.scalars(select(Alert.severity).where(Alert.state != "resolved")).all()
    )
    by_rule = Counter(
        session.scalars(
            select(Finding.rule_id).where(Finding.status == "open", Finding.period.in_(keys))
        ).all()
    )
    judged = [ul for ul in lines.values() if ul.level != "county"]
    coverage = Counter(ul.status or "no_score" for ul in judged)
    return Summary(
        coverage={"units": len(judged), **dict(sorted(coverage.items()))},
        period=period.key,
        county=county,
        towns=towns,
        worst=worst,
        alerts_by_severity=dict(sorted(by_severity.items())),
        findings_by_rule=dict(sorted(by_rule.items())),
    )


_STATUS_TEXT = {"not_monitored": N_("not monitored"), "not_assessable": N_("not assessable")}


def _fmt(value: float | None) -> str:
    return "   –" if value is None else f"{value:5.1f}"


def _total(line: UnitLine) -> str:
    if line.total is None and line.status in _STATUS_TEXT:
        return _(_STATUS_TEXT[line.status])
    return _fmt(line.total)


def _width(text: str) -> int:
    # Wide and full-width characters (CJK) take two columns in a terminal.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _coverage_line(cov: dict[str, int]) -> str:
    line = _("Monitored: %(scored)s of %(units)s towns and villages") % {
        "scored": cov.get("scored", 0),
        "units": cov.get("units", 0),
    }
    for key, text in (
        ("not_monitored", N_("not monitored (no feed)")),
        ("not_assessable", N_("not assessable (no feed read in the period)")),
        ("no_score", N_("no score yet")),
    ):
        if cov.get(key):
            line += f"; {_(text)}: {cov[key]}"
    if cov.get("scored", 0) < cov.get("units", 0):
        line += _(" — these have no score, never count as passed, and are left out of averages")
    return line


def _town_table(summary: Summary) -> list[str]:
    parts = sorted({k for t in summary.towns for k in t.parts})[:3]
    names = [indicator_name(p) for p in parts]
    header = _pad(_("town"), 16) + " " + _pad(_("score"), 6)
    header += "".join(" " * max(1, 13 - _width(n)) + n for n in names)
    for label, width in ((_("villages"), 10), (_("passing"), 9), (_("findings"), 10)):
        header += " " * max(1, width - _width(label)) + label
    header += " " * max(1, 8 - _width(_("alerts"))) + _("alerts")
    out = ["", header, "-" * _width(header)]
    for t in summary.towns:
        row = _pad(t.name, 16) + f" {_total(t)} "
        row += "".join(f"{_fmt(t.parts.get(p)):>13}" for p in parts)
        row += (
            f"  {t.villages:8d}  {t.villages_passing:7d}  {t.open_findings:8d}  {t.open_alerts:6d}"
        )
        out.append(row)
    return out


def render_text(summary: Summary) -> str:
    """The summary as text, in the language of the moment (``monitor --lang``)."""
    out = [_("Disclosure summary for %(period)s") % {"period": summary.period}]
    if summary.county:
        out.append(
            _("County %(name)s (%(code)s): score %(score)s")
            % {
                "name": summary.county.name,
                "code": summary.county.code,
                "score": _total(summary.county).strip(),
            }
        )
    if summary.coverage:
        out.append(_coverage_line(summary.coverage))
    out += _town_table(summary)
    out += ["", _("Worst units:")]
    for ul in summary.worst:
        findings = _("%(n)s findings") % {"n": ul.open_findings}
        out.append(f"  {_fmt(ul.total)}  {ul.code}  {ul.name}  ({findings})")
    unscored = [ul for ul in summary.towns if ul.status in _STATUS_TEXT]
    if unscored:
        out += ["", _("Towns without a score:")]
        for ul in unscored:
            out.append(f"  {ul.code}  {ul.name}: {_(_STATUS_TEXT[str(ul.status)])}")
    by_severity = ", ".join(
        f"{severity_name(k)} {v}" for k, v in summary.alerts_by_severity.items()
    )
    out += ["", _("Open alerts by severity: ") + (by_severity or _("none"))]
    out.append(_("Open findings by rule:"))
    for rule, n in summary.findings_by_rule.items():
        out.append(f"  {n:5d}  {rule_title(rule)} <{rule}>")
    return "\n".join(out)
