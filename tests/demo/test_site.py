"""The sample site over real HTTP: charsets, metadata tables, the clock, 304s, faults."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import date, timedelta
from email.message import Message

import feedparser
import lxml.html
import pytest

from monitor.demo import plan
from monitor.demo.model import District
from monitor.demo.site import DemoSite


@dataclass
class Got:
    status: int
    headers: Message
    body: bytes


def get(site: DemoSite, path: str, headers: dict[str, str] | None = None) -> Got:
    request = urllib.request.Request(site.base_url + path, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Got(response.status, response.headers, response.read())
    except urllib.error.HTTPError as exc:
        return Got(exc.code, exc.headers, exc.read())
    except (ConnectionError, http.client.HTTPException):
        return Got(0, Message(), b"")  # the server dropped the connection


def unit_where(district: District, **want: object) -> str:
    for unit in sorted(district.units.values(), key=lambda u: u.code):
        if unit.level != "county" and all(getattr(unit, k) == v for k, v in want.items()):
            return unit.code
    raise LookupError(want)


def list_path(district: District, code: str) -> str:
    unit = district.units[code]
    return f"/u/{code}/gzdt/list.html" if unit.channel == "columns" else f"/u/{code}/list.html"


def test_gbk_units_declare_their_charset(site: DemoSite, district: District) -> None:
    code = unit_where(district, charset="gbk", charset_in_header=True, channel="html")
    got = get(site, list_path(district, code))
    assert got.status == 200
    assert got.headers["Content-Type"] == "text/html; charset=gbk"
    text = got.body.decode("gbk")
    assert '<meta charset="gbk">' in text
    assert district.units[code].name in text
    with pytest.raises(UnicodeDecodeError):
        got.body.decode("utf-8")


def test_some_units_only_say_the_charset_in_meta(site: DemoSite, district: District) -> None:
    code = unit_where(district, charset="gbk", charset_in_header=False, channel="html")
    got = get(site, list_path(district, code))
    assert got.headers["Content-Type"] == "text/html"
    assert '<meta charset="gbk">' in got.body.decode("gbk")
    share = sum(u.charset == "gbk" for u in district.units.values()) / len(district.units)
    assert 0.2 < share < 0.4


def test_list_pages_paginate_with_next_links(site: DemoSite, district: District) -> None:
    code = plan.NO_PARTY_Q3
    first = lxml.html.fromstring(get(site, f"/u/{code}/list.html").body)
    entries = first.cssselect("ul.list > li")
    assert len(entries) == 15
    link = entries[0].cssselect("a")[0]
    assert link.get("href").startswith(f"/u/{code}/art/")
    newest = district.units[code].visible_items(plan.AS_OF)[0]
    assert entries[0].cssselect("span.date")[0].text_content() == newest.published.isoformat()
    assert link.get("href") == newest.path
    assert first.cssselect("a.next")[0].get("href") == "list_2.html"
    assert first.cssselect("a.next")[0].text_content() == "下一页"
    second = lxml.html.fromstring(get(site, f"/u/{code}/list_2.html").body)
    assert not second.cssselect("a.next")
    total = len(entries) + len(second.cssselect("ul.list > li"))
    assert total == len(district.units[code].visible_items(plan.AS_OF))
    assert get(site, f"/u/{code}/list_3.html").status == 404


def test_detail_page_carries_the_metadata_table(site: DemoSite, district: District) -> None:
    unit, item = next(
        (u, i)
        for u in district.towns()
        if u.code != plan.ANTANG
        for i in u.items
        if i.doc_no and i.attachments and not i.edit and not i.attachments[0].broken
    )
    got = get(site, item.path)
    doc = lxml.html.fromstring(got.body.decode(unit.charset))
    cells = [" ".join(td.text_content().split()) for td in doc.cssselect("table.xxgk td")]
    pairs = dict(zip(cells[::2], cells[1::2], strict=True))
    flat = {k.replace(" ", "").replace("\u3000", ""): v for k, v in pairs.items()}
    assert flat["索引号："] == item.index_no
    assert flat["成文日期："] in (f"{item.formed:%Y年%m月%d日}", item.formed.isoformat())
    assert flat["发布日期："] in (f"{item.published:%Y年%m月%d日}", item.published.isoformat())
    assert unit.publisher in pairs.values()
    assert item.doc_no in pairs.values()
    assert doc.cssselect("div.content p")[0].text_content() == item.text.split("\n")[0]
    href = doc.cssselect("div.attachments a")[0].get("href")
    pdf = get(site, href)
    assert (pdf.status, pdf.headers["Content-Type"]) == (200, "application/pdf")
    assert pdf.body.startswith(b"%PDF")


def test_label_shapes_vary_like_real_sites(site: DemoSite, district: District) -> None:
    seen = set()
    for style in (0, 1, 2):
        code = unit_where(district, label_style=style, level="village", channel="html")
        item = district.units[code].visible_items(plan.AS_OF)[0]
        text = get(site, item.path).body.decode(district.units[code].charset)
        for shape in ("发布日期：", "发 布 日 期：", "发\u3000布\u3000日\u3000期："):
            if shape in text:
                seen.add(shape)
    assert len(seen) == 3


def test_clock_shows_edits_after_their_day(site: DemoSite, district: District) -> None:
    item = next(i for i in district.units[plan.YAOGU].items if i.edit)
    assert item.edit is not None
    site.set_today(item.edit.on - timedelta(days=1))
    before = get(site, item.path).body.decode(district.units[plan.YAOGU].charset)
    site.set_today(item.edit.on)
    after = get(site, item.path).body.decode(district.units[plan.YAOGU].charset)
    assert item.title in before and "（调整）" not in before
    assert item.edit.title is not None and item.edit.title in after
    assert before != after


def test_clock_deletes_and_backdates(site: DemoSite, district: District) -> None:
    deleted = next(i for i in district.units[plan.DELETES].items if i.deleted_on)
    list_url = f"/u/{plan.DELETES}/list.html"
    site.set_today(plan.DELETED_ON - timedelta(days=1))
    assert get(site, deleted.path).status == 200
    assert (
        deleted.path.encode()
        in get(site, list_url).body + get(site, "/u/" + plan.DELETES + "/list_2.html").body
    )
    site.set_today(plan.DELETED_ON)
    assert get(site, deleted.path).status == 404
    pages = get(site, list_url).body + get(site, f"/u/{plan.DELETES}/list_2.html").body
    assert deleted.path.encode() not in pages

    backdated = next(i for i in district.units[plan.BACKDATED].items if i.visible_from)
    site.set_today(date(2026, 11, 16))
    assert get(site, backdated.path).status == 404
    site.set_today(date(2026, 11, 21))
    page = get(site, f"/u/{plan.BACKDATED}/list.html").body.decode("utf-8", "replace")
    assert backdated.path in page
    assert "2026-11-03" in page


def test_items_appear_on_their_publication_day(site: DemoSite, district: District) -> None:
    unit = district.units[plan.NO_PARTY_Q3]
    item = max(unit.items, key=lambda i: i.published)
    site.set_today(item.published - timedelta(days=1))
    assert get(site, item.path).status == 404
    site.set_today(item.published)
    assert get(site, item.path).status == 200


def test_conditional_get_answers_304_until_something_changes(
    site: DemoSite, district: District
) -> None:
    path = f"/u/{plan.NO_PARTY_Q3}/list.html"
    site.set_today(date(2026, 11, 2))
    first = get(site, path)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag and modified
    assert get(site, path, {"If-None-Match": etag}).status == 304
    assert get(site, path, {"If-Modified-Since": modified}).status == 304
    site.set_today(date(2026, 11, 3))  # nothing new on the 3rd
    assert get(site, path, {"If-None-Match": etag}).status == 304
    site.set_today(plan.AS_OF)
    changed = get(site, path, {"If-None-Match": etag})
    assert changed.status == 200
    assert changed.headers["ETag"] != etag
    assert get(site, path, {"If-Modified-Since": modified}).status == 200


def test_down_unit_answers_server_errors_from_its_day(site: DemoSite) -> None:
    path = f"/u/{plan.ANTANG}/gzdt/list.html"
    site.set_today(plan.DOWN_FROM - timedelta(days=1))
    assert get(site, path).status == 200
    site.set_today(plan.DOWN_FROM)
    statuses = {get(site, path).status for _ in range(6)}
    assert statuses == {500, 503, 0}
    assert get(site, f"/u/{plan.ANTANG}/requests.json").status in (500, 503, 0)


def test_broken_attachments_404(site: DemoSite, district: District) -> None:
    broken = [a for i in district.units[plan.QIANFENG].items for a in i.attachments if a.broken]
    assert len(broken) == 2
    assert all(get(site, a.path).status == 404 for a in broken)


def test_rss_units_serve_rss(site: DemoSite, district: District) -> None:
    code = unit_where(district, channel="rss")
    got = get(site, f"/u/{code}/rss.xml")
    assert got.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    feed = feedparser.parse(got.body)
    assert feed.version == "rss20"
    assert not feed.bozo
    visible = district.units[code].visible_items(plan.AS_OF)
    assert [e.link for e in feed.entries] == [site.base_url + i.path for i in visible]
    assert feed.entries[0].tags[0].term in ("党务公开", "村务公开", "财务公开")
    assert get(site, f"/u/{code}/list.html").status == 404


def test_requests_json_shows_answers_once_given(site: DemoSite) -> None:
    received, answered, _ = plan.REQUEST_LATE
    assert answered is not None
    site.set_today(answered - timedelta(days=1))
    data = json.loads(get(site, f"/u/{plan.SILAO}/requests.json").body)
    late = next(r for r in data["data"] if r["received"] == received.isoformat())
    assert late["answered"] is None
    assert set(late) == {"id", "title", "received", "answered", "extended", "handler", "index_no"}
    site.set_today(answered)
    data = json.loads(get(site, f"/u/{plan.SILAO}/requests.json").body)
    late = next(r for r in data["data"] if r["received"] == received.isoformat())
    assert late["answered"] == answered.isoformat()
    assert get(site, f"/u/{plan.NO_PARTY_Q3}/requests.json").status == 404


def test_index_and_unknown_paths(site: DemoSite) -> None:
    index = get(site, "/")
    assert index.status == 200
    assert "腰古镇" in index.body.decode()
    assert get(site, "/u/445302999999/list.html").status == 404
    assert get(site, "/nothing").status == 404
    assert site.hits()["/"] == 1
