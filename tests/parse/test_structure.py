"""The list of a list page found with no selectors: the repeated blocks holding an
article link (and usually a date), away from navigation, footers and sidebars;
reported as selectors that give the same entries when frozen into options."""

from __future__ import annotations

import pytest

from monitor.parse import parse_html_list
from monitor.parse.html_list import EMPTY_LIST, NO_LIST

BASE = "https://www.xx.gov.cn/zwgk/tzgg/index.html"
NAV = """<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>
<li><a href="/zwfw/">政务服务</a></li><li><a href="/hdjl/">互动交流</a></li>
<li><a href="/zjxx/">走进本县</a></li><li><a href="/ztzl/">专题专栏</a></li></ul></div>"""
FOOTER = """<div class="footer"><a href="/wzdt/">网站地图</a> <a href="/lxwm/">联系我们</a>
<a href="/sybz/">使用帮助</a> <a href="/jiucuo/">我要纠错</a></div>"""
TITLES = [
    "关于2026年第三季度城乡最低生活保障资金发放情况的公示",
    "六祖镇2026年9月财务收支情况公开",
    "关于印发《六祖镇防汛防旱防风应急预案》的通知",
    "2026年耕地地力保护补贴发放名单公示",
]


def page(body: str) -> str:
    return f"<html><head><title>通知公告</title></head><body>{NAV}{body}{FOOTER}</body></html>"


def rows(template: str) -> str:
    return "\n".join(
        template.format(n=n, title=t, day=f"2026-10-{20 - n:02d}", dd=f"{20 - n:02d}")
        for n, t in enumerate(TITLES)
    )


SHAPES = {
    "ul": '<ul class="news">'
    + rows('<li><a href="./202610/t202610{dd}_{n}.html">{title}</a><span>{day}</span></li>')
    + "</ul>",
    "table with a header row": '<table class="lb"><tr><th>标题</th><th>日期</th></tr>'
    + rows('<tr><td><a href="/art/2026/10/1/art_12_{n}00.html">{title}</a></td><td>{day}</td></tr>')
    + "</table>",
    "div blocks": '<div class="list">'
    + rows('<div class="item"><h3><a href="content_{n}2.htm">{title}</a></h3><p>{day}</p></div>')
    + "</div>",
    "dd": '<dl class="lists"><dt>村务公开</dt>'
    + rows('<dd><span class="fr">{day}</span>·<a href="/news/show-{n}1.html">{title}</a></dd>')
    + "</dl>",
    "blocks that are links": '<div class="news_list">'
    + rows('<a href="/x/show?id={n}7"><p class="t">{title}</p><p class="time">{day}</p></a>')
    + "</div>",
    "date inside the link": '<ul class="list">'
    + rows('<li><a href="./t202610{dd}_{n}.html">{title} <em>{day}</em></a></li>')
    + "</ul>",
    "list split in two": '<div class="list"><ul>'
    + rows('<li><a href="./t202610{dd}_{n}.html">{title}</a><span>{day}</span></li>').replace(
        '</li>\n<li><a href="./t20261018', '</li></ul><ul><li><a href="./t20261018'
    )
    + "</ul></div>",
}


@pytest.mark.parametrize("shape", SHAPES)
def test_every_shape_is_found_with_no_options(shape: str) -> None:
    found = parse_html_list(page(SHAPES[shape]), BASE, {})
    assert [e.title for e in found.entries] == TITLES, found.structure
    assert [e.published for e in found.entries] == [f"2026-10-{20 - n:02d}" for n in range(4)]
    assert found.structure is not None and 0.5 <= found.structure["confidence"] <= 1
    assert not found.no_list


@pytest.mark.parametrize("shape", SHAPES)
def test_frozen_selectors_read_the_same_entries(shape: str) -> None:
    text = page(SHAPES[shape])
    auto = parse_html_list(text, BASE, {})
    assert auto.structure is not None
    options = {k: auto.structure[k] for k in ("item", "link", "date") if auto.structure.get(k)}
    frozen = parse_html_list(text, BASE, options)
    assert [(e.url, e.title) for e in frozen.entries] == [(e.url, e.title) for e in auto.entries]
    assert [e.published for e in frozen.entries] == [e.published for e in auto.entries]


def test_navigation_and_a_sidebar_of_hot_links_lose_to_the_list() -> None:
    side = '<div class="side"><h4>热点</h4><ul class="hot">' + "".join(
        f'<li><a href="/a/{n}.html">县长调研第{n}站</a></li>' for n in range(8)
    )
    side += "</ul></div>"
    found = parse_html_list(page(side + SHAPES["ul"]), BASE, {})
    assert [e.title for e in found.entries] == TITLES
    assert found.structure is not None and found.structure["item"].endswith("li")


def test_more_links_and_header_rows_are_not_entries() -> None:
    body = SHAPES["table with a header row"].replace(
        "</table>", '<tr><td colspan="2"><a href="more.html">更多&gt;&gt;</a></td></tr></table>'
    )
    found = parse_html_list(page(body), BASE, {})
    assert [e.title for e in found.entries] == TITLES
    assert found.errors == []


def test_a_page_with_no_list_says_so() -> None:
    found = parse_html_list(page("<div class='content'><p>本栏目介绍……</p></div>"), BASE, {})
    assert found.no_list and not found.entries
    assert found.errors == [NO_LIST]
    assert found.structure is None


def test_an_empty_column_says_it_is_empty() -> None:
    found = parse_html_list(page('<ul class="list"></ul><p>暂无信息</p>'), BASE, {})
    assert found.empty and not found.no_list and found.errors == [EMPTY_LIST]


def test_a_list_filled_by_script_names_its_data_source() -> None:
    script = (
        '<div id="list"></div><script>$.ajax({url: "/api/column/list.json?columnId=12&page=1",'
        " success: function(d){ render(d) }});</script>"
    )
    found = parse_html_list(page(script), BASE, {})
    assert found.next_url == "https://www.xx.gov.cn/api/column/list.json?columnId=12&page=1"
    assert found.next_how == "script data"
    assert not found.no_list


def test_explicit_options_still_override() -> None:
    found = parse_html_list(page(SHAPES["ul"]), BASE, {"item": "div.nav li"})
    assert [e.title for e in found.entries][:2] == ["首页", "政务公开"]
    assert found.structure is None


def test_the_date_column_named_by_the_header() -> None:
    body = "<table><thead><tr><th>标题</th><th>成文日期</th><th>发布日期</th></tr></thead><tbody>"
    body += rows(
        '<tr><td><a href="./t202610{dd}_{n}.html">{title}</a></td>'
        "<td>2026-09-01</td><td>{day}</td></tr>"
    )
    found = parse_html_list(page(body + "</tbody></table>"), BASE, {})
    assert [e.published for e in found.entries] == [f"2026-10-{20 - n:02d}" for n in range(4)]
    assert found.structure is not None and found.structure["date"] == "td:nth-child(3)"


def test_links_resolve_against_the_pages_base() -> None:
    body = '<html><head><base href="https://www.xx.gov.cn/zwgk/tzgg/"></head><body>'
    body += SHAPES["ul"] + "</body></html>"
    found = parse_html_list(body, "https://www.xx.gov.cn/zwgk/tzgg/index_1.html?x=1", {})
    assert found.entries[0].url == "https://www.xx.gov.cn/zwgk/tzgg/202610/t20261020_0.html"
