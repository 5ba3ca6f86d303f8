"""The sample site's pages as text: list pages, detail pages, RSS and the requests JSON.

Pure functions of a unit and the simulated day; the server encodes and sends them.
The shapes follow real county platforms (gov.cn-style metadata tables, ``下一页``
pagination), with the small variations real sites show.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from email.utils import format_datetime
from html import escape
from zoneinfo import ZoneInfo

from monitor.demo.files import text_pdf
from monitor.demo.model import PAGE_SIZE, TOWN_COLUMNS, DemoItem, DemoUnit, District

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Label variants per unit style: (index, category, publisher, formed, doc, published).
_LABELS = (
    ("索引号", "信息分类", "发布机构", "成文日期", "文号", "发布日期"),
    ("索引号", "主题分类", "发文机关", "成文日期", "发文字号", "发布日期"),
    ("索引号", "信息分类", "发布机构", "成文日期", "发文字号", "发布日期"),
)


def label(text: str, style: int) -> str:
    if style == 1:
        return " ".join(text) + "："
    if style == 2:
        return "\u3000".join(text) + "："
    return text + "："


def cn_date(day: date, style: int) -> str:
    return f"{day.year}年{day.month:02d}月{day.day:02d}日" if style == 0 else day.isoformat()


def http_date(day: date) -> str:
    """Midnight of a local day as an HTTP date (Last-Modified)."""
    return format_datetime(datetime.combine(day, time(0), SHANGHAI).astimezone(UTC), usegmt=True)


def _head(unit: DemoUnit, title: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head>'
        f'<meta charset="{unit.charset}">'
        f"<title>{escape(title)}</title></head><body>\n"
        f'<div class="crumb">首页 &gt; 政务公开 &gt; {escape(unit.name)}</div>\n'
    )


def list_pages(unit: DemoUnit, day: date, column: str | None = None) -> list[list[DemoItem]]:
    items = unit.visible_items(day, column)
    return [items[i : i + PAGE_SIZE] for i in range(0, len(items), PAGE_SIZE)] or [[]]


def list_page(unit: DemoUnit, day: date, page: int, column: str | None = None) -> str | None:
    """Page ``page`` (1-based) of a unit's list, or of one column; None past the end."""
    pages = list_pages(unit, day, column)
    if not 1 <= page <= len(pages):
        return None
    heading = f"{unit.name} {TOWN_COLUMNS[column]}" if column else f"{unit.name} 信息公开"
    rows = "\n".join(
        f'<li><a href="{item.path}" title="{escape(item.title_on(day))}">'
        f'{escape(item.title_on(day))}</a><span class="date">{item.published.isoformat()}'
        "</span></li>"
        for item in pages[page - 1]
    )
    pager = f"<span>共{sum(len(p) for p in pages)}条 第{page}/{len(pages)}页</span>"
    if page > 1:
        prev = "list.html" if page == 2 else f"list_{page - 1}.html"
        pager += f' <a class="prev" href="{prev}">上一页</a>'
    if page < len(pages):
        pager += f' <a class="next" href="list_{page + 1}.html">下一页</a>'
    return (
        _head(unit, heading)
        + f'<h2>{escape(heading)}</h2>\n<ul class="list">\n{rows}\n</ul>\n'
        + f'<div class="pager">{pager}</div>\n</body></html>\n'
    )


def detail_page(unit: DemoUnit, item: DemoItem, day: date) -> str:
    title = item.title_on(day)
    labels = _LABELS[unit.label_style]
    style = unit.label_style

    def cell(name: str, value: str) -> str:
        return f"<td>{label(name, style)}</td><td>{escape(value)}</td>"

    first = cell(labels[0], item.index_no) if item.index_no else ""
    rows = [
        f"<tr>{first}{cell(labels[1], item.category)}</tr>",
        f"<tr>{cell(labels[2], item.publisher)}"
        f"{cell(labels[3], cn_date(item.formed, unit.date_style))}</tr>",
        f"<tr>{cell(labels[4], item.doc_no or '')}"
        f"{cell(labels[5], cn_date(item.published, unit.date_style))}</tr>",
    ]
    if item.doc_no:
        rows.append(f"<tr>{cell('有效性', '有效')}</tr>")
    paragraphs = "".join(f"<p>{escape(line)}</p>" for line in item.text_on(day).split("\n"))
    if item.table:
        cells = (
            "<tr>" + "".join(f"<td>{escape(value)}</td>" for value in row) + "</tr>"
            for row in item.table
        )
        paragraphs += f"<table>{''.join(cells)}</table>"
    attachments = ""
    if item.attachments:
        links = "".join(
            f'<li><a href="{a.path}">{escape(a.name)}</a></li>' for a in item.attachments
        )
        attachments = f'<div class="attachments">附件：<ul>{links}</ul></div>\n'
    return (
        _head(unit, title)
        + f'<h1 class="title">{escape(title)}</h1>\n'
        + '<table class="xxgk">\n'
        + "\n".join(rows)
        + "\n</table>\n"
        + f'<div class="content">{paragraphs}</div>\n'
        + attachments
        + "</body></html>\n"
    )


