"""The HTTP client of the crawl: one aiohttp session, polite per host, bounded in
time and size, retrying only what is worth retrying."""

from __future__ import annotations

import asyncio
import random
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self
from urllib.parse import urljoin, urlsplit

import aiohttp

from monitor import metrics
from monitor.fetch.hostlimit import (
    Deferred,
    HostGate,
    HostLimiter,
    classify,
    make_limiter,
    retry_after_seconds,
)
from monitor.fetch.netguard import BlockedAddress, GuardedResolver, NetworkPolicy, blocked_cause
from monitor.fetch.spool import Spool
from monitor.settings import CrawlSettings, Settings
from rules.api import FetchOutcome

# The outcomes are the rules' vocabulary (rules.api.FetchOutcome), named here for short.
OK = FetchOutcome.OK
NOT_MODIFIED = FetchOutcome.NOT_MODIFIED
HTTP_ERROR = FetchOutcome.HTTP_ERROR
TIMEOUT = FetchOutcome.TIMEOUT
NETWORK_ERROR = FetchOutcome.NETWORK_ERROR
TOO_LARGE = FetchOutcome.TOO_LARGE
BLOCKED = FetchOutcome.BLOCKED
# Not sent: the request waited longer than crawl.max_wait_seconds for its host's turn.
# Nothing was learnt about the URL; a later crawl reads it.
DEFERRED = FetchOutcome.DEFERRED
RETRYABLE = frozenset({TIMEOUT, NETWORK_ERROR})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 1 << 18


@dataclass(slots=True)
class Attempt:
    outcome: str
    status: int | None
    bytes: int
    duration: float
    error: str | None = None


@dataclass(slots=True)
class Response:
    """The last attempt's answer, with every attempt made to get it. The body is in
    ``body``, or in ``spool`` when the fetch was given one (then ``body`` is empty)."""

    url: str
    final_url: str
    outcome: str
    status: int | None = None
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None
    duration: float = 0.0
    attempts: list[Attempt] = field(default_factory=list)
    # True when retrying cannot help (DNS failure, certificate error).
    final: bool = False
    spool: Spool | None = None
    # Seconds spent on the request itself (every hop), not waiting for a turn.
    sent_seconds: float = 0.0

    @property
    def size(self) -> int:
        return self.spool.size if self.spool is not None else len(self.body)

    def head(self, limit: int) -> bytes:
        return self.spool.head(limit) if self.spool is not None else self.body[:limit]

    def discard(self) -> None:
        """Drop the spooled body (a failed attempt's, or once archived)."""
        if self.spool is not None:
            self.spool.close()

    def header(self, name: str) -> str | None:
        lower = name.lower()
        for key, value in self.headers:
            if key.lower() == lower:
                return value
        return None

    @property
    def content_type(self) -> str | None:
        return self.header("Content-Type")

    @property
    def etag(self) -> str | None:
        return self.header("ETag")

    @property
    def last_modified(self) -> str | None:
        return self.header("Last-Modified")


SpoolFactory = Callable[[str], Spool]


