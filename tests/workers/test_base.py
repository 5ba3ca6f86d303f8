"""The task base class: follow-ups leave only after the commit; only transient errors
are retried, at most ``max_retries`` times; the outcome is counted per queue."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import celery
import pytest
from celery.exceptions import Retry
from sqlalchemy import exc as sa_exc
from sqlalchemy import select

from monitor.metrics import TASK_FAILURES
from monitor.settings import Settings
from monitor.store.models import WorkClaim
from workers import base
from workers.app import app, configure

SENT: list[str] = []


class Boom(RuntimeError):
    pass


@app.task(name="tests.workers.write_then", base=base.StageTask, bind=True)
def write_then(self: base.StageTask, key: str, fail: bool) -> None:
    with self.unit_of_work() as uow:
        uow.session.add(WorkClaim(key=key, owner="t"))
        uow.then(celery.signature("tests.workers.next", args=(key,)))
        if fail:
            raise Boom("after the write, before the commit")


@app.task(name="tests.workers.raises", base=base.StageTask, bind=True)
def raises(self: base.StageTask, kind: str) -> None:
    if kind == "db":
        raise sa_exc.OperationalError("SELECT 1", {}, Exception("server closed the connection"))
    raise ValueError("bad data")


@pytest.fixture
def worker_settings(settings: Settings, sqlite_sessions: Any) -> Iterator[Settings]:
    configure(settings)
    base._store = None  # this test's store, made on first use like after a fork
    yield settings
    if base._store is not None:
        base._store.engine.dispose()
    base._store = None


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    SENT.clear()
    monkeypatch.setattr(base.StageTask, "send_followup", lambda self, sig: SENT.append(sig.args[0]))
    return SENT


def _run(task: Any, *args: Any, retries: int = 0) -> Any:
    task.push_request(id="task-1", retries=retries, is_eager=False)
    try:
        return task(*args)
    finally:
        task.pop_request()


def test_followup_is_sent_after_the_commit(worker_settings: Settings, recorded: list[str]) -> None:
    _run(write_then, "k-ok", False)
    assert recorded == ["k-ok"]
    with base.process_store().sessions() as session:
        assert session.scalar(select(WorkClaim.key)) == "k-ok"


def test_rolled_back_work_sends_nothing(worker_settings: Settings, recorded: list[str]) -> None:
    with pytest.raises(Boom):
        _run(write_then, "k-fail", True)
    assert recorded == []
    with base.process_store().sessions() as session:
        assert session.scalar(select(WorkClaim.key)) is None


def test_transient_error_is_retried_with_backoff_until_the_cap(
    worker_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []

    def fake_retry(**kwargs: Any) -> Retry:
        calls.append(kwargs)
        return Retry("retry", kwargs.get("exc"))

    monkeypatch.setattr(raises, "retry", fake_retry)
    with pytest.raises(Retry):
        _run(raises, "db", retries=0)
    assert calls[0]["max_retries"] == worker_settings.workers.max_retries
    assert 0 < calls[0]["countdown"] <= worker_settings.workers.retry_backoff
    # The last allowed attempt fails for good and is counted.
    before = TASK_FAILURES.labels("unknown")._value.get()
    with pytest.raises(sa_exc.OperationalError):
        _run(raises, "db", retries=worker_settings.workers.max_retries)
    assert len(calls) == 1
    assert TASK_FAILURES.labels("unknown")._value.get() == before + 1


def test_other_errors_fail_at_once(
    worker_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(raises, "retry", lambda **kw: pytest.fail("must not retry"))
    with pytest.raises(ValueError):
        _run(raises, "data")


def test_worker_freezes_what_its_pool_processes_inherit() -> None:
    import gc

    from workers.base import _freeze_before_fork

    try:
        _freeze_before_fork()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
