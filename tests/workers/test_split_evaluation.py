"""A full evaluation fanned out in chunks (``stages.split_evaluation``) reaches the
findings one whole pass reaches: findings are per unit, so the chunks' union is the
pass. The split itself asks for one ``evaluate_units`` message per chunk."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bench import province
from monitor import stages
from monitor.flow import Stage
from monitor.settings import Settings
from monitor.store.db import make_engine, make_sessionmaker
from monitor.store.models import Finding, Unit

AS_OF = datetime(2026, 11, 28, 12, tzinfo=UTC).isoformat()


def _province(tmp_path: Path, name: str) -> tuple[sessionmaker[Session], Settings]:
    url = f"sqlite:///{tmp_path / name}.db"
    engine = make_engine(url)
    province.generate(engine, units=40, items=1_500)
    settings = Settings(database_url=url, data_dir=tmp_path / name, allowed_networks=[])
    return make_sessionmaker(engine), settings


def _findings(sessions: sessionmaker[Session]) -> set[tuple[str, int, str, str, str]]:
    with sessions() as session:
        columns = (Finding.rule_id, Finding.unit_id, Finding.period, Finding.subject)
        rows = session.execute(select(*columns, Finding.status))
        return {tuple(r) for r in rows}  # type: ignore[misc]


def test_split_asks_for_one_evaluation_per_chunk(tmp_path: Path) -> None:
    sessions, _ = _province(tmp_path, "split")
    with sessions() as session:
        units = list(session.scalars(select(Unit.id).order_by(Unit.id)))
    done = stages.split_evaluation(sessions, as_of=AS_OF, size=15)
    assert done.summary == {"units": 40, "chunks": 3}
    assert [n.stage for n in done.then] == [Stage.EVALUATE] * 3
    assert [n.args for n in done.then] == [
        (units[:15], AS_OF), (units[15:30], AS_OF), (units[30:], AS_OF)
    ]  # fmt: skip
    some = stages.split_evaluation(sessions, as_of=AS_OF, unit_ids=[9, 3, 3, 7], size=2)
    assert [n.args[0] for n in some.then] == [[3, 7], [9]]


def test_chunks_reach_the_findings_of_one_whole_pass(tmp_path: Path) -> None:
    whole, settings = _province(tmp_path, "whole")
    stages.evaluate_units(whole, settings, owner="t", unit_ids=None, as_of=AS_OF)
    split, split_settings = _province(tmp_path, "chunks")
    for nxt in stages.split_evaluation(split, as_of=AS_OF, size=7).then:
        ids, as_of = nxt.args
        stages.evaluate_units(split, split_settings, owner="t", unit_ids=ids, as_of=as_of)
    expected = _findings(whole)
    assert expected and _findings(split) == expected
