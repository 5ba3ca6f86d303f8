"""Which errors are retried, and how long the backoff waits."""

from __future__ import annotations

import random

import redis.exceptions
from sqlalchemy import exc as sa_exc

from workers.base import backoff, is_transient


def test_only_infrastructure_errors_are_transient() -> None:
    assert is_transient(sa_exc.OperationalError("SELECT 1", {}, Exception("server closed")))
    assert is_transient(redis.exceptions.ConnectionError("refused"))
    assert not is_transient(sa_exc.IntegrityError("INSERT", {}, Exception("duplicate")))
    assert not is_transient(ValueError("bad feed options"))
    assert not is_transient(KeyError("x"))


def test_backoff_grows_is_capped_and_jittered() -> None:
    rng = random.Random(1)
    samples = [backoff(n, base=2.0, cap=60.0, rng=rng) for n in range(10) for _ in range(50)]
    assert all(0 <= s <= 60.0 for s in samples)
    first = [backoff(0, base=2.0, cap=60.0, rng=rng) for _ in range(100)]
    assert min(first) >= 1.0 and max(first) <= 2.0
    fourth = [backoff(3, base=2.0, cap=60.0, rng=rng) for _ in range(100)]
    assert min(fourth) >= 8.0 and max(fourth) <= 16.0
    assert len({round(s, 6) for s in first}) > 90  # jitter: not one fixed delay
