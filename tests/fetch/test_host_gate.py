"""Per-host spacing of request starts (unit test: the clock and sleep are stand-ins)."""

from __future__ import annotations

import asyncio

import pytest

from monitor.fetch import client


def test_requests_to_one_host_are_spaced_by_the_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))

    monkeypatch.setattr(client.time, "monotonic", lambda: 100.0)
    monkeypatch.setattr(client.asyncio, "sleep", fake_sleep)
    gate = client._HostGate(concurrency=4, rate=4.0)  # one start every 0.25 s

    async def three() -> None:
        for _ in range(3):
            async with gate:
                pass

    asyncio.run(three())
    assert slept == [0.25, 0.5]


def test_zero_rate_means_unlimited() -> None:
    assert client._HostGate(concurrency=1, rate=0).interval == 0.0
