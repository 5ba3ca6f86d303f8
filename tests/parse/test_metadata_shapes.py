"""Detail metadata in every shape platforms print it, labels in all their spellings,
and the page's own category winning over the feed's column hint."""

from __future__ import annotations

import pytest

from monitor.crawl.content import item_fields
from monitor.parse import Entry, parse_detail
from monitor.parse.labels import label_key, pairs_in_line

BASE = "https://www.xx.gov.cn/zwgk/t20261015_1101.html"
WANT = {
    "index_no": "000014349/2026-00110",
    "category": "民政、扶贫、救灾",
    "publisher": "六祖镇人民政府",
    "formed": "2026-10-12",
    "published": "2026-10-15",
    "doc_no": "六府〔2026〕3号",
}
PAIRS = [
    ("索引号", WANT["index_no"]),
    ("主题分类", WANT["category"]),
    ("发布机构", WANT["publisher"]),
    ("成文日期", WANT["formed"]),
    ("发文字号", WANT["doc_no"]),
    ("发布日期", WANT["published"]),
]


def wrap(block: str) -> str:
    return (
        f"<html><body><div class='head'>{block}</div><div id='zoom'><p>正文</p></div></body></html>"
    )


SHAPES = {
    "table cells": "<table>"
    + "".join(f"<tr><td>{label}：</td><td>{value}</td></tr>" for label, value in PAIRS)
    + "</table>",
    "th without colon": "<table>"
    + "".join(f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in PAIRS)
    + "</table>",
    "dl": "<dl>"
    + "".join(f"<dt>{label}：</dt><dd>{value}</dd>" for label, value in PAIRS)
    + "</dl>",
    "p strong": "".join(f"<p><strong>{label}</strong>：{value}</p>" for label, value in PAIRS),
    "li label": "<ul>"
    + "".join(f"<li><label>{label}：</label>{value}</li>" for label, value in PAIRS)
    + "</ul>",
    "li ensp font": "<ul>"
    + "".join(f"<li>{'&ensp;'.join(label)}：<font>{value}</font></li>" for label, value in PAIRS)
    + "</ul>",
    "one run": "<div>"
    + "&nbsp;&nbsp;".join(f"{label}：{value}" for label, value in PAIRS)
    + "</div>",
    "one run, no separators": "<p>"
    + "".join(f"{label}：{value}" for label, value in PAIRS)
    + "</p>",
    "spans in cells": "<table><tr>"
    + "".join(f"<td><span>{label}：</span><span>{value}</span></td>" for label, value in PAIRS)
    + "</tr></table>",
    "comment with markup": "<!--<table>"
    + "".join(f"<tr><td>{label}：</td><td>{value}</td></tr>" for label, value in PAIRS)
    + "</table>-->",
    "comment lines": "<!--\n" + "\n".join(f"{label}：{value}" for label, value in PAIRS) + "\n-->",
    "values in comments": "<table>"
    + "".join(f"<tr><td>{label}：</td><td><!--{value}--></td></tr>" for label, value in PAIRS)
    + "</table>",
    "brackets": "<div>" + " ".join(f"【{label}】{value}" for label, value in PAIRS) + "</div>",
}


@pytest.mark.parametrize("shape", SHAPES)
def test_every_shape(shape: str) -> None:
    meta = parse_detail(wrap(SHAPES[shape]), BASE, {}).meta
    got = {k: meta.get(k) for k in WANT}
    assert got == WANT


@pytest.mark.parametrize(
    "label",
    [
        "索引号",
        "索 引 号",
        "索\u3000引\u3000号",
        "索\u2002引\u2002号：",
        "索\xa0引\xa0号:",
        "【索引号】",
    ],
)
def test_label_spellings(label: str) -> None:
    assert label_key(label) == "index_no"


@pytest.mark.parametrize("label", ["主题分类", "信息分类", "组配分类", "体裁分类", "服务对象分类"])
def test_any_label_ending_in_fenlei_is_the_category(label: str) -> None:
    assert label_key(label) == "category"


