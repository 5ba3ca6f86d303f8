"""What every command shares: the settings built once in the root callback, the
store opened from them, ``--as-of`` parsing and JSON output."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import cached_property
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import typer
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from monitor import i18n
from monitor.settings import Settings, load_settings
from monitor.store.db import make_engine, make_sessionmaker

if TYPE_CHECKING:
    from monitor.runtime import Runtime


@dataclass
class AppState:
    settings: Settings
    _engine: Engine | None = field(default=None, repr=False)

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.database_url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return make_sessionmaker(self.engine)

    @cached_property
    def runtime(self) -> Runtime:
        """Rules, ruleset, scheme and calendar: built once, for the commands that judge
        or score; a file that cannot be read ends the command here, with its name."""
        from monitor.runtime import ConfigurationError, build_runtime

        try:
            return build_runtime(self.settings)
        except ConfigurationError as exc:
            typer.echo(f"error: configuration: {exc}", err=True)
            raise typer.Exit(2) from exc


def init_state(ctx: typer.Context, config: str | None, lang: str | None = None) -> AppState:
    """Built once per command, from ``--config`` (kept in the context, never put in
    the environment); the command's language from ``--lang`` (see :func:`cli_locale`)."""
    state = AppState(settings=load_settings(config or None))
    i18n.set_current(cli_locale(lang, state.settings))
    ctx.obj = state
    return state


def cli_locale(lang: str | None, settings: Settings) -> str:
    """``--lang``, else the language setting when one was given (file or environment),
    else the POSIX locale, else zh_CN."""
    if lang is not None:
        chosen = i18n.normalize(lang)
        if chosen is None:
            raise typer.BadParameter(f"--lang wants one of {', '.join(i18n.LOCALES)}")
        return chosen
    if "language" in settings.model_fields_set:
        return settings.language
    return i18n.from_environment() or settings.language


def ready_store(app_state: AppState) -> None:
    """Make a never-migrated (empty) store ready; stop in one line when the store is
    at another revision (exit 2), never with a traceback."""
    from monitor.store.migrate import SchemaBehind, ensure_schema

    try:
        if ensure_schema(app_state.engine):
            typer.echo("new store: created its schema (as `monitor db upgrade` does)", err=True)
    except SchemaBehind as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def state(ctx: typer.Context) -> AppState:
    obj = ctx.find_root().obj
    if not isinstance(obj, AppState):  # pragma: no cover - the root callback always sets it
        raise typer.BadParameter("settings not initialised")
    return obj


def parse_as_of(value: str | None, tz: str = "Asia/Shanghai") -> datetime:
    """``--as-of`` accepts a date (end of that local day) or an ISO timestamp."""
    zone = ZoneInfo(tz)
    if not value:
        return datetime.now(UTC)
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime.combine(day, time(23, 59, 59), zone).astimezone(UTC)
        stamp = datetime.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"--as-of wants YYYY-MM-DD or an ISO timestamp: {exc}") from exc
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=zone)
    return stamp.astimezone(UTC)


AS_OF_HELP = "Judge time as of this date (end of that day, Asia/Shanghai) or ISO timestamp."


def require_secret_key(settings: Settings) -> None:
    """Stop a command that serves the web when the secret key would let anyone forge
    a session: one line saying how to make a key, exit status 2."""
    from monitor.web.security import InsecureSecretKey, check_secret_key

    try:
        check_secret_key(settings.secret_key)
    except InsecureSecretKey as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


# What a terminal acts on rather than shows: escape sequences (CSI such as colours and
# cursor moves, OSC such as window titles and hyperlinks, DCS/SOS/PM/APC strings, and
# two-byte ESC sequences), C0 controls but tab and newline, DEL, C1 controls (8-bit
# CSI is U+009B), and the bidirectional overrides that reorder what is shown.
_TERMINAL_CONTROL = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"
    r"|\x1b[\s\S]?"
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
)
# json.dumps escapes C0 but leaves DEL, C1 and the bidi controls as they are.
_JSON_UNESCAPED = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """TEXT without anything a terminal would execute (crawled text is anyone's)."""
    return _TERMINAL_CONTROL.sub("", text)


def echo_text(text: str, *, err: bool = False) -> None:
    """Print text that may hold crawled or user-supplied values."""
    typer.echo(terminal_safe(text), err=err)


def echo_json(data: Any) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    # Those characters only occur inside JSON strings, where \uXXXX means the same.
    typer.echo(_JSON_UNESCAPED.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text))
