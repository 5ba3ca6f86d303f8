"""The evaluate stage against a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from monitor.cli.main import app
from monitor.evaluate import default_periods, evaluate
from monitor.rulesets import parse_ruleset
from monitor.settings import Settings
from monitor.store.models import Feed, Fetch, Finding, Item, ItemVersion, Unit
from rules.api import FindingDraft, Period, Rule, RuleContext
from rules.registry import LoadedRules, load_rules

# After the village publication window for Q1 (the 15th of April) closed.
AS_OF = datetime(2026, 4, 20, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


def _seed(session: Session) -> dict[str, Any]:
    town = Unit(code="441702001000", name="样例镇", level="town", kind="town")
    village = Unit(code="441702001001", name="样例村", level="village", kind="village", parent=town)
    session.add_all([town, village])
    session.flush()
    tfeed = Feed(
        unit_id=town.id, url="https://gov.example/town/zcwj", kind="html", category="政策文件"
    )
    vfeed = Feed(
        unit_id=village.id, url="https://gov.example/v1/list", kind="html", category="村务公开"
    )
    session.add_all([tfeed, vfeed])
    session.flush()
    for feed in (tfeed, vfeed):
        for hours in (48, 24, 1):
            session.add(
                Fetch(
                    feed_id=feed.id,
                    url=feed.url,
                    outcome="ok",
                    status=200,
                    started_at=AS_OF - timedelta(hours=hours),
                )
            )
    late = Item(
        feed_id=tfeed.id,
        unit_id=town.id,
        key="late",
        title="关于印发春耕方案的通知",
        category="政策文件",
        content_hash="a",
        formed_date=date(2026, 1, 5),
        published_date=date(2026, 2, 26),
        first_seen=datetime(2026, 2, 26, 2, tzinfo=UTC),
        meta={"index_no": "000014349/2026-00001", "publisher": "样例镇人民政府"},
    )
    leak = Item(
        feed_id=vfeed.id,
        unit_id=village.id,
        key="dibao",
        title="2026年3月低保名单",
        category="村务公开",
        content_hash="b",
        published_date=date(2026, 3, 20),
        first_seen=datetime(2026, 3, 20, 2, tzinfo=UTC),
    )
    session.add_all([late, leak])
    session.flush()
    session.add(
        ItemVersion(
            item_id=leak.id,
            content_hash="b",
            title=leak.title,
            text="张三 11010519491231002X",
            seen_at=leak.first_seen,
            evidence_id=None,
        )
    )
    session.flush()
    return {"town": town, "village": village, "late": late, "leak": leak, "vfeed": vfeed}


def _findings(session: Session) -> dict[tuple[str, str, str, str], Finding]:
    rows = session.scalars(select(Finding)).all()
    return {(f.rule_id, str(f.unit_id), f.period, f.subject): f for f in rows}


def test_evaluate_upserts_and_clears(sessions: sessionmaker[Session], settings: Settings) -> None:
    with sessions() as session:
        seeded = _seed(session)
        town_id, village_id = seeded["town"].id, seeded["village"].id
        leak_id, vfeed_id = seeded["leak"].id, seeded["vfeed"].id
        session.commit()

    periods = [Period.parse("2026-02"), Period.parse("2026-03"), Period.parse("2026-Q1")]
    with sessions() as session:
        report = evaluate(session, settings, as_of=AS_OF, periods=periods)
        session.commit()
    assert report.errors == []
    assert report.units == 2
    with sessions() as session:
        found = _findings(session)
        lag = found[("timeliness.publication_lag", str(town_id), "2026-02", "item:late")]
        assert lag.status == "open" and lag.assessable and lag.severity == "medium"
        assert lag.evidence["workdays"] == 33
        leak = found[("privacy.personal_data", str(village_id), "2026-03", "item:dibao")]
        assert leak.severity == "critical"
        assert "11010519491231002X" not in str(leak.evidence)  # findings never republish it
        # The village published no party affairs and no finances in Q1.
        assert (
            "completeness.required_categories",
            str(village_id),
            "2026-Q1",
            "category:财务公开",
        ) in found
        assert (
            "completeness.required_categories",
            str(village_id),
            "2026-Q1",
            "category:党务公开",
        ) in found
        # Town metadata is fine, and the town rules never ran on the village.
        assert not [k for k in found if k[0] == "completeness.required_metadata"]
        assert not [
            k for k in found if k[0] == "timeliness.publication_lag" and k[1] == str(village_id)
        ]
        assert set(report.opened) == {f.id for f in found.values()}
        total = len(found)

    # Same data again: nothing new, nothing cleared, no duplicates.
    with sessions() as session:
        again = evaluate(session, settings, as_of=AS_OF, periods=periods)
        session.commit()
    assert again.opened == [] and again.cleared == []
    with sessions() as session:
        assert len(_findings(session)) == total

    # The village takes the list down after masking it and publishes its finances.
    with sessions() as session:
        version = session.scalars(select(ItemVersion).where(ItemVersion.item_id == leak_id)).one()
        version.text = "张三 1101**********002X"
        session.add(
            Item(
                feed_id=vfeed_id,
                unit_id=village_id,
                key="cw",
                title="2026年3月财务收支公开",
                category="财务公开",
                content_hash="c",
                published_date=date(2026, 3, 31),
                first_seen=datetime(2026, 3, 31, 2, tzinfo=UTC),
            )
        )
        session.commit()
    with sessions() as session:
        third = evaluate(
            session,
            settings,
            as_of=AS_OF + timedelta(hours=1),
            unit_ids=[village_id],
            periods=periods,
        )
        session.commit()
    with sessions() as session:
        found = _findings(session)
        leak = found[("privacy.personal_data", str(village_id), "2026-03", "item:dibao")]
        cats = found[
            ("completeness.required_categories", str(village_id), "2026-Q1", "category:财务公开")
        ]
        assert leak.status == "cleared" and cats.status == "cleared"
        assert leak.cleared_at == AS_OF + timedelta(hours=1)
        assert {leak.id, cats.id} <= set(third.cleared)
        # The town was not in this pass: its finding stays open.
        lag = found[("timeliness.publication_lag", str(town_id), "2026-02", "item:late")]
        assert lag.status == "open"
        party = found[
            ("completeness.required_categories", str(village_id), "2026-Q1", "category:党务公开")
        ]
        assert party.status == "open"


class _Boom(Rule):
    """Raises, to prove one broken rule does not stop the others. Bad / Good: none."""

    id = "test.boom"
    title = "boom"
    basis = "none"

    def evaluate(self, ctx: RuleContext) -> Iterable[FindingDraft]:
        raise RuntimeError("boom")


class _Unknown(Rule):
    """Asks the calendar about 2027 without catching CalendarUnknown."""

    id = "test.unknown_year"
    title = "unknown year"
    basis = "none"

    def evaluate(self, ctx: RuleContext) -> Iterable[FindingDraft]:
        ctx.calendar.is_workday(date(2027, 3, 1))
        return []


def test_a_raising_rule_is_reported_and_others_go_on(
    sqlite_sessions: sessionmaker[Session], settings: Settings
) -> None:
    loaded = load_rules()
    loaded = LoadedRules({**loaded.rules, _Boom.id: _Boom, _Unknown.id: _Unknown})
    ruleset = parse_ruleset(
        """
        version: test
        kinds:
          village:
            - {rule: test.boom, periods: [month]}
            - {rule: test.unknown_year, periods: [month]}
            - {rule: privacy.personal_data, periods: [month]}
            - {rule: no.such_rule}
        """
    )
    with sqlite_sessions() as session:
        seeded = _seed(session)
        report = evaluate(
            session,
            settings,
            as_of=AS_OF,
            periods=[Period.parse("2026-03")],
            rules=loaded,
            ruleset=ruleset,
        )
        found = _findings(session)
    village = str(seeded["village"].id)
    assert any("test.boom" in e and "boom" in e for e in report.errors)
    assert any("no.such_rule" in e for e in report.errors)
    assert ("privacy.personal_data", village, "2026-03", "item:dibao") in found
    unknown = found[("test.unknown_year", village, "2026-03", "calendar")]
    assert unknown.assessable is False and "2027" in unknown.message
    assert report.not_assessable == 1


def test_default_periods() -> None:
    keys = {p.key for p in default_periods(datetime(2026, 4, 10, 4, tzinfo=UTC))}
    assert keys == {"2026", "2026-03", "2026-04", "2026-Q1", "2026-Q2"}
    # Just after midnight in Shanghai on 1 Jan is already the new year.
    keys = {p.key for p in default_periods(datetime(2025, 12, 31, 16, 30, tzinfo=UTC))}
    assert keys == {"2025-12", "2026-01", "2025-Q4", "2026-Q1", "2026"}


def test_queries_do_not_grow_with_units(engine: Engine, settings: Settings) -> None:
    sessions = sessionmaker(engine, expire_on_commit=False)
    with sessions() as session:
        for n in range(40):
            unit = Unit(code=f"4417020010{n:02d}", name=f"村{n}", level="village", kind="village")
            session.add(unit)
            session.flush()
            feed = Feed(unit_id=unit.id, url=f"https://gov.example/{n}", kind="html")
            session.add(feed)
            session.flush()
            session.add(
                Fetch(
                    feed_id=feed.id,
                    url=feed.url,
                    outcome="ok",
                    started_at=AS_OF - timedelta(hours=2),
                )
            )
            for k in range(5):
                session.add(
                    Item(
                        feed_id=feed.id,
                        unit_id=unit.id,
                        key=f"{n}-{k}",
                        title="村务公开",
                        content_hash="h",
                        published_date=date(2026, 3, 1 + k),
                        first_seen=datetime(2026, 3, 1 + k, tzinfo=UTC),
                    )
                )
        session.commit()
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with sessions() as session:
            report = evaluate(session, settings, as_of=AS_OF)
            session.commit()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert report.units == 40 and report.errors == []
    assert report.findings > 0
    assert len(statements) <= 10, len(statements)


def test_cli_evaluate(
    sqlite_sessions: sessionmaker[Session],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    with sqlite_sessions() as session:
        _seed(session)
        session.commit()
    monkeypatch.setenv("MONITOR_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("MONITOR_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("MONITOR_DATA_DIR", str(settings.data_dir))
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "evaluate",
            "--as-of",
            "2026-04-20",
            "--period",
            "2026-02",
            "--unit",
            "441702001000",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert '"units": 1' in result.output and '"periods": [\n    "2026-02"' in result.output
    with sqlite_sessions() as session:
        rules = {f.rule_id for f in session.scalars(select(Finding))}
    assert rules == {"timeliness.publication_lag"}
    result = runner.invoke(app, ["evaluate", "--unit", "999999999999"])
    assert result.exit_code == 2
    result = runner.invoke(app, ["evaluate", "--period", "2026-13"])
    assert result.exit_code != 0


def test_cli_evaluate_stops_at_the_start_on_a_ruleset_it_cannot_read(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MONITOR_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("MONITOR_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("MONITOR_RULESET", str(tmp_path / "gone.yaml"))
    result = CliRunner().invoke(app, ["evaluate", "--as-of", "2026-04-20"])
    assert result.exit_code == 2
    assert "configuration" in result.output and "gone.yaml" in result.output
