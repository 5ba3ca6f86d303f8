"""``monitor inspectors`` and ``monitor alerts`` through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner, Result

from monitor.cli.main import app
from monitor.settings import Settings
from monitor.store.models import Inspector, Outbox
from tests.notify.receivers import WebhookReceiver
from tests.scoring.factories import add_finding, make_tree


def cli(settings: Settings, *args: str) -> Result:
    env = {"MONITOR_DATABASE_URL": settings.database_url, "MONITOR_CONFIG": "absent.toml"}
    return CliRunner().invoke(app, list(args), env=env)


def test_inspectors_alerts_lifecycle_and_delivery(
    sqlite_sessions: sessionmaker[Session],
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    with sqlite_sessions.begin() as s:
        units = make_tree(s)
        add_finding(s, units["v1"], "privacy.personal_data", "item-1", severity="high")
        add_finding(s, units["v2"], "timeliness.unit_silent", "unit")
    receiver = WebhookReceiver().start()
    try:
        assert (
            cli(
                settings,
                "inspectors",
                "add",
                "chief",
                "--unit",
                "441702000000",
                "--email",
                "chief@example.invalid",
                "--min-severity",
                "critical",
            ).exit_code
            == 0
        )
        res = cli(
            settings,
            "inspectors",
            "add",
            "east",
            "--unit",
            "441702100000",
            "--webhook",
            receiver.url,
            "--secret",
            "k",
            "--supervisor",
            "chief",
        )
        assert res.exit_code == 0, res.output
        listed = json.loads(cli(settings, "inspectors", "list", "--json").output)
        assert [i["name"] for i in listed] == ["chief", "east"]
        assert "secret" not in listed[1]["channels"][0]
        assert cli(settings, "inspectors", "add", "x", "--unit", "441702000000").exit_code != 0

        res = cli(settings, "alerts", "sync", "--as-of", "2026-11-20", "--json")
        assert res.exit_code == 0, res.output
        assert len(json.loads(res.output)["opened"]) == 2
        alerts = json.loads(cli(settings, "alerts", "list", "--json").output)
        assert [a["severity"] for a in alerts] == ["high", "medium"]
        first = str(alerts[0]["id"])

        dry = cli(settings, "alerts", "deliver", "--dry-run", "--as-of", "2026-11-20")
        assert "would send" in dry.output and receiver.requests == []
        res = cli(settings, "alerts", "deliver", "--as-of", "2026-11-20", "--json")
        assert res.exit_code == 0, res.output
        assert len(json.loads(res.output)["delivered"]) == 2  # one per unit
        assert len(receiver.requests) == 2

        assert (
            cli(settings, "alerts", "ack", first, "--by", "east", "--reason", "calling").exit_code
            == 0
        )
        refused = cli(settings, "alerts", "ack", first, "--by", "east")
        assert (
            refused.exit_code == 1
            and "cannot acknowledge an alert that is acknowledged" in refused.output
        )
        res = cli(
            settings,
            "alerts",
            "silence",
            first,
            "--by",
            "east",
            "--until",
            "2099-01-01",
            "--reason",
            "waiting for the village",
        )
        assert res.exit_code == 0 and "silenced" in res.output
        assert (
            cli(settings, "alerts", "resolve", first, "--by", "east", "--reason", "fixed").exit_code
            == 0
        )
        shown = json.loads(cli(settings, "alerts", "show", first, "--json").output)
        assert [h["to"] for h in shown["history"]] == [
            "open",
            "acknowledged",
            "silenced",
            "resolved",
        ]
        assert shown["finding"]["evidence"]["url"].startswith("https://")
        assert cli(settings, "alerts", "show", "999").exit_code == 1
        assert "no alerts" not in cli(settings, "alerts", "list").output
        assert "outbox empty" in cli(settings, "alerts", "outbox").output
        sent = json.loads(cli(settings, "alerts", "outbox", "--all", "--json").output)
        assert {r["recipient"] for r in sent} == {receiver.url}
        assert all(r["attempts"] == 1 and r["delivered_at"] for r in sent)
        assert cli(settings, "inspectors", "remove", "chief").exit_code == 0
    finally:
        receiver.stop()
    with sqlite_sessions() as s:
        assert s.scalars(select(Inspector)).one().supervisor_id is None
        assert all(r.delivered_at for r in s.scalars(select(Outbox)))
