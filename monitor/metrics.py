"""Prometheus metrics: one prefix (``disclosure_``), base units, low-cardinality labels.

No label per unit, feed or host: that cardinality lives in the database. Under
Celery prefork, ``PROMETHEUS_MULTIPROCESS_DIR`` is set before start and the scrape
endpoint builds a registry with the multiprocess collector (see monitor.web).
"""

from __future__ import annotations

import os

# The project's variable is PROMETHEUS_MULTIPROCESS_DIR; prometheus-client reads
# PROMETHEUS_MULTIPROC_DIR when it is first imported, so bridge it before that.
if os.environ.get("PROMETHEUS_MULTIPROCESS_DIR") and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = os.environ["PROMETHEUS_MULTIPROCESS_DIR"]
# The metrics below open their files there on import: a directory that does not exist
# yet (a fresh /run or /tmp; the systemd units name a subdirectory of the runtime one)
# would stop the process before it could serve anything.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

from prometheus_client import Counter, Gauge, Histogram

FETCHES = Counter("disclosure_fetches_total", "Fetch attempts by outcome.", ["outcome"])
FETCH_SECONDS = Histogram(
    "disclosure_fetch_duration_seconds",
    "Time to fetch one URL, including retries.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60),
)
FETCH_BYTES = Counter("disclosure_fetch_bytes_total", "Response body bytes read.")
ITEMS = Counter(
    "disclosure_items_total", "Items seen by change kind.", ["change"]
)  # new|changed|removed
FINDINGS = Counter(
    "disclosure_findings_total", "Findings opened by rule and severity.", ["rule", "severity"]
)
OPEN_ALERTS = Gauge(
    "disclosure_open_alerts",
    "Alerts not resolved, by severity.",
    ["severity"],
    multiprocess_mode="livemax",
)
TASK_SECONDS = Histogram(
    "disclosure_task_duration_seconds", "Stage task run time by queue.", ["queue"]
)
TASK_FAILURES = Counter(
    "disclosure_task_failures_total", "Stage tasks that failed, by queue.", ["queue"]
)
SCHEDULER_LAG = Gauge(
    "disclosure_scheduler_lag_seconds",
    "How late the scheduler enqueued its last job.",
    multiprocess_mode="livemax",
)
QUEUE_DEPTH = Gauge(
    "disclosure_queue_depth", "Messages waiting per queue.", ["queue"], multiprocess_mode="livemax"
)
LAST_CYCLE = Gauge(
    "disclosure_last_successful_cycle_timestamp_seconds",
    "Unix time the last full pipeline cycle completed.",
    multiprocess_mode="max",
)
DELIVERIES = Counter(
    "disclosure_deliveries_total", "Outbox deliveries by topic and outcome.", ["topic", "outcome"]
)
RULE_PRECISION = Gauge(
    "disclosure_rule_precision",
    "Share of a rule's judged findings that inspectors confirmed (newest rule version).",
    ["rule"],
    multiprocess_mode="livemax",
)
RULE_PRECISION_LOW = Gauge(
    "disclosure_rule_precision_low",
    "1 when the rule's precision is under rules.precision_alert_below with enough verdicts.",
    ["rule"],
    multiprocess_mode="livemax",
)
