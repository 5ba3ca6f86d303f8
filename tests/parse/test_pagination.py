"""Next pages the ways platforms print them, and lists filled by script (Hanweb
datastore records, JSON endpoints); never off the page's host."""

from __future__ import annotations

import json

import pytest

from monitor.parse import parse_html_list, parse_json
from monitor.parse.datastore import read_datastore
from monitor.parse.markup import html_document
from monitor.parse.pagination import current_page, next_page

BASE = "https://www.xx.gov.cn/zwgk/tzgg/index.html"
LIST = '<ul class="list">' + "".join(
    f'<li><a href="./202610/t2026101{n}_{n}.html">第{n}号通知：关于做好秋冬季防火工作的通知</a>'
    f"<span>2026-10-1{n}</span></li>"
    for n in range(3)
)
LIST += "</ul>"


def found(pager: str, base: str = BASE) -> tuple[str | None, str | None]:
    page = next_page(html_document(f"<html><body>{LIST}{pager}</body></html>"), base)
    return (page.url, page.how) if page else (None, None)


@pytest.mark.parametrize(
    ("pager", "url", "how"),
    [
        (
            '<a href="index_1.html">下一页</a>',
            "https://www.xx.gov.cn/zwgk/tzgg/index_1.html",
            "link",
        ),
        (
            '<a href="?page=2">[下一页]</a>',
            "https://www.xx.gov.cn/zwgk/tzgg/index.html?page=2",
            "link",
        ),
        ('<a rel="next" href="/p/2">›</a>', "https://www.xx.gov.cn/p/2", "link"),
        (
            '<a href="list_2.html"><img src="n.gif" alt="下一页"></a>',
            BASE[:-10] + "list_2.html",
            "link",
        ),
        (
            '<script>createPageHTML(5, 0, "index", "html");</script>',
            "https://www.xx.gov.cn/zwgk/tzgg/index_1.html",
            "script",
        ),
        (
            "<script>var currentPage = 1;//所在页从0开始\nvar countPage = 5//共多少页\n"
            'createPageHTML(countPage, currentPage, "index", "shtml");</script>',
            "https://www.xx.gov.cn/zwgk/tzgg/index_2.shtml",
            "script",
        ),
        (
            "<script>createPageHTML('page_div',24, 1,'fg','shtml',475);</script>",
            "https://www.xx.gov.cn/zwgk/tzgg/fg_1.shtml",
            "script",
        ),
        (
            '<script>var _nPageCount = 3; var _nCurrIndex = 1; var _sPageName = "index";'
            ' var _sPageExt = "htm";</script>',
            "https://www.xx.gov.cn/zwgk/tzgg/index_2.htm",
            "script",
        ),
        (
            '<div class="pages"><span class="current">1</span><a href="list.jsp?p=2">2</a>'
            '<a href="list.jsp?p=3">3</a></div>',
            "https://www.xx.gov.cn/zwgk/tzgg/list.jsp?p=2",
            "pager",
        ),
        (
            '<div class="page">共3页 <a href="index_2.html">末页</a>'
            ' <a href="index_1.html">»</a></div>',
            "https://www.xx.gov.cn/zwgk/tzgg/index_1.html",
            "series",
        ),
    ],
)
def test_next_page_shapes(pager: str, url: str, how: str) -> None:
    assert found(pager) == (url, how)


def test_no_next_page_on_the_last_page_nor_off_site() -> None:
    assert found('<script>createPageHTML(5, 4, "index", "html");</script>') == (None, None)
    assert found('<a href="https://elsewhere.example.com/index_1.html">下一页</a>') == (None, None)
    assert found('<a href="javascript:goPage(2)">下一页</a>') == (None, None)


def test_current_page_from_the_url() -> None:
    assert current_page("https://x.gov.cn/a/index.html") == 1
    assert current_page("https://x.gov.cn/a/index_2.html") == 3
    assert current_page("https://x.gov.cn/a/list_2.html") == 2
    assert current_page("https://x.gov.cn/a/list.jsp?pageNo=4") == 4


