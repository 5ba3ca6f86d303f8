"""Alert latency in distributed mode: a changed item on the farm to its alert at a webhook.

A small farm whose generation 1 gives a fifth of its feeds a new item exposing a mobile
number; a PostgreSQL store with those feeds and an inspector whose webhook is a
receiver in this process; two Celery workers (``monitor worker``, every queue, one
process each) on a Redis database of their own. The store is first brought up to date
in embedded mode (``run_cycle``), then the farm switches to generation 1 and one
``crawl_feed`` task per changed feed is queued. For each, the latency is the time from
the end of its fetch (the Fetch row: start + duration) to the arrival at the webhook
of the ``privacy.personal_data`` alert of its unit. Only RSS and Atom feeds count: a
list page carries no item text while detail pages are off.

    python -m bench.alert_latency [--feeds 100] [--timeout 180]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from bench.ours import prepare
from bench.timing import pinned

RULE = "privacy.personal_data"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DB_NAME = "monitor_bench_alerts"


class Receiver:
    """A webhook endpoint that records (arrival time, payload) of every POST."""

    def __init__(self) -> None:
        self.hits: list[tuple[float, dict[str, Any]]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.hits.append((time.time(), json.loads(body or b"{}")))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def first_alerts(self, since: float) -> dict[str, float]:
        """Unit code -> arrival time of the first payload after ``since`` naming RULE."""
        out: dict[str, float] = {}
        with self.lock:
            hits = list(self.hits)
        for at, payload in hits:
            if at >= since and RULE in json.dumps(payload):
                code = str(payload.get("unit", {}).get("code"))
                out.setdefault(code, at)
        return out


def _pick_redis_db(url: str = "redis://127.0.0.1:6379") -> str:
    import redis

    for db in (12, 11, 10, 9, 8):
        client = redis.Redis.from_url(f"{url}/{db}")
        if client.dbsize() == 0:
            return f"{url}/{db}"
    raise SystemExit("no empty Redis database among 8-12 for the bench's broker")


def _create_db() -> str:
    from sqlalchemy import create_engine

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{DB_NAME}"


def _drop_db() -> None:
    from sqlalchemy import create_engine

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
    admin.dispose()


def measure(feeds: int, timeout: float, workdir: Path, keep: bool = False) -> dict[str, Any]:
    from monitor.pipeline import run_cycle
    from monitor.settings import CrawlSettings, Settings
    from monitor.store.base import Base
    from monitor.store.db import make_engine, make_sessionmaker
    from monitor.store.migrate import upgrade
    from monitor.store.models import Feed, Fetch, Inspector, Unit
    from monitor.store.registry import import_all_models

    py = sys.executable
    farm_cmd = [
        py,
        "-m",
        "bench.farm",
        "--feeds",
        str(feeds),
        "--changed-fraction",
        "0.2",
        "--max-seconds",
        str(int(timeout) + 600),
    ]
    farm = subprocess.Popen(pinned(farm_cmd, 1), stdout=subprocess.PIPE)
    workers: list[subprocess.Popen[bytes]] = []
    receiver = Receiver()
    try:
        assert farm.stdout is not None
        base = json.loads(farm.stdout.readline())["base"]
        url = _create_db()
        broker = _pick_redis_db()
        engine = make_engine(url)
        upgrade(engine)
        import_all_models()
        Base.metadata.create_all(engine)
        prepare(url, base, feeds)
        mine = {
            "MONITOR_CONFIG": str(workdir / "none.toml"),
            "MONITOR_DATABASE_URL": url,
            "MONITOR_BROKER_URL": broker,
            "MONITOR_MODE": "distributed",
            "MONITOR_DATA_DIR": str(workdir / "data"),
            "MONITOR_ALLOWED_NETWORKS": "127.0.0.0/8",
            "MONITOR_CRAWL__DETAIL_PAGES": "false",
            "MONITOR_CRAWL__RETRIES": "0",
            "MONITOR_CRAWL__PER_HOST_CONCURRENCY": "64",
            "MONITOR_CRAWL__PER_HOST_RATE": "1000000",
        }
        # The workers get exactly these settings, whatever the caller's environment says.
        env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")} | mine
        settings = Settings(
            database_url=url,
            broker_url=broker,
            mode="distributed",
            data_dir=workdir / "data",
            allowed_networks=["127.0.0.0/8"],
            crawl=CrawlSettings(
                detail_pages=False, retries=0, per_host_concurrency=64, per_host_rate=1e6
            ),
        )
        sessions = make_sessionmaker(engine)
        with sessions() as session, session.begin():
            county = session.scalar(select(Unit.id).where(Unit.level == "county"))
            session.add(
                Inspector(
                    name="bench",
                    unit_id=county,
                    min_severity="low",
                    channels=[{"type": "webhook", "url": receiver.url, "secret": "bench"}],
                )
            )
        # Everything already on the farm is known, judged and notified before the change.
        run_cycle(sessions, settings, now=datetime.now(UTC))
        monitor = str(Path(py).with_name("monitor"))
        for n in (1, 2):
            cmd = [
                monitor,
                "worker",
                "-Q",
                "crawl,evaluate,score,notify",
                "--pool",
                "solo",
                "-n",
                f"bench{n}@%h",
                "-l",
                "WARNING",
            ]
            log = (workdir / f"worker{n}.log").open("wb")
            workers.append(subprocess.Popen(cmd, env=env, stdout=log, stderr=log))
        time.sleep(5)  # let both workers connect before the burst
        manifest = json.loads(_get(f"{base}/manifest.json?gen=1"))["feeds"]
        # List pages carry no item text (detail pages are off): only RSS/Atom entries bring
        # the number to the privacy rule.
        changed_urls = {f["url"] for f in manifest if f["changed"] and f["kind"] != "html"}
        with sessions() as session:
            rows = session.execute(
                select(Feed.id, Feed.url, Unit.code).join(Unit, Unit.id == Feed.unit_id)
            ).all()
        targets = [(fid, code) for fid, furl, code in rows if furl in changed_urls]
        _get(f"{base}/_admin?gen=1")
        from workers.app import CRAWL_FEED, configure

        app = configure(settings)
        since = time.time()
        window = datetime.now(UTC).isoformat()
        for fid, _code in targets:
            app.send_task(CRAWL_FEED, args=[fid, window])
        deadline = since + timeout
        while time.time() < deadline:
            if len(receiver.first_alerts(since)) >= len(targets):
                break
            time.sleep(0.2)
        arrivals = receiver.first_alerts(since)
        latencies, from_queue = [], []
        with sessions() as session:
            for fid, code in targets:
                fetch = session.execute(
                    select(Fetch.started_at, Fetch.duration)
                    .where(
                        Fetch.feed_id == fid,
                        Fetch.started_at
                        >= datetime.fromtimestamp(since, UTC) - timedelta(seconds=1),
                    )
                    .order_by(Fetch.id.desc())
                ).first()
                if code in arrivals and fetch is not None:
                    done = fetch.started_at.timestamp() + float(fetch.duration or 0.0)
                    latencies.append(arrivals[code] - done)
                    from_queue.append(arrivals[code] - since)
        return {
            "figure": "alert_latency",
            "measured": bool(latencies),
            "changed_feeds": len(targets),
            "alerts_received": len(latencies),
            "p50_s": _pct(latencies, 50),
            "p95_s": _pct(latencies, 95),
            "max_s": round(max(latencies), 3) if latencies else None,
            "from_enqueue_p50_s": _pct(from_queue, 50),
            "from_enqueue_p95_s": _pct(from_queue, 95),
            "workers": 2,
        }
    finally:
        for proc in workers:
            proc.terminate()
        for proc in workers:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        farm.terminate()
        farm.wait(timeout=10)
        receiver.server.shutdown()
        (workdir / "webhook.jsonl").write_text(
            "".join(json.dumps([at, p], ensure_ascii=False) + "\n" for at, p in receiver.hits)
        )
        try:
            if not keep:
                _drop_db()
        except Exception as exc:  # leave the database rather than hide the figure
            print(f"could not drop {DB_NAME}: {exc}", file=sys.stderr)


def _get(url: str) -> bytes:
    import urllib.request

    with urllib.request.urlopen(url, timeout=30) as resp:
        return bytes(resp.read())


def _pct(values: list[float], pct: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 3)
    return round(statistics.quantiles(values, n=100, method="inclusive")[pct - 1], 3)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.alert_latency", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=180.0)
    parser.add_argument("--workdir", type=Path, default=Path("var/bench/alerts"))
    parser.add_argument("--keep", action="store_true", help="keep the database for a post-mortem")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(
        json.dumps(measure(args.feeds, args.timeout, args.workdir.resolve(), args.keep)), flush=True
    )


if __name__ == "__main__":
    main()
