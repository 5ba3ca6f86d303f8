"""A stand-in for ``workers.backend``: records what the distributed commands ask."""

from __future__ import annotations

from typing import Any

CALLS: list[tuple[str, Any]] = []


class FakeBackend:
    queues = ("crawl", "evaluate")

    def run_worker(self, settings: Any, argv: list[str]) -> None:
        CALLS.append(("worker", argv))

    def dispatcher(self, settings: Any) -> Any:
        raise NotImplementedError

    def scheduler(self, settings: Any, sessions: Any) -> Any:
        raise NotImplementedError


backend = FakeBackend()
