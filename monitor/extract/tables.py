"""Comma-separated values in whatever encoding the office saved them (often GBK)."""

from __future__ import annotations

import csv
import io

from charset_normalizer import from_bytes

from monitor.extract.model import Extracted, Limits, NotRead, TextBudget, row_text


def decode(data: bytes) -> str:
    for encoding in ("utf-8-sig",):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    best = from_bytes(data[: 1 << 20]).best()
    if best is None:
        raise NotRead("damaged", "not text in any known encoding")
    return data.decode(best.encoding, errors="replace")


def read_csv(data: bytes, limits: Limits) -> Extracted:
    text = decode(data)
    budget = TextBudget(limits)
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not budget.add({"row": number}, row_text(row)):
            break
    return Extracted("csv", budget.parts, truncated=budget.full)
