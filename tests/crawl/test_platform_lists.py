"""Platform lists read over HTTP with no options: TRS script pagination, Hanweb
datastore endpoints, same-host only, ``max_pages``, an empty page ending the list;
a list page with no list recorded as such in the fetch row, the crawl report and
``monitor inspect``."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from monitor.cli.main import app
from monitor.crawl import crawl
from monitor.crawl.reading import NO_LIST_OUTCOME, Reading, read_listing
from monitor.fetch import Fetcher
from monitor.parse.html_list import NO_LIST
from monitor.settings import Settings
from monitor.store.models import Fetch, Item
from tests.crawl.conftest import add_feed
from tests.fetch.servers import Page, Site, ThreadServer

T0 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
COL = "/zwgk/tzgg/"


def trs_page(index: int, count: int, rows: int = 3) -> bytes:
    items = "".join(
        f'<li><a href="./202610/t202610{10 + n:02d}_{index}{n}.html" title="第{index}页第{n}条：'
        f'关于做好秋冬季森林防火工作的通知">第{index}页第{n}条…</a>'
        f"<span>2026-10-{10 + n}</span></li>"
        for n in range(rows)
    )
    return (
        f'<html><body><div class="nav"><a href="/">首页</a></div><ul class="list-ul">{items}</ul>'
        "<script>var currentPage = %d;//所在页从0开始\nvar countPage = %d//共多少页\n"
        'createPageHTML(countPage, currentPage, "index", "html");</script></body></html>'
        % (index, count)
    ).encode()


def serve_trs(site: Site, count: int, empty_from: int | None = None) -> None:
    for index in range(count):
        name = "index.html" if index == 0 else f"index_{index}.html"
        rows = 0 if empty_from is not None and index >= empty_from else 3
        site.pages[COL + name] = Page(trs_page(index, count, rows))


def listing(server: ThreadServer, settings: Settings, path: str, max_pages: int) -> object:
    async def run() -> object:
        reading = Reading.start(settings.crawl, None)
        try:
            async with Fetcher(settings) as fetcher:
                found, _ = await read_listing(
                    fetcher, reading, server.url(path), "html", {}, max_pages=max_pages
                )
                return found
        finally:
            reading.close()

    return asyncio.run(run())


def test_trs_script_pages_are_followed_up_to_max_pages(
    crawl_settings: Settings, site: tuple[Site, ThreadServer]
) -> None:
    s, server = site
    serve_trs(s, 4)
    read = listing(server, crawl_settings, COL + "index.html", max_pages=3)
    assert [p.response.url for p in read.pages] == [  # type: ignore[attr-defined]
        server.url(COL + "index.html"),
        server.url(COL + "index_1.html"),
        server.url(COL + "index_2.html"),
    ]
    assert [p.next_how for p in read.pages] == ["script"] * 3  # type: ignore[attr-defined]
    assert len(read.entries) == 9  # type: ignore[attr-defined]
    assert read.pages[0].structure["item"] == "ul.list-ul > li"  # type: ignore[attr-defined]


def test_a_page_with_no_entries_ends_the_list(
    crawl_settings: Settings, site: tuple[Site, ThreadServer]
) -> None:
    s, server = site
    serve_trs(s, 5, empty_from=2)
    read = listing(server, crawl_settings, COL + "index.html", max_pages=10)
    assert len(read.pages) == 3  # type: ignore[attr-defined]
    assert s.hits.get(COL + "index_3.html") is None


def test_next_pages_never_leave_the_site(
    crawl_settings: Settings, site: tuple[Site, ThreadServer]
) -> None:
    s, server = site
    body = trs_page(0, 1).replace(
        b"</ul>",
        b'</ul><a href="http://localhost:9/zwgk/index_1.html">\xe4\xb8\x8b\xe4\xb8\x80\xe9\xa1\xb5</a>',
    )
    s.pages[COL + "index.html"] = Page(body)
    read = listing(server, crawl_settings, COL + "index.html", max_pages=5)
    assert len(read.pages) == 1  # type: ignore[attr-defined]


def test_hanweb_datastore_then_its_endpoint(
    crawl_settings: Settings, site: tuple[Site, ThreadServer]
) -> None:
    s, server = site

    def records(start: int, n: int) -> str:
        return "".join(
            f'<record><![CDATA[<li><a href="/art/2026/10/{k % 28 + 1}/art_4351_{k}.html">'
            f"第{k}号公告：关于征地补偿安置的公示</a><span>2026-10-{k % 28 + 1:02d}</span></li>"
            "]]></record>"
            for k in range(start, start + n)
        )

    proxy = "/module/web/jpage/dataproxy.jsp?page=1&amp;columnid=4351&amp;unitid=13456"
    s.pages["/col/col4351/index.html"] = Page(
        (
            '<html><body><div id="13456"><script type="text/xml"><datastore>'
            f'<nextgroup><![CDATA[<a href="{proxy}"></a>]]></nextgroup>'
            f"<recordset>{records(1, 3)}</recordset></datastore></script>"
            "<script>$('#13456').jpage({perPage: 3, totalRecord: 7})</script></div></body></html>"
        ).encode()
    )
    query = "/module/web/jpage/dataproxy.jsp?page=1&columnid=4351&unitid=13456"
    for start, n in ((4, 3), (7, 1)):
        body = f"<datastore><recordset>{records(start, n)}</recordset><totalrecord>7</totalrecord>"
        s.pages[f"{query}&startrecord={start}&endrecord={start + 2}&perpage=3"] = Page(
            (body + "</datastore>").encode(), content_type="text/xml; charset=utf-8"
        )
    read = listing(server, crawl_settings, "/col/col4351/index.html", max_pages=10)
    assert [p.outcome for p in read.pages] == ["ok", "ok", "ok"]  # type: ignore[attr-defined]
    assert len(read.entries) == 7  # type: ignore[attr-defined]
    assert read.entries[0].title == "第1号公告：关于征地补偿安置的公示"  # type: ignore[attr-defined]


def test_a_json_endpoint_behind_a_script_list(
    crawl_settings: Settings, site: tuple[Site, ThreadServer]
) -> None:
    s, server = site
    s.pages["/gkmlpt/tzgg"] = Page(
        b'<html><body><div id="app"></div><script>axios.get("/gkmlpt/api/all/2?page=1")'
        b".then(render)</script></body></html>"
    )
    data = {"articles": [{"id": 1, "title": "关于公布村级权力清单的通知", "url": "/c/1.html",
                          "date": "2026-10-15 09:00"}]}  # fmt: skip
    s.pages["/gkmlpt/api/all/2?page=1"] = Page(
        json.dumps(data, ensure_ascii=False).encode(), content_type="application/json"
    )
    s.pages["/gkmlpt/api/all/2?page=2"] = Page(b'{"articles": []}', content_type="application/json")
    read = listing(server, crawl_settings, "/gkmlpt/tzgg", max_pages=5)
    assert [p.kind for p in read.pages] == ["html", "json", "json"]  # type: ignore[attr-defined]
    assert [e.title for e in read.entries] == ["关于公布村级权力清单的通知"]  # type: ignore[attr-defined]


NO_LIST_PAGE = "<html><body><h1>本栏目简介</h1><p>本村共有村民小组8个。</p></body></html>"


def test_no_list_is_recorded_in_the_fetch_row_and_the_report(
    sessions: sessionmaker[Session], crawl_settings: Settings, site: tuple[Site, ThreadServer]
) -> None:
    s, server = site
    s.pages["/cwgk/"] = Page(NO_LIST_PAGE.encode())
    _, feed_id = add_feed(sessions, server.url("/cwgk/"), "html")
    report = crawl(sessions, crawl_settings, now=T0)
    assert any(NO_LIST in e for e in report.errors), report.errors
    with sessions() as session:
        fetch = session.scalars(select(Fetch).where(Fetch.feed_id == feed_id)).one()
        assert (fetch.outcome, fetch.error) == (NO_LIST_OUTCOME, NO_LIST)
        items = session.scalars(select(Item).where(Item.feed_id == feed_id)).all()
        # Read as a single page: one item, the page itself, said to be so above.
        assert [i.url for i in items] == [server.url("/cwgk/")]


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("MONITOR_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("MONITOR_ALLOWED_NETWORKS", "127.0.0.0/8")


def test_inspect_shows_the_structure_or_says_there_is_no_list(
    cli_env: None, site: tuple[Site, ThreadServer]
) -> None:
    s, server = site
    serve_trs(s, 2)
    s.pages["/cwgk/"] = Page(NO_LIST_PAGE.encode())
    runner = CliRunner()
    shown = runner.invoke(
        app, ["inspect", server.url(COL + "index.html"), "--option", "detail=false"]
    )
    assert shown.exit_code == 0, shown.output
    assert "list found: item='ul.list-ul > li' link='a' date='span'" in shown.output
    assert f"next page: {server.url(COL + 'index_1.html')} (by script)" in shown.output
    data = json.loads(
        runner.invoke(app, ["inspect", server.url(COL + "index.html"), "--json"]).stdout
    )
    assert data["structure"]["confidence"] > 0.5 and len(data["items"]) == 6
    single = runner.invoke(app, ["inspect", server.url("/cwgk/")])
    assert NO_LIST in single.output
    data = json.loads(runner.invoke(app, ["inspect", server.url("/cwgk/"), "--json"]).stdout)
    assert data["no_list"] == NO_LIST and data["pages"][0]["outcome"] == NO_LIST_OUTCOME