class _Failure(Exception):
    def __init__(self, outcome: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.status = status


class Fetcher:
    """``async with Fetcher(settings) as f: await f.fetch(url)``."""

    def __init__(self, settings: Settings, limiter: HostLimiter | None = None) -> None:
        """``limiter`` defaults to the one the settings name (``shared_store_url``): the
        fleet's politeness in Redis, or this fetcher's own."""
        self.config: CrawlSettings = settings.crawl
        self.policy = NetworkPolicy(settings.allowed_networks)
        self._limiter = limiter or make_limiter(settings)
        self._owns_limiter = limiter is None
        # Held from the host's turn to the end of the body, like a connection of the
        # connector's pool: a request never waits for a connection once timed.
        self._gate = HostGate(
            self._limiter,
            self.config.max_wait_seconds,
            asyncio.Semaphore(max(1, self.config.concurrency)),
        )
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        connector = aiohttp.TCPConnector(
            limit=self.config.concurrency,
            limit_per_host=self.config.per_host_concurrency,
            resolver=GuardedResolver(self.policy),
            ttl_dns_cache=300,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(
                total=None,
                sock_connect=self.config.connect_timeout,
                sock_read=self.config.read_timeout,
            ),
            headers={"User-Agent": self.config.user_agent},
            auto_decompress=True,
            raise_for_status=False,
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._session is not None:
            await self._session.close()
        if self._owns_limiter:
            await self._limiter.close()

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        method: str = "GET",
        read_body: bool = True,
        spool: SpoolFactory | None = None,
        max_bytes: int | None = None,
    ) -> Response:
        """GET ``url`` (conditionally when validators are given), retrying timeouts,
        network errors and 5xx with capped, jittered exponential backoff.

        With ``spool``, the body is streamed into ``spool(final_url)`` as it arrives
        instead of being held in memory; ``max_bytes`` lowers the body limit for this
        fetch (``crawl.max_body_bytes`` otherwise). The time limits count the request
        alone: waiting for the host's turn is not timed, and past
        ``crawl.max_wait_seconds`` of it the request is not sent (``deferred``)."""
        started = time.perf_counter()
        attempts: list[Attempt] = []
        response = Response(url=url, final_url=url, outcome=NETWORK_ERROR)
        for attempt in range(self.config.retries + 1):
            if attempt:
                cap = min(self.config.backoff_max, self.config.backoff_base * 2**attempt)
                await asyncio.sleep(cap / 2 + random.uniform(0, cap / 2))
            if attempt:
                response.discard()
            response = await self._attempt(
                url, etag, last_modified, method, read_body, spool, max_bytes
            )
            attempts.append(
                Attempt(
                    response.outcome,
                    response.status,
                    response.size,
                    response.sent_seconds,
                    response.error,
                )
            )
            await self._record(response)
            metrics.FETCHES.labels(response.outcome).inc()
            metrics.FETCH_BYTES.inc(response.size)
            retry = response.outcome in RETRYABLE and not response.final
            if not (retry or (response.status or 0) >= 500):
                break
        response.attempts = attempts
        response.duration = time.perf_counter() - started
        metrics.FETCH_SECONDS.observe(response.duration)
        return response

    async def _record(self, response: Response) -> None:
        """Tell the host's limiter how the host answered: failures back it off for
        everyone, a ``Retry-After`` on 429/503 holds it, a success clears the count."""
        outcome = classify(response.status, response.outcome, response.final)
        if outcome == "neutral":
            return
        retry_after = None
        if response.status in (429, 503):
            retry_after = retry_after_seconds(response.header("Retry-After"))
        host = urlsplit(response.final_url).netloc.lower()
        await self._limiter.record(host, outcome, retry_after)

    async def check(self, url: str) -> Response:
        """Is ``url`` there? HEAD (GET without reading the body where HEAD is refused):
        how attachments are checked without downloading them."""
        response = await self.fetch(url, method="HEAD", read_body=False)
        if response.status in (405, 501):
            response = await self.fetch(url, read_body=False)
        return response

    async def _attempt(
        self,
        url: str,
        etag: str | None,
        last_modified: str | None,
        method: str = "GET",
        read_body: bool = True,
        spool: SpoolFactory | None = None,
        max_bytes: int | None = None,
    ) -> Response:
        clock = _Clock(self.config.total_timeout)
        try:
            response = await self._follow(
                url, etag, last_modified, method, read_body, spool, max_bytes, clock
            )
            response.sent_seconds = clock.spent
            return response
        except Deferred as deferred:
            return Response(url, url, DEFERRED, error=str(deferred))
        except _Failure as failure:
            return clock.stamp(
                Response(url, url, failure.outcome, failure.status, error=str(failure))
            )
        except TimeoutError:
            message = f"no complete answer within {self.config.total_timeout:g}s"
            return clock.stamp(Response(url, url, TIMEOUT, error=message))
        except aiohttp.ClientConnectorCertificateError as exc:
            error = f"certificate error: {exc}"
            return clock.stamp(_final(Response(url, url, NETWORK_ERROR, error=error)))
        except aiohttp.ClientSSLError as exc:
            error = f"TLS error: {exc}"
            return clock.stamp(_final(Response(url, url, NETWORK_ERROR, error=error)))
        except aiohttp.ClientConnectorDNSError as exc:
            blocked = blocked_cause(exc)
            if blocked is not None:
                return clock.stamp(Response(url, url, BLOCKED, error=str(blocked)))
            error = f"DNS failure: {exc}"
            return clock.stamp(_final(Response(url, url, NETWORK_ERROR, error=error)))
        except aiohttp.ServerTimeoutError as exc:
            return clock.stamp(Response(url, url, TIMEOUT, error=f"timeout: {exc}"))
        except (aiohttp.ClientError, OSError, ssl.SSLError, ValueError) as exc:
            blocked = blocked_cause(exc)
            if blocked is not None:
                return clock.stamp(Response(url, url, BLOCKED, error=str(blocked)))
            error = f"{type(exc).__name__}: {exc}"
            return clock.stamp(Response(url, url, NETWORK_ERROR, error=error))

    async def _follow(
        self,
        url: str,
        etag: str | None,
        last_modified: str | None,
        method: str = "GET",
        read_body: bool = True,
        spool: SpoolFactory | None = None,
        max_bytes: int | None = None,
        clock: _Clock | None = None,
    ) -> Response:
        assert self._session is not None, "use Fetcher as an async context manager"
        clock = clock or _Clock(self.config.total_timeout)
        current = url
        for _hop in range(self.config.max_redirects + 1):
            parts = urlsplit(current)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise _Failure(NETWORK_ERROR, f"not an http(s) URL: {current}")
            try:
                self.policy.check_host(parts.hostname)
            except BlockedAddress as exc:
                raise _Failure(BLOCKED, str(exc)) from exc
            headers = {}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            # The turn first (untimed, bounded by max_wait_seconds), then the clock.
            async with (
                self._gate.turn(parts.netloc.lower()),
                clock,
                self._session.request(
                    method, current, headers=headers, allow_redirects=False
                ) as resp,
            ):
                status = resp.status
                location = resp.headers.get("Location")
                if status in _REDIRECTS and location:
                    current = urljoin(current, location)
                    continue
                raw_headers = [(k, v) for k, v in resp.headers.items()]
                if status == 304:
                    return Response(url, current, NOT_MODIFIED, status, b"", raw_headers)
                body, sink = b"", None
                if read_body:
                    limit = max_bytes or self.config.max_body_bytes
                    if spool is None:
                        body = await self._read(resp, limit)
                    else:
                        sink = spool(current)
                        try:
                            await self._read(resp, limit, sink)
                        except BaseException:
                            sink.close()
                            raise
            outcome = OK if 200 <= status < 300 else HTTP_ERROR
            error = None if outcome == OK else f"HTTP {status}"
            return Response(url, current, outcome, status, body, raw_headers, error, spool=sink)
        raise _Failure(
            HTTP_ERROR, f"more than {self.config.max_redirects} redirects (last {current})", status
        )

    async def _read(
        self, resp: aiohttp.ClientResponse, limit: int, sink: Spool | None = None
    ) -> bytes:
        """The body, up to ``limit`` bytes; streamed into ``sink`` when given."""
        if resp.content_length is not None and resp.content_length > limit:
            resp.close()
            raise _Failure(
                TOO_LARGE,
                f"Content-Length {resp.content_length} exceeds the {limit}-byte limit",
                resp.status,
            )
        chunks: list[bytes] = []
        size = 0
        while chunk := await resp.content.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                resp.close()
                raise _Failure(TOO_LARGE, f"body exceeds the {limit}-byte limit", resp.status)
            if sink is not None:
                sink.write(chunk)
            else:
                chunks.append(chunk)
        if sink is not None:
            sink.finish()
        return b"".join(chunks)


class _Clock:
    """The time limit of one attempt, counting only the time spent sending and
    reading (entered once per hop, after the hop's turn came)."""

    def __init__(self, total: float) -> None:
        self.total = total
        self.spent = 0.0
        self._started = 0.0
        self._timeout: asyncio.Timeout | None = None

    async def __aenter__(self) -> None:
        self._started = time.perf_counter()
        self._timeout = asyncio.timeout(max(0.0, self.total - self.spent))
        await self._timeout.__aenter__()

    async def __aexit__(self, *exc: object) -> bool | None:
        self.spent += time.perf_counter() - self._started
        assert self._timeout is not None
        return await self._timeout.__aexit__(*exc)  # type: ignore[arg-type]

    def stamp(self, response: Response) -> Response:
        response.sent_seconds = self.spent
        return response


def _final(response: Response) -> Response:
    response.final = True
    return response
