"""Login throttling in the shared store (real Redis): web processes count together."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis

from monitor.settings import Settings, WorkerSettings
from monitor.web.throttle import (
    LoginThrottle,
    MemoryFailureLog,
    RedisFailureLog,
    make_login_throttle,
)
from tests.conftest import REDIS_URL, redis_available

pytestmark = pytest.mark.redis


@pytest.fixture
def prefix() -> Iterator[str]:
    if not redis_available():
        pytest.fail("Redis is not running on 127.0.0.1:6379")
    found = f"t-login-{uuid.uuid4().hex[:8]}:"
    yield found
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=found + "*"):
        client.delete(key)
    client.close()


def throttle(prefix: str, now: list[float], url: str = REDIS_URL) -> LoginThrottle:
    return LoginThrottle(
        max_failures=3,
        max_failures_per_address=10,
        window_seconds=60,
        clock=lambda: now[0],
        failures=RedisFailureLog(redis.Redis.from_url(url, socket_connect_timeout=1), prefix),
    )


def test_failures_in_one_process_refuse_the_name_in_another(prefix: str) -> None:
    now = [1_000.0]
    first, second = throttle(prefix, now), throttle(prefix, now)
    for t in (1_000.0, 1_010.0, 1_020.0):
        now[0] = t
        assert second.retry_after("a", "1.2.3.4") is None
        first.failed("a", "1.2.3.4")
    assert second.retry_after("A ", "5.6.7.8") == 40
    assert second.retry_after("b", "1.2.3.4") is None
    now[0] = 1_060.0  # the first failure left the window
    assert second.retry_after("a", None) is None
    first.failed("a", None)
    assert second.retry_after("a", None) is not None
    second.succeeded("a")
    assert first.retry_after("a", None) is None


def test_the_settings_choose_the_store(prefix: str) -> None:
    shared = Settings(shared_store_url=REDIS_URL, workers=WorkerSettings(broker_key_prefix=prefix))
    assert isinstance(make_login_throttle(shared).failures, RedisFailureLog)
    assert isinstance(make_login_throttle(Settings()).failures, MemoryFailureLog)
    distributed = Settings(mode="distributed", broker_url=REDIS_URL)
    assert isinstance(make_login_throttle(distributed).failures, RedisFailureLog)


def test_a_store_that_does_not_answer_falls_back_to_memory(prefix: str) -> None:
    now = [0.0]
    down = throttle(prefix, now, url="redis://127.0.0.1:1/0")
    for _ in range(3):
        down.failed("a", None)
    assert down.retry_after("a", None) == 60
