"""Login throttling: repeated failed logins for one account name, or from one client
address, are refused for a while. Kept in memory per process (each uvicorn worker
counts on its own; a restart forgets), which bounds password guessing without a
shared store."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

# Bounds memory against a flood of random names: the least recently failed keys go.
MAX_KEYS = 10_000


class LoginThrottle:
    """Sliding window of failure times per key ("name:<n>" and "addr:<a>")."""

    def __init__(
        self,
        *,
        max_failures: int,
        max_failures_per_address: int,
        window_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.max_failures = max_failures
        self.max_failures_per_address = max_failures_per_address
        self.window = window_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def _keys(self, name: str, address: str | None) -> list[tuple[str, int]]:
        keys = [(f"name:{name.strip().lower()}", self.max_failures)]
        if address:
            keys.append((f"addr:{address}", self.max_failures_per_address))
        return keys

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def retry_after(self, name: str, address: str | None) -> int | None:
        """Seconds to wait before NAME may be tried from ADDRESS, or None if allowed."""
        now = self._clock()
        wait = 0.0
        with self._lock:
            for key, limit in self._keys(name, address):
                times = self._recent(key, now)
                if len(times) >= limit:
                    # Allowed again when the oldest counted failure leaves the window.
                    wait = max(wait, times[-limit] + self.window - now)
        return max(1, int(wait + 0.999)) if wait > 0 else None

    def failed(self, name: str, address: str | None) -> None:
        now = self._clock()
        with self._lock:
            for key, _ in self._keys(name, address):
                times = self._recent(key, now)
                times.append(now)
                self._failures[key] = times
                self._failures.move_to_end(key)
            while len(self._failures) > MAX_KEYS:
                self._failures.popitem(last=False)

    def succeeded(self, name: str) -> None:
        """A right password clears the name's count (not the address's)."""
        with self._lock:
            self._failures.pop(self._keys(name, None)[0][0], None)
