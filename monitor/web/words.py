"""What the templates use to speak the reader's language and show local times."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from jinja2 import Environment

from monitor import i18n
from monitor.i18n import words
from monitor.settings import Settings


def local_time(value: datetime | None, zone: ZoneInfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """VALUE (stored in UTC, naive or aware) in ZONE, as the reader's clock shows it."""
    if value is None:
        return ""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(zone).strftime(fmt)


def html_lang() -> str:
    return "zh-CN" if i18n.current() == "zh_CN" else "en"


def install(env: Environment, settings: Settings) -> None:
    zone = ZoneInfo(settings.timezone)
    env.filters["localtime"] = lambda value, fmt="%Y-%m-%d %H:%M": local_time(value, zone, fmt)
    env.globals["html_lang"] = html_lang
    env.globals["locale"] = i18n.current
    env.globals["finding_text"] = words.finding_text
    env.globals["rule_title"] = words.rule_title
    env.globals["next_step"] = words.next_step
    env.globals["indicator_name"] = words.indicator_name
    env.filters["severity"] = words.severity_name
    env.filters["state"] = words.state_name
    env.filters["status"] = words.status_name
    env.filters["kind"] = words.kind_name
    env.filters["role"] = words.role_name
    env.filters["appeal"] = words.appeal_name
    env.globals["timezone"] = settings.timezone
