"""Property tests over every parser and extractor: whatever the bytes, each raises
only its documented error type and returns output bounded by its input.

Deterministic (``derandomize=True``) and small, so the suite stays quick; the
open-ended search is the atheris harnesses in ``tests/reliability/fuzz``.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from monitor.fetch import UndecodableBody, decode_body
from monitor.parse import (
    Detail,
    Page,
    ParseError,
    parse_date,
    parse_detail,
    parse_feed,
    parse_html_list,
    parse_json,
)
from monitor.parse.datastore import read_datastore
from monitor.parse.dates import from_epoch
from monitor.parse.detail import label_key
from monitor.parse.labels import pairs_in_line
from monitor.parse.markup import html_document
from monitor.parse.pagination import next_page
from monitor.parse.structure import find_list

BASE = "http://town.example.gov.cn/gk/list.html"
PROPERTY = settings(
    derandomize=True,
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Text that looks like what the parsers meet: markup, CJK, dates, entities, junk.
_ATOMS = st.sampled_from(
    [
        "<",
        ">",
        "</",
        "/>",
        "&",
        "&amp;",
        "&#0;",
        "&#x110000;",
        "\x00",
        "\ufffd",
        '"',
        "'",
        "=",
        "href=",
        "<a href='",
        "<li>",
        "<ul class='list'>",
        "<item>",
        "</item>",
        "<entry>",
        "<link>",
        "<guid>",
        "<title>",
        "<pubDate>",
        "<![CDATA[",
        "]]>",
        "<!--",
        "-->",
        "<table><tr><td>",
        "</td><td>",
        "索引号",
        "发布日期",
        "成文日期",
        "文号",
        "附件",
        "：",
        "2026年11月28日",
        "2026-13-45",
        "0001-01-01T00:00+01:00",
        "9999-12-31 23:59",
        "Mon, 01 Jan 0001 00:00:00 +0100",
        "http://[",
        "javascript:",
        "//evil/",
        "财务公开",
        # Shapes the list finder, the pager readers and the metadata reader meet.
        "<dl>",
        "<dd>",
        "<dt>",
        "<strong>",
        "<label>",
        "<font>",
        "&ensp;",
        "【",
        "】",
        "主题分类",
        "索 引 号：",
        "下一页",
        '<a rel="next" href="',
        "createPageHTML(",
        '5, 0, "index", "html")',
        "('page_div', 24, 1, 'fg', 'shtml', 475)",
        "var _nPageCount = ",
        "<script>",
        "</script>",
        "<datastore>",
        "<nextgroup>",
        "<recordset>",
        "<record>",
        "</record>",
        "dataproxy.jsp?startrecord=",
        "t20261015_1101.html",
        "art_1234_567890.html",
        "index_1.html",
        "暂无信息",
    ]
)
markupish = st.lists(st.one_of(_ATOMS, st.text(max_size=8)), max_size=60).map("".join)
texts = st.one_of(st.text(max_size=400), markupish)


def _page_size(page: Page) -> int:
    return sum(
        len(e.key) + len(e.title) + len(e.url or "") + len(e.text) + len(e.published or "")
        for e in page.entries
    )


def _bounded(page: Page, text: str) -> None:
    # Every entry needs at least a few characters of input; each field is a slice of
    # the input, possibly joined to the base URL.
    assert len(page.entries) <= len(text)
    assert _page_size(page) <= 8 * (len(text) + len(BASE)) * max(1, len(page.entries))


def _feed_doc(titles: list[str], links: list[str], dates: list[str], atom: bool) -> str:
    esc = _xml_escape
    if atom:
        body = "".join(
            f"<entry><title>{esc(t)}</title><link href='{esc(link)}'/><id>{esc(link)}</id>"
            f"<updated>{esc(d)}</updated></entry>"
            for t, link, d in zip(titles, links, dates, strict=False)
        )
        return f"<feed xmlns='http://www.w3.org/2005/Atom'>{body}</feed>"
    body = "".join(
        f"<item><title>{esc(t)}</title><link>{esc(link)}</link><pubDate>{esc(d)}</pubDate></item>"
        for t, link, d in zip(titles, links, dates, strict=False)
    )
    return f"<?xml version='1.0'?><rss version='2.0'><channel>{body}</channel></rss>"


def _xml_escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace("'", "&apos;")


feeds = st.builds(
    _feed_doc,
    st.lists(texts, max_size=5),
    st.lists(texts, max_size=5),
    st.lists(texts, max_size=5),
    st.booleans(),
)


@PROPERTY
@given(st.one_of(texts, feeds))
@example("<rss><channel><item><guid>1</guid><pubDate></pubDate></item></channel></rss><")
def test_feed_parser_raises_only_parse_error(text: str) -> None:
    try:
        page = parse_feed(text, BASE, {})
    except ParseError:
        return
    _bounded(page, text)


@PROPERTY
@given(feeds)
def test_well_formed_feeds_are_read(text: str) -> None:
    # Built by the strategy above, so it is well formed XML once control characters
    # lxml refuses are absent.
    try:
        page = parse_feed(text, BASE, {})
    except ParseError:
        return
    assert all(entry.key for entry in page.entries)


list_options = st.fixed_dictionaries(
    {},
    optional={
        "item": st.sampled_from(["li", "tr", "div.item", "ul.list > li", "a", "*", "[[", "li:x"]),
        "link": st.sampled_from(["a", "a.t", "td a", "*"]),
        "date": st.sampled_from([".date", "span", "td:last-child"]),
        "next": st.sampled_from(["a.next", "a[rel=next]"]),
    },
)


@PROPERTY
@given(texts, list_options)
@example('<ul class="list"><li><a href="http://[x">t</a></li></ul>', {})  # found by hypothesis
def test_html_list_parser_raises_only_parse_error(text: str, options: dict[str, Any]) -> None:
    try:
        page = parse_html_list(text, BASE, options)
    except ParseError:
        return
    _bounded(page, text)


@PROPERTY
@given(texts, st.sampled_from([{}, {"content": "div.content"}, {"content": "#zoom"}]))
@example('<a href="http://[x">附件1.doc</a>', {})
def test_detail_parser_raises_only_parse_error(text: str, options: dict[str, Any]) -> None:
    try:
        detail = parse_detail(text, BASE, options)
    except ParseError:
        return
    assert isinstance(detail, Detail)
    assert len(detail.text) <= len(text)
    assert len(detail.attachments) <= len(text)
    assert all(len(v) <= len(text) for v in detail.meta.values())


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(["id", "title", "url", "date", "list", "data"]), children)
    ),
    max_leaves=20,
)
json_options = st.fixed_dictionaries(
    {},
    optional={
        "items": st.sampled_from(["list", "data.list", "data", "", "a.b.c"]),
        "fields": st.fixed_dictionaries(
            {},
            optional={
                "key": st.sampled_from(["id", "url", "x.y"]),
                "url": st.sampled_from(["url", "id"]),
                "published": st.sampled_from(["date", "id", "title"]),
                "formed": st.sampled_from(["date", "id"]),
            },
        ),
    },
)


@PROPERTY
@given(st.one_of(texts, json_values.map(json.dumps)), json_options)
@example('{"list": [{"id": 1, "url": "http://[x", "date": 1e300}]}', {"items": "list"})
@example('{"list": [{"id": 1, "date": -1e17}]}', {"items": "list", "fields": {"published": "date"}})
def test_json_parser_raises_only_parse_error(text: str, options: dict[str, Any]) -> None:
    try:
        page = parse_json(text, BASE, options)
    except ParseError:
        return
    assert len(page.entries) <= len(text)


@PROPERTY
@given(st.one_of(texts, st.text(alphabet="0123456789-/.:年月日时分 T+Z,", max_size=40)))
@example("0001-01-01T00:00+01:00")  # regressions: shifting to UTC left the datetime range
@example("9999-12-31T23:59-01:00")
@example("0001-01-01 00:00")
@example("Mon, 01 Jan 0001 00:00:00 +0100")
def test_date_parser_never_raises(text: str) -> None:
    parsed = parse_date(text)
    if parsed is None:
        assert not text.split()
        return
    assert (parsed.day is None) == (parsed.error is not None)
    if parsed.at is not None:
        assert parsed.at.utcoffset() is not None


@PROPERTY
@given(st.one_of(st.integers(), st.floats()))
@example(1e20)
@example(float("nan"))
def test_epoch_dates_never_raise(value: float) -> None:
    parsed = from_epoch(value)
    assert (parsed.day is None) == (parsed.error is not None)


encodings = st.sampled_from(["utf-8", "gb18030", "gbk", "big5", "utf-16", "latin-1"])
content_types = st.one_of(
    st.none(),
    st.sampled_from(["text/html", "text/html; charset=gbk", "text/xml; charset=utf-8"]),
    st.text(max_size=40).map(lambda s: f"text/html; charset={s}"),
)


@PROPERTY
@given(
    st.one_of(st.binary(max_size=600), texts.map(lambda s: s.encode("utf-8", "replace"))),
    content_types,
)
def test_encoding_detector_raises_only_undecodable(body: bytes, content_type: str | None) -> None:
    try:
        decoded = decode_body(body, content_type)
    except UndecodableBody:
        return
    # Each byte yields at most one character (the replacement character included).
    assert len(decoded.text) <= len(body)


@PROPERTY
@given(texts, encodings)
def test_encoded_text_round_trips_when_declared(text: str, encoding: str) -> None:
    body = text.encode(encoding, "ignore")
    decoded = decode_body(body, f"text/html; charset={encoding}")
    assert decoded.text == body.decode(decoded.encoding, "replace").removeprefix("\ufeff") or (
        decoded.source == "bom"
    )


@PROPERTY
@given(texts)
def test_metadata_label_reader_never_raises(text: str) -> None:
    key = label_key(text)
    assert key is None or key in {
        "index_no",
        "category",
        "publisher",
        "formed",
        "published",
        "doc_no",
        "keywords",
        "validity",
        "title",
        "effective",
        "repealed",
        "column",
        "source",
    }


@PROPERTY
@given(texts)
@example('<ul><li><a href="t20261015_1.html">标题一二三四五</a><span>2026-10-15</span></li></ul>')
def test_list_finder_selectors_read_what_it_found(text: str) -> None:
    """Whatever the page, the list finder returns nothing or selectors that a feed
    could freeze: they read the same number of entries, with a confidence in [0, 1]."""
    try:
        doc = html_document(text)
    except ParseError:
        return
    found = find_list(doc, BASE)
    if found is None:
        return
    assert 0.0 <= found.confidence <= 1.0
    assert len(found.rows) <= len(text)
    auto = parse_html_list(text, BASE, {})
    frozen = parse_html_list(text, BASE, found.options())
    assert {e.url for e in auto.entries} <= {e.url for e in frozen.entries} | {None}


@PROPERTY
@given(texts)
@example("<script>createPageHTML(99999999, -1, 'index', 'html')</script>")
@example("<datastore><nextgroup><![CDATA[<a href='http://[x'></a>]]></nextgroup></datastore>")
def test_pagination_and_datastore_readers_never_raise_nor_leave_the_site(text: str) -> None:
    try:
        doc = html_document(text)
    except ParseError:
        doc = None
    if doc is not None:
        found = next_page(doc, BASE)
        assert found is None or found.url.startswith("http://town.example.gov.cn/")
    store = read_datastore(text, BASE)
    assert len(store.records) <= len(text)
    assert store.next_url is None or store.next_url.startswith("http://town.example.gov.cn/")


@PROPERTY
@given(texts)
def test_label_value_pairs_are_slices_of_the_line(text: str) -> None:
    pairs, dangling = pairs_in_line(text)
    for _key, value in pairs:
        assert value in text
    assert dangling is None or isinstance(dangling, str)
