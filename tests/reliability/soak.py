"""Soak: distributed mode for a while against a farm of faulty hosts, while a worker
is killed and restarted, Redis is restarted and PostgreSQL is restarted.

    python tests/reliability/soak.py --minutes 30          (make soak, SOAK_MINUTES=…)

Real parts only: PostgreSQL (a database of its own), Redis (DB 14 under a key prefix
of its own), two ``monitor worker`` processes (Celery prefork) consuming every queue,
and an HTTP farm on 127.0.0.1 whose feeds randomly time out, reset the connection,
answer 500 or answer garbage, and gain a new item every few cycles until half time.
A cycle is sent every ``--cycle-seconds`` as the scheduler would (crawl of every feed,
then evaluate, score, alerts, deliver). Faults, at fixed fractions of the run: SIGKILL of worker 1's
process group (restarted 5 s later), Redis restart, PostgreSQL restart, SIGKILL of
worker 2. Redis and PostgreSQL are always brought back in a ``finally`` block.

At the end the farm stops failing, one clean cycle runs, and the script prints the
counts as JSON: items the farm served against items stored (missing, duplicated),
duplicated findings and alerts, queued/unacknowledged/unfinished work, and the
workers' memory (PSS) at each cycle, with how much each worker process grew over the
steady second half. Exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from monitor.settings import Settings, WorkerSettings  # noqa: E402
from monitor.store.base import Base  # noqa: E402
from monitor.store.db import make_engine, make_sessionmaker  # noqa: E402
from monitor.store.migrate import upgrade  # noqa: E402
from monitor.store.models import Alert, Feed, Fetch, Finding, Item, WorkClaim  # noqa: E402
from monitor.store.registry import import_all_models  # noqa: E402
from tests.conftest import create_pg_database, drop_pg_database  # noqa: E402
from tests.workers.conftest import add_feeds  # noqa: E402

MONITOR = str(Path(sys.executable).with_name("monitor"))
REDIS_URL = "redis://127.0.0.1:6379/14"
QUEUES = ("crawl", "evaluate", "score", "notify")


class Farm:
    """Feeds ``/feeds/<n>.xml``; each request may fail; records what it served whole."""

    FAULTS = ("timeout", "reset", "500", "garbage")

    def __init__(
        self, feeds: int, seed: int, fault_rate: float, kinds: tuple[str, ...] = FAULTS
    ) -> None:
        self.feeds = feeds
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.fault_rate = fault_rate
        self.kinds = kinds
        self.faults: Counter[str] = Counter()
        self.served: set[tuple[int, str]] = set()
        self.items_per_feed = 3
        farm = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 30

            def do_GET(self) -> None:
                farm.handle(self)

            def log_message(self, *_: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, n: int) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/feeds/{n}.xml"

    def body(self, n: int, count: int) -> tuple[bytes, list[str]]:
        keys = [f"f{n}-i{i}" for i in range(1, count + 1)]
        items = "".join(
            f"<item><title>第{n}村 公开事项 {k}</title><link>http://example.invalid/{k}.html</link>"
            f"<guid isPermaLink='false'>{k}</guid><category>村务公开</category>"
            f"<pubDate>Mon, 02 Nov 2026 09:00:00 +0800</pubDate></item>"
            for k in keys
        )
        xml = (
            "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel>"
            f"<title>{n}</title>{items}</channel></rss>"
        )
        return xml.encode(), keys

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        path = request.path.split("?", 1)[0]
        try:
            n = int(path.removeprefix("/feeds/").removesuffix(".xml"))
        except ValueError:
            request.send_error(404)
            return
        with self.lock:
            draw = self.rng.random()
            count = self.items_per_feed
        fault = None
        if draw < self.fault_rate:
            fault = self.kinds[int(draw / self.fault_rate * len(self.kinds))]
        with self.lock:
            self.faults[fault or "ok"] += 1
        try:
            if fault == "timeout":
                time.sleep(8)  # longer than the crawler's read timeout
                return
            if fault == "reset":
                request.connection.setsockopt(
                    __import__("socket").SOL_SOCKET,
                    __import__("socket").SO_LINGER,
                    b"\x01\x00\x00\x00\x00\x00\x00\x00",
                )
                request.connection.close()
                return
            if fault == "500":
                request.send_error(500)
                return
            if fault == "garbage":
                junk = bytes(self.rng.randrange(256) for _ in range(512))
                request.send_response(200)
                request.send_header("Content-Type", "application/rss+xml")
                request.send_header("Content-Length", str(len(junk)))
                request.end_headers()
                request.wfile.write(junk)
                return
            body, keys = self.body(n, count)
            request.send_response(200)
            request.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            request.wfile.write(body)
            request.wfile.flush()
            with self.lock:
                self.served.update((n, k) for k in keys)
        except OSError:
            pass


def pss_kb(pgid: int) -> dict[int, int]:
    """Proportional memory of each process of a group (a worker and its pool children),
    by pid: pages shared after fork are counted once, not once per child as RSS would."""
    found: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[2]) != pgid:
                continue
            for line in Path(f"/proc/{entry}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    found[int(entry)] = int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return found


WARM_CYCLES = 10


def steady_growth(memory: list[dict[str, object]], start: int) -> list[dict[str, object]]:
    """How much each worker process grew over the steady part of the run: from the
    sample ``start`` (or ten cycles after the process appeared, a restarted one needs
    to warm up) to its last sample. Processes seen for fewer cycles are not judged."""
    seen: dict[tuple[str, int], list[tuple[int, int]]] = {}
    for i, sample in enumerate(memory):
        for name, pids in sample.items():
            if name != "t":
                for pid, kb in pids.items():  # type: ignore[attr-defined]
                    seen.setdefault((name, pid), []).append((i, kb))
    found = []
    for (name, pid), points in sorted(seen.items()):
        first = max(start, points[0][0] + WARM_CYCLES)
        judged = [kb for i, kb in points if i >= first]
        if len(judged) < WARM_CYCLES:
            continue
        found.append(
            {
                "worker": name,
                "pid": pid,
                "cycles": f"{first}-{points[-1][0]}",
                "first_mb": round(judged[0] / 1024, 1),
                "last_mb": round(judged[-1] / 1024, 1),
                "max_mb": round(max(judged) / 1024, 1),
                "grown_mb": round((max(judged) - judged[0]) / 1024, 1),
            }
        )
    return found


def redis_up() -> bool:
    try:
        return bool(redis.Redis(socket_timeout=1).ping())
    except redis.exceptions.ConnectionError:
        return False


REDIS_ARGS = ["--bind", "127.0.0.1", "--port", "6379", "--save", "", "--appendonly", "no"]


def redis_start() -> None:
    subprocess.run(["redis-server", "--daemonize", "yes", *REDIS_ARGS], check=True, timeout=30)


def restart_redis() -> None:
    try:
        subprocess.run(["redis-cli", "-p", "6379", "shutdown", "nosave"], check=False, timeout=30)
        time.sleep(2)
    finally:
        for _ in range(20):
            if redis_up():
                break
            with contextlib.suppress(subprocess.CalledProcessError):
                redis_start()
            time.sleep(0.5)


def pg_ctl(action: str) -> None:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action],
        check=True,
        timeout=90,
    )


def restart_postgresql() -> None:
    try:
        pg_ctl("stop")
        time.sleep(3)
    finally:
        pg_ctl("start")


class Workers:
    """The worker processes, supervised as systemd's Restart=always would: one that
    exits on its own is started again (and the exit is reported)."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.lock = threading.Lock()
        self.exits: list[str] = []
        self.stopping = threading.Event()
        self.supervisor = threading.Thread(target=self._supervise, daemon=True)

    def start(self, name: str) -> None:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - lives with the process
        self.procs[name] = subprocess.Popen(
            [MONITOR, "worker", "--concurrency", "2", "--name", f"{name}@soak", "-l", "WARNING"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def _supervise(self) -> None:
        while not self.stopping.wait(1.0):
            with self.lock:
                for name, proc in list(self.procs.items()):
                    if proc.poll() is not None:
                        self.exits.append(f"{name} exited with {proc.returncode}; restarted")
                        print(self.exits[-1], flush=True)
                        self.start(name)

    def kill_and_restart(self, name: str) -> None:
        with self.lock:
            proc = self.procs[name]
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(30)
            time.sleep(5)
            self.start(name)

    def memory(self) -> dict[str, dict[int, int]]:
        """PSS in kB of each live worker's processes, by pid."""
        with self.lock:
            return {n: pss_kb(p.pid) for n, p in self.procs.items() if p.poll() is None}

    def stop_all(self) -> None:
        self.stopping.set()
        with self.lock:
            for proc in self.procs.values():
                if proc.poll() is None:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGTERM)
                    try:
                        proc.wait(20)
                    except subprocess.TimeoutExpired:
                        with contextlib.suppress(ProcessLookupError):
                            os.killpg(proc.pid, signal.SIGKILL)
                        proc.wait(20)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=float(os.environ.get("SOAK_MINUTES", 30)))
    parser.add_argument("--feeds", type=int, default=24)
    parser.add_argument("--cycle-seconds", type=float, default=20.0)
    parser.add_argument("--fault-rate", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument(
        "--grow-every",
        type=int,
        default=3,
        help="cycles between new items on every feed (0: the feeds never change)",
    )
    parser.add_argument(
        "--grow-until",
        type=float,
        default=0.5,
        help="fraction of the run after which no new items appear, so that memory is "
        "judged on a steady workload (default: the first half grows, the second holds)",
    )
    parser.add_argument(
        "--memory-slack-mb",
        type=float,
        default=8.0,
        help="how much a worker process may grow over the steady half and still be flat",
    )
    parser.add_argument(
        "--no-faults",
        action="store_true",
        help="no killed workers, restarts or faulty responses (a baseline for memory)",
    )
    args = parser.parse_args()

    run_id = uuid.uuid4().hex[:8]
    name = f"monitor_soak_{os.getpid()}"
    prefix = f"soak-{run_id}:"
    data_dir = Path(f"/tmp/monitor-soak-{run_id}")
    data_dir.mkdir(parents=True)
    url = create_pg_database(name)
    engine = make_engine(url, pool_pre_ping=True)
    upgrade(engine)
    import_all_models()
    Base.metadata.create_all(engine)
    sessions = make_sessionmaker(engine)
    settings = Settings(
        database_url=url,
        broker_url=REDIS_URL,
        data_dir=data_dir / "var",
        allowed_networks=["127.0.0.0/8"],
        workers=WorkerSettings(broker_key_prefix=prefix, scheduler_lock_key=prefix + "lock"),
    )
    env = dict(os.environ)
    env.update(
        {
            "MONITOR_CONFIG": str(data_dir / "absent.toml"),
            "MONITOR_DATABASE_URL": url,
            "MONITOR_BROKER_URL": REDIS_URL,
            "MONITOR_DATA_DIR": str(data_dir / "var"),
            "MONITOR_ALLOWED_NETWORKS": "127.0.0.0/8",
            "MONITOR_WORKERS__BROKER_KEY_PREFIX": prefix,
            "MONITOR_WORKERS__SCHEDULER_LOCK_KEY": prefix + "lock",
            "MONITOR_WORKERS__VISIBILITY_TIMEOUT": "30",
            "MONITOR_WORKERS__RETRY_BACKOFF": "2",
            "MONITOR_WORKERS__RETRY_BACKOFF_MAX": "10",
            "MONITOR_WORKERS__MAX_RETRIES": "20",
            "MONITOR_CRAWL__RETRIES": "0",
            "MONITOR_CRAWL__READ_TIMEOUT": "3",
            "MONITOR_CRAWL__TOTAL_TIMEOUT": "6",
            "MONITOR_CRAWL__PER_HOST_RATE": "0",
            "PYTHONUNBUFFERED": "1",
        }
    )
    farm = Farm(args.feeds, args.seed, 0.0 if args.no_faults else args.fault_rate)
    farm.thread.start()
    add_feeds(sessions, [farm.url(n) for n in range(args.feeds)], interval=360)

    from workers.dispatch import CeleryDispatcher

    dispatcher = CeleryDispatcher(settings)
    workers = Workers(env, data_dir)
    events: list[str] = []
    memory: list[dict[str, object]] = []
    started = time.monotonic()
    duration = args.minutes * 60
    faults = [
        (0.2, "kill worker w1", lambda: workers.kill_and_restart("w1")),
        (0.4, "restart Redis", restart_redis),
        (0.6, "restart PostgreSQL", restart_postgresql),
        (0.8, "kill worker w2", lambda: workers.kill_and_restart("w2")),
    ]
    if args.no_faults:
        faults = []
    cycles = 0
    now0 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
    result: dict[str, object] = {}
    ok = False
    try:
        workers.start("w1")
        workers.start("w2")
        workers.supervisor.start()
        while time.monotonic() - started < duration:
            elapsed = time.monotonic() - started
            while faults and elapsed >= faults[0][0] * duration:
                _, what, act = faults.pop(0)
                events.append(f"{elapsed:6.0f}s {what}")
                print(events[-1], flush=True)
                act()
            growing = elapsed < args.grow_until * duration
            if growing and args.grow_every and cycles and cycles % args.grow_every == 0:
                with farm.lock:
                    farm.items_per_feed += 1  # new disclosures appear as the run goes on
            try:
                dispatcher.run_cycle(sessions, now=now0 + timedelta(hours=cycles))
            except Exception as exc:  # broker or store down mid-fault: the next tick resends
                events.append(f"{elapsed:6.0f}s cycle {cycles} not sent: {type(exc).__name__}")
            cycles += 1
            memory.append({"t": round(elapsed), **workers.memory()})
            time.sleep(max(0.0, args.cycle_seconds - (time.monotonic() - started - elapsed)))
        # Settle: no more faults, one clean cycle, then everything must be idle.
        farm.fault_rate = 0.0
        dispatcher.wait_idle(timeout=300, settle=5)
        final = dispatcher.run_cycle(sessions, now=now0 + timedelta(hours=cycles))
        idle = dispatcher.wait_idle(timeout=300, settle=10)
        with sessions() as session:
            stored = set(
                (int(u.rsplit("/", 1)[1].removesuffix(".xml")), k)
                for u, k in session.execute(select(Feed.url, Item.key).join(Feed))
            )
            item_rows = session.scalar(select(func.count()).select_from(Item)) or 0
            dup_findings = session.execute(
                text(
                    "select count(*) from (select 1 from finding group by rule_id, unit_id, "
                    "period, subject having count(*) > 1) d"
                )
            ).scalar_one()
            dup_alerts = session.execute(
                text(
                    "select count(*) from (select 1 from alert where state <> 'resolved' "
                    "group by unit_id, rule_id, subject having count(*) > 1) d"
                )
            ).scalar_one()
            outcomes = dict(
                session.execute(select(Fetch.outcome, func.count()).group_by(Fetch.outcome)).all()
            )
            unfinished = session.scalar(
                select(func.count()).select_from(WorkClaim).where(WorkClaim.done_at.is_(None))
            )
            findings = session.scalar(select(func.count()).select_from(Finding))
            alerts = session.scalar(select(func.count()).select_from(Alert))
            final_evaluated = dispatcher.cycle_evaluated(sessions, final.cycle)
        client = redis.Redis.from_url(REDIS_URL)
        queued = {q: client.llen(prefix + q) for q in QUEUES}
        unacked = client.hlen(prefix + "unacked")
        client.close()
        # Memory per worker in MB at each cycle; a worker restarted by a fault starts
        # over, so flatness is judged on the run's last half, after the last kill.
        (data_dir / "memory.json").write_text(json.dumps(memory))
        print(f"memory samples: {data_dir / 'memory.json'}", flush=True)
        series = {
            name: [round(sum(m[name].values()) / 1024) for m in memory if name in m]  # type: ignore[attr-defined]
            for name in ("w1", "w2")
        }
        steady = steady_growth(memory, start=len(memory) // 2)
        memory_flat = all(g["grown_mb"] <= args.memory_slack_mb for g in steady)
        result = {
            "minutes": args.minutes,
            "cycles": cycles + 1,
            "feeds": args.feeds,
            "events": events,
            "unplanned_worker_exits": workers.exits,
            "farm_responses": dict(farm.faults),
            "items_served": len(farm.served),
            "items_stored": len(stored),
            "items_missing": len(farm.served - stored),
            "items_unexpected": len(stored - farm.served),
            "item_rows_duplicated": item_rows - len(stored),
            "fetch_outcomes": outcomes,
            "findings": findings,
            "findings_duplicated": dup_findings,
            "alerts": alerts,
            "open_alerts_duplicated": dup_alerts,
            "queued_after": queued,
            "unacked_after": unacked,
            "idle_after_final_cycle": idle,
            "final_cycle_evaluated": final_evaluated,
            "claims_unfinished": unfinished,
            "worker_pss_mb_per_cycle": series,
            "worker_process_pss_mb_steady_half": steady,
            "memory_flat": memory_flat,
        }
        ok = (
            result["items_missing"] == 0
            and result["item_rows_duplicated"] == 0
            and dup_findings == 0
            and dup_alerts == 0
            and idle
            and unacked == 0
            and not any(queued.values())
            and memory_flat
        )
        result["ok"] = ok
        print(json.dumps(result, indent=2, ensure_ascii=False), flush=True)
        return 0 if ok else 1
    finally:
        workers.stop_all()
        if not redis_up():
            redis_start()
        farm.httpd.shutdown()
        engine.dispose()
        with contextlib.suppress(Exception):
            client = redis.Redis.from_url(REDIS_URL)
            for key in client.scan_iter(match=prefix + "*"):
                client.delete(key)
            client.close()
        with contextlib.suppress(Exception):
            drop_pg_database(name)


if __name__ == "__main__":
    raise SystemExit(main())
