from __future__ import annotations

from pathlib import Path

import pytest

from monitor.fetch import decode_body
from monitor.parse import ParseError, parse_feed

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"


def read(name: str, content_type: str | None = None) -> str:
    return decode_body((PAGES / name).read_bytes(), content_type).text


def test_gb2312_rss() -> None:
    page = parse_feed(read("feed_gb2312.xml"), "", {})
    assert [e.title for e in page.entries] == [
        "石城镇2026年11月财务公开",
        "石城镇低保对象公示",
        "没有日期的通知",
    ]
    first, second, third = page.entries
    assert first.category == "财务公开" and first.text == "石城镇十一月收支"
    assert first.published == "Thu, 26 Nov 2026 09:30:00 +0800"
    assert second.category is None  # empty <category/> is no category
    assert second.key == second.url  # no guid: the link is the key
    assert third.published == "上周五"  # kept as printed


def test_atom() -> None:
    page = parse_feed(read("feed_atom.xml"), "", {})
    first, second = page.entries
    assert first.key == "urn:hk:dwgk:2001"
    assert first.url == "https://hk.example.gov.cn/dwgk/202611/t20261120_2001.html"
    assert (first.category, first.published) == ("党务公开", "2026-11-20T08:00:00+08:00")
    assert first.text == "第三季度党务工作情况"
    assert second.published == "2026-10-08T16:05:36+08:00"  # updated when not published


def test_rss_1_0() -> None:
    rdf = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
  xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="x"><title>t</title></channel>
<item rdf:about="https://a.example/1"><title>公示</title><link>https://a.example/1</link>
<dc:date>2026-11-02T10:00:00+08:00</dc:date><dc:subject>村务公开</dc:subject></item>
</rdf:RDF>"""
    (entry,) = parse_feed(rdf, "", {}).entries
    assert (entry.title, entry.published, entry.category) == (
        "公示",
        "2026-11-02T10:00:00+08:00",
        "村务公开",
    )


@pytest.mark.parametrize("name", ["bomb.xml", "xxe.xml"])
def test_entity_attacks_are_refused(name: str) -> None:
    with pytest.raises(ParseError, match="entity"):
        parse_feed(read(name), "", {})


def test_ill_formed_feed_is_read_leniently() -> None:
    broken = (
        "<rss><channel><item><title>甲</title><link>https://a.example/1</link></item>"
        "<item><title>乙 & 丙</title><link>https://a.example/2</link></item>"
    )
    page = parse_feed(broken, "", {})
    assert [e.url for e in page.entries] == ["https://a.example/1", "https://a.example/2"]
    assert page.errors and "leniently" in page.errors[0]


def test_html_where_a_feed_was_expected() -> None:
    with pytest.raises(ParseError, match="HTML"):
        parse_feed(read("list_county.html"), "", {})
    with pytest.raises(ParseError, match="empty"):
        parse_feed("  ", "", {})


def test_rss_090_in_the_netscape_namespace() -> None:
    text = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
 xmlns="http://my.netscape.com/rdf/simple/0.9/">
<channel><title>三务公开</title><link>http://x.gov.cn/</link></channel>
<item><title>村务公开（十月）</title><link>http://x.gov.cn/a/1.html</link></item>
<item><title>财务公开（十月）</title><link>http://x.gov.cn/a/2.html</link></item>
</rdf:RDF>"""
    page = parse_feed(text, "", {})
    assert [(e.title, e.url) for e in page.entries] == [
        ("村务公开（十月）", "http://x.gov.cn/a/1.html"),
        ("财务公开（十月）", "http://x.gov.cn/a/2.html"),
    ]


def test_rss_2_in_a_default_namespace_and_atom_link_kept_apart() -> None:
    text = """<?xml version="1.0"?>
<rss version="2.0" xmlns="http://backend.userland.com/rss2" xmlns:atom="http://www.w3.org/2005/Atom">
<channel><title>t</title>
<item><title>一</title><link>http://x.gov.cn/1.html</link>
 <atom:link rel="self" href="http://x.gov.cn/feed.xml"/></item>
<item><atom:link href="http://x.gov.cn/2.html"/><title>二</title></item>
</channel></rss>"""
    page = parse_feed(text, "", {})
    assert [(e.title, e.url) for e in page.entries] == [
        ("一", "http://x.gov.cn/1.html"),  # atom:link never overwrites the item's link
        ("二", "http://x.gov.cn/2.html"),  # used only when the item has none
    ]


def test_a_skipped_entry_is_named_on_one_line() -> None:
    text = "<rss><channel><item><title>第一条\n公告</title></item></channel></rss>"
    page = parse_feed(text, "", {})
    assert page.entries == []
    assert page.errors == ["entry '第一条 公告' skipped: no guid, id or link"]
    broken = "<rss><channel><item><title>a</title>\n<link>http://x/1</link>\n</item>"
    lenient = parse_feed(broken, "", {})
    assert all("\n" not in e for e in lenient.errors)
