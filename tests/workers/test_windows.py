"""Schedule windows: the work key depends on the slot, not on when the tick fired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.claims import crawl_key, feed_offset, window_start


def test_late_and_jittered_ticks_land_in_the_same_window() -> None:
    offset = feed_offset(42, 60)
    on_time = window_start(datetime(2026, 11, 28, 8, 0, tzinfo=UTC) + offset, 60, offset)
    late = window_start(on_time + timedelta(minutes=59, seconds=59), 60, offset)
    next_slot = window_start(on_time + timedelta(minutes=60), 60, offset)
    assert on_time == late
    assert next_slot == on_time + timedelta(minutes=60)
    assert crawl_key(42, on_time) == crawl_key(42, late) != crawl_key(42, next_slot)


def test_offsets_are_stable_and_spread_inside_the_interval() -> None:
    offsets = {feed_offset(fid, 360) for fid in range(200)}
    assert feed_offset(7, 360) == feed_offset(7, 360)
    assert all(timedelta(0) <= o < timedelta(minutes=360) for o in offsets)
    assert len(offsets) > 150  # not all feeds due on the same second


def test_window_refuses_naive_time() -> None:
    with pytest.raises(ValueError):
        window_start(datetime(2026, 11, 28, 8, 0), 60)
