"""The period a periodic disclosure covers, read from its title (or its opening text).

"2026年8月财务收支公开" published on 6 September is August's disclosure, "第三季度村务公开"
published in October is the third quarter's: a series is judged on the periods its
items cover, not on the days they were published (DOMAIN.md, "Periodic disclosures").

Pure and standard-library only: :func:`covered_period` takes the title, the text and
the publication day and returns a :class:`Covered` span, or None when no period is
named. Understood forms (Arabic or Chinese numerals, 年/年度, 份 optional):

- a month: ``2026年8月``, ``8月份``, ``八月``, ``十二月`` (not a day: ``8月15日`` is a date);
- a range of months: ``7-9月``, ``7月至9月``, ``7月—9月``, ``1-6月`` (a quarter, a half or
  a whole year when the range is one, otherwise a span of months);
- a quarter: ``第三季度``, ``三季度``, ``一季度``, ``第3季度``, ``Q3``;
- a half: ``上半年``, ``下半年``;
- a year: ``2026年度``, ``2026年`` (when nothing finer follows).

A period without a year takes the latest year in which it does not start after the
publication day: "12月份" published on 8 January 2027 is December 2026's.
"""

from __future__ import annotations

import calendar as _stdcal
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

__all__ = ["Covered", "covered_period", "deadline_after", "parse_covered"]

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_MONTH = r"(?:1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
_YEAR = r"(?P<year>(?:19|20)\d{2})\s*年(?:度)?\s*"
_RANGE_SEP = r"\s*(?:-|－|—|–|~|～|至|到)\s*"
# A month followed by a day number is a date, not a period.
_NOT_A_DAY = r"(?!\s*(?:\d{1,2}|[一二三]?十?[一二三四五六七八九十]?)\s*[日号])"

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "range",
        re.compile(
            rf"(?:{_YEAR})?(?P<m1>{_MONTH})\s*月?(?:份)?{_RANGE_SEP}(?P<m2>{_MONTH})\s*月(?:份)?"
            + _NOT_A_DAY
        ),
    ),
    (
        "quarter",
        re.compile(
            rf"(?:{_YEAR})?(?:(?:第\s*)?(?P<q>[1-4一二三四])\s*季度|Q(?P<q2>[1-4])(?![0-9]))"
        ),
    ),
    ("half", re.compile(rf"(?:{_YEAR})?(?P<h>[上下])半年")),
    ("month", re.compile(rf"(?:{_YEAR})?(?P<m>{_MONTH})\s*月(?:份)?" + _NOT_A_DAY)),
)
_SEP = re.compile("[-－—–~～至到]")


def _possible(text: str) -> tuple[bool, bool, bool, bool]:
    """Which of ``_PATTERNS`` can match ``text`` at all, by the literals each needs: the
    others are not searched for (most titles name one kind of period, and the regexes
    cost a million items a fifth of a full evaluation)."""
    month = "月" in text
    return (
        month and _SEP.search(text) is not None,
        "季度" in text or "Q" in text,
        "半年" in text,
        month,
    )


_YEAR_ONLY = re.compile(
    r"(?P<year>(?:19|20)\d{2})\s*年(?P<du>度)?(?![\d〇一二三四五六七八九十]+\s*月)"
)
# In the text a period counts only where it names what is disclosed, not any date the
# text mentions ("根据2026年8月省厅通知" is no period): it must be followed closely by one of
# these words.
_TEXT_NOUNS = ("收支", "财务", "村务", "居务", "党务", "政务", "公开", "情况", "明细", "报表")
_TEXT_HEAD = 400


def _number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text.startswith("十"):
        return 10 + (_CN_DIGITS[text[1]] if len(text) > 1 else 0)
    return _CN_DIGITS[text]


def is_run_of_months(first: int, last: int) -> bool:
    return 1 <= first <= last <= 12