RECORDS = "".join(
    f'<record><![CDATA[<li><a href="/art/2026/10/{n + 1}/art_4351_{n}00.html" title="第{n}号公告">'
    f"第{n}号公...</a><span>2026-10-{n + 1:02d}</span></li>]]></record>"
    for n in range(3)
)
PROXY = "/module/web/jpage/dataproxy.jsp?page=1&amp;webid=31&amp;columnid=4351&amp;unitid=13456"


def test_hanweb_inline_datastore_and_its_endpoint() -> None:
    html = (
        '<html><body><div id="13456"><script type="text/xml"><datastore>'
        f'<nextgroup><![CDATA[<a href="{PROXY}"></a>]]></nextgroup>'
        f"<recordset>{RECORDS}</recordset></datastore></script>"
        "<script>$('#13456').jpage({perPage: 3, totalRecord: 8})</script></div></body></html>"
    )
    page = parse_html_list(html, "https://www.xx.gov.cn/col/col4351/index.html", {})
    assert [e.title for e in page.entries] == ["第0号公告", "第1号公告", "第2号公告"]
    assert [e.published for e in page.entries] == ["2026-10-01", "2026-10-02", "2026-10-03"]
    assert page.entries[0].url == "https://www.xx.gov.cn/art/2026/10/1/art_4351_000.html"
    assert page.next_how == "datastore"
    assert page.next_url == (
        "https://www.xx.gov.cn/module/web/jpage/dataproxy.jsp?page=1&webid=31&columnid=4351"
        "&unitid=13456&startrecord=4&endrecord=6&perpage=3"
    )
    # The endpoint answers the next records; it is asked for the ones after them.
    endpoint = (
        f"<?xml version='1.0'?><datastore><recordset>{RECORDS}</recordset>"
        "<totalrecord>8</totalrecord></datastore>"
    )
    second = parse_html_list(endpoint, page.next_url, {})
    assert len(second.entries) == 3
    assert second.next_url is not None and "startrecord=7&endrecord=9" in second.next_url
    # The total is reached (8 records): no further page; an empty answer ends it too.
    third = parse_html_list(endpoint, second.next_url, {})
    assert third.next_url is None
    empty = "<datastore><recordset></recordset></datastore>"
    assert parse_html_list(empty, page.next_url, {}).next_url is None


def test_a_datastore_never_leads_off_site() -> None:
    store = read_datastore(
        '<datastore><nextgroup><![CDATA[<a href="https://evil.example.com/dataproxy.jsp?x=1">'
        f"</a>]]></nextgroup><recordset>{RECORDS}</recordset></datastore>",
        "https://www.xx.gov.cn/col/col1/index.html",
    )
    assert len(store.records) == 3 and store.next_url is None


def test_json_records_found_and_paged_by_their_parameter() -> None:
    data = {
        "code": 0,
        "data": {
            "totalPage": 2,
            "list": [
                {
                    "docId": 7,
                    "docTitle": "关于征地补偿的公告",
                    "docUrl": "/c/7.html",
                    "pubDate": "2026-10-01",
                },
                {
                    "docId": 8,
                    "docTitle": "财务公开",
                    "docUrl": "/c/8.html",
                    "pubDate": "2026-10-02",
                },
            ],
        },
    }
    url = "https://www.xx.gov.cn/api/list.json?column=3&pageNo=1"
    page = parse_json(json.dumps(data, ensure_ascii=False), url, {})
    assert [(e.key, e.title, e.url, e.published) for e in page.entries] == [
        ("7", "关于征地补偿的公告", "https://www.xx.gov.cn/c/7.html", "2026-10-01"),
        ("8", "财务公开", "https://www.xx.gov.cn/c/8.html", "2026-10-02"),
    ]
    assert page.structure is not None and page.structure["items"] == "data.list"
    assert page.next_url == "https://www.xx.gov.cn/api/list.json?column=3&pageNo=2"
    last = parse_json(json.dumps(data), url.replace("pageNo=1", "pageNo=2"), {})
    assert last.next_url is None
    data["data"]["list"] = []
    empty = parse_json(json.dumps(data), url, {})
    assert empty.entries == [] and empty.empty and empty.next_url is None
