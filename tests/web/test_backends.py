"""The report, workspace and API queries on both stores (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from monitor.settings import Settings
from monitor.web import accounts, create_app
from tests.conftest import TEST_SECRET_KEY
from tests.web.conftest import csrf_of, login
from tests.web.seed import seed


def test_pages_and_api_on_each_backend(sessions, database_url, tmp_path: Path, monkeypatch):
    settings = Settings(
        database_url=database_url, data_dir=tmp_path / "var", secret_key=TEST_SECRET_KEY
    )
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))
    with sessions() as session, session.begin():
        seeded = seed(session, settings.evidence_dir)
    with TestClient(create_app(settings, sessions)) as client:
        report = client.get("/?period=2026-11").text
        assert "东城镇" in report and 'width="255.0"' in report
        unit = client.get("/units/330101001001?period=2026-11").text
        assert "integrity.silent_change" in unit and "东城村财务公开" in unit
        headers = {"Authorization": f"Bearer {seeded.tokens['east']}"}
        alerts = client.get("/api/v1/alerts", headers=headers).json()
        assert [a["unit_code"] for a in alerts["items"]] == ["330101001001"]
        login(client, "east")
        alert_id = seeded.ids["alert_east"]
        csrf = csrf_of(client.get(f"/workspace/alerts/{alert_id}").text)
        done = client.post(
            f"/workspace/alerts/{alert_id}/action", data={"action": "acknowledge", "csrf": csrf}
        )
        assert 'id="alert-state">acknowledged' in done.text
        assert "支出 3,000 元" in client.get(f"/workspace/items/{seeded.ids['item']}").text
        assert client.get("/readyz").status_code == 200
