"""The fetcher against real misbehaving servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import shutil
import ssl
import subprocess
from pathlib import Path

import brotli
import pytest
from aiohttp import web

from monitor.fetch import Fetcher, Response
from monitor.settings import CrawlSettings, Settings
from tests.fetch.servers import ThreadServer


def make_settings(allowed: list[str] | None = None, **crawl: object) -> Settings:
    defaults: dict[str, object] = {
        "per_host_rate": 0,
        "retries": 0,
        "connect_timeout": 1,
        "read_timeout": 1,
        "total_timeout": 3,
        "backoff_base": 0.01,
        "backoff_max": 0.02,
    }
    defaults.update(crawl)
    return Settings(
        allowed_networks=["127.0.0.0/8"] if allowed is None else allowed,
        crawl=CrawlSettings(**defaults),  # type: ignore[arg-type]
    )


def fetch(settings: Settings, url: str, **kw: str) -> Response:
    async def go() -> Response:
        async with Fetcher(settings) as fetcher:
            return await fetcher.fetch(url, **kw)

    return asyncio.run(go())


def app_with(routes: dict[str, web.Response | type]) -> web.Application:
    app = web.Application()
    for path, handler in routes.items():
        app.router.add_get(path, handler)  # type: ignore[arg-type]
    return app


def test_never_answering_server_times_out() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1000)
        await asyncio.sleep(5)
        writer.close()

    with ThreadServer(silent) as server:
        response = fetch(make_settings(read_timeout=0.3), server.url("/"))
    assert response.outcome == "timeout"
    assert len(response.attempts) == 1


def test_trickling_server_is_cut_at_the_total_timeout() -> None:
    async def trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1000)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        for _ in range(100):
            writer.write(b"x")
            await writer.drain()
            await asyncio.sleep(0.05)
        writer.close()

    with ThreadServer(trickle) as server:
        settings = make_settings(read_timeout=1, total_timeout=0.6)
        response = fetch(settings, server.url("/"))
    assert response.outcome == "timeout"
    assert "0.6s" in (response.error or "")


def test_huge_body_is_refused_without_reading_it_all() -> None:
    sent = {"bytes": 0}

    async def huge(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        resp.enable_chunked_encoding()  # no Content-Length: the limit must hold while reading
        await resp.prepare(request)
        chunk = b"x" * 65536
        try:
            for _ in range(800):  # 50 MiB
                await resp.write(chunk)
                sent["bytes"] += len(chunk)
        except (ConnectionResetError, RuntimeError):
            pass
        return resp

    async def declared(request: web.Request) -> web.Response:
        return web.Response(body=b"x" * 100, headers={"Content-Length": str(50 * 2**20)})

    with ThreadServer(app_with({"/huge": huge, "/declared": declared})) as server:
        settings = make_settings(max_body_bytes=1_000_000)
        streamed = fetch(settings, server.url("/huge"))
        announced = fetch(settings, server.url("/declared"))
    assert streamed.outcome == "too_large"
    assert streamed.body == b""
    assert sent["bytes"] < 50 * 2**20
    assert announced.outcome == "too_large"
    assert "Content-Length" in (announced.error or "")


def test_redirect_loop_stops_at_the_limit() -> None:
    async def a(request: web.Request) -> web.Response:
        raise web.HTTPFound("/b")

    async def b(request: web.Request) -> web.Response:
        raise web.HTTPFound("/a")

    with ThreadServer(app_with({"/a": a, "/b": b})) as server:
        response = fetch(make_settings(max_redirects=3), server.url("/a"))
    assert response.outcome == "http_error"
    assert "more than 3 redirects" in (response.error or "")


def test_redirects_are_followed_and_rechecked_against_the_allow_list() -> None:
    async def start(request: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently("/end")

    async def end(request: web.Request) -> web.Response:
        return web.Response(text="arrived")

    async def escape(request: web.Request) -> web.Response:
        # 127.0.0.2 is outside the one address this test allows.
        raise web.HTTPFound(f"http://127.0.0.2:{request.url.port}/end")

    with ThreadServer(app_with({"/start": start, "/end": end, "/escape": escape})) as server:
        settings = make_settings(allowed=["127.0.0.1/32"])
        followed = fetch(settings, server.url("/start"))
        escaped = fetch(settings, server.url("/escape"))
    assert (followed.outcome, followed.body) == ("ok", b"arrived")
    assert followed.final_url.endswith("/end")
    assert escaped.outcome == "blocked"
    assert "127.0.0.2" in (escaped.error or "")


def test_connection_reset_mid_body_is_a_network_error_and_retried() -> None:
    calls = {"n": 0}

    async def reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        calls["n"] += 1
        await reader.read(1000)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n" + b"x" * 100)
        await writer.drain()
        writer.transport.abort()

    with ThreadServer(reset) as server:
        response = fetch(make_settings(retries=1), server.url("/"))
    assert response.outcome == "network_error"
    assert [a.outcome for a in response.attempts] == ["network_error", "network_error"]
    assert calls["n"] == 2


def test_dns_failure_is_not_retried() -> None:
    response = fetch(make_settings(retries=2), "http://no-such-village.invalid/list.html")
    assert response.outcome == "network_error"
    assert "DNS failure" in (response.error or "")
    assert len(response.attempts) == 1


def test_private_addresses_are_blocked_by_default() -> None:
    async def page(request: web.Request) -> web.Response:
        return web.Response(text="secret")

    with ThreadServer(app_with({"/": page})) as server:
        literal = fetch(make_settings(allowed=[]), server.url("/"))
        named = fetch(make_settings(allowed=[]), f"http://localhost:{server.port}/")
    assert literal.outcome == "blocked"
    assert named.outcome == "blocked"
    assert literal.body == b"" and named.body == b""


def test_5xx_is_retried_with_backoff_then_succeeds() -> None:
    calls = {"n": 0}

    async def flaky(request: web.Request) -> web.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            return web.Response(status=503, text="busy")
        return web.Response(text="ok")

    with ThreadServer(app_with({"/": flaky})) as server:
        response = fetch(make_settings(retries=2), server.url("/"))
    assert response.outcome == "ok"
    assert [a.status for a in response.attempts] == [503, 200]


def test_conditional_get_and_compressed_bodies() -> None:
    text = "和平村村务公开" * 50

    async def cached(request: web.Request) -> web.Response:
        if request.headers.get("If-None-Match") == '"abc"':
            return web.Response(status=304, headers={"ETag": '"abc"'})
        return web.Response(text=text, headers={"ETag": '"abc"'})

    async def gz(request: web.Request) -> web.Response:
        body = gzip.compress(text.encode())
        return web.Response(body=body, headers={"Content-Encoding": "gzip"})

    async def br(request: web.Request) -> web.Response:
        body = brotli.compress(text.encode())
        return web.Response(body=body, headers={"Content-Encoding": "br"})

    with ThreadServer(app_with({"/c": cached, "/gz": gz, "/br": br})) as server:
        settings = make_settings()
        first = fetch(settings, server.url("/c"))
        again = fetch(settings, server.url("/c"), etag=first.etag or "")
        gzipped = fetch(settings, server.url("/gz"))
        brotlied = fetch(settings, server.url("/br"))
    assert (first.outcome, first.etag) == ("ok", '"abc"')
    assert (again.outcome, again.status) == ("not_modified", 304)
    assert gzipped.body.decode() == text
    assert brotlied.body.decode() == text


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_certificate_error_is_reported(tmp_path: Path) -> None:
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    async def tls(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ssl.SSLError, OSError):
            await writer.start_tls(context)
        writer.close()

    with ThreadServer(tls) as server:
        response = fetch(make_settings(retries=2), f"https://127.0.0.1:{server.port}/")
    assert response.outcome == "network_error"
    assert "certificate" in (response.error or "").lower()
    assert len(response.attempts) == 1


def test_per_host_concurrency_is_bounded() -> None:
    state = {"now": 0, "peak": 0}

    async def slow(request: web.Request) -> web.Response:
        state["now"] += 1
        state["peak"] = max(state["peak"], state["now"])
        await asyncio.sleep(0.05)
        state["now"] -= 1
        return web.Response(text="ok")

    async def many(settings: Settings, url: str) -> list[Response]:
        async with Fetcher(settings) as fetcher:
            return await asyncio.gather(*(fetcher.fetch(f"{url}?n={n}") for n in range(12)))

    with ThreadServer(app_with({"/": slow})) as server:
        responses = asyncio.run(many(make_settings(per_host_concurrency=2), server.url("/")))
    assert [r.outcome for r in responses] == ["ok"] * 12
    assert state["peak"] == 2


def test_user_agent_comes_from_settings() -> None:
    seen: list[str] = []

    async def page(request: web.Request) -> web.Response:
        seen.append(request.headers.get("User-Agent", ""))
        return web.Response(text="ok")

    with ThreadServer(app_with({"/": page})) as server:
        fetch(make_settings(user_agent="county-inspector/2 (+mailto:ops@example.org)"),
              server.url("/"))  # fmt: skip
    assert seen == ["county-inspector/2 (+mailto:ops@example.org)"]


def _slow_one_at_a_time(seconds: float) -> web.Application:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(seconds)
        return web.Response(text="ok")

    return app_with({"/": slow})


def test_waiting_for_the_hosts_turn_is_not_timed() -> None:
    # One request at a time, 0.4 s each, a 1 s limit: the sixth waits 2 s for its turn,
    # which must not count against its own second.
    async def many(settings: Settings, url: str) -> list[Response]:
        async with Fetcher(settings) as fetcher:
            return await asyncio.gather(*(fetcher.fetch(f"{url}?n={n}") for n in range(6)))

    settings = make_settings(per_host_concurrency=1, total_timeout=1, read_timeout=1)
    with ThreadServer(_slow_one_at_a_time(0.4)) as server:
        responses = asyncio.run(many(settings, server.url("/")))
    assert [r.outcome for r in responses] == ["ok"] * 6, [r.error for r in responses]
    # Each attempt's duration is the request's own time, not its wait.
    assert all(r.attempts[0].duration < 1 for r in responses)


def test_a_request_that_waits_too_long_is_deferred_not_sent() -> None:
    hits: list[str] = []

    async def slow(request: web.Request) -> web.Response:
        hits.append(request.path_qs)
        await asyncio.sleep(0.4)
        return web.Response(text="ok")

    async def many(settings: Settings, url: str) -> list[Response]:
        async with Fetcher(settings) as fetcher:
            return await asyncio.gather(*(fetcher.fetch(f"{url}?n={n}") for n in range(5)))

    settings = make_settings(per_host_concurrency=1, max_wait_seconds=0.6, retries=2)
    with ThreadServer(app_with({"/": slow})) as server:
        responses = asyncio.run(many(settings, server.url("/")))
    outcomes = [r.outcome for r in responses]
    assert outcomes.count("ok") >= 1 and "deferred" in outcomes, outcomes
    deferred = [r for r in responses if r.outcome == "deferred"]
    assert all("not sent" in (r.error or "") and r.status is None for r in deferred)
    assert all(len(r.attempts) == 1 for r in deferred)  # not retried: it was never sent
    assert len(hits) == outcomes.count("ok")
