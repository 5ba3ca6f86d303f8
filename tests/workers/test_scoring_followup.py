"""Scoring after scheduled evaluations is debounced: one score run per bucket."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import monitor.scoring
from monitor.settings import Settings
from workers import base, tasks
from workers.app import configure

T = datetime(2026, 11, 28, 8, 1, 30, tzinfo=UTC)


def test_without_debounce_scoring_follows_at_once() -> None:
    sig = tasks.scoring_followup("2026-11-28T08:00:00+00:00", debounce=0)
    assert sig.args == ("2026-11-28T08:00:00+00:00",)
    assert not sig.options.get("countdown")


def test_evaluations_in_one_bucket_share_one_score_run() -> None:
    early = tasks.scoring_followup("x", debounce=300, now=T)
    late = tasks.scoring_followup("x", debounce=300, now=T + timedelta(seconds=200))
    after = tasks.scoring_followup("x", debounce=300, now=T + timedelta(seconds=400))
    assert early.kwargs["bucket"] == late.kwargs["bucket"] != after.kwargs["bucket"]
    # Both are due at the bucket's end, after every evaluation of the bucket.
    assert early.args == late.args
    assert T + timedelta(seconds=early.options["countdown"]) == datetime.fromisoformat(
        early.args[0]
    )
    assert 0 < late.options["countdown"] < early.options["countdown"] <= 300


@pytest.fixture
def worker_settings(settings: Settings, sqlite_sessions: Any) -> Iterator[Settings]:
    configure(settings)
    base._store = None
    yield settings
    if base._store is not None:
        base._store.engine.dispose()
    base._store = None


def _run(task: Any, *args: Any, task_id: str, **kwargs: Any) -> Any:
    task.push_request(id=task_id, retries=0, is_eager=False)
    try:
        return task(*args, **kwargs)
    finally:
        task.pop_request()


def test_only_the_first_score_task_of_a_bucket_scores(
    worker_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    scored: list[str] = []
    monkeypatch.setattr(
        monitor.scoring,
        "compute_scores",
        lambda s, st, *, period, as_of, **_: scored.append(period.key),
    )
    monkeypatch.setattr(base.StageTask, "send_followup", lambda self, sig: None)
    as_of = "2026-11-28T08:05:00+00:00"
    first = _run(tasks.score_periods, as_of, task_id="a", bucket="2026-11-28T08:00:00+00:00")
    second = _run(tasks.score_periods, as_of, task_id="b", bucket="2026-11-28T08:00:00+00:00")
    assert first["periods"] == ["2026-11", "2026-Q4", "2026"]
    assert second == {"skipped": "done", "bucket": "2026-11-28T08:00:00+00:00"}
    assert scored == ["2026-11", "2026-Q4", "2026"]
