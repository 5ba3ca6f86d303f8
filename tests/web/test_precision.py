"""Precision, measured: verdicts given when resolving (workspace form, API, CLI),
overturned appeals as false positives, the workspace page, ``monitor rules precision``
and the flag on /metrics."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select
from typer.testing import CliRunner

from monitor.alerts.models import Appeal
from monitor.cli.main import app as cli_app
from monitor.precision import precision
from monitor.settings import RulesSettings, Settings
from monitor.store.models import Alert, Finding
from tests.web.conftest import csrf_of, login
from tests.web.seed import Seeded

NOW = datetime(2026, 11, 20, 2, tzinfo=UTC)


def _findings(web_sessions, rule: str, n: int, unit_id: int) -> list[int]:
    """N more findings (and alerts) of RULE, for verdicts."""
    ids = []
    with web_sessions() as session:
        for i in range(n):
            f = Finding(
                rule_id=rule,
                rule_version="2",
                unit_id=unit_id,
                period="2026-11",
                subject=f"s{i}",
                severity="medium",
                message="m",
                evidence={},
                first_seen=NOW,
                last_seen=NOW,
            )
            session.add(f)
            session.flush()
            a = Alert(
                dedup_key=f"p{rule}{i}",
                unit_id=unit_id,
                rule_id=rule,
                subject=f"s{i}",
                severity="medium",
                finding_id=f.id,
                opened_at=NOW,
            )
            session.add(a)
            session.flush()
            ids.append(a.id)
        session.commit()
    return ids


def test_workspace_resolve_form_records_the_verdict(client, web_sessions, seeded: Seeded):
    login(client, "east")
    alert_id = seeded.ids["alert_east"]
    page = client.get(f"/workspace/alerts/{alert_id}")
    assert 'name="verdict"' in page.text
    client.post(
        f"/workspace/alerts/{alert_id}/action",
        data={"action": "resolve", "verdict": "false_positive", "csrf": csrf_of(page.text)},
    )
    with web_sessions() as session:
        finding = session.get(Finding, seeded.ids["finding_east"])
        assert finding is not None
        assert (finding.verdict, finding.verdict_by) == ("false_positive", "east")
        assert finding.verdict_at is not None


def test_api_resolve_with_a_verdict(client, web_sessions, seeded: Seeded):
    [alert_id] = _findings(web_sessions, "timeliness.unit_silent", 1, seeded.ids["v1"])
    response = client.post(
        f"/api/v1/alerts/{alert_id}/actions",
        json={"action": "resolve", "reason": "checked", "verdict": "confirmed"},
        headers={"Authorization": f"Bearer {seeded.tokens['admin']}"},
    )
    assert response.status_code == 200, response.text
    with web_sessions() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None and alert.state == "resolved"
        assert session.get(Finding, alert.finding_id).verdict == "confirmed"  # type: ignore[union-attr]
    refused = client.post(
        f"/api/v1/alerts/{alert_id}/actions",
        json={"action": "acknowledge", "verdict": "confirmed"},
        headers={"Authorization": f"Bearer {seeded.tokens['admin']}"},
    )
    assert refused.status_code == 409


def test_precision_per_rule_and_flag_on_metrics_and_page(
    client, web_sessions, seeded: Seeded, settings: Settings
):
    rule = "completeness.periodic_series"
    alerts = _findings(web_sessions, rule, 7, seeded.ids["v1"])
    token = {"Authorization": f"Bearer {seeded.tokens['admin']}"}
    verdicts = ["confirmed", "confirmed", "confirmed", "false-positive", "false-positive"]
    for alert_id, verdict in zip(alerts, verdicts, strict=False):
        response = client.post(
            f"/api/v1/alerts/{alert_id}/actions",
            json={"action": "resolve", "verdict": verdict},
            headers=token,
        )
        assert response.status_code == 200, response.text
    # An overturned appeal counts as a false positive.
    with web_sessions() as session:
        overturned_finding = session.get(Alert, alerts[5]).finding_id  # type: ignore[union-attr]
        session.add(
            Appeal(
                finding_id=overturned_finding,
                unit_id=seeded.ids["v1"],
                state="overturned",
                filed_by="v1",
                reason="r",
            )
        )
        session.commit()
        [row] = [r for r in precision(session, settings=RulesSettings()) if r.rule_id == rule]
    assert (row.confirmed, row.false_positive, row.pending, row.overturned) == (3, 3, 1, 1)
    assert row.precision == 0.5 and row.flagged

    metrics = client.get("/metrics").text
    assert f'disclosure_rule_precision{{rule="{rule}"}} 0.5' in metrics
    assert f'disclosure_rule_precision_low{{rule="{rule}"}} 1.0' in metrics

    login(client, "admin")
    page = client.get("/workspace/precision").text
    assert rule in page and "below threshold" in page and "50%" in page

    env = {"MONITOR_DATABASE_URL": settings.database_url, "MONITOR_CONFIG": "absent.toml"}
    result = CliRunner().invoke(cli_app, ["rules", "precision", "--json"], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    [cli_row] = [r for r in data["rules"] if r["rule_id"] == rule]
    assert cli_row["precision"] == 0.5 and cli_row["flagged"] is True
    text = CliRunner().invoke(cli_app, ["rules", "precision", "--since", "2026-11-01"], env=env)
    assert text.exit_code == 0 and "below threshold" in text.output
    later = CliRunner().invoke(
        cli_app, ["rules", "precision", "--since", "2026-12-01", "--json"], env=env
    )
    assert json.loads(later.output)["rules"] == []


def test_cli_resolve_with_a_verdict(web_sessions, seeded: Seeded, settings: Settings):
    [alert_id] = _findings(web_sessions, "integrity.backdating", 1, seeded.ids["v1"])
    env = {"MONITOR_DATABASE_URL": settings.database_url, "MONITOR_CONFIG": "absent.toml"}
    bad = CliRunner().invoke(
        cli_app,
        ["alerts", "resolve", str(alert_id), "--by", "ins", "--reason", "x", "--verdict", "maybe"],
        env=env,
    )
    assert bad.exit_code != 0
    ok = CliRunner().invoke(
        cli_app,
        [
            "alerts",
            "resolve",
            str(alert_id),
            "--by",
            "ins",
            "--reason",
            "x",
            "--verdict",
            "false-positive",
        ],
        env=env,
    )
    assert ok.exit_code == 0, ok.output
    with web_sessions() as session:
        alert = session.get(Alert, alert_id)
        finding = session.scalar(select(Finding).where(Finding.id == alert.finding_id))  # type: ignore[union-attr]
        assert finding is not None and finding.verdict == "false_positive"
