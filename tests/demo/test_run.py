"""The sample district end to end, embedded: the scenario's planned faults are found
where they were planted, the traps are not, alerts open, scores roll up, and a
second run gives the same scores.

Real parts: the sample site on 127.0.0.1, the crawl, the rules on the working-day
calendar, scoring, alerts, a SQLite store.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.demo import plan
from monitor.demo.model import District
from monitor.demo.run import DemoResult, demo_settings, reset_store, run_demo
from monitor.demo.scenario import Expect
from monitor.demo.site import DemoSite
from monitor.settings import Settings
from monitor.store.db import make_engine, make_sessionmaker
from monitor.store.models import Alert, Finding, Score, Unit

pytestmark = pytest.mark.slow


@dataclass
class Run:
    result: DemoResult
    sessions: sessionmaker[Session]
    base_url: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(tmp: Path, district: District, port: int = 0) -> Run:
    settings = demo_settings(
        Settings(database_url=f"sqlite:///{tmp / 'monitor.db'}", data_dir=tmp / "var")
    )
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    reset_store(engine, sessions, settings)
    with DemoSite(district, port=port) as site:
        result = run_demo(sessions, settings, site)
        return Run(result, sessions, site.base_url)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory, district: District) -> Run:
    return _run(tmp_path_factory.mktemp("demo"), district, _free_port())


def _open_findings(run: Run) -> set[tuple[str, str, str, str]]:
    with run.sessions() as session:
        rows = session.execute(
            select(Finding.rule_id, Unit.code, Finding.period, Finding.subject)
            .join(Unit, Unit.id == Finding.unit_id)
            .where(Finding.status == "open", Finding.assessable)
        ).all()
    return {tuple(r) for r in rows}  # type: ignore[misc]


def _subject(run: Run, e: Expect) -> str:
    # The scenario names pages by path; the store keys them by URL, port included.
    if e.path:
        return f"item:{run.base_url}{e.path}"
    if e.subject.startswith("column:/"):
        return f"column:{run.base_url}{e.subject.removeprefix('column:')}"
    return e.subject


def test_every_planted_fault_is_found_where_it_was_planted(demo_run: Run) -> None:
    found = _open_findings(demo_run)
    missing = [
        (rule, e)
        for rule, expects in demo_run.result.scenario.expected.items()
        for e in expects
        if e.only_if is None and (rule, e.unit_code, e.period, _subject(demo_run, e)) not in found
    ]
    assert missing == [], "\n".join(map(str, missing))


def test_no_trap_is_reported(demo_run: Run) -> None:
    found = {(rule, unit, subject) for rule, unit, _period, subject in _open_findings(demo_run)}
    sprung = [
        (rule, e)
        for rule, expects in demo_run.result.scenario.traps.items()
        for e in expects
        if (rule, e.unit_code, _subject(demo_run, e)) in found
    ]
    assert sprung == []


def test_clean_town_has_no_open_findings(demo_run: Run) -> None:
    found = _open_findings(demo_run)
    assert not [f for f in found if f[1] == plan.HEKOU]


def test_alerts_open_for_the_faulty_units_only(demo_run: Run) -> None:
    with demo_run.sessions() as session:
        alerted = set(
            session.scalars(
                select(Unit.code)
                .join(Alert, Alert.unit_id == Unit.id)
                .where(Alert.state != "resolved")
            )
        )
    assert {plan.ANTANG, plan.SILAO, plan.YAOGU, plan.LEAKS} <= alerted
    assert plan.HEKOU not in alerted


def test_scores_roll_up_and_the_faulty_town_ranks_below_the_clean_one(demo_run: Run) -> None:
    quarter = next(s for s in demo_run.result.summaries if s.period == "2026-Q4")
    assert quarter.county is not None and quarter.county.total is not None
    by_code = {t.code: t for t in quarter.towns}
    assert len(by_code) == 8
    assert by_code[plan.ANTANG].total < by_code[plan.HEKOU].total  # type: ignore[operator]
    assert all(t.villages for t in quarter.towns)


def _score_rows(run: Run) -> list[tuple[object, ...]]:
    with run.sessions() as session:
        rows = session.execute(
            select(
                Unit.code,
                Score.period,
                Score.indicator,
                Score.value,
                Score.explanation,
                Score.config_hash,
            )
            .join(Unit, Unit.id == Score.unit_id)
            .order_by(Unit.code, Score.period, Score.indicator)
        ).all()
    return [tuple(r) for r in rows]


def test_a_second_run_gives_the_same_scores(
    demo_run: Run, tmp_path: Path, district: District
) -> None:
    # Same site address: explanations cite item URLs, and those hold the port.
    again = _run(tmp_path, district, int(demo_run.base_url.rsplit(":", 1)[1]))
    first, second = _score_rows(demo_run), _score_rows(again)
    assert first and first == second


def test_towns_annual_reports_read_and_one_inconsistent(
    demo_run: Run, capsys: pytest.CaptureFixture[str]
) -> None:
    from monitor.cli.demo import _show_annual_reports
    from monitor.store.models import AnnualReport

    with demo_run.sessions() as session:
        rows = session.execute(
            select(Unit.code, AnnualReport.source_format, AnnualReport.audit).join(
                Unit, Unit.id == AnnualReport.unit_id
            )
        ).all()
    assert plan.SILAO not in {r.code for r in rows}  # it publishes none
    assert {r.source_format for r in rows} == {"docx"}
    assert {r.code for r in rows if r.audit} == {plan.ANNUAL_INCONSISTENT}
    _show_annual_reports(demo_run.sessions)
    out = capsys.readouterr().out
    assert "inconsistent: 1" in out and "南盛镇" in out
