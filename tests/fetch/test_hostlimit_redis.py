"""The Lua scripts of RedisHostLimiter against the real Redis: the same rules as the
in-process limiter, kept by the server (its clock, its atomicity)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

import pytest
import redis
import redis.asyncio as aioredis

from monitor.fetch.hostlimit import HostPolicy, RedisHostLimiter
from tests.conftest import REDIS_URL, redis_available
from tests.fetch.test_host_gate import policy

pytestmark = pytest.mark.redis

Scenario = Callable[[RedisHostLimiter], Awaitable[None]]


def run(scenario: Scenario, p: HostPolicy) -> None:
    if not redis_available():
        pytest.fail("Redis is not running on 127.0.0.1:6379")
    prefix = f"t-hostlimit-{uuid.uuid4().hex[:8]}:"

    async def go() -> None:
        limiter = RedisHostLimiter(aioredis.Redis.from_url(REDIS_URL), p, prefix)
        try:
            await scenario(limiter)
        finally:
            await limiter.close()

    try:
        asyncio.run(asyncio.wait_for(go(), 20))
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(match=prefix + "*"):
            client.delete(key)
        client.close()


def test_concurrency_slots_are_leases_released_or_expired() -> None:
    async def scenario(limiter: RedisHostLimiter) -> None:
        assert await limiter.take("h", "a") == 0.0
        assert await limiter.take("h", "b") == 0.0
        assert 0 < await limiter.take("h", "c") <= 0.05
        await limiter.release("h", "a")
        assert await limiter.take("h", "c") == 0.0
        # Nobody releases "b" or "c" (their worker died): the leases run out.
        await asyncio.sleep(0.45)
        assert await limiter.take("h", "d") == 0.0
        assert await limiter.take("h", "e") == 0.0

    run(scenario, policy(rate=0.0, lease_seconds=0.4))


def test_a_renewed_lease_stays_held() -> None:
    async def scenario(limiter: RedisHostLimiter) -> None:
        assert await limiter.take("h", "a") == 0.0
        for _ in range(3):
            await asyncio.sleep(0.2)
            await limiter.renew("h", "a")
        assert await limiter.take("h", "b") > 0

    run(scenario, policy(rate=0.0, concurrency=1, lease_seconds=0.4))


def test_the_bucket_gives_tokens_at_the_rate_after_the_burst() -> None:
    async def scenario(limiter: RedisHostLimiter) -> None:
        granted = [await limiter.take("h", f"l{n}") for n in range(3)]
        assert granted == [0.0, 0.0, 0.0]
        wait = await limiter.take("h", "l3")
        assert 0.05 < wait <= 0.1  # one token every 0.1 s
        await asyncio.sleep(wait)
        assert await limiter.take("h", "l3") == 0.0
        # Another host has its own bucket.
        assert await limiter.take("other", "x") == 0.0

    run(scenario, policy(rate=10.0, burst=3.0, concurrency=100))


def test_retry_after_holds_the_host_and_failures_back_it_off() -> None:
    async def scenario(limiter: RedisHostLimiter) -> None:
        assert await limiter.record("h", "fail", None) == 0.0  # 1 < 2: no backoff yet
        assert await limiter.take("h", "a") == 0.0
        await limiter.release("h", "a")
        await limiter.record("h", "fail", None)  # 2nd in a row: held 1 s
        assert 0.8 < await limiter.take("h", "a") <= 1.0
        await limiter.record("h", "fail", None)  # 3rd: 2 s
        assert 1.8 < await limiter.take("h", "a") <= 2.0
        await limiter.record("h", "ok", None)  # the count clears, the hold stands
        assert await limiter.client.exists(limiter.keys("h")[3]) == 0
        await limiter.record("g", "fail", 30.0)  # Retry-After: 30 (capped at 20)
        assert 19 < await limiter.take("g", "a") <= 20
        await limiter.record("g", "fail", 5.0)  # a shorter hold does not shorten it
        assert 19 < await limiter.take("g", "a") <= 20

    run(
        scenario,
        policy(rate=0.0, failures_before_backoff=2, backoff_base=1.0, retry_after_max=20.0),
    )


def test_a_store_that_does_not_answer_leaves_each_process_its_own_limits() -> None:
    from monitor.fetch.hostlimit import FallbackLimiter, LocalHostLimiter

    p = policy(rate=0.0, concurrency=1)

    async def go() -> None:
        down = RedisHostLimiter(aioredis.Redis.from_url("redis://127.0.0.1:1/0"), p)
        limiter = FallbackLimiter(down, LocalHostLimiter(p))
        try:
            assert await limiter.take("h", "a") == 0.0
            assert await limiter.take("h", "b") > 0  # the local rules still hold
            await limiter.release("h", "a")
            assert await limiter.take("h", "b") == 0.0
            held = await limiter.record("h", "fail", 30.0)  # held locally, 30 s
            assert held > 0 and held == limiter.local.hosts["h"].hold_until
        finally:
            await limiter.close()

    asyncio.run(asyncio.wait_for(go(), 20))
