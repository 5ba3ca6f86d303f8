"""The demo, end to end: the sample site on 127.0.0.1, the district registered, one
pipeline cycle per simulated crawl day, then the summary.

Time is simulated: the site's clock and the pipeline's ``now`` move together through
the scenario's crawl days, so the result is the same on every run.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.demo.district import prepare
from monitor.demo.scenario import Scenario, build_scenario
from monitor.demo.site import DemoSite
from monitor.pipeline import CycleReport, run_cycle, score_periods
from monitor.runtime import build_runtime
from monitor.settings import Settings
from monitor.store import migrate
from monitor.store.db import transaction
from monitor.store.models import Unit
from monitor.summary import Summary, build_summary
from monitor.web.security import secret_key_problem

DEMO_COUNTY_PREFIX = "445302"
DEMO_RULESET = Path(__file__).parent / "data" / "ruleset.yaml"
# The hour of the simulated crawl each day, local time: office hours, as a person would.
CRAWL_HOUR = time(10, 0)


class NotADemoDatabase(RuntimeError):
    """The database holds units that are not the sample district's: refuse to wipe it."""


@dataclass
class DemoResult:
    scenario: Scenario
    cycles: list[CycleReport] = field(default_factory=list)
    summaries: list[Summary] = field(default_factory=list)


def crawl_moment(day: date, tz: str) -> datetime:
    return datetime.combine(day, CRAWL_HOUR, ZoneInfo(tz))


def demo_settings(settings: Settings) -> Settings:
    """The sample site lives on loopback, which the crawler refuses by default."""
    networks = list(settings.allowed_networks)
    if "127.0.0.0/8" not in networks:
        networks.append("127.0.0.0/8")
    # One local host serves the whole district: the politeness limits meant for a
    # county platform on the internet would only make the demo wait, and the unit
    # whose portal is down should cost seconds, not minutes.
    crawl = settings.crawl.model_copy(
        update={
            "per_host_concurrency": 16,
            "per_host_rate": 2000.0,
            "connect_timeout": 2.0,
            "read_timeout": 2.0,
            "total_timeout": 5.0,
            "retries": 1,
            "backoff_base": 0.1,
        }
    )
    update: dict[str, object] = {"allowed_networks": networks, "crawl": crawl}
    if secret_key_problem(settings.secret_key) is not None:
        # The demo's web lives as long as this run: a fresh random key per run is safe,
        # and nobody has to make one to try the monitor.
        update["secret_key"] = secrets.token_urlsafe(48)
    if settings.ruleset is None:
        update["ruleset"] = DEMO_RULESET
    return settings.model_copy(update=update)


def reset_store(engine: Engine, sessions: sessionmaker[Session], settings: Settings) -> None:
    """Start from an empty schema, so a rerun gives the same scores; only when the
    store holds nothing but the sample district."""
    migrate.upgrade(engine)
    with sessions() as session:
        foreign = session.scalar(
            select(Unit.code).where(~Unit.code.startswith(DEMO_COUNTY_PREFIX)).limit(1)
        )
    if foreign is not None:
        raise NotADemoDatabase(
            f"{engine.url.render_as_string(hide_password=True)} holds unit {foreign}, "
            "which is not the sample district's; point MONITOR_DATABASE_URL elsewhere"
        )
    migrate.downgrade(engine, "base")
    migrate.upgrade(engine)
    shutil.rmtree(settings.evidence_dir, ignore_errors=True)


def run_demo(
    sessions: sessionmaker[Session],
    settings: Settings,
    site: DemoSite,
    *,
    scenario: Scenario | None = None,
    progress: Callable[[str], None] = lambda _msg: None,
) -> DemoResult:
    scenario = scenario or build_scenario(site.district)
    result = DemoResult(scenario=scenario)
    with transaction(sessions) as session:
        prepare(session, site.base_url, district=site.district)
    runtime = build_runtime(settings)
    for day in scenario.crawl_days:
        site.set_today(day)
        now = crawl_moment(day, settings.timezone)
        report = run_cycle(sessions, settings, now=now, runtime=runtime)
        result.cycles.append(report)
        crawl = report.crawl
        if crawl is not None:
            progress(
                f"{day}  {crawl.fetches:5d} fetches  {crawl.items_new:4d} new  "
                f"{crawl.items_changed:3d} changed  {crawl.items_removed:3d} removed  "
                f"{crawl.failed:3d} failed"
            )
    final = crawl_moment(scenario.as_of, settings.timezone)
    with sessions() as session:
        result.summaries = [build_summary(session, p) for p in score_periods(final)]
    return result
