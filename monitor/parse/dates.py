"""Dates as disclosure pages print them, read in Asia/Shanghai.

An unparseable date is never dropped nor guessed: the caller keeps the text and
the error this module returns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from email.utils import parsedate_to_datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

# 2026年11月28日, 2026-5-28 16:05:36, 2026/11/28, 2026.11.28, with optional time.
_CN = re.compile(
    r"(?P<y>\d{4})\s*[年\-/.]\s*(?P<m>\d{1,2})\s*[月\-/.]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:[\sT]*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{1,2})(?:\s*[:：分]\s*(?P<S>\d{1,2}))?)?"
)
_COMPACT = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$")
_ISO_TZ = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$"
)
# The form RSS feeds print ("Wed, 18 Nov 2026 00:27:00 +0800"), read without the
# email package's general parser, which cost a cold crawl more than any other date.
_RFC822 = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([1-9]\d{3}) "
    r"(\d{2}):(\d{2})(?::(\d{2}))? ([+-])(\d{2})([0-5]\d)"
)
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}
_FULLWIDTH = str.maketrans("０１２３４５６７８９：－／．", "0123456789:-/.")


@dataclass(frozen=True, slots=True)
class ParsedDate:
    text: str
    day: date | None  # the calendar day in Asia/Shanghai
    at: datetime | None  # the instant in UTC when the text had a time of day
    error: str | None = None


def parse_date(text: str | None, tz: ZoneInfo = SHANGHAI) -> ParsedDate | None:
    """Parse one printed date; None for empty input, an error for unreadable text."""
    if isinstance(text, str):
        # A feed prints the same few dates over and over; the result is immutable.
        return _parse_text(text, tz)
    return _parse(text, tz)


@lru_cache(maxsize=8192)
def _parse_text(text: str, tz: ZoneInfo) -> ParsedDate | None:
    return _parse(text, tz)


def _parse(text: str | None, tz: ZoneInfo) -> ParsedDate | None:
    if text is None:
        return None
    raw = " ".join(str(text).split())
    if not raw:
        return None
    s = raw if raw.isascii() else raw.translate(_FULLWIDTH)  # str.translate is slow
    if _ISO_TZ.search(s):
        try:
            stamp = datetime.fromisoformat(s.replace("Z", "+00:00"))
            return ParsedDate(raw, stamp.astimezone(tz).date(), stamp.astimezone(UTC))
        except (ValueError, OverflowError):  # year 1 or 9999 shifted out of range
            pass
    if "," in s or s[:3].isalpha():
        rfc = _rfc822(s)
        if rfc is not None:
            if rfc.tzinfo is None:
                rfc = rfc.replace(tzinfo=tz)
            try:
                return ParsedDate(raw, rfc.astimezone(tz).date(), rfc.astimezone(UTC))
            except OverflowError:
                pass
    match = _CN.search(s) or _COMPACT.match(s)
    if match is None:
        return ParsedDate(raw, None, None, f"unrecognised date {raw!r}")
    try:
        day = date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError as exc:
        return ParsedDate(raw, None, None, f"invalid date {raw!r}: {exc}")
    at = None
    if match.groupdict().get("H"):
        try:
            clock = time(int(match["H"]), int(match["M"]), int(match["S"] or 0))
        except ValueError as exc:
            return ParsedDate(raw, None, None, f"invalid time in {raw!r}: {exc}")
        try:
            at = datetime.combine(day, clock, tz).astimezone(UTC)
        except OverflowError:
            return ParsedDate(raw, None, None, f"date out of range in {raw!r}")
    return ParsedDate(raw, day, at)


@lru_cache(maxsize=256)
def _zone(seconds: int) -> timezone:
    return timezone(timedelta(seconds=seconds))


def _rfc822(s: str) -> datetime | None:
    """What ``email.utils.parsedate_to_datetime`` reads ``s`` as (None where it fails)."""
    match = _RFC822.fullmatch(s)
    if match is not None:
        day, month, year, hour, minute, second, sign, off_h, off_m = match.groups()
        offset = int(off_h) * 3600 + int(off_m) * 60
        if offset or sign == "+":  # "-0000" means no zone known: the general path
            try:
                zone = _zone(-offset if sign == "-" else offset)
                return datetime(
                    int(year), _MONTHS[month], int(day), int(hour), int(minute),
                    int(second or 0), tzinfo=zone,
                )  # fmt: skip
            except ValueError:
                pass  # the general parser decides, as for any other text
    try:
        return parsedate_to_datetime(s)
    except (TypeError, ValueError, IndexError):
        return None


def from_epoch(value: float) -> ParsedDate:
    """JSON APIs often give milliseconds since the epoch."""
    seconds = value / 1000 if value > 10**11 else value
    try:
        stamp = datetime.fromtimestamp(seconds, UTC)
        return ParsedDate(str(value), stamp.astimezone(SHANGHAI).date(), stamp)
    except (ValueError, OverflowError, OSError) as exc:
        return ParsedDate(str(value), None, None, f"epoch out of range {value!r}: {exc}")
