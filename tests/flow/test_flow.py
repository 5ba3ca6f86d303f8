"""The stage graph and the one ``due``: no database, no broker."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.flow import FOLLOWS, FeedSchedule, Stage, due, followers, order
from monitor.settings import Settings
from monitor.stages import Next, _after, score_followup

T = datetime(2026, 11, 28, 8, 1, 30, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def test_order_respects_what_each_stage_follows() -> None:
    stages = order()
    assert stages[0] is Stage.CRAWL and stages[-1] is Stage.DELIVER
    for stage, before in FOLLOWS.items():
        assert all(stages.index(b) < stages.index(stage) for b in before)


def test_evaluation_is_followed_by_alerts_and_scores_then_delivery() -> None:
    assert followers(Stage.CRAWL) == (Stage.EVALUATE,)
    assert set(followers(Stage.EVALUATE)) == {Stage.ALERTS, Stage.SCORE}
    assert followers(Stage.ALERTS) == followers(Stage.SCORE) == (Stage.DELIVER,)


def test_distributed_followups_come_from_the_graph(settings: Settings) -> None:
    after = _after(Stage.EVALUATE, "2026-11-28T08:00:00+00:00", settings=settings)
    assert {n.stage for n in after} == set(followers(Stage.EVALUATE))
    assert _after(Stage.SCORE, "x", settings=settings) == [Next(Stage.DELIVER, ("x",))]


def test_a_feed_is_due_once_per_window() -> None:
    sched = FeedSchedule(7, 60, None)
    start = sched.window(T)
    assert due(7, 60, None, T)
    assert not due(7, 60, start + timedelta(seconds=1), T)
    assert due(7, 60, start - timedelta(seconds=1), T)
    assert FeedSchedule(7, 60, start).due(T) is False


def test_score_followup_debounces_into_buckets() -> None:
    early = score_followup("x", debounce=300, now=T)
    late = score_followup("x", debounce=300, now=T + timedelta(seconds=200))
    assert early.kwargs["bucket"] == late.kwargs["bucket"] and early.args == late.args
    assert score_followup("x", debounce=0) == Next(Stage.SCORE, ("x",))


def test_monitor_does_not_import_workers() -> None:
    found = subprocess.run(
        ["grep", "-rn", r"import workers\|from workers", "monitor/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert found.stdout == ""
