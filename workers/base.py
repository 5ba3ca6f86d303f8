"""The one task base class: what every stage task shares.

It owns the database session and transaction of a task, sends follow-up tasks only
after that transaction committed (a worker never sees a row that was rolled back),
retries only errors marked transient (capped, exponential backoff with full jitter),
and records run time and failures per queue. Engines are made per worker process
after fork: a connection pool must never cross a fork.
"""

from __future__ import annotations

import gc
import logging
import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import celery
import kombu.exceptions
import redis.exceptions
from celery.signals import (
    setup_logging,
    worker_init,
    worker_process_init,
    worker_process_shutdown,
)
from sqlalchemy import Engine
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker

from monitor.logs import log_context
from monitor.logs import setup_logging as configure_logs
from monitor.metrics import TASK_FAILURES, TASK_SECONDS
from monitor.store.db import make_engine, make_sessionmaker
from workers.app import ROUTES, get_settings

log = logging.getLogger(__name__)

# Errors that say "try again later": the database or the broker went away, a lock or
# serialisation conflict. Anything else is a bug or bad data and fails at once.
TRANSIENT: tuple[type[BaseException], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,  # pool exhausted
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    kombu.exceptions.OperationalError,
    ConnectionError,
)

# Follow-ups wait for the broker to come back rather than dropping the chain.
PUBLISH_RETRY = {
    "max_retries": None,
    "interval_start": 0.5,
    "interval_step": 1.0,
    "interval_max": 5.0,
}


class TransientError(RuntimeError):
    """Raised by a task for a condition that a later attempt will likely not meet."""

    transient = True


def is_transient(exc: BaseException) -> bool:
    if getattr(exc, "transient", False):
        return True
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, TRANSIENT)


def backoff(retries: int, *, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Exponential with "equal jitter": between half and all of min(cap, base * 2**n).
    The jitter keeps a fleet that failed together from coming back together; the floor
    keeps a retry from landing in the same outage a moment later."""
    ceiling = min(cap, base * (2**retries))
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


@dataclass
class _ProcessStore:
    pid: int
    engine: Engine
    sessions: sessionmaker[Session]


_store: _ProcessStore | None = None


def process_store() -> _ProcessStore:
    """This process's engine, made on first use after fork (and again if the pid changed)."""
    global _store
    if _store is None or _store.pid != os.getpid():
        engine = make_engine(get_settings().database_url)
        _store = _ProcessStore(os.getpid(), engine, make_sessionmaker(engine))
    return _store


@setup_logging.connect
def _setup_logging(loglevel: int | None = None, **_: Any) -> None:
    # A receiver here tells Celery to leave logging to us: the same format (text or
    # JSON, settings.log_json) and context fields as every other entry point.
    configure_logs(get_settings(), level=loglevel or logging.INFO)


@worker_init.connect
def _freeze_before_fork(**_: Any) -> None:
    # What the pool processes inherit from this one lives as long as they do. Frozen,
    # it is never scanned by their garbage collector, whose writes to each object's
    # header would copy the shared pages into every pool process, one full collection
    # at a time (the practice the gc.freeze documentation gives for forking servers).
    gc.collect()
    gc.freeze()


@worker_process_init.connect
def _init_process_store(**_: Any) -> None:
    global _store
    # The parent's pool (if any) was copied by fork: forget it without closing its sockets.
    if _store is not None and _store.pid != os.getpid():
        _store.engine.dispose(close=False)
        _store = None
    process_store()


@worker_process_shutdown.connect
def _close_process_store(**_: Any) -> None:
    global _store
    if os.environ.get("PROMETHEUS_MULTIPROCESS_DIR"):
        # The child's live gauges must stop counting once it is gone.
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid())
    if _store is not None and _store.pid == os.getpid():
        _store.engine.dispose()
    _store = None


@dataclass
class UnitOfWork:
    session: Session
    followups: list[celery.Signature] = field(default_factory=list)

    def then(self, signature: celery.Signature) -> None:
        """Send ``signature`` once this unit of work has committed."""
        self.followups.append(signature)


class StageTask(celery.Task):
    """Base of every stage task (see module docstring)."""

    abstract = True
    # Retries are decided here, on the error's kind, not by Celery's autoretry.
    autoretry_for = ()

    @property
    def queue_name(self) -> str:
        return ROUTES.get(self.name, "unknown")

    @property
    def sessions(self) -> sessionmaker[Session]:
        return process_store().sessions

    @property
    def engine(self) -> Engine:
        return process_store().engine

    @property
    def owner(self) -> str:
        """Who holds a claim: the task id, which survives retries and redelivery."""
        return str(self.request.id or f"local-{os.getpid()}")

    @contextmanager
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        """One transaction; its follow-up tasks are sent after the commit."""
        with self.sessions() as session, session.begin():
            uow = UnitOfWork(session)
            yield uow
        for signature in uow.followups:
            self.send_followup(signature)

    def send_followup(self, signature: celery.Signature) -> None:
        signature.apply_async(retry=True, retry_policy=PUBLISH_RETRY)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        # Every record logged during the task, in any module, carries its id; the
        # context is dropped when the task ends, so the next task starts clean.
        with log_context(task_id=self.request.id, task=self.name):
            return self._run_counted(started, *args, **kwargs)

    def _run_counted(self, started: float, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except celery.exceptions.Retry:
            raise
        except Exception as exc:
            settings = get_settings().workers
            retries = int(self.request.retries or 0)
            if is_transient(exc) and retries < settings.max_retries and not self.request.is_eager:
                delay = backoff(
                    retries, base=settings.retry_backoff, cap=settings.retry_backoff_max
                )
                log.warning(
                    "%s: transient %s, retry %d in %.1fs", self.name, exc, retries + 1, delay
                )
                raise self.retry(
                    exc=exc, countdown=delay, max_retries=settings.max_retries
                ) from exc
            TASK_FAILURES.labels(self.queue_name).inc()
            self.on_give_up(exc, args, kwargs)
            raise
        finally:
            TASK_SECONDS.labels(self.queue_name).observe(time.perf_counter() - started)

    def on_give_up(self, exc: BaseException, args: Any, kwargs: Any) -> None:
        """Hook for a task to undo a claim when it stops trying."""
