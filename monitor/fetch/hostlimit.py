"""Politeness per host, for one process or for the whole fleet.

Every request waits for its host's *turn*: a free concurrency slot, a token of the
host's request-rate bucket, and no *hold* on the host. A hold is set when the host
answers 429/503 with ``Retry-After`` (for as long as it asks), and when it keeps
failing (exponential backoff after ``crawl.host_failures_before_backoff`` failures in
a row); a success clears the failure count.

Two limiters behind one interface:

- :class:`LocalHostLimiter` keeps the state in the process (embedded mode, or no
  shared store): the same rules, seen by one crawl only.
- :class:`RedisHostLimiter` keeps it in Redis, so every worker process on every
  machine takes its turn from the same slots, bucket and hold. Each decision is one
  Lua script (atomic, on the Redis server's clock). A slot is a lease in a sorted set
  scored by its expiry and renewed while held: a worker that died holding one frees
  it within ``crawl.host_lease_seconds``.

:class:`HostGate` is what the fetcher enters around each request; waiting in it is
bounded by ``crawl.max_wait_seconds`` (past it the request is not sent).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal, Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from monitor.settings import CrawlSettings, Settings

log = logging.getLogger(__name__)

# How long a request waiting for a busy host's slot sleeps before asking again.
SLOT_POLL = 0.05
Outcome = Literal["ok", "fail", "neutral"]


class Deferred(Exception):
    """The host's turn did not come within ``crawl.max_wait_seconds``."""


@dataclass(frozen=True, slots=True)
class HostPolicy:
    concurrency: int
    rate: float
    burst: float
    lease_seconds: float
    failures_before_backoff: int
    backoff_base: float
    backoff_max: float
    retry_after_max: float

    @classmethod
    def from_settings(cls, crawl: CrawlSettings) -> HostPolicy:
        return cls(
            concurrency=max(1, crawl.per_host_concurrency),
            rate=crawl.per_host_rate,
            burst=max(1.0, crawl.per_host_burst),
            lease_seconds=crawl.host_lease_seconds,
            failures_before_backoff=max(1, crawl.host_failures_before_backoff),
            backoff_base=crawl.host_backoff_base,
            backoff_max=crawl.host_backoff_max,
            retry_after_max=crawl.retry_after_max,
        )


# -- pure rules ------------------------------------------------------------------------


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """A ``Retry-After`` header (delay in seconds or an HTTP date) as seconds from now."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def classify(status: int | None, outcome: str, final: bool = False) -> Outcome:
    """What an answer says of the host's health: a 5xx, a 429 or no answer at all is a
    failure; any other status shows the host up. A request not sent, or one that never
    reached a host (a name that does not resolve, a certificate refused: ``final``),
    says nothing of its load."""
    if status is not None:
        return "fail" if status >= 500 or status == 429 else "ok"
    if final:
        return "neutral"
    return "fail" if outcome in ("timeout", "network_error") else "neutral"


def backoff_seconds(failures: int, policy: HostPolicy) -> float:
    """The hold after ``failures`` failures in a row (0 below the threshold)."""
    over = failures - policy.failures_before_backoff
    if over < 0:
        return 0.0
    return min(policy.backoff_max, policy.backoff_base * 2.0 ** min(over, 30))


@dataclass(slots=True)
class HostState:
    """One host's politeness state; the Lua scripts keep the same in Redis."""

    leases: dict[str, float] = field(default_factory=dict)  # lease id -> expiry
    tokens: float | None = None
    stamp: float = 0.0
    hold_until: float = 0.0
    failures: int = 0

    def take(self, now: float, policy: HostPolicy, lease: str) -> float:
        """Grant a turn (0.0) or say how long to wait before asking again."""
        if self.hold_until > now:
            return self.hold_until - now
        if len(self.leases) >= policy.concurrency:
            # Only a full host is swept: leases of a dead holder run out.
            self.leases = {k: v for k, v in self.leases.items() if v > now}
        if len(self.leases) >= policy.concurrency:
            return max(0.0, min(min(self.leases.values()) - now, SLOT_POLL))
        if policy.rate > 0:
            tokens = policy.burst if self.tokens is None else self.tokens
            tokens = min(policy.burst, tokens + max(0.0, now - self.stamp) * policy.rate)
            if tokens < 1:
                return (1 - tokens) / policy.rate
            self.tokens, self.stamp = tokens - 1, now
        self.leases[lease] = now + policy.lease_seconds
        return 0.0

    def record(
        self, now: float, policy: HostPolicy, outcome: Outcome, retry_after: float | None
    ) -> float:
        """Note an answer; returns the hold's end (0.0: no hold)."""
        if outcome == "ok":
            self.failures = 0
            return 0.0
        if outcome == "neutral":
            return 0.0
        self.failures += 1
        until = now + backoff_seconds(self.failures, policy)
        if retry_after is not None:
            until = max(until, now + min(retry_after, policy.retry_after_max))
        if until > now:
            self.hold_until = max(self.hold_until, until)
            return self.hold_until
        return 0.0


