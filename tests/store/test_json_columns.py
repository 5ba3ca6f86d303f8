"""JSON columns go through orjson both ways, and the stdlib where orjson refuses."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.store.db import json_dumps, json_loads
from monitor.store.models import Feed, Unit


def test_what_orjson_refuses_is_written_by_the_stdlib() -> None:
    for value in ({1: "a"}, {"n": 2**70}, [{"k": (1, 2)}]):
        assert json.loads(json_dumps(value)) == json.loads(json.dumps(value))


def test_text_reads_back_as_written() -> None:
    value = {"发布机构": "和平村村民委员会", "n": 1.5, "list": [None, True, "\u0000x"]}
    text = json_dumps(value)
    assert "和平村" in text  # not \\u-escaped
    assert json_loads(text) == value
    assert json_loads(json.dumps(value)) == value  # rows written before read alike


def test_a_stored_json_column_round_trips(sessions: sessionmaker[Session]) -> None:
    options = {"selectors": {"标题": "td a"}, "big": 2**70, "ratio": 0.1}
    with sessions() as session, session.begin():
        unit = Unit(code="445302100001", name="和平村", level="village", kind="village")
        session.add(unit)
        session.flush()
        session.add(Feed(unit_id=unit.id, url="http://example.org/", kind="html", options=options))
    with sessions() as session:
        assert session.scalars(select(Feed.options)).one() == options
