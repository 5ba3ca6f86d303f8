"""Languages: Chinese (zh_CN) first, English second.

Messages are written in English in the code (the gettext msgid) and translated by the
catalogues under ``locales/<locale>/LC_MESSAGES/messages.po``. The ``.po`` files are
compiled in memory when first used (no ``.mo`` is committed); ``make messages``
extracts, updates and checks them.

The language of the moment lives in a context variable: the web sets it per request
(:mod:`monitor.web.locale`), the CLI once per command, the notifier per message. Code
that renders text calls :func:`gettext` (or :func:`say`) and never passes the locale
down by hand.
"""

from __future__ import annotations

import gettext as _gettext
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

__all__ = [
    "DEFAULT_LOCALE",
    "LOCALES",
    "N_",
    "current",
    "from_accept_language",
    "from_environment",
    "gettext",
    "ngettext",
    "normalize",
    "say",
    "translations",
    "using",
]

LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"
LOCALE_DIR = Path(__file__).resolve().parent / "locales"

_current: ContextVar[str] = ContextVar("monitor_locale", default=DEFAULT_LOCALE)


def N_(message: str) -> str:
    """Mark MESSAGE for extraction without translating it now (rule titles, templates
    of finding messages): it is translated where it is shown."""
    return message


def normalize(tag: str | None) -> str | None:
    """A supported locale for a language tag (``zh-CN``, ``zh_Hans``, ``en-US``,
    ``zh_CN.UTF-8``), or None."""
    if not tag:
        return None
    base = tag.strip().split(".")[0].replace("-", "_").lower()
    if base.startswith("zh"):
        return "zh_CN"
    if base == "en" or base.startswith("en_"):
        return "en"
    return None


def from_accept_language(header: str | None) -> str | None:
    """The best supported locale of an ``Accept-Language`` header, or None."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            continue
        locale = normalize(tag)
        if locale is not None and weight > 0:
            ranked.append((-weight, index, locale))
    return min(ranked)[2] if ranked else None


def from_environment(environ: Mapping[str, str] | None = None) -> str | None:
    """The locale the POSIX environment asks for (``LC_ALL``, ``LC_MESSAGES``, ``LANG``)."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if env.get(name):
            return normalize(env[name])
    return None


@cache
def translations(locale: str) -> _gettext.NullTranslations:
    """The catalogue of LOCALE, compiled from its ``.po`` on first use."""
    path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return _gettext.NullTranslations()
    with path.open("rb") as fp:
        catalog = read_po(fp, locale=locale)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled)


def current() -> str:
    return _current.get()


def set_current(locale: str) -> None:
    _current.set(locale if locale in LOCALES else DEFAULT_LOCALE)


@contextmanager
def using(locale: str) -> Iterator[None]:
    """Render in LOCALE inside the block."""
    token = _current.set(locale if locale in LOCALES else DEFAULT_LOCALE)
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str) -> str:
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current()).ngettext(singular, plural, n)


def say(template: str, params: Mapping[str, Any] | None = None) -> str:
    """TEMPLATE translated, then filled with PARAMS (``{name}`` fields). A translation
    that names a field the parameters lack falls back to the English template."""
    values = dict(params or {})
    try:
        return gettext(template).format(**values)
    except (KeyError, IndexError, ValueError):
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):
            return template
