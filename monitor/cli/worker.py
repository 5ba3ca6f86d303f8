"""``monitor worker``, ``monitor scheduler`` and ``monitor enqueue-cycle``: distributed mode.

``monitor`` itself never imports Celery (DESIGN.md) nor ``workers``: these commands load
the backend named by ``settings.workers.entry`` (``monitor.flow.load_backend``) when run,
so the embedded commands stay free of it.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from typing import Any

import typer

from monitor.cli.common import AS_OF_HELP, echo_json, parse_as_of, state
from monitor.flow import load_backend

QUEUES_HELP = "Comma-separated queues to consume: crawl, evaluate, score, notify."


def worker(
    ctx: typer.Context,
    queues: str = typer.Option("crawl,evaluate,score,notify", "--queues", "-Q", help=QUEUES_HELP),
    concurrency: int = typer.Option(
        0, "--concurrency", "-c", help="Worker processes (0: one per CPU core)."
    ),
    pool: str = typer.Option("prefork", "--pool", help="Celery pool: prefork, solo or threads."),
    name: str = typer.Option(
        "", "--name", "-n", help="Node name (default <queues>@<host>), unique per machine."
    ),
    loglevel: str = typer.Option("INFO", "--loglevel", "-l", help="Log level."),
    metrics_port: int = typer.Option(
        0,
        "--metrics-port",
        help="Serve the pool's Prometheus metrics on this port (0: do not). Needs "
        "PROMETHEUS_MULTIPROCESS_DIR set in the environment before start.",
    ),
) -> None:
    """Run a Celery worker for the given stage queues (Redis or RabbitMQ broker, database
    from settings)."""
    settings = state(ctx).settings
    backend = load_backend(settings)
    chosen = [q.strip() for q in queues.split(",") if q.strip()]
    unknown = sorted(set(chosen) - set(backend.queues))
    if unknown or not chosen:
        choices = ", ".join(backend.queues)
        raise typer.BadParameter(f"unknown queues {unknown}; choose from {choices}")
    argv = [
        "worker",
        "--queues",
        ",".join(chosen),
        "--pool",
        pool,
        "--loglevel",
        loglevel,
        "--hostname",
        name or f"{'-'.join(chosen)}.%h",
        "--without-gossip",
        "--without-mingle",
    ]
    if concurrency:
        argv += ["--concurrency", str(concurrency)]
    if metrics_port:
        serve_pool_metrics(metrics_port)
    backend.run_worker(settings, argv)


def serve_pool_metrics(port: int) -> None:
    """Export what every pool process wrote to the multiprocess directory. The
    directory is wiped first: files of a previous run's dead processes would be summed."""
    import shutil
    from pathlib import Path

    from prometheus_client import CollectorRegistry, multiprocess, start_http_server

    directory = os.environ.get("PROMETHEUS_MULTIPROCESS_DIR")
    if not directory:
        raise typer.BadParameter("--metrics-port needs PROMETHEUS_MULTIPROCESS_DIR set")
    path = Path(directory)
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    start_http_server(port, registry=registry)


def serve_scheduler_metrics(port: int) -> None:
    """Serve this process's metrics (the scheduler lag). Under multiprocess mode (the
    variable set for every service) the values live in files: files of earlier runs
    (other pids) are removed, this process's own are kept, since its gauges opened
    them when ``monitor.metrics`` was imported."""
    from pathlib import Path

    from prometheus_client import CollectorRegistry, multiprocess, start_http_server

    directory = os.environ.get("PROMETHEUS_MULTIPROCESS_DIR")
    if not directory:
        start_http_server(port)
        return
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        if not stale.stem.endswith(f"_{os.getpid()}"):
            stale.unlink(missing_ok=True)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    start_http_server(port, registry=registry)


def scheduler(
    ctx: typer.Context,
    metrics_port: int = typer.Option(
        0,
        "--metrics-port",
        help="Serve the scheduler's Prometheus metrics (disclosure_scheduler_lag_seconds) "
        "on this port (0: do not).",
    ),
) -> None:
    """Run the scheduler: stands by until it holds the Redis leader lock, then enqueues
    each feed's crawl on its interval. Run two for fail-over; only one enqueues."""
    st = state(ctx)
    if metrics_port:
        serve_scheduler_metrics(metrics_port)
    service = load_backend(st.settings).scheduler(st.settings, st.sessions)

    def _stop(_signum: int, _frame: Any) -> None:
        service.stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    typer.echo(f"scheduler on {socket.gethostname()}: waiting for the leader lock")
    service.run()


def enqueue_cycle(
    ctx: typer.Context,
    as_of: str | None = typer.Option(None, "--as-of", help=AS_OF_HELP),
    wait: float = typer.Option(
        0.0, "--wait", help="Seconds to wait for the workers to finish the cycle (0: do not)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Send one full cycle to the workers: crawl every enabled feed, then evaluate,
    score, alert and deliver (the distributed twin of the embedded cycle)."""
    st = state(ctx)
    now = parse_as_of(as_of, st.settings.timezone)
    dispatcher = load_backend(st.settings).dispatcher(st.settings)
    sent = dispatcher.run_cycle(st.sessions, now=now)
    finished = None
    if wait > 0:
        deadline = time.monotonic() + wait
        finished = False
        while time.monotonic() < deadline:
            if dispatcher.cycle_evaluated(st.sessions, sent.cycle) and dispatcher.wait_idle(
                timeout=max(deadline - time.monotonic(), 0.1)
            ):
                finished = True
                break
            time.sleep(0.5)
    result = {
        "cycle": sent.cycle,
        "feeds": sent.feeds,
        "as_of": now.isoformat(),
        "finished": finished,
    }
    if as_json:
        echo_json(result)
    else:
        typer.echo(
            f"cycle {sent.cycle}: {sent.feeds} feeds sent"
            + ("" if finished is None else f", finished={finished}")
        )
    if finished is False:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
    app.command("scheduler")(scheduler)
    app.command("enqueue-cycle")(enqueue_cycle)
