"""One rule for alert actions at all three doors: the command line, the workspace and
the API refuse to unsilence a resolved alert, and all three reopen it only as
``reopen`` with a reason (issue 16: `monitor alerts unsilence` used to reopen what
the web refused)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from monitor.cli.main import app as cli_app
from monitor.settings import Settings
from monitor.store.models import Alert, AlertEvent
from tests.web.conftest import csrf_of, login
from tests.web.seed import Seeded


def cli(settings: Settings, *args: str) -> Result:
    env = {"MONITOR_DATABASE_URL": settings.database_url, "MONITOR_CONFIG": "absent.toml"}
    return CliRunner().invoke(cli_app, list(args), env=env)


def api(client, seeded: Seeded, alert_id: int, body: dict):
    headers = {"Authorization": f"Bearer {seeded.tokens['east']}"}
    return client.post(f"/api/v1/alerts/{alert_id}/actions", json=body, headers=headers)


def web(client, alert_id: int, data: dict):
    csrf = csrf_of(client.get(f"/workspace/alerts/{alert_id}").text)
    return client.post(f"/workspace/alerts/{alert_id}/action", data={**data, "csrf": csrf})


def _state(web_sessions, alert_id: int) -> str:
    with web_sessions() as session:
        return session.get(Alert, alert_id).state


@pytest.fixture
def resolved(client, seeded: Seeded, web_sessions) -> int:
    alert_id = seeded.ids["alert_east"]
    assert api(client, seeded, alert_id, {"action": "resolve"}).status_code == 200
    return alert_id


def test_no_door_unsilences_a_resolved_alert(
    client, seeded: Seeded, web_sessions, settings: Settings, resolved: int, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    by_cli = cli(settings, "alerts", "unsilence", str(resolved), "--by", "east")
    assert by_cli.exit_code == 1
    assert "cannot unsilence an alert that is resolved" in by_cli.output
    assert _state(web_sessions, resolved) == "resolved"

    by_api = api(client, seeded, resolved, {"action": "unsilence"})
    assert by_api.status_code == 409
    assert by_api.json()["detail"] == "cannot unsilence an alert that is resolved"
    assert _state(web_sessions, resolved) == "resolved"

    login(client, "east")
    by_web = web(client, resolved, {"action": "unsilence"})
    assert "cannot unsilence an alert that is resolved" in by_web.text
    assert _state(web_sessions, resolved) == "resolved"
    # The workspace offers reopen for a resolved alert, not unsilence.
    page = client.get(f"/workspace/alerts/{resolved}").text
    assert 'value="reopen"' in page and 'value="unsilence"' not in page


def test_every_door_reopens_only_with_a_reason(
    client, seeded: Seeded, web_sessions, settings: Settings, resolved: int, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    assert api(client, seeded, resolved, {"action": "reopen"}).status_code == 409
    assert api(client, seeded, resolved, {"action": "reopen", "reason": "wrong"}).status_code == 200
    assert _state(web_sessions, resolved) == "open"

    assert api(client, seeded, resolved, {"action": "resolve"}).status_code == 200
    by_cli = cli(settings, "alerts", "reopen", str(resolved), "--by", "east", "--reason", "again")
    assert by_cli.exit_code == 0, by_cli.output
    assert _state(web_sessions, resolved) == "open"

    assert api(client, seeded, resolved, {"action": "resolve"}).status_code == 200
    login(client, "east")
    refused = web(client, resolved, {"action": "reopen"})
    assert "reopen needs a reason" in refused.text
    web(client, resolved, {"action": "reopen", "reason": "村里又删了"})
    assert _state(web_sessions, resolved) == "open"
    with web_sessions() as session:
        events = session.scalars(
            select(AlertEvent).where(AlertEvent.alert_id == resolved).order_by(AlertEvent.id)
        ).all()
        reopened = [e for e in events if e.from_state == "resolved"]
        assert [(e.actor, e.reason) for e in reopened] == [
            ("east", "wrong"),
            ("east", "again"),
            ("east", "村里又删了"),
        ]


def test_unsilence_ends_a_silence_at_every_door(
    client, seeded: Seeded, web_sessions, settings: Settings, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    alert_id = seeded.ids["alert_east"]
    silence = {"action": "silence", "silence_hours": 5}
    assert api(client, seeded, alert_id, silence).status_code == 200
    assert cli(settings, "alerts", "unsilence", str(alert_id), "--by", "east").exit_code == 0
    assert _state(web_sessions, alert_id) == "open"
    assert api(client, seeded, alert_id, silence).status_code == 200
    assert api(client, seeded, alert_id, {"action": "unsilence"}).json()["state"] == "open"
    assert api(client, seeded, alert_id, silence).status_code == 200
    login(client, "east")
    web(client, alert_id, {"action": "unsilence"})
    assert _state(web_sessions, alert_id) == "open"


def test_every_door_lists_a_towns_alerts_the_same(
    client, seeded: Seeded, settings: Settings, tmp_path, monkeypatch
):
    """``unit`` is a unit's code and means its subtree, at every door."""
    monkeypatch.chdir(tmp_path)
    town = "330101001000"
    by_cli = cli(settings, "alerts", "list", "--unit", town, "--json")
    assert [a["id"] for a in json.loads(by_cli.output)] == [seeded.ids["alert_east"]]
    headers = {"Authorization": f"Bearer {seeded.tokens['admin']}"}
    by_api = client.get(f"/api/v1/alerts?unit={town}", headers=headers).json()
    assert [a["id"] for a in by_api["items"]] == [seeded.ids["alert_east"]]
    login(client, "admin")
    by_web = client.get(f"/workspace/alerts?unit={town}").text
    assert "东城村" in by_web and "山脚村" not in by_web
