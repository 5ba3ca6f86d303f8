"""Load: the public report under wrk at a fixed request rate while a crawl runs.

    python tests/reliability/load.py --seconds 60 --rate 200      (make load)

Builds the sample district in a PostgreSQL database of its own (the demo's cycles,
so the report has scores, findings and history), serves it with ``monitor web``
(uvicorn, one process, as deployed), keeps the crawler re-reading every feed of the
sample site in a loop, and drives wrk with a Lua script that spreads the requests
over the report's pages and holds each connection to the target rate. Prints p50,
p90, p99, max latency and the error rate as JSON (the figures of
docs/reliability.md). Not part of the test suite: it needs minutes and wrk.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from monitor.crawl import crawl  # noqa: E402
from monitor.demo.run import demo_settings, run_demo  # noqa: E402
from monitor.demo.site import DemoSite  # noqa: E402
from monitor.settings import Settings  # noqa: E402
from monitor.store.db import make_engine, make_sessionmaker  # noqa: E402
from monitor.store.migrate import upgrade  # noqa: E402
from tests.conftest import create_pg_database, drop_pg_database  # noqa: E402

LUA = r"""
local paths = {}
local i = 0
local delay_ms = 0
local errors = 0
function setup(thread) thread:set("id", 0) end
function init(args)
  delay_ms = tonumber(args[1])
  for p in string.gmatch(args[2], "[^,]+") do table.insert(paths, p) end
end
function request()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
function delay() return delay_ms end
function response(status, headers, body)
  if status >= 400 then errors = errors + 1 end
end
function done(summary, latency, requests)
  local s = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "non2xx": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "timeout": %d, "p50_ms": %.2f, "p90_ms": %.2f, "p99_ms": %.2f, ' ..
    '"max_ms": %.2f, "mean_ms": %.2f}\n',
    summary.requests, summary.duration, s.status, s.connect, s.read, s.write, s.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--rate", type=int, default=200, help="requests per second in total")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--no-crawl", action="store_true", help="measure without the crawl")
    parser.add_argument(
        "--units-only", action="store_true", help="unit pages only (leave out the costly home page)"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        return 2

    name = f"monitor_load_{os.getpid()}"
    url = create_pg_database(name)
    tmp = Path(tempfile.mkdtemp(prefix="monitor-load-"))
    stop = threading.Event()
    web: subprocess.Popen[bytes] | None = None
    try:
        settings = demo_settings(Settings(database_url=url, data_dir=tmp / "var"))
        engine = make_engine(url)
        upgrade(engine)
        sessions = make_sessionmaker(engine)
        with DemoSite() as site:
            t0 = time.monotonic()
            run_demo(sessions, settings, site)
            print(f"sample district built in {time.monotonic() - t0:.0f} s", flush=True)
            codes = sorted(site.district.units)
            port = free_port()
            env = {
                **os.environ,
                "MONITOR_DATABASE_URL": url,
                "MONITOR_DATA_DIR": str(tmp / "var"),
                "MONITOR_SECRET_KEY": "load-test-secret",
            }
            web = subprocess.Popen(
                [str(Path(sys.executable).with_name("monitor")), "web", "--port", str(port)],
                env=env,
                stdout=subprocess.DEVNULL,
            )
            base = f"http://127.0.0.1:{port}"
            wait_http(base + "/healthz")

            crawls: list[float] = []

            def crawl_loop() -> None:
                while not stop.is_set():
                    started = time.monotonic()
                    crawl(sessions, settings, now=datetime.now(UTC))
                    crawls.append(time.monotonic() - started)

            crawler = threading.Thread(target=crawl_loop, daemon=True)
            towns = [c for c in codes if c.endswith("000") and not c.endswith("000000")]
            villages = [c for c in codes if not c.endswith("000")]
            paths = [f"/units/{c}" for c in towns[:4] + villages[:6]]
            if not args.units_only:
                paths = ["/", "/?period=2026-Q3", *paths]
            # Unloaded cost of each page, sequentially: where the time goes.
            import urllib.request

            unloaded: dict[str, float] = {}
            for path in paths:
                started = time.perf_counter()
                for _ in range(5):
                    with urllib.request.urlopen(base + path, timeout=30) as response:
                        response.read()
                unloaded[path] = round((time.perf_counter() - started) / 5 * 1000, 1)
            script = tmp / "load.lua"
            script.write_text(LUA)
            if not args.no_crawl:
                crawler.start()
            delay_ms = max(0, round(args.connections * 1000 / args.rate))
            result = subprocess.run(
                [
                    "wrk",
                    "-t2",
                    f"-c{args.connections}",
                    f"-d{args.seconds}s",
                    "--timeout",
                    "10s",
                    "-s",
                    str(script),
                    base,
                    "--",
                    str(delay_ms),
                    ",".join(paths),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            stop.set()
            if crawler.is_alive():
                crawler.join(120)
        line = next(x for x in result.stdout.splitlines() if x.startswith("WRKJSON "))
        figures = json.loads(line.removeprefix("WRKJSON "))
        errors = figures["non2xx"] + sum(
            figures[k] for k in ("connect", "read", "write", "timeout")
        )
        figures.update(
            rate_achieved=round(figures["requests"] / (figures["duration_us"] / 1e6), 1),
            error_rate=round(errors / max(1, figures["requests"]), 5),
            crawl_passes_during_load=len(crawls),
            crawl_pass_seconds=[round(c, 1) for c in crawls],
            target_rate=args.rate,
            connections=args.connections,
            seconds=args.seconds,
            paths=len(paths),
            unloaded_ms_per_page=unloaded,
        )
        print(json.dumps(figures, indent=2))
        return 0
    finally:
        stop.set()
        if web is not None:
            web.terminate()
            web.wait(20)
        drop_pg_database(name)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
