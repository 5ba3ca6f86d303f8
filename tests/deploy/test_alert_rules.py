"""Every shipped alert rule can fire: each has a ``promtool test rules`` case that
drives its metric past the threshold and expects it firing, and every metric a rule
reads is served by a process Prometheus scrapes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
PROMETHEUS = DEPLOY / "prometheus"
RULES = PROMETHEUS / "rules" / "monitor.yml"
RULE_TESTS = PROMETHEUS / "tests" / "monitor_test.yml"


def alert_names() -> set[str]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return {rule["alert"] for group in groups for rule in group["rules"] if "alert" in rule}


def cases() -> list[dict[str, Any]]:
    tests = yaml.safe_load(RULE_TESTS.read_text())["tests"]
    return [case for test in tests for case in test.get("alert_rule_test", [])]


def test_every_alert_rule_has_a_case_where_it_fires() -> None:
    firing = {case["alertname"] for case in cases() if case.get("exp_alerts")}
    missing = alert_names() - firing
    assert not missing, f"alert rules without a firing case in {RULE_TESTS.name}: {missing}"


def test_cases_name_only_shipped_rules() -> None:
    unknown = {case["alertname"] for case in cases()} - alert_names()
    assert not unknown, unknown


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed")
def test_promtool_runs_the_cases() -> None:
    run = subprocess.run(
        ["promtool", "test", "rules", str(RULE_TESTS)], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stdout + run.stderr


def _port(command: list[str]) -> str | None:
    return command[command.index("--metrics-port") + 1] if "--metrics-port" in command else None


def test_the_scheduler_is_scraped_where_it_serves_its_lag() -> None:
    """The lag gauge is set in ``monitor scheduler`` alone: compose runs it with a
    metrics port and Prometheus has a job for that port."""
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    port = _port(compose["services"]["scheduler"]["command"])
    assert port is not None
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    sd = jobs["monitor-scheduler"]["dns_sd_configs"][0]
    assert sd["names"] == ["scheduler"] and str(sd["port"]) == port
    rules = RULES.read_text()
    assert 'job="monitor-scheduler"' in rules  # its absence alerts too


def test_every_service_with_a_metrics_port_is_scraped() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    scraped = {
        (name, str(sd["port"]))
        for job in config["scrape_configs"]
        for sd in job.get("dns_sd_configs", [])
        for name in sd["names"]
    }
    for name, service in compose["services"].items():
        command = service.get("command")
        port = _port(command) if isinstance(command, list) else None
        if port is not None:
            assert (name, port) in scraped, f"{name} serves metrics on {port}; not scraped"


def test_cases_feed_series_the_monitor_really_exports() -> None:
    """A case on a misspelt series would test nothing: every input series is one the
    monitor's metrics produce (or Prometheus's own ``up``)."""
    from tests.web.test_deploy import exported_names

    tests = yaml.safe_load(RULE_TESTS.read_text())["tests"]
    names = {series["series"].split("{", 1)[0] for test in tests for series in test["input_series"]}
    assert names <= exported_names() | {"up"}, names - exported_names()
