"""``/api/v1/appeals``: filed for a unit, decided by someone other than the filer."""

from __future__ import annotations

from tests.web.seed import Seeded


def _file(client, auth, seeded: Seeded, who: str = "east"):
    return client.post(
        "/api/v1/appeals",
        json={
            "finding_id": seeded.ids["finding_east"],
            "reason": "已更正",
            "operator": "村委会 王",
        },
        headers=auth(who),
    )


def test_filer_cannot_decide_someone_else_does(client, auth, seeded: Seeded):
    filed = _file(client, auth, seeded)
    assert filed.status_code == 201, filed.text
    appeal = filed.json()
    assert appeal["state"] == "pending" and appeal["entered_by"] == "east"
    assert appeal["filed_by"] == "村委会 王 (entered by east)"
    decision = {"outcome": "upheld", "reason": "变更未说明"}
    own = client.post(
        f"/api/v1/appeals/{appeal['id']}/decision", json=decision, headers=auth("east")
    )
    assert own.status_code == 409 and "someone else decides" in own.json()["detail"]
    decided = client.post(
        f"/api/v1/appeals/{appeal['id']}/decision", json=decision, headers=auth("admin")
    )
    assert decided.status_code == 200
    assert decided.json()["state"] == "upheld" and decided.json()["decided_by"] == "admin"
    assert [h["to_state"] for h in decided.json()["history"]] == ["pending", "upheld"]
    again = client.post(
        f"/api/v1/appeals/{appeal['id']}/decision", json=decision, headers=auth("admin")
    )
    assert again.status_code == 409


def test_appeals_are_listed_and_scoped(client, auth, seeded: Seeded):
    appeal = _file(client, auth, seeded, "admin").json()
    assert _file(client, auth, seeded).status_code == 409  # one pending per finding
    listed = client.get("/api/v1/appeals?state=pending", headers=auth("east")).json()
    assert [a["id"] for a in listed["items"]] == [appeal["id"]]
    assert client.get("/api/v1/appeals", headers=auth("west")).json()["total"] == 0
    assert client.get(f"/api/v1/appeals/{appeal['id']}", headers=auth("west")).status_code == 403
    decision = {"outcome": "overturned", "reason": "x"}
    west = client.post(
        f"/api/v1/appeals/{appeal['id']}/decision", json=decision, headers=auth("west")
    )
    assert west.status_code == 403
    assert _file(client, auth, seeded, "west").status_code == 403
    assert client.get("/api/v1/appeals", headers=auth("assess")).status_code == 403