def test_kept_fields_and_both_index_number_forms() -> None:
    html = wrap(
        "<p>索引号：11441700007280420Y/2021-00050</p><p>有 效 性：有效</p>"
        "<p>主题词：低保 公示</p><p>文号：云民〔2021〕5号</p><p>体裁分类：通知</p>"
    )
    meta = parse_detail(html, BASE, {}).meta
    assert meta["index_no"] == "11441700007280420Y/2021-00050"
    assert (meta["validity"], meta["keywords"], meta["doc_no"]) == (
        "有效",
        "低保 公示",
        "云民〔2021〕5号",
    )
    assert meta["category"] == "通知"


def test_meta_tags_fill_in_and_the_page_wins() -> None:
    html = (
        '<html><head><meta name="ArticleTitle" content="关于调整特困供养标准的通知">'
        '<meta name="PubDate" content="2026-10-15 09:30">'
        '<meta name="ContentSource" content="民政办">'
        '<meta name="ColumnName" content="通知公告"><meta name="Keywords" content="特困,供养">'
        "</head><body><p>发布机构：六祖镇人民政府</p></body></html>"
    )
    detail = parse_detail(html, BASE, {})
    assert detail.title == "关于调整特困供养标准的通知"
    assert detail.meta["publisher"] == "六祖镇人民政府"  # what the page shows
    assert detail.meta["published"] == "2026-10-15 09:30"
    assert (detail.meta["column"], detail.meta["keywords"]) == ("通知公告", "特困,供养")


def test_body_tables_are_not_metadata() -> None:
    html = wrap(
        "<p>索引号：X-2026-1</p><p>文号：</p></div><div class='con'><table><tr><td>名称</td>"
        "<td>金额</td></tr><tr><td>道路维修</td><td>12000</td></tr></table><p>资金来源：上级补助</p>"
    )
    meta = parse_detail(html, BASE, {}).meta
    assert meta == {"index_no": "X-2026-1"}


def test_a_label_without_its_value_takes_nothing_from_the_text_below() -> None:
    html = "<div><ul><li><b>发文字号：</b><span></span></li></ul></div><div><p>正文第一段</p></div>"
    assert "doc_no" not in parse_detail(html, BASE, {}).meta


def test_several_pairs_in_one_line() -> None:
    pairs, dangling = pairs_in_line("索引号：A-1 发布机构：某镇 发布日期：")
    assert pairs == [("index_no", "A-1 "), ("publisher", "某镇 ")]
    assert dangling == "published"


def test_the_pages_own_category_wins_over_the_column_hint() -> None:
    detail = parse_detail(wrap("<p>主题分类：财政预算</p>"), BASE, {})
    fields = item_fields(Entry(key="k", url=BASE, category=None), detail, "通知公告")
    assert fields.category == "财政预算"
    plain = parse_detail(wrap("<p>发布机构：某镇</p>"), BASE, {})
    assert item_fields(Entry(key="k", url=BASE), plain, "通知公告").category == "通知公告"
    column_only = parse_detail(
        '<html><head><meta name="ColumnName" content="村务公开"></head><body></body></html>',
        BASE,
        {},
    )
    assert item_fields(Entry(key="k", url=BASE), column_only, None).category == "村务公开"


def test_title_without_the_site_name() -> None:
    title = "关于开展人居环境整治的通知_六祖镇_新兴县人民政府"
    html = f"<html><head><title>{title}</title></head><body></body></html>"
    assert parse_detail(html, BASE, {}).title == "关于开展人居环境整治的通知"


@pytest.mark.parametrize("empty", ["无", "——", "-", "/", "暂无"])
def test_a_field_printed_empty_has_no_value(empty: str) -> None:
    meta = parse_detail(wrap(f"<p>索引号：X-1</p><p>发文字号：{empty}</p>"), BASE, {}).meta
    assert meta == {"index_no": "X-1"}
