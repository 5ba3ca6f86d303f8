"""The distributed-mode parts of tests/workers (Redis, a PostgreSQL database per test,
service processes), for the alert rules tested on a real run's series."""

from __future__ import annotations

from tests.workers.conftest import broker, pg_sessions, pg_url, processes

__all__ = ["broker", "pg_sessions", "pg_url", "processes"]
