"""Every shipped alert rule fires on series a real run exposes.

The hand-written cases of deploy/prometheus/tests/monitor_test.yml name their series
themselves; a rule could read a metric or a label no process serves and still pass
them. Here the distributed service runs for real (a worker and a scheduler with
``--metrics-port``, the web with ``/metrics``, on Redis and PostgreSQL, a cycle over
a feed that answers and one that is gone, a task that fails, a webhook that refuses,
inspectors' verdicts), each endpoint is scraped, and the samples become promtool's
``input_series`` with the labels Prometheus adds (``job``, ``instance``) and ``up``
per target. Then:

- every selector of every rule (recording ones too) must match a scraped series, label
  names and all, including the labels it aggregates ``by``; and
- for each alert, the series it reads (names and label sets as scraped) are driven past
  its threshold and ``promtool test rules`` must see it fire with the labels and
  annotations it would carry.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.precision import FALSE_POSITIVE, record_verdict
from monitor.settings import Settings, WorkerSettings
from monitor.store.models import Finding
from tests.conftest import TEST_SECRET_KEY
from tests.workers.conftest import (
    MONITOR,
    Broker,
    Processes,
    add_feeds,
    free_port,
    service_env,
    wait_for,
)
from tests.workers.feeds_server import FeedServer
from workers import tasks
from workers.dispatch import CeleryDispatcher

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed"),
]

PROMETHEUS = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
RULES = PROMETHEUS / "rules" / "monitor.yml"

Labels = dict[str, str]
Series = tuple[str, Labels, float]


@dataclass(frozen=True)
class Drive:
    """How one alert is made to fire: each selector's first scraped series gets
    ``values`` (promtool's notation, one step a minute); at ``at`` the alert's value
    is ``value``; ``keeps`` are the labels the alert carries from the first series.

    Each selector names the job of the process that sets the metric: the web serves
    every metric's zero too, and a rule fed only by such a zero can never fire (the
    scheduler's lag was one). ``set_by_run``: the scraped value must be above zero,
    so the run really did what the metric counts."""

    series: tuple[tuple[str, str], ...]
    at: str
    value: float
    keeps: tuple[str, ...] = ()
    set_by_run: bool = True


WORKERS = 'job="monitor-workers"'
WEB = 'job="monitor-web"'

DRIVES: dict[str, Drive] = {
    "DisclosureCrawlFailureRateHigh": Drive(
        (
            (f'disclosure_fetches_total{{{WORKERS},outcome!~"ok|not_modified"}}', "0+50x90"),
            (f'disclosure_fetches_total{{{WORKERS},outcome="ok"}}', "0+50x90"),
        ),
        "60m",
        0.5,
    ),
    "DisclosureSchedulerStalled": Drive(
        # Set on the scheduler's ticks (a minute apart): present, maybe still 0.
        (('disclosure_scheduler_lag_seconds{job="monitor-scheduler"}', "1200x40"),),
        "30m",
        1200,
        set_by_run=False,
    ),
    "DisclosureSchedulerDown": Drive(
        (('up{job="monitor-scheduler"}', "1x10 0x30"),), "30m", 0, set_by_run=False
    ),
    "DisclosureNoSuccessfulCycle": Drive(
        ((f"disclosure_last_successful_cycle_timestamp_seconds{{{WORKERS}}}", "0x400"),),
        "6h30m",
        23400,
    ),
    "DisclosureQueueBacklog": Drive(
        ((f"disclosure_queue_depth{{{WEB}}}", "5000x70"),),
        "60m",
        5000,
        ("queue",),
        set_by_run=False,  # nothing waits once the cycle is done
    ),
    "DisclosureTaskFailures": Drive(
        ((f"disclosure_task_failures_total{{{WORKERS}}}", "0+6x60"),), "40m", 0.1, ("queue",)
    ),
    "DisclosureDeliveryFailures": Drive(
        ((f'disclosure_deliveries_total{{{WORKERS},outcome="failed"}}', "0+1x90"),),
        "60m",
        1 / 60,
        ("topic",),
    ),
    "DisclosureRulePrecisionLow": Drive(
        ((f"disclosure_rule_precision_low{{{WEB}}}", "1x90"),), "80m", 1, ("rule",)
    ),
}

# The processes of deploy/prometheus/prometheus.yml's jobs.
JOBS = {"web": "monitor-web", "worker": "monitor-workers", "scheduler": "monitor-scheduler"}


# -- selectors ------------------------------------------------------------------------

SELECTOR = re.compile(r"\b(disclosure_[a-z0-9_]+|up)\b(?:\{([^}]*)\})?")
MATCHER = re.compile(r'(\w+)\s*(=~|!~|!=|=)\s*"([^"]*)"')
BY = re.compile(r"\bby\s*\(([^)]*)\)")


@dataclass(frozen=True)
class Selector:
    name: str
    matchers: tuple[tuple[str, str, str], ...]

    @classmethod
    def parse(cls, text: str) -> Selector:
        found = SELECTOR.fullmatch(text.strip())
        assert found, text
        return cls(found.group(1), tuple(MATCHER.findall(found.group(2) or "")))

    def matches(self, name: str, labels: Labels, needs: tuple[str, ...] = ()) -> bool:
        """PromQL's matching, except that a label a matcher names must be present: a
        rule reading a label the run never sets would otherwise match by its absence."""
        if name != self.name or not all(label in labels for label in needs):
            return False
        for label, op, want in self.matchers:
            if label not in labels:
                return False
            hit = (
                re.fullmatch(want, labels[label]) is not None
                if "~" in op
                else labels[label] == want
            )
            if hit == op.startswith("!"):
                return False
        return True


def rule_selectors() -> list[tuple[str, Selector, tuple[str, ...]]]:
    """(rule, selector, labels aggregated by) for every metric selector of every rule."""
    groups = yaml.safe_load(RULES.read_text())["groups"]
    found = []
    for rule in (r for g in groups for r in g["rules"]):
        expr = rule["expr"]
        by = tuple(sorted({lab.strip() for m in BY.findall(expr) for lab in m.split(",")} - {""}))
        for hit in SELECTOR.finditer(expr):
            name = rule.get("alert") or rule["record"]
            found.append((name, Selector.parse(hit.group(0)), by))
    return found


# -- the real run ---------------------------------------------------------------------


def _scrape(port: int) -> list[Series]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    return [
        (sample.name, dict(sample.labels), float(sample.value))
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    ]


def _scrape_all(ports: dict[str, int]) -> list[Series]:
    """Every sample, labelled as Prometheus stores it, and ``up`` per target."""
    series: list[Series] = []
    for process, port in ports.items():
        target = {"job": JOBS[process], "instance": f"127.0.0.1:{port}"}
        series.append(("up", dict(target), 1.0))
        series += [(name, {**labels, **target}, value) for name, labels, value in _scrape(port)]
    return series


def _judge_findings(sessions: sessionmaker[Session], now: datetime) -> int:
    """Inspectors call every assessable finding wrong: each such rule's precision is 0."""
    with sessions.begin() as session:
        findings = session.scalars(select(Finding).where(Finding.assessable)).all()
        for finding in findings:
            record_verdict(finding, FALSE_POSITIVE, by="inspector", now=now)
        return len(findings)


def _serving(port: int) -> bool:
    try:
        _scrape(port)
    except OSError:
        return False
    return True


def _start_services(tmp_path: Path, processes: Processes, env: dict[str, str]) -> dict[str, int]:
    ports = {process: free_port() for process in JOBS}
    commands = {
        "worker": ["worker", "--queues", "crawl,evaluate,score,notify", "--concurrency", "2"],
        "scheduler": ["scheduler"],
    }
    for process, argv in commands.items():
        # As deployed (deploy/compose.yaml): multiprocess mode, a directory per service.
        # The directory is not made here: the service makes it (a fresh /run has none).
        own = env | {"PROMETHEUS_MULTIPROCESS_DIR": str(tmp_path / f"prom-{process}")}
        processes.start([*argv, "--metrics-port", str(ports[process])], own, process)
    for process in commands:
        wait_for(lambda p=process: _serving(ports[p]), 60, f"the {process}'s metrics")
    return ports


def _start_web(tmp_path: Path, processes: Processes, env: dict[str, str], port: int) -> None:
    own = env | {"PROMETHEUS_MULTIPROCESS_DIR": str(tmp_path / "prom-web")}
    processes.start(["web", "--host", "127.0.0.1", "--port", str(port)], own, "web")
    wait_for(lambda: _serving(port), 60, "the web's /metrics")


@pytest.fixture
def scraped(
    tmp_path: Path,
    broker: Broker,
    pg_url: str,
    pg_sessions: sessionmaker[Session],
    processes: Processes,
) -> list[Series]:
    env = service_env(
        tmp_path,
        pg_url,
        broker,
        MONITOR_MODE="distributed",
        MONITOR_SECRET_KEY=TEST_SECRET_KEY,
        MONITOR_CRAWL__RETRIES="0",
        MONITOR_WORKERS__MAX_RETRIES="0",
        MONITOR_RULES__PRECISION_MIN_VERDICTS="1",
        # Nothing listens there: score.updated deliveries fail.
        MONITOR_ASSESSMENT__WEBHOOK_URL=f"http://127.0.0.1:{free_port()}/hook",
    )
    with FeedServer() as server:
        gone = server.url("x").replace("/feeds/x.xml", "/gone.xml")
        (fid, _) = add_feeds(pg_sessions, [server.url("north"), gone])
        ports = _start_services(tmp_path, processes, env)
        run = subprocess.run(
            [MONITOR, "enqueue-cycle", "--as-of", "2026-11-28", "--wait", "120"],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert run.returncode == 0, run.stdout + run.stderr + processes.log("worker")
    # A message no task can run: its failure is counted on its queue.
    settings = Settings(
        database_url=pg_url,
        broker_url=broker.url,
        allowed_networks=["127.0.0.0/8"],
        workers=WorkerSettings(**broker.settings()),
    )
    CeleryDispatcher(settings)
    tasks.crawl_feed.apply_async((fid, "not-a-window"))
    assert _judge_findings(pg_sessions, datetime.now(UTC)), "the cycle opened no finding"
    ports["web"] = free_port()
    _start_web(tmp_path, processes, env, ports["web"])
    wait_for(
        lambda: any(n == "disclosure_task_failures_total" for n, _, _ in _scrape_all(ports)),
        60,
        "the failed task counted",
    )
    return _scrape_all(ports)


# -- promtool ---------------------------------------------------------------------


def _series_text(name: str, labels: Labels) -> str:
    def quoted(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    inner = ",".join(f"{key}={quoted(value)}" for key, value in sorted(labels.items()))
    return f"{name}{{{inner}}}"


def _go_value(value: float) -> str:
    """``{{ $value }}``: Go prints a float64 in its shortest form."""
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)


def _humanize(value: float) -> str:
    """Prometheus's ``humanize`` (SI prefixes, 4 significant digits)."""
    if value == 0 or math.isinf(value) or math.isnan(value):
        return f"{value:.4g}"
    prefixes = ["", "k", "M", "G", "T", "P", "E", "Z", "Y"]
    small = ["", "m", "u", "n", "p", "f", "a", "z", "y"]
    index = 0
    if abs(value) >= 1:
        while abs(value) >= 1000 and index < len(prefixes) - 1:
            value, index = value / 1000, index + 1
        return f"{value:.4g}{prefixes[index]}"
    while abs(value) < 1 and index < len(small) - 1:
        value, index = value * 1000, index + 1
    return f"{value:.4g}{small[index]}"


def _humanize_duration(value: float) -> str:
    """Prometheus's ``humanizeDuration``, for values of a second and more."""
    assert abs(value) >= 1, value
    seconds = int(value)
    days, hours = seconds // 86400, seconds // 3600 % 24
    minutes, seconds = seconds // 60 % 60, seconds % 60
    if days:
        return f"{days}d {hours}h {minutes}m {seconds}s"
    if hours:
        return f"{hours}h {minutes}m {seconds}s"
    if minutes:
        return f"{minutes}m {seconds}s"
    return f"{seconds}s"


TEMPLATE = re.compile(r"\{\{\s*\$(value|labels\.(\w+))\s*(?:\|\s*(\w+)\s*)?\}\}")
FILTERS = {
    None: _go_value,
    "humanizePercentage": lambda v: _humanize(v * 100) + "%",
    "humanizeDuration": _humanize_duration,
    "humanize": _humanize,
}


def _render(template: str, value: float, labels: Labels) -> str:
    """The annotation templates the shipped rules use; any other function fails here,
    to be added rather than guessed."""

    def one(found: re.Match[str]) -> str:
        if found.group(2):
            return labels[found.group(2)]
        assert found.group(3) in FILTERS, f"template function {found.group(3)} not rendered"
        return FILTERS[found.group(3)](value)

    rendered = TEMPLATE.sub(one, template)
    assert "{{" not in rendered, f"template not rendered: {template}"
    return rendered


def _alert_rules() -> dict[str, dict[str, object]]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return {r["alert"]: r for g in groups for r in g["rules"] if "alert" in r}


def _first(
    scraped: list[Series], selector: Selector, needs: tuple[str, ...], set_by_run: bool
) -> tuple[str, Labels]:
    for name, labels, value in scraped:
        if selector.matches(name, labels, needs) and (value > 0 or not set_by_run):
            return name, labels
    above = " above 0" if set_by_run else ""
    raise AssertionError(f"the run exposes no series{above} for {selector} with {needs}")


def _case(alert: str, rule: dict[str, object], scraped: list[Series]) -> dict[str, object]:
    drive = DRIVES[alert]
    driven = [
        (
            _first(scraped, Selector.parse(sel), drive.keeps if n == 0 else (), drive.set_by_run),
            values,
        )
        for n, (sel, values) in enumerate(drive.series)
    ]
    kept = {key: driven[0][0][1][key] for key in drive.keeps}
    labels = {**rule.get("labels", {}), **kept}  # type: ignore[dict-item]
    annotations = {
        key: _render(text, drive.value, kept)
        for key, text in rule.get("annotations", {}).items()  # type: ignore[attr-defined]
    }
    return {
        "interval": "1m",
        "input_series": [
            {"series": _series_text(name, lab), "values": values} for (name, lab), values in driven
        ],
        "alert_rule_test": [
            {
                "eval_time": drive.at,
                "alertname": alert,
                "exp_alerts": [{"exp_labels": labels, "exp_annotations": annotations}],
            }
        ],
    }


# -- the tests ------------------------------------------------------------------------


def test_every_alert_rule_has_a_drive() -> None:
    assert set(DRIVES) == set(_alert_rules())


def test_a_label_the_run_never_sets_matches_nothing() -> None:
    """PromQL matches ``!~``/``!=`` on an absent label; here that is a rule reading a
    label no process sets, and it must count as not exposed."""
    depth = {"queue": "crawl", "job": "monitor-web"}
    assert Selector.parse('disclosure_queue_depth{queue="crawl"}').matches(
        "disclosure_queue_depth", depth
    )
    assert not Selector.parse('disclosure_queue_depth{stage!~"x"}').matches(
        "disclosure_queue_depth", depth
    )
    assert not Selector.parse("disclosure_queue_depth").matches(
        "disclosure_queue_depth", depth, needs=("stage",)
    )
    assert not Selector.parse('up{job="monitor-scheduler"}').matches("up", {"job": "monitor-web"})


def test_every_rule_fires_on_the_series_of_a_real_run(
    scraped: list[Series], tmp_path: Path
) -> None:
    missing = [
        f"{rule}: {sel.name}{{{','.join(''.join(m) for m in sel.matchers)}}} by {by}"
        for rule, sel, by in rule_selectors()
        if not any(sel.matches(name, labels, by) for name, labels, _ in scraped)
    ]
    assert not missing, "rules read series the run does not expose:\n" + "\n".join(missing)
    rules = _alert_rules()
    tests = {
        "rule_files": [str(RULES)],
        "evaluation_interval": "1m",
        "tests": [_case(alert, rules[alert], scraped) for alert in sorted(rules)],
    }
    path = tmp_path / "from_a_run_test.yml"
    path.write_text(yaml.safe_dump(tests, allow_unicode=True, sort_keys=False))
    run = subprocess.run(
        ["promtool", "test", "rules", str(path)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stdout + run.stderr + path.read_text()
