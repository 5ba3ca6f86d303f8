"""Highlighted snippets: the text around the first match, HTML-escaped, every
occurrence of a term wrapped in ``<mark>``. Pure; the same for both backends."""

from __future__ import annotations

import re
from collections.abc import Sequence

from markupsafe import Markup, escape

WINDOW = 60  # characters shown before and after the first match


def _pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    wanted = sorted({t for t in terms if t}, key=len, reverse=True)
    if not wanted:
        return None
    return re.compile("|".join(re.escape(t) for t in wanted), re.IGNORECASE)


def highlight(text: str, terms: Sequence[str]) -> Markup:
    """TEXT escaped, with each occurrence of a term marked."""
    pattern = _pattern(terms)
    if pattern is None:
        return escape(text)
    out, last = [], 0
    for m in pattern.finditer(text):
        out.append(str(escape(text[last : m.start()])))
        out.append(f"<mark>{escape(m.group(0))}</mark>")
        last = m.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out))


def snippet(text: str, terms: Sequence[str], window: int = WINDOW) -> Markup:
    """Up to ``2 * window`` characters of TEXT around its first match, highlighted;
    the start of the text when nothing matches (a match in a field not shown)."""
    pattern = _pattern(terms)
    first = pattern.search(text) if pattern is not None else None
    start = max(0, first.start() - window) if first else 0
    end = min(len(text), (first.end() if first else 0) + window)
    piece = " ".join(text[start:end].split())
    marked = highlight(piece, terms)
    return Markup(("…" if start else "") + marked + ("…" if end < len(text) else ""))
