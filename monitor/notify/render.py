"""Plain-text renderings of outbox payloads for human channels (e-mail, chat robots)."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["render"]

_HEADINGS = {
    "opened": "新告警 New",
    "repeated": "仍未处理 Still open",
    "resolved": "已解除 Resolved",
    "escalated": "超时未确认 Escalated (unacknowledged)",
}


def render(topic: str, payload: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) for a message."""
    if topic.startswith("alert."):
        unit = payload.get("unit", {})
        counts = ", ".join(f"{len(payload[k])} {k}" for k in _HEADINGS if payload.get(k))
        prefix = "[公开监测·升级]" if topic == "alert.escalation" else "[公开监测]"
        subject = f"{prefix} {unit.get('name', '')} ({unit.get('code', '')}): {counts}"
        lines = [subject, ""]
        for kind, heading in _HEADINGS.items():
            alerts = payload.get(kind) or []
            if not alerts:
                continue
            lines.append(f"{heading}:")
            for a in alerts:
                lines.append(
                    f"  #{a['id']} [{a['severity']}] {a['rule_id']} {a['subject']}"
                    f" ({a.get('period') or ''}): {a.get('title', '')}"
                )
                if a.get("evidence"):
                    lines.append(
                        "    evidence: " + json.dumps(a["evidence"], ensure_ascii=False)[:500]
                    )
            lines.append("")
        return subject, "\n".join(lines)
    if topic == "score.updated":
        subject = f"[公开监测] scores {payload.get('period')} ({payload.get('scheme_version')})"
        lines = [subject, ""]
        for s in payload.get("scores", []):
            lines.append(f"  {s['unit_code']} {s['unit_name']}: {s['total']}")
        return subject, "\n".join(lines)
    return topic, json.dumps(payload, ensure_ascii=False, indent=2, default=str)
