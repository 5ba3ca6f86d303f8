"""Operator endpoints: /metrics (single and multiprocess), /healthz, /readyz."""

from __future__ import annotations

import subprocess
import sys

from fastapi.testclient import TestClient

from monitor.web import create_app
from tests.conftest import REDIS_URL


def test_healthz(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_checks_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json()["status"] == "ready"


def test_readyz_fails_when_database_is_unreachable(settings, tmp_path):
    bad = settings.model_copy(update={"database_url": f"sqlite:///{tmp_path}/no/such/dir/x.db"})
    from sqlalchemy import create_engine
    from sqlalchemy.orm import sessionmaker

    sessions = sessionmaker(create_engine(bad.database_url))
    with TestClient(create_app(bad, sessions)) as c:
        response = c.get("/readyz")
    assert response.status_code == 503
    assert response.json()["problems"][0].startswith("database")


def test_readyz_checks_broker_in_distributed_mode(settings, web_sessions):
    down = settings.model_copy(
        update={"mode": "distributed", "broker_url": "redis://127.0.0.1:1/0"}
    )
    with TestClient(create_app(down, web_sessions)) as c:
        response = c.get("/readyz")
    assert response.status_code == 503
    assert any(p.startswith("broker") for p in response.json()["problems"])


def test_readyz_with_live_broker(settings, web_sessions):
    up = settings.model_copy(update={"mode": "distributed", "broker_url": REDIS_URL})
    with TestClient(create_app(up, web_sessions)) as c:
        assert c.get("/readyz").status_code == 200


def test_metrics_exposes_disclosure_metrics(client):
    from monitor import metrics

    metrics.FETCHES.labels(outcome="ok").inc()
    body = client.get("/metrics").text
    assert "disclosure_fetches_total" in body
    assert "disclosure_last_successful_cycle_timestamp_seconds" in body


SCRIPT = """
import sys
from monitor import metrics
metrics.FETCHES.labels(outcome="timeout").inc(3)
"""


def test_metrics_multiprocess_mode(tmp_path, settings, web_sessions, monkeypatch):
    # A separate process writes its samples to the directory; the scrape merges them.
    directory = tmp_path / "prometheus"
    directory.mkdir()
    env = {"PROMETHEUS_MULTIPROCESS_DIR": str(directory), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", SCRIPT], env=env, check=True)
    monkeypatch.setenv("PROMETHEUS_MULTIPROCESS_DIR", str(directory))
    with TestClient(create_app(settings, web_sessions)) as c:
        body = c.get("/metrics").text
    assert 'disclosure_fetches_total{outcome="timeout"} 3.0' in body


def test_queue_names_match_the_workers():
    from monitor.broker_queues import BROKER_QUEUES
    from workers.app import QUEUES

    assert BROKER_QUEUES == QUEUES


def test_metrics_reads_queue_depth_from_the_broker(settings, web_sessions):
    import uuid

    import redis

    prefix = f"test-web-{uuid.uuid4().hex[:8]}:"
    distributed = settings.model_copy(
        update={
            "mode": "distributed",
            "broker_url": REDIS_URL,
            "workers": settings.workers.model_copy(update={"broker_key_prefix": prefix}),
        }
    )
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.rpush(prefix + "crawl", "a", "b", "c")
        with TestClient(create_app(distributed, web_sessions)) as c:
            body = c.get("/metrics").text
        assert 'disclosure_queue_depth{queue="crawl"} 3.0' in body
        assert 'disclosure_queue_depth{queue="notify"} 0.0' in body
    finally:
        client.delete(prefix + "crawl")
        client.close()


def test_metrics_survives_a_broker_outage(settings, web_sessions):
    down = settings.model_copy(
        update={"mode": "distributed", "broker_url": "redis://127.0.0.1:1/0"}
    )
    with TestClient(create_app(down, web_sessions)) as c:
        assert c.get("/metrics").status_code == 200


def test_readyz_names_no_host_url_or_error(settings, web_sessions, tmp_path, caplog):
    """Whoever can reach /readyz learns ready or not, and which part; the error text
    (addresses, ports, paths, driver messages) is in the log for the operator."""
    import logging

    from sqlalchemy import create_engine
    from sqlalchemy.orm import sessionmaker

    missing = tmp_path / "no" / "such" / "dir" / "x.db"
    both = settings.model_copy(
        update={
            "mode": "distributed",
            "database_url": f"sqlite:///{missing}",
            "broker_url": "redis://:hunter2@127.0.0.1:1/0",
        }
    )
    caplog.set_level(logging.WARNING, logger="monitor.web.ops")
    with TestClient(create_app(both, sessionmaker(create_engine(both.database_url)))) as c:
        response = c.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "not ready", "problems": ["database", "broker"]}
    for leak in ("127.0.0.1", ":1", "hunter2", str(tmp_path), "Error", "refused"):
        assert leak not in response.text, leak
    logged = caplog.text
    assert "not ready: database" in logged and "not ready: broker" in logged
    assert "hunter2" not in logged
