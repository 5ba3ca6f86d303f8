"""Operator endpoints: Prometheus scrape, liveness and readiness."""

from __future__ import annotations

import logging
import os

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import text

from monitor.broker_queues import BrokerUnavailable, queue_depths
from monitor.metrics import QUEUE_DEPTH, RULE_PRECISION, RULE_PRECISION_LOW
from monitor.precision import latest_by_rule, precision
from monitor.redact import redact
from monitor.settings import Settings

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)

# The project's name, then the one prometheus-client itself reads.
MULTIPROC_ENVS = ("PROMETHEUS_MULTIPROCESS_DIR", "PROMETHEUS_MULTIPROC_DIR")


def _registry() -> CollectorRegistry:
    # Under Celery prefork or several web workers every process writes its own
    # files; the scrape merges them with a fresh registry each time.
    directory = next((os.environ[n] for n in MULTIPROC_ENVS if os.environ.get(n)), None)
    if directory:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=directory)
        return registry
    return REGISTRY


def _measure_queue_depths(settings: Settings) -> None:
    """Queue depth is read from the broker at scrape time (no worker owns it): a Redis
    list's length, or RabbitMQ's own count of ready messages."""
    try:
        depths = queue_depths(settings.broker_url, key_prefix=settings.workers.broker_key_prefix)
    except BrokerUnavailable as exc:
        # A broker outage is /readyz's to report; the scrape still serves the rest.
        log.warning("queue depths not measured: %s", redact(str(exc)))
        return
    for queue, depth in depths.items():
        QUEUE_DEPTH.labels(queue=queue).set(float(depth))


def _measure_precision(request: Request, settings: Settings) -> None:
    """Each rule's precision (newest version) from the verdicts: one aggregate query."""
    try:
        with request.app.state.sessions() as session:
            rows = precision(session, settings=settings.rules)
    except Exception as exc:  # the scrape still answers; /readyz reports the database
        log.warning("rule precision not measured: %s", exc)
        return
    for rule_id, row in latest_by_rule(rows).items():
        if row.precision is None:
            continue
        RULE_PRECISION.labels(rule=rule_id).set(row.precision)
        RULE_PRECISION_LOW.labels(rule=rule_id).set(1 if row.flagged else 0)


@router.get("/metrics")
def metrics(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    if settings.mode == "distributed":
        _measure_queue_depths(settings)
    _measure_precision(request, settings)
    return Response(generate_latest(_registry()), media_type=CONTENT_TYPE_LATEST)


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def _check_database(request: Request) -> str | None:
    try:
        with request.app.state.sessions() as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means not ready
        return f"{exc.__class__.__name__}: {exc}"
    return None


def _check_broker(url: str) -> str | None:
    import redis

    if not url.startswith(("redis://", "rediss://")):
        return _check_other_broker(url)
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
        client.close()
    except Exception as exc:
        return f"{exc.__class__.__name__}: {exc}"
    return None


def _check_other_broker(url: str) -> str | None:
    """RabbitMQ (``amqp://``): one connection attempt through kombu."""
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as exc:
        return f"{exc.__class__.__name__}: {exc}"
    return None


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """Ready or not, and which part is not: the error itself (hosts, ports, addresses,
    driver messages) goes to the log, never to whoever can reach this endpoint."""
    settings = request.app.state.settings
    checks = {"database": lambda: _check_database(request)}
    if settings.mode == "distributed":
        checks["broker"] = lambda: _check_broker(settings.broker_url)
    problems = []
    for name, check in checks.items():
        error = check()
        if error is not None:
            log.warning("not ready: %s: %s", name, redact(error))
            problems.append(name)
    status = 503 if problems else 200
    body = {"status": "ready" if not problems else "not ready", "problems": problems}
    return JSONResponse(body, status_code=status)
