"""One stage over the synthetic province, distributed: real ``monitor worker`` processes.

    python -m bench.province_workers evaluate --db URL [--changed-fraction F] [--chunk N]
    python -m bench.province_workers score    --db URL --period 2026-Q4

Starts ``--workers`` workers (pool solo, one process each, worker n pinned to CPU
n-1 mod the CPU count) that consume only the stage's queue, on an empty Redis database
of their own, like ``bench.alert_latency``. ``evaluate`` sends one
``monitor.evaluate.split`` message, which fans the pass out as ``evaluate_units``
messages of ``--chunk`` units (the incremental pass: the touched units, split evenly
over the workers); ``score`` sends one ``monitor.score.period`` message. The figure is
the time from sending to the queue being empty with nothing reserved, and the CPU
seconds the workers and the store's server processes (PostgreSQL backends) spent in
between. Follow-ups the stage asks for (scoring, alerts) stay queued and are dropped
with the Redis database at the end. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import Engine, func, select, text

from bench.alert_latency import _pick_redis_db
from bench.timing import pinned

TICK = os.sysconf("SC_CLK_TCK")


def _cpu(pid: int) -> float:
    """User + system CPU seconds of one process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def _backends(engine: Engine) -> set[int]:
    if engine.dialect.name != "postgresql":
        return set()
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        )
        return {int(r[0]) for r in rows} - {conn.connection.dbapi_connection.info.backend_pid}  # type: ignore[union-attr]


def _env(args: argparse.Namespace, broker: str) -> dict[str, str]:
    mine = {
        "MONITOR_CONFIG": str(args.workdir / "none.toml"),
        "MONITOR_DATABASE_URL": args.db,
        "MONITOR_BROKER_URL": broker,
        "MONITOR_MODE": "distributed",
        "MONITOR_DATA_DIR": str(args.workdir / "data"),
        "MONITOR_ALLOWED_NETWORKS": "127.0.0.0/8",
    }
    return {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")} | mine


def _start(
    args: argparse.Namespace, queue: str, env: dict[str, str]
) -> list[subprocess.Popen[bytes]]:
    monitor = str(Path(sys.executable).with_name("monitor"))
    procs = []
    for n in range(1, args.workers + 1):
        cmd = [
            monitor,
            "worker",
            "-Q",
            queue,
            "--pool",
            "solo",
            "-n",
            f"prov{n}@%h",
            "-l",
            "WARNING",
        ]
        log = (args.workdir / f"worker{n}.log").open("wb")
        cpu = (n - 1) % (os.cpu_count() or 1)
        procs.append(subprocess.Popen(pinned(cmd, cpu), env=env, stdout=log, stderr=log))
    return procs


def _wait_ready(app: Any, count: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(app.control.ping(timeout=1.0) or []) >= count:
            return
    raise SystemExit(f"{count} workers did not answer a ping within {timeout} s")


def _wait_quiet(client: redis.Redis, queue: str, timeout: float) -> float:
    """Monotonic time at which ``queue`` was first seen empty with nothing reserved,
    confirmed by 1 s of quiet (a message moves from the list to the unacked hash in
    one step, but make sure)."""
    deadline = time.monotonic() + timeout
    quiet_at: float | None = None
    while time.monotonic() < deadline:
        busy = int(client.llen(queue)) + int(client.hlen("unacked"))  # type: ignore[arg-type]
        now = time.monotonic()
        if busy:
            quiet_at = None
        elif quiet_at is None:
            quiet_at = now
        elif now - quiet_at >= 1.0:
            return quiet_at
        time.sleep(0.05)
    raise SystemExit(f"queue {queue} not done within {timeout} s")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from bench import province
    from monitor.settings import Settings
    from monitor.store.db import make_engine
    from monitor.store.models import Finding
    from workers.app import EVALUATE_SPLIT, SCORE_PERIOD, configure

    engine = make_engine(args.db)
    queue = "evaluate" if args.stage == "evaluate" else "score"
    unit_ids: list[int] | None = None
    if args.stage == "evaluate" and args.changed_fraction:
        unit_ids = province.touch_units(engine, args.changed_fraction)
    broker = _pick_redis_db()
    client = redis.Redis.from_url(broker)
    app = configure(Settings(database_url=args.db, broker_url=broker, mode="distributed"))
    procs = _start(args, queue, _env(args, broker))
    try:
        _wait_ready(app, args.workers)
        before = _backends(engine)
        cpu0 = {p: _cpu(p) for p in [w.pid for w in procs] + sorted(before)}
        started = time.monotonic()
        if args.stage == "evaluate":
            size = args.chunk if unit_ids is None else math.ceil(len(unit_ids) / args.workers)
            app.send_task(EVALUATE_SPLIT, args=[unit_ids, args.as_of, size])
        else:
            app.send_task(SCORE_PERIOD, args=[args.as_of, [args.period]])
        ended = _wait_quiet(client, queue, args.timeout)
        workers_cpu = sum(_cpu(w.pid) - cpu0[w.pid] for w in procs)
        backends = _backends(engine) | before
        server_cpu = sum(_cpu(p) - cpu0.get(p, 0.0) for p in backends)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
        client.flushdb()
    with engine.connect() as conn:
        open_findings = conn.scalar(
            select(func.count()).select_from(Finding).where(Finding.status == "open")
        )
    stage = args.stage if args.stage == "score" else (
        "evaluate_incremental" if unit_ids else "evaluate_full"
    )  # fmt: skip
    return {
        "stage": stage,
        "backend": engine.dialect.name,
        "workers": args.workers,
        "seconds": round(ended - started, 3),
        "workers_cpu_s": round(workers_cpu, 2),
        "server_cpu_s": round(server_cpu, 2),
        "units": len(unit_ids) if unit_ids else None,
        "open_findings_in_store": open_findings,
        "worker_errors": _errors(args.workdir, args.workers),
    }


def _errors(workdir: Path, workers: int) -> list[str]:
    lines = []
    for n in range(1, workers + 1):
        for line in (workdir / f"worker{n}.log").read_text(errors="replace").splitlines():
            if "ERROR" in line or "Traceback" in line:
                lines.append(line[:300])
    return lines[:5]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.province_workers", description=__doc__.split("\n")[0]
    )
    parser.add_argument("stage", choices=["evaluate", "score"])
    parser.add_argument("--db", required=True, help="SQLAlchemy URL of a generated province")
    parser.add_argument("--workdir", type=Path, default=Path("var/bench/province_workers"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=1000, help="units per evaluate message")
    parser.add_argument("--as-of", default=datetime(2026, 11, 28, 12, tzinfo=UTC).isoformat())
    parser.add_argument("--period", default="2026-Q4")
    parser.add_argument("--changed-fraction", type=float, default=0.0)
    parser.add_argument("--timeout", type=float, default=1800.0)
    args = parser.parse_args(argv)
    args.workdir = args.workdir.resolve()
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(json.dumps(run(args), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
