"""The public search: /api/v1/search with no token, the /search page, the archived
copy of a removed item; the unit's Atom and iCalendar feeds."""

from __future__ import annotations

from datetime import UTC, datetime

import feedparser
from icalendar import Calendar
from sqlalchemy import update

from monitor.search import index_pending
from monitor.store.models import Finding, Item
from tests.web.seed import Seeded


def test_api_search_is_public_and_highlighted(client, seeded: Seeded):
    answer = client.get("/api/v1/search", params={"q": "东城村"})
    assert answer.status_code == 200
    body = answer.json()
    assert [h["item_id"] for h in body["items"]] == [seeded.ids["item"]]
    hit = body["items"][0]
    assert hit["title_html"] == "<mark>东城村</mark>财务公开 2026年10月"
    assert hit["unit_code"] == "330101001001"
    assert hit["removed"] is False and hit["archived_url"] is None
    two = client.get("/api/v1/search", params={"q": "支出"}).json()["items"]
    assert "<mark>支出</mark> 3,000" in two[0]["snippet_html"]
    assert (
        client.get("/api/v1/search", params={"q": "东城村", "unit": "330101002000"}).json()["items"]
        == []
    )
    assert client.get("/api/v1/search", params={"q": "x", "unit": "999"}).status_code == 404
    assert client.get("/api/v1/search", params={"q": ""}).status_code == 422


def test_page_escapes_and_marks_removed_items(client, web_sessions, seeded: Seeded):
    with web_sessions.begin() as s:
        s.execute(
            update(Item)
            .where(Item.id == seeded.ids["item"])
            .values(title="东城村<script>财务公开", removed_at=datetime(2026, 11, 25, tzinfo=UTC))
        )
    index_pending(web_sessions)
    page = client.get("/search", params={"q": "财务公开"}).text
    assert "&lt;script&gt;<mark>财务公开</mark>" in page
    assert "<script>财务" not in page
    assert "removed 2026-11-25" in page
    archived = f"/items/{seeded.ids['item']}/archived"
    assert f'href="{archived}"' in page
    copy = client.get(archived)
    assert copy.status_code == 200 and "支出 3,000 元" in copy.text
    api = client.get("/api/v1/search", params={"q": "财务公开"}).json()["items"][0]
    assert api["removed"] is True and api["archived_url"] == archived


def test_withheld_items_lose_their_address(client, web_sessions, seeded: Seeded):
    with web_sessions.begin() as s:
        s.add(
            Finding(
                rule_id="privacy.personal_data", unit_id=seeded.ids["v1"], period="2026-11",
                subject="item:k1", severity="high", evidence={"item_id": seeded.ids["item"]},
            )
        )  # fmt: skip
    hit = client.get("/api/v1/search", params={"q": "东城村"}).json()["items"][0]
    assert hit["url"] is None
    assert client.get(f"/items/{seeded.ids['item']}/archived").status_code == 404
    feed = client.get("/units/330101001001/feed.atom").text
    assert "http://127.0.0.1:9/v1/1.html" not in feed
    assert "privacy.personal_data" not in feed


def test_unit_atom_feed_validates_and_lists_newest(client, seeded: Seeded):
    unit_page = client.get("/units/330101001000").text
    assert 'href="/units/330101001000/feed.atom"' in unit_page
    assert 'href="/units/330101001000/deadlines.ics"' in unit_page
    answer = client.get("/units/330101001000/feed.atom")  # the town: its villages' too
    assert answer.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(answer.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    titles = [e.title for e in parsed.entries]
    assert "东城村财务公开 2026年10月" in titles
    assert any("integrity.silent_change" in t for t in titles)
    assert parsed.entries[0].link
    west = feedparser.parse(client.get("/units/330101002000/feed.atom").content)
    assert west.bozo == 0
    assert "东城村财务公开 2026年10月" not in [e.title for e in west.entries]
    assert client.get("/units/000000000000/feed.atom").status_code == 404


def test_deadlines_calendar(client):
    answer = client.get("/units/330101001001/deadlines.ics")
    assert answer.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(answer.content)
    events = [c for c in cal.walk("VEVENT")]
    assert events
    summaries = [str(e["summary"]) for e in events]
    assert any("村务" in s for s in summaries) and any("财务" in s for s in summaries)
    town = Calendar.from_ical(client.get("/units/330101001000/deadlines.ics").content)
    assert any("年度报告" in str(e["summary"]) for e in town.walk("VEVENT"))


def test_search_page_from_a_village_keeps_its_filter(client, seeded: Seeded):
    page = client.get("/search", params={"q": "财务", "unit": "330101001001"}).text
    assert '<option value="330101001001" selected>东城村</option>' in page
    assert 'data-item="' in page
    other = client.get("/search", params={"q": "财务", "unit": "330101002001"}).text
    assert 'data-item="' not in other and "No results" in other
