"""``/api/v1/feeds``: scoped reads, administrators' writes, the feeds file's checks."""

from __future__ import annotations

from sqlalchemy import select

from monitor.store.models import Feed

NEW = {"unit_code": "330101001002", "url": "https://qiaotou.example.gov.cn/cwgk/", "kind": "html"}


def test_feeds_are_listed_within_the_jurisdiction(client, auth):
    east = client.get("/api/v1/feeds", headers=auth("east")).json()
    assert [f["unit_code"] for f in east["items"]] == ["330101001001"]
    admin = client.get("/api/v1/feeds", headers=auth("admin")).json()
    assert admin["total"] == 2 and admin["page"] == 1 and admin["per_page"] == 100
    only = client.get("/api/v1/feeds?unit=330101002001", headers=auth("admin")).json()
    assert [f["url"] for f in only["items"]] == ["http://127.0.0.1:9/v3"]
    west_feed = only["items"][0]["id"]
    assert client.get(f"/api/v1/feeds/{west_feed}", headers=auth("east")).status_code == 403
    assert client.get("/api/v1/feeds", headers=auth("assess")).status_code == 403


def test_administrator_creates_updates_and_disables_a_feed(client, auth, web_sessions):
    created = client.post(
        "/api/v1/feeds",
        json={**NEW, "kind": "HTML", "options": {"max_pages": 3}},
        headers=auth("admin"),
    )
    assert created.status_code == 201, created.text
    feed = created.json()
    # Normalised as a feeds file's row is.
    assert feed["kind"] == "html" and feed["interval_minutes"] == 360 and feed["enabled"]
    again = client.post("/api/v1/feeds", json=NEW, headers=auth("admin"))
    assert again.status_code == 409
    changed = client.patch(
        f"/api/v1/feeds/{feed['id']}",
        json={"category": "财务公开", "interval_minutes": 60},
        headers=auth("admin"),
    )
    assert changed.status_code == 200
    assert changed.json()["category"] == "财务公开" and changed.json()["options"] == {
        "max_pages": 3
    }
    disabled = client.post(f"/api/v1/feeds/{feed['id']}/disable", headers=auth("admin"))
    assert disabled.json()["enabled"] is False
    with web_sessions() as session:
        row = session.scalar(select(Feed).where(Feed.url == NEW["url"]))
        assert row.interval_minutes == 60 and row.enabled is False


def test_feed_checks_are_the_feeds_files(client, auth):
    bad_kind = client.post("/api/v1/feeds", json={**NEW, "kind": "gopher"}, headers=auth("admin"))
    assert bad_kind.status_code == 422
    assert "kind 'gopher' is not one of rss, atom, html, json" in bad_kind.text
    bad_url = client.post(
        "/api/v1/feeds", json={**NEW, "url": "ftp://x.example/"}, headers=auth("admin")
    )
    assert bad_url.status_code == 422 and "must start with http://" in bad_url.text
    unknown = client.post(
        "/api/v1/feeds", json={**NEW, "unit_code": "330101009009"}, headers=auth("admin")
    )
    assert unknown.status_code == 404
    feed_id = client.get("/api/v1/feeds", headers=auth("admin")).json()["items"][0]["id"]
    patch = client.patch(f"/api/v1/feeds/{feed_id}", json={"kind": "gopher"}, headers=auth("admin"))
    assert patch.status_code == 422


def test_only_administrators_change_feeds(client, auth):
    assert client.post("/api/v1/feeds", json=NEW, headers=auth("east")).status_code == 403
    feed_id = client.get("/api/v1/feeds", headers=auth("east")).json()["items"][0]["id"]
    assert client.post(f"/api/v1/feeds/{feed_id}/disable", headers=auth("east")).status_code == 403
    assert (
        client.patch(
            f"/api/v1/feeds/{feed_id}", json={"enabled": False}, headers=auth("assess")
        ).status_code
        == 403
    )


def test_options_that_do_not_fit_the_feeds_kind_are_refused(client, auth):
    rss = {**NEW, "kind": "rss", "options": {"item": "li"}}
    refused = client.post("/api/v1/feeds", json=rss, headers=auth("admin"))
    assert refused.status_code == 422 and "options of a rss feed" in refused.text
    created = client.post("/api/v1/feeds", json={**NEW, "kind": "rss"}, headers=auth("admin"))
    assert created.status_code == 201, created.text
    feed_id = created.json()["id"]
    misfit = client.patch(
        f"/api/v1/feeds/{feed_id}", json={"options": {"item": "li"}}, headers=auth("admin")
    )
    assert misfit.status_code == 409 and "options of a rss feed" in misfit.text
    fits = client.patch(
        f"/api/v1/feeds/{feed_id}",
        json={"kind": "html", "options": {"item": "li"}},
        headers=auth("admin"),
    )
    assert fits.status_code == 200 and fits.json()["options"] == {"item": "li"}
