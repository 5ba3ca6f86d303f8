"""Check the catalogues as the monitor reads them: each compiles, every Chinese text
is translated, and each translation uses only its message's fields (``{name}`` and
``%(name)s``): any other would fail at render time.

``python -m monitor.i18n.check`` (run by ``make messages``) prints the problems and
exits 1 when there are any."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from monitor.i18n import LOCALE_DIR, LOCALES

_FIELDS = re.compile(r"\{(\w+)\}|%\((\w+)\)s")


def fields(text: str) -> set[str]:
    return {a or b for a, b in _FIELDS.findall(text)}


def problems(locale_dir: Path = LOCALE_DIR) -> list[str]:
    found = []
    for locale in LOCALES:
        path = locale_dir / locale / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as fp:
            catalog = read_po(fp, locale=locale)
        for message in catalog:
            if not message.id or not isinstance(message.id, str):
                continue
            if not message.string:
                if locale != "en":  # English msgids are their own translation
                    found.append(f"{locale}: untranslated: {message.id!r}")
                continue
            if "fuzzy" in message.flags:
                found.append(f"{locale}: fuzzy: {message.id!r}")
            # A field the message lacks would fail at render time; one left out is a
            # choice (a value that reads only in English).
            if not fields(str(message.string)) <= fields(message.id):
                found.append(f"{locale}: fields not in the message: {message.id!r}")
    return found


def main() -> int:
    found = problems()
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
