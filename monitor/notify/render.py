"""Plain-text renderings of outbox payloads for human channels (e-mail, chat robots),
in the recipient's language (the channel's ``lang``, else ``settings.language``):
each alert with its number, what to do next and by when, and a link to it when
``web.base_url`` is set."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from monitor import i18n
from monitor.i18n import N_, gettext
from monitor.i18n import words as w
from monitor.settings import Settings

__all__ = ["render"]

_HEADINGS = {
    "opened": N_("New alerts"),
    "repeated": N_("Still open"),
    "resolved": N_("Resolved"),
    "escalated": N_("Escalated (unacknowledged)"),
}


class _Coded:
    """A payload alert's finding, enough for :func:`words.finding_text`."""

    def __init__(self, alert: dict[str, Any]) -> None:
        self.rule_id = str(alert.get("rule_id", ""))
        self.message = str(alert.get("title", ""))
        self.message_code = alert.get("message_code")
        self.message_params = alert.get("message_params") or {}


def _alert_lines(a: dict[str, Any], settings: Settings | None) -> list[str]:
    title = w.finding_text(_Coded(a)) if a.get("message_code") else a.get("title", "")
    lines = [
        f"  A-{a['id']} [{w.severity_name(str(a['severity']))}] {w.rule_title(a['rule_id'])}"
        f" <{a['rule_id']}> · {a['subject']} ({a.get('period') or ''}): {title}"
    ]
    opened = a.get("opened_at")
    step = w.next_step(a["rule_id"], datetime.fromisoformat(opened)) if opened else None
    if step is not None:
        zone = ZoneInfo(settings.timezone if settings else "Asia/Shanghai")
        due = step.due.astimezone(zone).date().isoformat()
        todo = gettext("To do: %(remedy)s Deadline: %(day)s")
        lines.append("    " + todo % {"remedy": step.remedy, "day": due})
    base = settings.web.base_url.rstrip("/") if settings else ""
    if base:
        lines.append(
            "    " + gettext("Open: %(url)s") % {"url": f"{base}/workspace/alerts/{a['id']}"}
        )
    if a.get("evidence"):
        evidence = json.dumps(a["evidence"], ensure_ascii=False)[:500]
        lines.append("    " + gettext("Evidence: %(evidence)s") % {"evidence": evidence})
    return lines


def _alerts(topic: str, payload: dict[str, Any], settings: Settings | None) -> tuple[str, str]:
    unit = payload.get("unit", {})
    counts = ", ".join(
        f"{gettext(heading)} {len(payload[k])}"
        for k, heading in _HEADINGS.items()
        if payload.get(k)
    )
    if topic == "alert.escalation":
        prefix = gettext("[Disclosure monitor · escalated]")
    else:
        prefix = gettext("[Disclosure monitor]")
    subject = f"{prefix} {unit.get('name', '')} ({unit.get('code', '')}): {counts}"
    lines = [subject, ""]
    for kind, heading in _HEADINGS.items():
        alerts = payload.get(kind) or []
        if not alerts:
            continue
        lines.append(f"{gettext(heading)}:")
        for a in alerts:
            lines.extend(_alert_lines(a, settings))
        lines.append("")
    return subject, "\n".join(lines)


def render(
    topic: str, payload: dict[str, Any], settings: Settings | None = None, lang: str | None = None
) -> tuple[str, str]:
    """(subject, body) for a message, in LANG (else the settings' language)."""
    locale = i18n.normalize(lang) or (settings.language if settings else i18n.DEFAULT_LOCALE)
    with i18n.using(locale):
        if topic.startswith("alert."):
            return _alerts(topic, payload, settings)
        if topic == "score.updated":
            prefix = gettext("[Disclosure monitor]")
            period, scheme = payload.get("period"), payload.get("scheme_version")
            subject = f"{prefix} {gettext('scores')} {period} ({scheme})"
            lines = [subject, ""]
            for s in payload.get("scores", []):
                lines.append(f"  {s['unit_code']} {s['unit_name']}: {s['total']}")
            return subject, "\n".join(lines)
    return topic, json.dumps(payload, ensure_ascii=False, indent=2, default=str)
