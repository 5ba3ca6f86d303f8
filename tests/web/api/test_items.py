"""``/api/v1/items``: items, their versions and a diff between two versions."""

from __future__ import annotations

from tests.web.seed import Seeded


def test_items_are_scoped(client, auth, seeded: Seeded):
    east = client.get("/api/v1/items", headers=auth("east")).json()
    assert [i["id"] for i in east["items"]] == [seeded.ids["item"]]
    assert east["items"][0]["unit_code"] == "330101001001"
    assert client.get("/api/v1/items", headers=auth("west")).json()["total"] == 0
    item = seeded.ids["item"]
    assert client.get(f"/api/v1/items/{item}", headers=auth("west")).status_code == 403
    assert client.get(f"/api/v1/items/{item}/versions", headers=auth("west")).status_code == 403
    assert client.get(f"/api/v1/items/{item}/diff", headers=auth("west")).status_code == 403
    assert client.get("/api/v1/items/999999", headers=auth("west")).status_code == 404
    assert client.get("/api/v1/items", headers=auth("assess")).status_code == 403


def test_versions_and_diff(client, auth, seeded: Seeded):
    item = seeded.ids["item"]
    versions = client.get(f"/api/v1/items/{item}/versions", headers=auth("east")).json()
    assert len(versions) == 2 and versions[0]["evidence_id"] == seeded.ids["evidence_east"]
    diff = client.get(f"/api/v1/items/{item}/diff", headers=auth("east")).json()
    assert (diff["old"], diff["new"]) == (versions[0]["id"], versions[1]["id"])
    lines = {(line["kind"], line["text"]) for line in diff["lines"]}
    assert ("del", "-支出 8,000 元") in lines and ("add", "+支出 3,000 元") in lines
    back = client.get(
        f"/api/v1/items/{item}/diff?a={versions[1]['id']}&b={versions[0]['id']}",
        headers=auth("east"),
    ).json()
    assert ("add", "+支出 8,000 元") in {(line["kind"], line["text"]) for line in back["lines"]}
    wrong = client.get(f"/api/v1/items/{item}/diff?a=999999", headers=auth("east"))
    assert wrong.status_code == 404
