"""Login throttling: repeated failed logins for one account name, or from one client
address, are refused for a while.

The failures are kept in the shared store when there is one (``shared_store_url``:
Redis, one sorted set of failure times per key), so every web process and machine
counts them together and a restart forgets nothing; otherwise in this process's
memory (each uvicorn worker counts on its own). A shared store that stops answering
falls back to memory rather than refusing or waving through every login."""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Protocol

import redis
from redis.exceptions import RedisError

from monitor.settings import Settings

log = logging.getLogger(__name__)

# Bounds memory against a flood of random names: the least recently failed keys go.
MAX_KEYS = 10_000


class FailureLog(Protocol):
    def wait(self, keys: list[tuple[str, int]], now: float, window: float) -> float:
        """Seconds until none of ``keys`` has its limit of failures in the window."""
        ...

    def add(self, keys: list[str], now: float, window: float) -> None: ...

    def clear(self, key: str) -> None: ...


class MemoryFailureLog:
    """Sliding windows of failure times per key, in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, key: str, now: float, window: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def wait(self, keys: list[tuple[str, int]], now: float, window: float) -> float:
        wait = 0.0
        with self._lock:
            for key, limit in keys:
                times = self._recent(key, now, window)
                if len(times) >= limit:
                    # Allowed again when the oldest counted failure leaves the window.
                    wait = max(wait, times[-limit] + window - now)
        return wait

    def add(self, keys: list[str], now: float, window: float) -> None:
        with self._lock:
            for key in keys:
                times = self._recent(key, now, window)
                times.append(now)
                self._failures[key] = times
                self._failures.move_to_end(key)
            while len(self._failures) > MAX_KEYS:
                self._failures.popitem(last=False)

    def clear(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


class RedisFailureLog:
    """The same windows in Redis: a sorted set of failure times per key, expiring with
    its window. Times are wall-clock (``time.time``), shared by every machine."""

    def __init__(self, client: redis.Redis, prefix: str = "") -> None:
        self.client = client
        self.prefix = prefix + "monitor:login:"
        self.memory = MemoryFailureLog()  # while Redis does not answer

    def _down(self, exc: Exception) -> None:
        log.warning("login throttle: shared store unavailable, counting in memory: %s", exc)

    def wait(self, keys: list[tuple[str, int]], now: float, window: float) -> float:
        try:
            pipe = self.client.pipeline(transaction=False)
            for key, limit in keys:
                pipe.zremrangebyscore(self.prefix + key, "-inf", now - window)
                pipe.zrange(self.prefix + key, -limit, -1, withscores=True)
            replies = pipe.execute()
        except RedisError as exc:
            self._down(exc)
            return self.memory.wait(keys, now, window)
        wait = 0.0
        for (_, limit), times in zip(keys, replies[1::2], strict=True):
            if len(times) >= limit:
                wait = max(wait, float(times[0][1]) + window - now)
        return wait

    def add(self, keys: list[str], now: float, window: float) -> None:
        try:
            pipe = self.client.pipeline(transaction=False)
            for key in keys:
                pipe.zadd(self.prefix + key, {f"{now:.6f}:{uuid.uuid4().hex[:8]}": now})
                pipe.expire(self.prefix + key, math.ceil(window) + 1)
            pipe.execute()
        except RedisError as exc:
            self._down(exc)
            self.memory.add(keys, now, window)

    def clear(self, key: str) -> None:
        try:
            self.client.delete(self.prefix + key)
        except RedisError as exc:
            self._down(exc)
        self.memory.clear(key)


class LoginThrottle:
    """Sliding window of failure times per key ("name:<n>" and "addr:<a>")."""

    def __init__(
        self,
        *,
        max_failures: int,
        max_failures_per_address: int,
        window_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        failures: FailureLog | None = None,
    ):
        self.max_failures = max_failures
        self.max_failures_per_address = max_failures_per_address
        self.window = window_seconds
        self._clock = clock
        self.failures: FailureLog = failures or MemoryFailureLog()

    def _keys(self, name: str, address: str | None) -> list[tuple[str, int]]:
        keys = [(f"name:{name.strip().lower()}", self.max_failures)]
        if address:
            keys.append((f"addr:{address}", self.max_failures_per_address))
        return keys

    def retry_after(self, name: str, address: str | None) -> int | None:
        """Seconds to wait before NAME may be tried from ADDRESS, or None if allowed."""
        wait = self.failures.wait(self._keys(name, address), self._clock(), self.window)
        return max(1, int(wait + 0.999)) if wait > 0 else None

    def failed(self, name: str, address: str | None) -> None:
        keys = [key for key, _ in self._keys(name, address)]
        self.failures.add(keys, self._clock(), self.window)

    def succeeded(self, name: str) -> None:
        """A right password clears the name's count (not the address's)."""
        self.failures.clear(self._keys(name, None)[0][0])


def make_login_throttle(settings: Settings) -> LoginThrottle:
    """The throttle of the settings: in the shared store when there is one."""
    web = settings.web
    url = settings.shared_store
    failures: FailureLog | None = None
    if url is not None:
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        failures = RedisFailureLog(client, settings.workers.broker_key_prefix)
    return LoginThrottle(
        max_failures=web.login_max_failures,
        max_failures_per_address=web.login_max_failures_per_address,
        window_seconds=web.login_window_seconds,
        # Wall-clock times when machines share the windows; monotonic in one process.
        clock=time.monotonic if failures is None else time.time,
        failures=failures,
    )