@dataclass(frozen=True, order=True)
class Covered:
    """A span of whole months an item covers. ``kind`` is month, quarter, half, year
    or months (any other run of months); ``key`` is ``2026-08``, ``2026-Q3``,
    ``2026-H1``, ``2026`` or ``2026-07..2026-08``."""

    start: date
    end: date  # inclusive, the last day of the last month
    kind: str
    key: str

    @classmethod
    def months(cls, year: int, first: int, last: int) -> Covered:
        if not is_run_of_months(first, last):
            raise ValueError(f"not a run of months: {first}-{last}")
        end = date(year, last, _stdcal.monthrange(year, last)[1])
        start = date(year, first, 1)
        if first == last:
            return cls(start, end, "month", f"{year}-{first:02d}")
        if (first, last) == (1, 12):
            return cls(start, end, "year", f"{year}")
        if last - first == 2 and first % 3 == 1:
            return cls(start, end, "quarter", f"{year}-Q{(first - 1) // 3 + 1}")
        if (first, last) in ((1, 6), (7, 12)):
            return cls(start, end, "half", f"{year}-H{1 if first == 1 else 2}")
        return cls(start, end, "months", f"{year}-{first:02d}..{year}-{last:02d}")

    def within(self, start: date, end: date) -> bool:
        return start <= self.start and self.end <= end

    def deadline(self, window_day: int) -> date:
        return deadline_after(self.end, window_day)


def deadline_after(end: date, window_day: int) -> date:
    """Day ``window_day`` of the month after ``end`` (clamped to that month's length):
    the publication window of a period ending on ``end``."""
    year, month = (end.year + 1, 1) if end.month == 12 else (end.year, end.month + 1)
    return date(year, month, max(1, min(window_day, _stdcal.monthrange(year, month)[1])))


def _months_of(kind: str, m: re.Match[str]) -> tuple[int, int]:
    if kind == "range":
        return _number(m["m1"]), _number(m["m2"])
    if kind == "quarter":
        q = _number(m["q"] or m["q2"])
        return 3 * q - 2, 3 * q
    if kind == "half":
        return (1, 6) if m["h"] == "上" else (7, 12)
    month = _number(m["m"])
    return month, month


def _year_of(m: re.Match[str]) -> int | None:
    return int(m["year"]) if m["year"] else None


def _first(text: str, *, noun_after: bool) -> tuple[int | None, int, int] | None:
    """The earliest period phrase in ``text``: (year or None, first month, last month)."""
    best: tuple[int, tuple[int | None, int, int]] | None = None
    for (kind, pattern), possible in zip(_PATTERNS, _possible(text), strict=True):
        if not possible:
            continue
        for m in pattern.finditer(text):
            if noun_after and not any(n in text[m.end() : m.end() + 8] for n in _TEXT_NOUNS):
                continue
            try:
                first, last = _months_of(kind, m)
            except (KeyError, ValueError):
                continue
            if not is_run_of_months(first, last):  # what Covered.months refuses
                continue
            # A year may stand anywhere before the phrase ("2026年村级第三季度").
            year = _year_of(m)
            if year is None:
                before = list(_YEAR_ONLY.finditer(text[: m.start()]))
                year = int(before[-1]["year"]) if before else None
            if best is None or m.start() < best[0]:
                best = (m.start(), (year, first, last))
            break
    if best is not None:
        return best[1]
    for m in _YEAR_ONLY.finditer(text):
        if noun_after and not any(n in text[m.end() : m.end() + 8] for n in _TEXT_NOUNS):
            continue
        return int(m["year"]), 1, 12
    return None


def _place(year: int | None, first: int, last: int, published: date | None) -> Covered | None:
    if year is None:
        if published is None:
            return None
        # The latest year in which the period does not start after publication.
        year = published.year if first <= published.month else published.year - 1
    return _months(year, first, last)


# A handful of distinct spans for a million items: build each once (Covered is frozen).
_months = lru_cache(maxsize=4096)(Covered.months)


@lru_cache(maxsize=65536)
def parse_covered(title: str, text_head: str = "", published: date | None = None) -> Covered | None:
    """The period named in ``title``, else in ``text_head`` (where it must name what is
    disclosed), placed in a year by ``published`` when it names none."""
    found = _first(title or "", noun_after=False)
    if found is None and text_head:
        found = _first(text_head, noun_after=True)
    if found is None:
        return None
    return _place(*found, published)


def covered_period(title: str, text: str = "", published: date | None = None) -> Covered | None:
    """:func:`parse_covered` on a title and the head of a text."""
    return parse_covered(title or "", (text or "")[:_TEXT_HEAD], published)
