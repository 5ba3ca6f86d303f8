from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from monitor.parse import parse_date


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026年11月28日", date(2026, 11, 28)),
        ("２０２６年１１月２８日", date(2026, 11, 28)),
        ("2026-5-28 16:05:36", date(2026, 5, 28)),
        ("2026/11/28", date(2026, 11, 28)),
        ("2026.11.28", date(2026, 11, 28)),
        ("[2026-11-28]", date(2026, 11, 28)),
        ("20261128", date(2026, 11, 28)),
        # An instant late on the 27th in UTC is the 28th in Shanghai.
        ("Fri, 27 Nov 2026 17:30:00 GMT", date(2026, 11, 28)),
        ("2026-11-27T17:30:00Z", date(2026, 11, 28)),
        ("2026-11-28T09:00:00+08:00", date(2026, 11, 28)),
    ],
)
def test_printed_forms(text: str, day: date) -> None:
    parsed = parse_date(text)
    assert parsed is not None and parsed.error is None
    assert parsed.day == day


def test_local_times_are_shanghai() -> None:
    parsed = parse_date("2026-5-28 16:05:36")
    assert parsed is not None
    assert parsed.at == datetime(2026, 5, 28, 8, 5, 36, tzinfo=UTC)


@pytest.mark.parametrize("text", ["上周五", "2026-13-01", "2026年2月30日", "Tue, 99 Foo"])
def test_unparseable_is_kept_with_an_error(text: str) -> None:
    parsed = parse_date(text)
    assert parsed is not None
    assert parsed.day is None and parsed.error
    assert parsed.text == text


def test_empty_is_none() -> None:
    assert parse_date("  ") is None and parse_date(None) is None


@pytest.mark.parametrize(
    "text",
    [
        "Wed, 18 Nov 2026 00:27:00 +0800",
        "18 Nov 2026 00:27 -0530",
        "Wed, 18 Nov 2026 23:59:59 +0000",
        "Wed, 18 Nov 2026 00:27:00 -0000",  # no zone known: read in Shanghai
        "Wed, 1 Jan 0001 00:00:00 +0800",  # a two-digit year to the email parser: 2001
        "Sat, 31 Feb 2026 10:00:00 +0800",  # no such day: an error, not a guess
        "Sat, 28 Feb 2026 24:00:00 +0800",
        "Sat, 28 Feb 2026 10:00:00 +2400",
        "Fri, 31 Dec 9999 23:59:59 -1200",  # past year 9999 in UTC
    ],
)
def test_rfc822_fast_path_reads_as_the_email_parser(text: str) -> None:
    """RSS dates are read without ``email.utils`` when they have the usual form; the
    result must be what the general parser gives, invalid dates included."""
    from email.utils import parsedate_to_datetime

    from monitor.parse.dates import _rfc822

    try:
        expected: datetime | None = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        expected = None
    got = _rfc822(text)
    if expected is None:
        assert got is None
        return
    assert got is not None
    assert got.replace(tzinfo=None) == expected.replace(tzinfo=None)
    assert got.utcoffset() == expected.utcoffset()
