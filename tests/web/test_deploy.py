"""Operator files: Prometheus rules pass promtool, the Grafana dashboard names real metrics."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase

import monitor.metrics

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
RULES = DEPLOY / "prometheus" / "rules" / "monitor.yml"
RULE_TESTS = DEPLOY / "prometheus" / "tests" / "monitor_test.yml"
DASHBOARD = DEPLOY / "grafana" / "dashboards" / "disclosure-monitor.json"
METRIC_NAME = re.compile(r"\b(disclosure_[a-z0-9_]+)")


def exported_names() -> set[str]:
    """Every sample name the monitor's metrics can produce."""
    names = set()
    metrics = [m for m in vars(monitor.metrics).values() if isinstance(m, MetricWrapperBase)]
    for metric in metrics:
        for family in metric.describe():
            if not family.name.startswith("disclosure_"):
                continue
            suffixes = {
                "counter": ("_total",),
                "histogram": ("_bucket", "_sum", "_count"),
                "gauge": ("",),
            }.get(family.type, ("",))
            names.update(family.name + s for s in suffixes)
    return names


def test_rules_name_existing_metrics():
    groups = yaml.safe_load(RULES.read_text())["groups"]
    exprs = [rule["expr"] for group in groups for rule in group["rules"]]
    used = {name for expr in exprs for name in METRIC_NAME.findall(expr)}
    assert used and used <= exported_names(), used - exported_names()
    alerts = {rule["alert"] for group in groups for rule in group["rules"] if "alert" in rule}
    assert {
        "DisclosureCrawlFailureRateHigh",
        "DisclosureSchedulerStalled",
        "DisclosureQueueBacklog",
        "DisclosureDeliveryFailures",
    } <= alerts


PROMTOOL = shutil.which("promtool")


@pytest.mark.skipif(PROMTOOL is None, reason="promtool not installed (apt-get install prometheus)")
def test_promtool_checks_and_unit_tests_the_rules():
    check = subprocess.run(
        [PROMTOOL, "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60
    )
    assert check.returncode == 0, check.stdout + check.stderr
    unit = subprocess.run(
        [PROMTOOL, "test", "rules", str(RULE_TESTS)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert unit.returncode == 0, unit.stdout + unit.stderr


def test_dashboard_parses_and_queries_existing_metrics():
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] and dashboard["panels"]
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = {name for expr in exprs for name in METRIC_NAME.findall(expr)}
    recorded = {
        rule["record"]
        for group in yaml.safe_load(RULES.read_text())["groups"]
        for rule in group["rules"]
        if "record" in rule
    }
    used_records = {r for expr in exprs for r in re.findall(r"\bdisclosure:[a-z0-9_:]+", expr)}
    assert used <= exported_names(), used - exported_names()
    assert used_records <= recorded
    # Every metric of monitor/metrics.py is on the dashboard somewhere.
    families = {re.sub(r"_(total|bucket|sum|count)$", "", n) for n in exported_names()}
    shown = {re.sub(r"_(total|bucket|sum|count)$", "", n) for n in used}
    assert families <= shown, families - shown
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
