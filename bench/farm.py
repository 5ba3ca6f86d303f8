"""The feed farm: a loopback HTTP/1.1 server of deterministic feeds.

A bare asyncio protocol (uvloop when installed) over documents rendered at start-up,
so that the farm, on its own core, is never what limits a crawler. It answers
conditional GETs (If-None-Match / If-Modified-Since) with 304, can delay every
response by a reproducible ``LO-HI`` ms, and switches between generation 0 and 1
(1 % of feeds gain an item) and between latencies through ``/_admin``, so one farm
process serves every pass of a run.

    GET /u/<id>/rss.xml | atom.xml | list.html   a unit's channel (one kind per unit)
    GET /u/<id>/a/<n>.html                       an article page (metadata table)
    GET /manifest.json[?gen=G]                   crawl list: url, kind, items, etag
    GET /stats[?reset=1]                         request counters
    GET /_admin?gen=G&latency=LO-HI              switch generation and latency

``python -m bench.farm --feeds N`` prints one JSON "ready" line with the port.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qs, urlsplit

from bench import feeds

_ARTICLE = re.compile(r"^/u/(\d+)/a/(\d+)\.html$")
_REASONS = {200: "OK", 304: "Not Modified", 404: "Not Found", 400: "Bad Request"}


def parse_latency(text: str) -> tuple[int, int]:
    """``"0"``, ``"100"`` or ``"20-180"`` (ms) into (low, high)."""
    lo, _, hi = text.partition("-")
    low, high = int(lo), int(hi or lo)
    if low < 0 or high < low:
        raise ValueError(f"latency must be N or LO-HI ms with LO <= HI, not {text!r}")
    return low, high


@dataclass
class FarmState:
    """Everything the farm serves, pre-rendered for both generations."""

    seed: int
    count: int
    base: str
    fraction: float = 0.01
    gen: int = 0
    latency: tuple[int, int] = (0, 0)
    docs: dict[int, dict[str, feeds.Document]] = field(default_factory=dict)
    stats: Counter[str] = field(default_factory=Counter)
    hits: Counter[str] = field(default_factory=Counter)

    def build(self) -> None:
        gen0 = {}
        for uid in range(self.count):
            doc = feeds.render(self.seed, uid, self.base, 0, self.fraction)
            gen0[doc.path] = doc
        gen1 = dict(gen0)
        for uid in range(self.count):
            if feeds.changes_in_gen1(self.seed, uid, self.fraction):
                doc = feeds.render(self.seed, uid, self.base, 1, self.fraction)
                gen1[doc.path] = doc
        self.docs = {0: gen0, 1: gen1}

    def manifest(self, gen: int) -> bytes:
        rows = [
            {
                "uid": d.uid,
                "url": self.base + d.path,
                "kind": d.kind,
                "charset": "GBK" if d.gbk else "UTF-8",
                "items": d.items,
                "etag": d.etag,
                "last_modified": d.last_modified,
                "changed": d is not self.docs[0][d.path],
            }
            for d in self.docs[gen].values()
        ]
        body = {"seed": self.seed, "gen": gen, "base": self.base, "feeds": rows}
        return json.dumps(body, ensure_ascii=False).encode()

    def delay(self, path: str) -> float:
        low, high = self.latency
        if high == 0:
            return 0.0
        # Reproducible: the n-th request of a path always waits the same time.
        self.hits[path] += 1
        h = zlib.crc32(f"{self.seed}:{path}:{self.hits[path]}".encode())
        return (low + (high - low) * (h / 0xFFFFFFFF)) / 1000.0


def _head(status: int, headers: list[tuple[str, str]], length: int, close: bool) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'OK')}"]
    lines += [f"{k}: {v}" for k, v in headers]
    lines.append(f"Content-Length: {length}")
    lines.append("Connection: close" if close else "Connection: keep-alive")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def respond(
    state: FarmState, target: str, headers: dict[str, str]
) -> tuple[int, bytes, list[tuple[str, str]]]:
    """Status, body and headers for one GET (the protocol adds the framing)."""
    split = urlsplit(target)
    path, query = split.path, parse_qs(split.query)
    doc = state.docs[state.gen].get(path)
    if doc is not None:
        fresh = headers.get("if-none-match") == doc.etag
        if not fresh and "if-none-match" not in headers and "if-modified-since" in headers:
            try:
                since = parsedate_to_datetime(headers["if-modified-since"])
                fresh = since >= parsedate_to_datetime(doc.last_modified)
            except (TypeError, ValueError):
                fresh = False
        validators = [("ETag", doc.etag), ("Last-Modified", doc.last_modified)]
        if fresh:
            return 304, b"", validators
        return 200, doc.body, [("Content-Type", doc.content_type), *validators]
    if path == "/manifest.json":
        gen = int(query.get("gen", [state.gen])[0])
        return 200, state.manifest(gen), [("Content-Type", "application/json")]
    if path == "/stats":
        body = json.dumps({"gen": state.gen, "latency": state.latency, **state.stats}).encode()
        if query.get("reset"):
            state.stats.clear()
        return 200, body, [("Content-Type", "application/json")]
    if path == "/_admin":
        if "gen" in query:
            state.gen = int(query["gen"][0]) and 1
        if "latency" in query:
            state.latency = parse_latency(query["latency"][0])
            state.hits.clear()
        body = json.dumps({"gen": state.gen, "latency": state.latency}).encode()
        return 200, body, [("Content-Type", "application/json")]
    art = _ARTICLE.match(path)
    if art and int(art[1]) < state.count:
        return 200, feeds.detail_page(int(art[1]), int(art[2])), [("Content-Type", "text/html")]
    return 404, b"not found\n", [("Content-Type", "text/plain")]


class FarmProtocol(asyncio.Protocol):
    """HTTP/1.1 keep-alive, GET/HEAD only; requests on a connection answered in order."""

    def __init__(self, state: FarmState) -> None:
        self.state = state
        self.buffer = b""
        self.transport: asyncio.Transport | None = None
        self.queue: asyncio.Queue[tuple[str, str, dict[str, str]] | None] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.state.stats["connections"] += 1

    def connection_lost(self, exc: Exception | None) -> None:
        self.queue.put_nowait(None)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > 65536 and self.transport:
                    self.transport.close()
                return
            raw, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
            lines = raw.decode("latin-1").split("\r\n")
            method, _, rest = lines[0].partition(" ")
            target = rest.rsplit(" ", 1)[0]
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            if self.task is None and self.state.latency == (0, 0) and self.queue.empty():
                self._answer(method, target, headers)
            else:
                self.queue.put_nowait((method, target, headers))
                if self.task is None:
                    self.task = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        while (job := await self.queue.get()) is not None:
            method, target, headers = job
            wait = self.state.delay(urlsplit(target).path)
            if wait:
                await asyncio.sleep(wait)
            if self.transport is None or self.transport.is_closing():
                return
            self._answer(method, target, headers)

    def _answer(self, method: str, target: str, headers: dict[str, str]) -> None:
        assert self.transport is not None
        if method not in ("GET", "HEAD"):
            status, body, extra = 400, b"", []
        else:
            status, body, extra = respond(self.state, target, headers)
        self.state.stats[str(status)] += 1
        self.state.stats["bytes"] += len(body)
        close = headers.get("connection", "").lower() == "close"
        head = _head(status, extra, len(body), close)
        self.transport.write(head if method == "HEAD" or status == 304 else head + body)
        if close:
            self.transport.close()


async def serve(args: argparse.Namespace) -> None:
    if args.host not in ("127.0.0.1", "::1", "localhost"):
        raise SystemExit("the farm listens on loopback only")
    loop = asyncio.get_running_loop()
    state = FarmState(seed=args.seed, count=args.feeds, base="")
    server = await loop.create_server(
        lambda: FarmProtocol(state), args.host, args.port, backlog=4096
    )
    port = server.sockets[0].getsockname()[1]
    state.base = f"http://{args.host}:{port}"
    state.fraction = args.changed_fraction
    state.latency = parse_latency(args.latency_ms)
    started = time.perf_counter()
    state.build()
    ready = {
        "ready": True,
        "port": port,
        "base": state.base,
        "feeds": args.feeds,
        "items": sum(d.items for d in state.docs[0].values()),
        "build_s": round(time.perf_counter() - started, 2),
    }
    print(json.dumps(ready), flush=True)
    async with server:
        await asyncio.sleep(args.max_seconds)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.farm", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--feeds", type=int, default=10_000, help="number of units (one feed each)")
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--latency-ms", default="0", help="N or LO-HI (uniform, reproducible)")
    parser.add_argument("--changed-fraction", type=float, default=0.01)
    parser.add_argument("--max-seconds", type=float, default=3600, help="stop by itself after")
    args = parser.parse_args(argv)
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover - uvloop is in the bench extra
        runner = asyncio.run
    try:
        runner(serve(args))
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(0)


if __name__ == "__main__":
    main()