# -- limiters --------------------------------------------------------------------------


class HostLimiter(Protocol):
    policy: HostPolicy
    # True when a held lease expires unless renewed (a shared store).
    renews: bool

    async def take(self, host: str, lease: str) -> float: ...
    async def renew(self, host: str, lease: str) -> None: ...
    async def release(self, host: str, lease: str) -> None: ...
    async def record(self, host: str, outcome: Outcome, retry_after: float | None) -> float: ...
    async def close(self) -> None: ...


class LocalHostLimiter:
    """The rules within this process (one event loop)."""

    renews = False

    def __init__(self, policy: HostPolicy, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self.clock = clock
        self.hosts: dict[str, HostState] = {}

    def _state(self, host: str) -> HostState:
        return self.hosts.setdefault(host, HostState())

    async def take(self, host: str, lease: str) -> float:
        return self._state(host).take(self.clock(), self.policy, lease)

    async def renew(self, host: str, lease: str) -> None:
        leases = self._state(host).leases
        if lease in leases:
            leases[lease] = self.clock() + self.policy.lease_seconds

    async def release(self, host: str, lease: str) -> None:
        self._state(host).leases.pop(lease, None)

    async def record(self, host: str, outcome: Outcome, retry_after: float | None) -> float:
        return self._state(host).record(self.clock(), self.policy, outcome, retry_after)

    async def close(self) -> None:
        return None


_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local hold = tonumber(redis.call('GET', KEYS[3]) or '0')
if hold > now then return tostring(hold - now) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return tostring(math.max(0, math.min(tonumber(first[2]) - now, tonumber(ARGV[6]))))
end
local rate, burst = tonumber(ARGV[2]), tonumber(ARGV[3])
if rate > 0 then
  local b = redis.call('HMGET', KEYS[2], 'tokens', 'ts')
  local tokens = tonumber(b[1]) or burst
  local ts = tonumber(b[2]) or now
  tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
  if tokens < 1 then return tostring((1 - tokens) / rate) end
  redis.call('HSET', KEYS[2], 'tokens', tostring(tokens - 1), 'ts', tostring(now))
  redis.call('PEXPIRE', KEYS[2], math.ceil(burst / rate * 1000) + 1000)
end
local lease = tonumber(ARGV[4])
redis.call('ZADD', KEYS[1], now + lease, ARGV[5])
redis.call('PEXPIRE', KEYS[1], math.ceil(lease * 1000) + 1000)
return '0'
"""

_RENEW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local lease = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], 'XX', now + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[1], math.ceil(lease * 1000) + 1000)
return 1
"""

_RECORD = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local outcome = ARGV[1]
if outcome == 'ok' then redis.call('DEL', KEYS[2]) return '0' end
if outcome ~= 'fail' then return '0' end
local threshold, base, cap = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local failures = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], math.ceil(cap * 2000) + 60000)
local untl = 0
if failures >= threshold then
  untl = now + math.min(cap, base * 2 ^ math.min(failures - threshold, 30))