def rss_feed(unit: DemoUnit, day: date, base_url: str) -> str:
    items = unit.visible_items(day)
    built = max((i.changed_on(day) for i in unit.items if i.visible_on(day)), default=day)
    entries = "\n".join(
        "<item>"
        f"<title>{escape(i.title_on(day))}</title>"
        f"<link>{base_url}{i.path}</link>"
        f'<guid isPermaLink="true">{base_url}{i.path}</guid>'
        f"<pubDate>{format_datetime(datetime.combine(i.published, time(9), SHANGHAI))}</pubDate>"
        f"<category>{escape(i.category)}</category>"
        f"<description>{escape(i.text_on(day).split(chr(10))[0])}</description>"
        "</item>"
        for i in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{escape(unit.name)}三务公开</title>"
        f"<link>{base_url}/u/{unit.code}/rss.xml</link>"
        f"<description>{escape(unit.name)}党务、村务、财务公开</description>"
        f"<language>zh-cn</language>"
        f"<lastBuildDate>{format_datetime(datetime.combine(built, time(9), SHANGHAI))}"
        "</lastBuildDate>\n"
        f"{entries}\n</channel></rss>\n"
    )


def requests_json(unit: DemoUnit, day: date) -> str:
    data = [
        {
            "id": r.id,
            "title": r.title,
            "received": r.received.isoformat(),
            "answered": r.answered.isoformat() if r.answered and r.answered <= day else None,
            "extended": r.extended,
            "handler": r.handler,
            "index_no": r.index_no,
        }
        for r in sorted(unit.requests, key=lambda r: r.received, reverse=True)
        if r.received <= day
    ]
    return json.dumps({"total": len(data), "data": data}, ensure_ascii=False, indent=1)


def requests_changed_on(unit: DemoUnit, day: date) -> date | None:
    events = [d for r in unit.requests for d in (r.received, r.answered) if d and d <= day]
    return max(events, default=None)


def scope_changed_on(unit: DemoUnit, day: date, column: str | None = None) -> date | None:
    """The last day by ``day`` on which a list (or column) changed."""
    events = [
        i.changed_on(day)
        for i in unit.items
        if (column is None or i.column == column) and (i.visible_from or i.published) <= day
    ]
    return max(events, default=None)


def home_page(unit: DemoUnit, day: date) -> str:
    """A unit's home on the county platform: header, navigation, the disclosure box
    linking its columns (what ``monitor discover`` starts from), a footer."""
    if unit.channel == "columns":
        heading = "政务公开"
        links = [(f"{slug}/list.html", name) for slug, name in TOWN_COLUMNS.items()]
        links.append(("requests.json", "依申请公开"))
        alternate = ""
    elif unit.channel == "rss":
        heading = "三务公开"
        links = [("rss.xml", "RSS订阅")]
        alternate = (
            f'<link rel="alternate" type="application/rss+xml" title="{escape(unit.name)}三务公开"'
            ' href="rss.xml">'
        )
    else:
        heading = "三务公开"
        links = [("list.html", "党务村务财务公开")]
        alternate = ""
    column_links = "".join(f'<li><a href="{href}">{name}</a></li>' for href, name in links)
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head>'
        f'<meta charset="{unit.charset}"><title>{escape(unit.name)}_云城区人民政府</title>'
        f"{alternate}</head><body>\n"
        '<div class="header"><div class="logo">云城区人民政府</div>'
        '<ul class="nav"><li><a href="/">首页</a></li><li><a href="/u/'
        f'{unit.code}/">{escape(unit.name)}</a></li><li><a href="/bsfw/">办事服务</a></li>'
        '<li><a href="/hdjl/">互动交流</a></li></ul></div>\n'
        f'<div class="crumb">当前位置：首页 &gt; {escape(unit.name)}</div>\n'
        f'<div class="box zwgk"><h3>{heading}</h3><ul>{column_links}</ul></div>\n'
        f'<div class="box intro"><h3>{escape(unit.name)}简介</h3>'
        f"<p>模拟日期：{day.isoformat()}</p></div>\n"
        '<div class="footer"><a href="/wzdt/">网站地图</a> | <a href="/lxwm/">联系我们</a>'
        "<p>云城区人民政府办公室主办（示例站点）</p></div>\n</body></html>\n"
    )


def index_page(district: District, day: date) -> str:
    rows = []
    for unit in sorted(district.units.values(), key=lambda u: u.code):
        if unit.level == "county":
            continue
        if unit.channel == "columns":
            links = " ".join(
                f'<a href="/u/{unit.code}/{slug}/list.html">{name}</a>'
                for slug, name in TOWN_COLUMNS.items()
            )
            links += f' <a href="/u/{unit.code}/requests.json">依申请公开</a>'
        elif unit.channel == "rss":
            links = f'<a href="/u/{unit.code}/rss.xml">RSS</a>'
        else:
            links = f'<a href="/u/{unit.code}/list.html">信息公开</a>'
        home = f'<a class="home" href="/u/{unit.code}/">{escape(unit.name)}</a>'
        rows.append(f"<li>{unit.code} {home} {links}</li>")
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        "<title>云城区基层政务公开（示例站点）</title></head><body>\n"
        f"<h1>云城区基层政务公开（示例站点）</h1><p>模拟日期：{day.isoformat()}</p>\n"
        f"<ul>\n{chr(10).join(rows)}\n</ul>\n</body></html>\n"
    )


NOT_FOUND_PAGE = (
    '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>404</title>'
    "</head><body><h1>404 页面不存在</h1><p>您访问的页面不存在或已被删除。</p></body></html>\n"
)
SERVER_ERROR_PAGE = (
    '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>500</title></head>'
    "<body><h1>500 Internal Server Error</h1></body></html>\n"
)
# The smallest file a PDF reader opens; enough for an attachment check.
PDF_BYTES = text_pdf(["Attachment of a public disclosure."])
