"""What an extraction returns, and the limits it works within."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class NotRead(Exception):
    """The file could not be read; the message says why (``image``, ``encrypted`` …)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Limits:
    max_chars: int = 2_000_000  # text kept per file; past it the rest is not read
    max_unpacked_bytes: int = 200 * 1024 * 1024  # xlsx/docx: a zip bomb is refused
    max_ratio: int = 200  # one member unpacking to more than this many times its size
    ocr_timeout: float = 60.0
    ocr_language: str = "chi_sim"


@dataclass(frozen=True)
class Part:
    """A piece of text and where it is: ``{"sheet": "名单", "row": 3}`` (cells split by
    tabs, so a column is the count of tabs before it), ``{"page": 2}``, ``{"table": 1,
    "row": 4}``, ``{"paragraphs": True}``, ``{"ocr": True}``."""

    where: dict[str, Any]
    text: str

    def as_json(self) -> dict[str, Any]:
        return {"where": self.where, "text": self.text}


@dataclass
class Extracted:
    kind: str
    parts: list[Part] = field(default_factory=list)
    not_read: str | None = None  # why not, e.g. "image: tesseract is not installed"
    truncated: bool = False

    @property
    def chars(self) -> int:
        return sum(len(p.text) for p in self.parts)


class TextBudget:
    """Collects parts up to ``max_chars``; ``full`` once past it."""

    def __init__(self, limits: Limits) -> None:
        self.left = limits.max_chars
        self.parts: list[Part] = []
        self.full = False

    def add(self, where: dict[str, Any], text: str) -> bool:
        text = text.strip()
        if not text:
            return not self.full
        if len(text) > self.left:
            text, self.full = text[: self.left], True
        self.left -= len(text)
        self.parts.append(Part(where, text))
        return not self.full


def row_text(values: list[Any]) -> str:
    """A spreadsheet row as text: cells by tabs (empty ones kept, so a cell's column is
    its index), trailing empties dropped, whitespace inside a cell collapsed."""
    cells = ["" if v is None else " ".join(str(v).split()) for v in values]
    while cells and not cells[-1]:
        cells.pop()
    return "\t".join(cells)