end
if ARGV[2] ~= '' then
  untl = math.max(untl, now + math.min(tonumber(ARGV[2]), tonumber(ARGV[6])))
end
if untl <= now then return '0' end
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if untl > current then
  redis.call('SET', KEYS[1], tostring(untl), 'PX', math.ceil((untl - now) * 1000) + 1)
  return tostring(untl)
end
return tostring(current)
"""


class RedisHostLimiter:
    """The rules in Redis, shared by every process that uses the same store and prefix.
    Times are the Redis server's, so machines' clocks need not agree."""

    renews = True

    def __init__(self, client: aioredis.Redis, policy: HostPolicy, prefix: str = "") -> None:
        self.policy = policy
        self.client = client
        self.prefix = prefix
        self._take = client.register_script(_TAKE)
        self._renew = client.register_script(_RENEW)
        self._record = client.register_script(_RECORD)

    def keys(self, host: str) -> tuple[str, str, str, str]:
        # {host} is a Redis Cluster hash tag: one host's keys live on one node.
        base = f"{self.prefix}monitor:host:{{{host}}}:"
        return base + "slots", base + "bucket", base + "hold", base + "failures"

    async def take(self, host: str, lease: str) -> float:
        slots, bucket, hold, _ = self.keys(host)
        p = self.policy
        args: list[str | float] = [
            p.concurrency,
            p.rate,
            p.burst,
            p.lease_seconds,
            lease,
            SLOT_POLL,
        ]
        return float(await self._take(keys=[slots, bucket, hold], args=args))

    async def renew(self, host: str, lease: str) -> None:
        await self._renew(keys=[self.keys(host)[0]], args=[lease, self.policy.lease_seconds])

    async def release(self, host: str, lease: str) -> None:
        await self.client.zrem(self.keys(host)[0], lease)

    async def record(self, host: str, outcome: Outcome, retry_after: float | None) -> float:
        _, _, hold, failures = self.keys(host)
        p = self.policy
        args: list[str | float] = [
            outcome,
            "" if retry_after is None else retry_after,
            p.failures_before_backoff,
            p.backoff_base,
            p.backoff_max,
            p.retry_after_max,
        ]
        return float(await self._record(keys=[hold, failures], args=args))

    async def close(self) -> None:
        await self.client.aclose()


class FallbackLimiter:
    """The shared limiter while its store answers; the local rules while it does not
    (a crawl keeps its own politeness through a Redis outage rather than stopping)."""

    renews = True

    def __init__(self, shared: HostLimiter, local: HostLimiter) -> None:
        self.policy = shared.policy
        self.shared = shared
        self.local = local
        self._warned = False

    def _down(self, exc: Exception) -> None:
        if not self._warned:
            log.warning("shared store unavailable, politeness is per process: %s", exc)
            self._warned = True

    async def take(self, host: str, lease: str) -> float:
        try:
            return await self.shared.take(host, lease)
        except (RedisError, OSError) as exc:
            self._down(exc)
            return await self.local.take(host, lease)

    async def renew(self, host: str, lease: str) -> None:
        with contextlib.suppress(RedisError, OSError):
            await self.shared.renew(host, lease)
        await self.local.renew(host, lease)

    async def release(self, host: str, lease: str) -> None:
        with contextlib.suppress(RedisError, OSError):
            await self.shared.release(host, lease)
        await self.local.release(host, lease)

    async def record(self, host: str, outcome: Outcome, retry_after: float | None) -> float:
        local = await self.local.record(host, outcome, retry_after)
        try:
            return await self.shared.record(host, outcome, retry_after)
        except (RedisError, OSError) as exc:
            self._down(exc)
            return local

    async def close(self) -> None:
        await self.shared.close()


def make_limiter(settings: Settings) -> HostLimiter:
    """The limiter the settings ask for: Redis when ``shared_store_url`` resolves to a
    store (``auto`` in distributed mode: the broker's Redis), in-process otherwise."""
    policy = HostPolicy.from_settings(settings.crawl)
    local = LocalHostLimiter(policy)
    url = settings.shared_store
    if url is None:
        return local
    client = aioredis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    shared = RedisHostLimiter(client, policy, settings.workers.broker_key_prefix)
    return FallbackLimiter(shared, local)


# -- the gate --------------------------------------------------------------------------


class HostGate:
    """``async with gate.turn(host):`` around one request. Waits for one of the host's
    slots in this process (a queue, no polling), then for the limiter's turn (fleet-wide
    with Redis), then for one of the fetcher's own slots (``shared``); keeps the lease
    renewed while the request runs and gives everything back after. The whole wait is
    bounded by ``max_wait``: past it, :class:`Deferred`."""

    def __init__(
        self,
        limiter: HostLimiter,
        max_wait: float | None = None,
        shared: asyncio.Semaphore | None = None,
    ) -> None:
        self.limiter = limiter
        self.max_wait = max_wait
        self.shared = shared
        concurrency = limiter.policy.concurrency
        self.local: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(concurrency)
        )
        # Lease ids unique across the fleet, cheap to make: a random prefix, a counter.
        self._lease_prefix = uuid.uuid4().hex[:16] + ":"
        self._leases = itertools.count()

    def turn(self, host: str) -> _Turn:
        return _Turn(self, host, self._lease_prefix + str(next(self._leases)))

    def _deferred(self, wait: float | None = None) -> Deferred:
        if wait is None:
            return Deferred(
                f"not sent: waited {self.max_wait:g}s for the host's turn (crawl.max_wait_seconds)"
            )
        return Deferred(
            f"not sent: the host's turn is {wait:.1f}s away and the wait is "
            f"limited to {self.max_wait:g}s (crawl.max_wait_seconds)"
        )

    async def _bounded(self, semaphore: asyncio.Semaphore, deadline: float) -> None:
        """Acquire, waiting until ``deadline`` at most (no timer when it is free)."""
        if not semaphore.locked():
            await semaphore.acquire()
            return
        try:
            async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                await semaphore.acquire()
        except TimeoutError:
            raise self._deferred() from None

    async def _limiter_turn(self, host: str, lease: str, deadline: float) -> None:
        while (wait := await self.limiter.take(host, lease)) > 0:
            if wait > deadline - time.monotonic():
                raise self._deferred(wait)
            # A little jitter: waiters of many processes do not ask in lockstep.
            await asyncio.sleep(wait * random.uniform(1.0, 1.1))

    async def acquire(self, host: str, lease: str) -> None:
        """Every part of the turn, in order; on failure, nothing stays held."""
        deadline = math.inf if self.max_wait is None else time.monotonic() + self.max_wait
        local = self.local[host]
        await self._bounded(local, deadline)
        try:
            await self._limiter_turn(host, lease, deadline)
            if self.shared is not None:
                await self._bounded(self.shared, deadline)
        except BaseException:
            local.release()
            with contextlib.suppress(Exception):
                await self.limiter.release(host, lease)
            raise

    async def release(self, host: str, lease: str) -> None:
        if self.shared is not None:
            self.shared.release()
        self.local[host].release()
        await self.limiter.release(host, lease)

    async def renew(self, host: str, lease: str) -> None:
        while True:
            await asyncio.sleep(self.limiter.policy.lease_seconds / 3)
            await self.limiter.renew(host, lease)


class _Turn:
    """One request's turn at a host (see :meth:`HostGate.turn`)."""

    __slots__ = ("gate", "host", "lease", "renewer")

    def __init__(self, gate: HostGate, host: str, lease: str) -> None:
        self.gate = gate
        self.host = host
        self.lease = lease
        self.renewer: asyncio.Task[None] | None = None

    async def __aenter__(self) -> None:
        await self.gate.acquire(self.host, self.lease)
        if self.gate.limiter.renews:
            self.renewer = asyncio.create_task(self.gate.renew(self.host, self.lease))

    async def __aexit__(self, *exc: object) -> None:
        if self.renewer is not None:
            self.renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.renewer
        await self.gate.release(self.host, self.lease)
