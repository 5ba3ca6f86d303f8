"""Every route for every role: who may see what (anonymous, the three roles, scope)."""

from __future__ import annotations

import pytest

from tests.web.conftest import login
from tests.web.seed import Seeded

PUBLIC = [
    "/",
    "/?period=2026-10",
    "/units/330101001001",
    "/units/330101001001?period=2026-10",
    "/export/units.csv",
    "/export/improved.xlsx",
    "/units/330101002001/findings.xlsx",
    "/static/style.css",
    "/healthz",
    "/readyz",
    "/metrics",
    "/login",
    "/api/v1/openapi.json",
]


def workspace_routes(ids: dict[str, int]) -> dict[str, str]:
    return {
        "queue": "/workspace/alerts",
        "queue_csv": "/workspace/alerts.csv",
        "alert_east": f"/workspace/alerts/{ids['alert_east']}",
        "alert_west": f"/workspace/alerts/{ids['alert_west']}",
        "evidence_east": f"/workspace/evidence/{ids['evidence_east']}",
        "evidence_west": f"/workspace/evidence/{ids['evidence_west']}",
        "item_east": f"/workspace/items/{ids['item']}",
    }


EXPECTED = {
    # route:        admin east west assess
    "queue": (200, 200, 200, 403),
    "queue_csv": (200, 200, 200, 403),
    "alert_east": (200, 200, 403, 403),
    "alert_west": (200, 403, 200, 403),
    "evidence_east": (200, 200, 403, 403),
    "evidence_west": (200, 403, 200, 403),
    "item_east": (200, 200, 403, 403),
}
ROLES = ("admin", "east", "west", "assess")


@pytest.mark.parametrize("who", [None, *ROLES])
def test_public_routes_for_everyone(client, who):
    if who:
        login(client, who)
    for path in PUBLIC:
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("who", ROLES)
def test_workspace_routes_per_role(client, seeded: Seeded, who):
    login(client, who)
    routes = workspace_routes(seeded.ids)
    for name, path in routes.items():
        expected = EXPECTED[name][ROLES.index(who)]
        assert client.get(path).status_code == expected, (who, name)


def test_workspace_routes_anonymous(client, seeded: Seeded):
    for path in workspace_routes(seeded.ids).values():
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and "/login" in response.headers["location"]


def test_unit_page_shows_archived_links_only_to_the_jurisdiction(client):
    login(client, "east")
    assert "/workspace/evidence/" in client.get("/units/330101001001?period=2026-11").text
    client.cookies.clear()
    login(client, "west")
    assert "/workspace/evidence/" not in client.get("/units/330101001001?period=2026-11").text
