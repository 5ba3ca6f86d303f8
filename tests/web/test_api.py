"""API v1 per role: token auth, scope, pagination, alert actions."""

from __future__ import annotations

import pytest

from tests.web.seed import Seeded


def auth(seeded: Seeded, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {seeded.tokens[who]}"}


def test_openapi_is_published(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert {"/units", "/scores", "/findings", "/alerts", "/alerts/{alert_id}/actions"} <= set(
        spec["paths"]
    )
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    assert {
        "/feeds",
        "/feeds/{feed_id}",
        "/feeds/{feed_id}/disable",
        "/items",
        "/items/{item_id}/versions",
        "/items/{item_id}/diff",
        "/evidence/{evidence_id}",
        "/evidence/{evidence_id}/download",
        "/appeals",
        "/appeals/{appeal_id}/decision",
        "/rules",
        "/rules/{rule_id}",
        "/scores/{unit_code}/{period}/explanation",
        "/inspectors",
        "/accounts",
    } <= set(spec["paths"])
    # Every list pages the same way.
    for path, item in spec["paths"].items():
        response = item.get("get", {}).get("responses", {}).get("200", {})
        schema = response.get("content", {}).get("application/json", {}).get("schema", {})
        if schema.get("$ref", "").startswith("#/components/schemas/Page_"):
            names = {p["name"] for p in item["get"]["parameters"]}
            assert {"page", "per_page"} <= names, path


@pytest.mark.parametrize("path", ["/periods", "/units", "/scores", "/findings", "/alerts"])
def test_token_required(client, path):
    assert client.get(f"/api/v1{path}").status_code == 401
    bad = {"Authorization": "Bearer dm_nope"}
    assert client.get(f"/api/v1{path}", headers=bad).status_code == 401


@pytest.mark.parametrize("who", ["admin", "east", "west", "assess"])
def test_every_role_reads_periods_units_and_scores(client, seeded: Seeded, who):
    headers = auth(seeded, who)
    assert client.get("/api/v1/periods", headers=headers).json() == ["2026-11", "2026-10"]
    units = client.get("/api/v1/units?level=town", headers=headers).json()
    assert [u["code"] for u in units["items"]] == ["330101001000", "330101002000"]
    assert units["items"][0]["parent_code"] == "330101000000"
    scores = client.get(
        "/api/v1/scores?period=2026-11&indicator=total&unit=330101001001", headers=headers
    )
    if who == "west":
        assert scores.json()["items"] == []  # not their jurisdiction
    else:
        assert scores.json()["items"][0]["value"] == 90.0


def test_pagination(client, seeded: Seeded):
    headers = auth(seeded, "admin")
    first = client.get("/api/v1/units?per_page=4&page=1", headers=headers).json()
    second = client.get("/api/v1/units?per_page=4&page=2", headers=headers).json()
    assert first["total"] == 6 and len(first["items"]) == 4 and len(second["items"]) == 2
    codes = [u["code"] for u in first["items"] + second["items"]]
    assert len(set(codes)) == 6
    assert client.get("/api/v1/units?per_page=0", headers=headers).status_code == 422


def test_alerts_are_scoped(client, seeded: Seeded):
    east = client.get("/api/v1/alerts", headers=auth(seeded, "east")).json()
    assert [a["unit_code"] for a in east["items"]] == ["330101001001"]
    admin = client.get("/api/v1/alerts", headers=auth(seeded, "admin")).json()
    assert admin["total"] == 2
    west_alert = seeded.ids["alert_west"]
    assert (
        client.get(f"/api/v1/alerts/{west_alert}", headers=auth(seeded, "east")).status_code == 403
    )
    findings = client.get("/api/v1/findings", headers=auth(seeded, "east")).json()
    assert {f["unit_code"] for f in findings["items"]} == {"330101001001"}


def test_assessment_cannot_work_alerts(client, seeded: Seeded):
    headers = auth(seeded, "assess")
    assert client.get("/api/v1/alerts", headers=headers).status_code == 403
    alert = seeded.ids["alert_east"]
    response = client.post(
        f"/api/v1/alerts/{alert}/actions", json={"action": "acknowledge"}, headers=headers
    )
    assert response.status_code == 403


def test_acknowledge_through_api(client, seeded: Seeded):
    headers = auth(seeded, "east")
    alert = seeded.ids["alert_east"]
    response = client.post(
        f"/api/v1/alerts/{alert}/actions",
        json={"action": "acknowledge", "reason": "on it"},
        headers=headers,
    )
    assert response.status_code == 200
    assert response.json()["state"] == "acknowledged"
    assert response.json()["acknowledged_by"] == "east"
    again = client.post(
        f"/api/v1/alerts/{alert}/actions", json={"action": "acknowledge"}, headers=headers
    )
    assert again.status_code == 409
    other = client.post(
        f"/api/v1/alerts/{seeded.ids['alert_west']}/actions",
        json={"action": "resolve"},
        headers=headers,
    )
    assert other.status_code == 403
