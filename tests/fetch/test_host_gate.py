"""The politeness rules of monitor.fetch.hostlimit, on a stand-in clock (pure units)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from monitor.fetch import hostlimit
from monitor.fetch.hostlimit import (
    Deferred,
    HostGate,
    HostPolicy,
    HostState,
    LocalHostLimiter,
    backoff_seconds,
    classify,
    retry_after_seconds,
)


def policy(**changes: float) -> HostPolicy:
    values: dict[str, float] = {
        "concurrency": 2,
        "rate": 4.0,
        "burst": 1.0,
        "lease_seconds": 30.0,
        "failures_before_backoff": 3,
        "backoff_base": 5.0,
        "backoff_max": 600.0,
        "retry_after_max": 3600.0,
    }
    values.update(changes)
    return HostPolicy(**values)  # type: ignore[arg-type]


def test_the_bucket_spaces_request_starts_by_the_rate() -> None:
    state, p = HostState(), policy(concurrency=10)
    assert state.take(100.0, p, "a") == 0.0
    assert state.take(100.0, p, "b") == pytest.approx(0.25)  # one token every 0.25 s
    assert state.take(100.1, p, "b") == pytest.approx(0.15)
    assert state.take(100.25, p, "b") == 0.0


def test_a_burst_allows_that_many_at_once_then_the_rate() -> None:
    state, p = HostState(), policy(concurrency=10, burst=3.0)
    assert [state.take(0.0, p, str(n)) for n in range(3)] == [0.0, 0.0, 0.0]
    assert state.take(0.0, p, "x") == pytest.approx(0.25)


def test_zero_rate_means_unlimited() -> None:
    state, p = HostState(), policy(concurrency=100, rate=0.0)
    assert all(state.take(0.0, p, str(n)) == 0.0 for n in range(50))


def test_concurrency_waits_for_a_release_or_an_expired_lease() -> None:
    state, p = HostState(), policy(rate=0.0, lease_seconds=10.0)
    assert state.take(0.0, p, "a") == 0.0
    assert state.take(0.0, p, "b") == 0.0
    assert state.take(1.0, p, "c") == hostlimit.SLOT_POLL
    del state.leases["a"]
    assert state.take(1.0, p, "c") == 0.0
    # "b" was never released (its worker died): it frees itself when its lease ends.
    assert state.take(10.5, p, "d") == 0.0


def test_failures_in_a_row_back_the_host_off_exponentially() -> None:
    state, p = HostState(), policy(failures_before_backoff=2, backoff_base=1.0, rate=0.0)
    assert state.record(0.0, p, "fail", None) == 0.0
    assert state.record(0.0, p, "fail", None) == 1.0
    assert state.record(0.0, p, "fail", None) == 2.0
    assert state.take(1.5, p, "a") == pytest.approx(0.5)
    assert state.record(5.0, p, "ok", None) == 0.0
    assert state.failures == 0
    assert backoff_seconds(40, p) == 600.0


def test_retry_after_holds_the_host_capped() -> None:
    state, p = HostState(), policy(retry_after_max=60.0, rate=0.0)
    assert state.record(0.0, p, "fail", 30.0) == 30.0
    assert state.take(10.0, p, "a") == pytest.approx(20.0)
    assert state.record(0.0, p, "fail", 86400.0) == 60.0


def test_retry_after_header_as_seconds_or_date() -> None:
    now = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Thu, 03 Dec 2026 08:01:00 GMT", now) == 60.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_what_counts_as_a_failure() -> None:
    assert classify(503, "http_error") == "fail"
    assert classify(429, "http_error") == "fail"
    assert classify(404, "http_error") == "ok"
    assert classify(304, "not_modified") == "ok"
    assert classify(None, "timeout") == "fail"
    assert classify(None, "network_error", final=True) == "neutral"  # DNS: no host to spare
    assert classify(None, "deferred") == "neutral"
    assert classify(None, "blocked") == "neutral"


def test_the_gate_defers_at_once_when_the_hold_outlasts_the_wait() -> None:
    async def run() -> None:
        limiter = LocalHostLimiter(policy(rate=0.0))
        await limiter.record("h", "fail", 120.0)
        gate = HostGate(limiter, max_wait=5.0)
        with pytest.raises(Deferred, match="120"):
            async with gate.turn("h"):
                pass
        # Nothing stays held by the refused turn.
        assert limiter.hosts["h"].leases == {}
        assert gate.local["h"]._value == 2

    asyncio.run(asyncio.wait_for(run(), 5))


def test_the_gate_bounds_concurrency_within_the_process() -> None:
    async def run() -> int:
        gate = HostGate(LocalHostLimiter(policy(rate=0.0)), max_wait=5.0)
        running = peak = 0

        async def one() -> None:
            nonlocal running, peak
            async with gate.turn("h"):
                running += 1
                peak = max(peak, running)
                await asyncio.sleep(0.01)
                running -= 1

        await asyncio.gather(*(one() for _ in range(10)))
        return peak

    assert asyncio.run(run()) == 2
