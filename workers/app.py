"""The Celery app, configured from the one Settings object.

One queue per stage so each scales on its own. Every task is idempotent, which is what
makes ``acks_late`` safe: a message is acknowledged only after its task ran, and a task
whose worker process died is handed back (``task_reject_on_worker_lost``). If the whole
worker dies, Redis hands the message back after ``visibility_timeout``, which must stay
above the longest countdown plus the longest run time, or a task still running would be
given to a second worker.
"""

from __future__ import annotations

from typing import Any

from celery import Celery
from kombu import Exchange, Queue

from monitor.broker_queues import is_redis_url
from monitor.runtime import Runtime, build_runtime
from monitor.settings import Settings, load_settings

QUEUES: tuple[str, ...] = ("crawl", "evaluate", "score", "notify")

# Task names are explicit and stable: they are what sits in the broker across deploys.
CRAWL_FEED = "monitor.crawl.feed"
EVALUATE_UNITS = "monitor.evaluate.units"
EVALUATE_SPLIT = "monitor.evaluate.split"
SCORE_PERIOD = "monitor.score.period"
SYNC_ALERTS = "monitor.alerts.sync"
DELIVER_OUTBOX = "monitor.notify.deliver"
PRUNE_CLAIMS = "monitor.claims.prune"

ROUTES: dict[str, str] = {
    CRAWL_FEED: "crawl",
    EVALUATE_UNITS: "evaluate",
    EVALUATE_SPLIT: "evaluate",
    SCORE_PERIOD: "score",
    SYNC_ALERTS: "notify",
    DELIVER_OUTBOX: "notify",
    PRUNE_CLAIMS: "notify",
}

app = Celery("monitor", include=["workers.tasks"])
_settings: Settings | None = None
_runtime: Runtime | None = None


def is_amqp(url: str) -> bool:
    return url.split("://", 1)[0] in ("amqp", "amqps", "pyamqp")


def task_queues(settings: Settings) -> list[Queue]:
    """One queue per stage. On RabbitMQ they are quorum queues (replicated, and a
    message held by a consumer that vanished goes back at once) on topic exchanges,
    which Celery's native delayed delivery needs for countdowns on quorum queues."""
    if not is_amqp(settings.broker_url):
        return [Queue(name) for name in QUEUES]
    return [
        Queue(
            name,
            Exchange(name, type="topic"),
            routing_key=name,
            queue_arguments={"x-queue-type": "quorum"},
        )
        for name in QUEUES
    ]


def _transport_options(settings: Settings) -> dict[str, Any]:
    w = settings.workers
    if not is_redis_url(settings.broker_url):
        # RabbitMQ: the broker confirms each publish (nothing is lost between the
        # dispatcher and the queue); redelivery needs no timeout (see docs/reliability.md).
        return {"confirm_publish": True} if is_amqp(settings.broker_url) else {}
    return {
        "visibility_timeout": w.visibility_timeout,
        # How often a worker looks for messages whose holder vanished (kombu's
        # default sweep is ~100 s): a tenth of the timeout, between 1 s and 60 s.
        "unacked_restore_interval": min(max(w.visibility_timeout / 10, 1.0), 60.0),
        "unacked_restore_throttle": 1,
        # The sweep's mutex outlives a worker killed while holding it; kombu's 300 s
        # would block every redelivery that long.
        "unacked_mutex_expire": max(1, min(300, int(w.visibility_timeout // 2))),
        **({"global_keyprefix": w.broker_key_prefix} if w.broker_key_prefix else {}),
    }


def celery_config(settings: Settings) -> dict[str, Any]:
    w = settings.workers
    return {
        "broker_url": settings.broker_url,
        # kombu's Redis transport, minus the error that ends a worker whose broker
        # vanished (see workers/transport.py); other brokers keep their own.
        **(
            {"broker_transport": "workers.transport:Transport"}
            if is_redis_url(settings.broker_url)
            else {}
        ),
        "broker_transport_options": _transport_options(settings),
        "broker_connection_retry_on_startup": True,
        "broker_connection_max_retries": None,
        "task_queues": task_queues(settings),
        "task_default_queue": "crawl",
        "task_routes": {name: {"queue": queue} for name, queue in ROUTES.items()},
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_ignore_result": True,
        "result_backend": None,
        "task_time_limit": w.task_time_limit,
        "task_soft_time_limit": max(w.task_time_limit - 30, w.task_time_limit * 0.9),
        "task_serializer": "json",
        "accept_content": ["json"],
        "worker_prefetch_multiplier": 1,
        # Celery counts kilobytes; None leaves the pool processes alone.
        "worker_max_memory_per_child": (w.max_memory_per_child_mb * 1024) or None,
        # A task that outlives a broker outage finishes and its follow-ups are sent when
        # the broker is back; cancelling it would only redo the work.
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        "worker_hijack_root_logger": False,
        "enable_utc": True,
        "timezone": "UTC",
    }


def configure(settings: Settings) -> Celery:
    """Bind the app to ``settings``: done once at each entry point (worker, scheduler,
    dispatcher, test)."""
    global _settings, _runtime
    config = celery_config(settings)
    keys = ("broker_url", "broker_transport", "broker_transport_options")
    if _settings is not None and any(app.conf.get(k) != config.get(k) for k in keys):
        _drop_connections()
    if settings is not _settings:
        _runtime = None
    _settings = settings
    app.conf.update({"broker_transport": None, **config})
    return app


def _drop_connections() -> None:
    """Forget pooled broker connections made under the previous settings (what Celery
    itself does after a fork): the pools are keyed on URL and transport options, and a
    process that is reconfigured (tests, a dispatcher per deployment) must not publish
    through the old ones."""
    pool = app._pool
    if pool is not None:
        pool.force_close_all()
        app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None
        # The queue declarations differ per broker kind (quorum on RabbitMQ).
        for cached in ("queues", "default_queue", "router"):
            amqp.__dict__.pop(cached, None)


def get_settings() -> Settings:
    """The settings the app was configured with; a worker started by ``celery -A
    workers.app`` instead of ``monitor worker`` reads them from the environment."""
    global _settings
    if _settings is None:
        configure(load_settings())
    assert _settings is not None
    return _settings


def get_runtime() -> Runtime:
    """Rules, ruleset, scheme and calendar of the configured settings, built once per
    process (on the first task that needs them) and kept."""
    global _runtime
    if _runtime is None:
        _runtime = build_runtime(get_settings())
    return _runtime
