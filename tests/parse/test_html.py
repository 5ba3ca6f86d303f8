from __future__ import annotations

from pathlib import Path

import pytest

from monitor.fetch import decode_body
from monitor.parse import ParseError, parse_detail, parse_html_list

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
BASE = "https://yc.example.gov.cn/xxgk/hpc/cwgk/index.html"


def read(name: str) -> str:
    return decode_body((PAGES / name).read_bytes()).text


def test_default_selectors_fit_the_common_list_shape() -> None:
    page = parse_html_list(read("list_county.html"), BASE, {})
    assert [(e.title, e.published) for e in page.entries] == [
        ("和平村2026年10月村务公开", "2026-11-02"),
        ("关于2026年低保对象的公示", "2026-10-15"),
        ("和平村三季度财务收支情况", "2026/9/30"),
    ]
    assert [e.url for e in page.entries] == [
        "https://yc.example.gov.cn/xxgk/hpc/cwgk/202611/t20261102_1001.html",
        "https://yc.example.gov.cn/xxgk/hpc/cwgk/t20261015_0998.html",
        "https://yc.example.gov.cn/xxgk/hpc/cwgk/202609/t20260930_0990.html",
    ]
    assert page.next_url == "https://yc.example.gov.cn/xxgk/hpc/cwgk/index_1.html"


def test_gbk_table_list_with_options() -> None:
    options = {"item": "table.newslist tr", "link": "td.bt a", "date": "td.rq"}
    page = parse_html_list(read("list_gbk.html"), "https://dy.example.gov.cn/zwgk/list/", options)
    assert [(e.title, e.published) for e in page.entries] == [
        ("都杨镇2026年预算公开", "2026-11-28"),
        ("关于𠮷田村道路硬化工程的公示", "2026-11-20"),
    ]
    assert page.entries[0].url == "https://dy.example.gov.cn/zwgk/zwgk/201611/t20161128_501.html"
    assert page.errors == ["entry without a link: '没有链接的一行[2026-11-19]'"]
    assert page.next_url is None


def test_category_and_next_options() -> None:
    html = """<div class="news"><div class="row"><a class="t" href="a.html">公告一</a>
    <em>[财务公开]</em><i>2026年11月2日</i></div></div><a class="pg" href="?page=2">›</a>"""
    options = {"item": "div.news .row", "link": "a.t", "category": "em", "date": "i",
               "next": "a.pg"}  # fmt: skip
    page = parse_html_list(html, "https://x.example.gov.cn/list/", options)
    (entry,) = page.entries
    assert (entry.category, entry.published) == ("财务公开", "2026年11月2日")
    assert page.next_url == "https://x.example.gov.cn/list/?page=2"


def test_bad_selector_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="CSS selector"):
        parse_html_list("<ul></ul>", BASE, {"item": "ul >>> li"})


def test_detail_metadata_table_meta_tags_and_comments() -> None:
    detail = parse_detail(read("detail_xxgk.html"), BASE, {})
    assert detail.meta == {
        "index_no": "445302-HP-2026-0012",  # label printed "索 引 号："
        "category": "村务公开",
        "publisher": "和平村民委员会",  # the table wins over ContentSource
        "formed": "2026年10月30日",
        "doc_no": "和村〔2026〕12号",  # label with full-width spaces "文　　号"
        "published": "2026-11-02",  # the value hidden in an HTML comment
        "keywords": "村务 财务",
        "validity": "有效",
    }
    assert detail.title == "和平村2026年10月村务公开"  # <meta name="ArticleTitle">
    assert detail.text.startswith("一、本月村集体收入")
    assert "不应读到" not in detail.text
    assert detail.attachments[1]["name"] == "公示清单.pdf"
    assert not detail.not_found


def test_gbk_detail_in_a_list_layout() -> None:
    detail = parse_detail(read("detail_gbk.html"), "https://dy.example.gov.cn/zwgk/t.html", {})
    assert detail.meta == {
        "index_no": "007026512/2026-00031",
        "category": "财政预算",
        "publisher": "都杨镇人民政府",
        "formed": "2026.11.25",
        "published": "2026-11-28 16:05:36",
    }
    assert detail.attachments == [
        {"url": "https://dy.example.gov.cn/zwgk/201611/W020261128.pdf", "name": "附件1：预算表"}
    ]


def test_meta_tags_fill_in_when_there_is_no_table() -> None:
    html = """<html><head><meta name="PubDate" content="2026-11-20 10:00">
    <meta name="ContentSource" content="石城镇人民政府"></head>
    <body><div class="content">正文</div></body></html>"""
    detail = parse_detail(html, BASE, {"content": "div.content"})
    assert detail.meta == {"published": "2026-11-20 10:00", "publisher": "石城镇人民政府"}
    assert detail.text == "正文"


def test_soft_404() -> None:
    assert parse_detail(read("soft404.html"), BASE, {}).not_found


def test_detail_text_keeps_table_cells_apart_so_an_id_stays_an_id() -> None:
    """An ID in one cell and "2人" in the next must not run into a 19-digit number."""
    from rules.privacy.personal_data import scan

    page = (
        "<html><body><div class='content'><table><tr><th>姓名</th><th>身份证号</th>"
        "<th>人数</th></tr><tr><td>张三</td><td>110101199003077571</td><td>2人</td></tr>"
        "</table><ul><li>第一条</li><li>第二条</li></ul><img alt='低保名单截图'>"
        "<a href='/f/mingdan.xlsx'>附件：低保名单.xlsx</a></div></body></html>"
    )
    detail = parse_detail(page, BASE, {})
    assert "张三 | 110101199003077571 | 2人" in detail.text.splitlines()
    assert "第一条" in detail.text.splitlines() and "第二条" in detail.text.splitlines()
    assert "低保名单截图" in detail.text and "附件：低保名单.xlsx" in detail.text
    assert scan(detail.text)["resident_id"] == ["1101**********7571"]


def test_readable_text_leaves_out_scripts_and_styles() -> None:
    from monitor.parse.markup import readable_text

    text = readable_text("<html><head><style>p{}</style></head><body><p>正文<script>x()</script>"
                         "末</p></body></html>")  # fmt: skip
    assert text == "正文末"
