"""Deterministic disclosure feeds: unit ``uid`` of ``seed`` always renders the same bytes.

Each unit has one channel of its own kind (about 40 % RSS, 30 % Atom, 30 % HTML list
page), 20-60 items, and about 30 % of units are served GBK-encoded. Generation 1 adds
one new item at the top of the 1 % of units chosen by :func:`changes_in_gen1`: that is
what the warm-changed pass finds.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from xml.sax.saxutils import escape, quoteattr

CATEGORIES = ("党务公开", "村务公开", "财务公开", "服务公开")
PATHS = {"rss": "rss.xml", "atom": "atom.xml", "html": "list.html"}
MIME = {"rss": "application/rss+xml", "atom": "application/atom+xml", "html": "text/html"}
CST = timezone(timedelta(hours=8))
# Dates hang off a fixed anchor, never "now", so documents never drift between runs.
ANCHOR = datetime(2026, 11, 20, 17, 30, tzinfo=CST)
# What the farm claims as Last-Modified for generation 0 and 1.
MODIFIED = {0: datetime(2026, 11, 21, tzinfo=UTC), 1: datetime(2026, 11, 28, tzinfo=UTC)}

_TOWNS = ("城关镇", "李家乡", "王庄镇", "东湖街道", "西山乡", "南岭镇", "花桥镇", "白沙乡")
_VILLAGES = ("红星村", "光明村", "和平社区", "幸福村", "团结村", "胜利村", "前进社区", "新民村")
_SUBJECTS = {
    "党务公开": ("党支部{m}月主题党日活动安排", "第{q}季度党费收缴情况公示", "党员发展公示"),
    "村务公开": ("{y}年{m}月村务公开", "低保户名单公示（第{q}批）", "村民代表会议决议公告"),
    "财务公开": ("{y}年{m}月财务收支明细", "集体资产清查结果公示", "第{q}季度专项资金使用情况"),
    "服务公开": ("便民服务中心办事指南", "社保卡办理流程及所需材料", "养老认证集中办理时间的通告"),
}
_SENTENCES = (
    "根据《村务公开条例》有关规定，现将有关情况公示如下。",
    "公示期为七个工作日，如有异议请在公示期内向镇纪委反映。",
    "本期收入合计{a}元，支出合计{b}元。",
    "经村民代表会议讨论通过，报镇人民政府审核同意。",
    "请广大群众积极参与监督，共同推进基层治理。",
)


@dataclass(frozen=True)
class Entry:
    title: str
    link: str
    guid: str
    category: str
    published: datetime
    summary: str


@dataclass(frozen=True)
class Document:
    """One feed as served: its bytes and the validators of those bytes."""

    uid: int
    kind: str
    gbk: bool
    items: int
    body: bytes
    etag: str
    last_modified: str

    @property
    def path(self) -> str:
        return feed_path(self.uid, self.kind)

    @property
    def content_type(self) -> str:
        return f"{MIME[self.kind]}; charset={'GBK' if self.gbk else 'UTF-8'}"


def feed_path(uid: int, kind: str) -> str:
    return f"/u/{uid}/{PATHS[kind]}"


def unit_kind(seed: int, uid: int) -> tuple[str, bool]:
    """The unit's channel kind and whether it is served GBK."""
    r = random.Random(f"kind:{seed}:{uid}")
    x = r.random()
    kind = "rss" if x < 0.4 else "atom" if x < 0.7 else "html"
    return kind, r.random() < 0.3


def changes_in_gen1(seed: int, uid: int, fraction: float = 0.01) -> bool:
    """Whether this unit gains an item in generation 1 (about ``fraction`` of units)."""
    h = int.from_bytes(hashlib.blake2b(f"chg:{seed}:{uid}".encode(), digest_size=4).digest())
    return h < fraction * 2**32


def entries(seed: int, uid: int, base: str, gen: int = 0, fraction: float = 0.01) -> list[Entry]:
    r = random.Random(f"items:{seed}:{uid}")
    town, village = r.choice(_TOWNS), r.choice(_VILLAGES)
    n = r.randint(20, 60)
    when = ANCHOR - timedelta(minutes=r.randint(0, 4320))
    out: list[Entry] = []
    for i in range(n):
        cat = r.choice(CATEGORIES)
        y, m, q = when.year, when.month, (when.month - 1) // 3 + 1
        title = town + village + r.choice(_SUBJECTS[cat]).format(y=y, m=m, q=q)
        a, b = r.randint(1000, 999999), r.randint(1000, 999999)
        summary = "".join(s.format(a=a, b=b) for s in r.sample(_SENTENCES, 2))
        art = uid * 1000 + (n - i)
        out.append(_entry(base, uid, art, title, cat, when, summary))
        when -= timedelta(minutes=r.randint(60, 6 * 24 * 60))
    if gen >= 1 and changes_in_gen1(seed, uid, fraction):
        fresh = ANCHOR + timedelta(days=7)
        title = f"{town}{village}关于{fresh.month}月新增事项的公示"
        # A mobile number in the text: the privacy rule's finding is what the alert-latency
        # figure waits for at the webhook.
        exposed = _SENTENCES[0] + f"联系人：王某某，手机1390731{uid % 10000:04d}。"
        out.insert(0, _entry(base, uid, uid * 1000 + 999, title, "村务公开", fresh, exposed))
    return out


def _entry(base: str, uid: int, art: int, title: str, cat: str, when: datetime, s: str) -> Entry:
    link = f"{base}/u/{uid}/a/{art}.html"
    return Entry(title, link, f"urn:farm:u{uid}:a{art}", cat, when, s)


def render(seed: int, uid: int, base: str, gen: int = 0, fraction: float = 0.01) -> Document:
    kind, gbk = unit_kind(seed, uid)
    items = entries(seed, uid, base, gen, fraction)
    name = f"第{uid}号单位"
    text = _RENDER[kind](uid, name, items, "GBK" if gbk else "UTF-8", base)
    body = text.encode("gbk" if gbk else "utf-8", errors="xmlcharrefreplace")
    etag = '"' + hashlib.blake2b(body, digest_size=10).hexdigest() + '"'
    changed = gen >= 1 and changes_in_gen1(seed, uid, fraction)
    modified = format_datetime(MODIFIED[1 if changed else 0], usegmt=True)
    return Document(uid, kind, gbk, len(items), body, etag, modified)


def _rss(uid: int, name: str, items: list[Entry], charset: str, base: str) -> str:
    parts = [
        f'<?xml version="1.0" encoding="{charset}"?>\n<rss version="2.0">\n<channel>\n'
        f"<title>{name}政务公开</title>\n<link>{base}/u/{uid}/</link>\n"
        f"<description>{name}党务、村务、财务公开</description>\n<language>zh-cn</language>\n"
    ]
    for e in items:
        parts.append(
            f"<item>\n<title>{escape(e.title)}</title>\n<link>{e.link}</link>\n"
            f"<description><![CDATA[<p>{e.summary}</p>]]></description>\n"
            f"<category>{e.category}</category>\n"
            f"<pubDate>{format_datetime(e.published)}</pubDate>\n"
            f'<guid isPermaLink="false">{e.guid}</guid>\n</item>\n'
        )
    parts.append("</channel>\n</rss>\n")
    return "".join(parts)


def _atom(uid: int, name: str, items: list[Entry], charset: str, base: str) -> str:
    parts = [
        f'<?xml version="1.0" encoding="{charset}"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">\n'
        f"<title>{name}政务公开</title>\n"
        f'<link rel="alternate" href="{base}/u/{uid}/"/>\n<id>urn:farm:u{uid}</id>\n'
        f"<updated>{items[0].published.isoformat()}</updated>\n"
    ]
    for e in items:
        stamp = e.published.isoformat()
        parts.append(
            f'<entry>\n<title>{escape(e.title)}</title>\n<link rel="alternate" href="{e.link}"/>\n'
            f"<id>{e.guid}</id>\n<published>{stamp}</published>\n<updated>{stamp}</updated>\n"
            f'<category term="{e.category}"/>\n'
            f'<summary type="html">{escape("<p>" + e.summary + "</p>")}</summary>\n</entry>\n'
        )
    parts.append("</feed>\n")
    return "".join(parts)


def _html(uid: int, name: str, items: list[Entry], charset: str, base: str) -> str:
    parts = [
        "<!DOCTYPE html>\n<html>\n<head>\n"
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset.lower()}">\n'
        f"<title>{name}-政务公开</title>\n</head>\n<body>\n"
        f'<div class="header">{name}人民政府</div>\n'
        '<div class="nav"><a href="/">首页</a> <a href="/col/1.html">政务公开</a></div>\n'
        '<div class="main">\n<ul class="news-list">\n'
    ]
    for e in items:
        parts.append(
            f'<li><span class="cat">{e.category}</span>'
            f"<a href={quoteattr(e.link)} title={quoteattr(e.title)}>{escape(e.title)}</a>"
            f'<span class="date">{e.published.date().isoformat()}</span></li>\n'
        )
    parts.append('</ul>\n<div class="page">共1页</div>\n</div>\n</body>\n</html>\n')
    return "".join(parts)


_RENDER = {"rss": _rss, "atom": _atom, "html": _html}

# Feed.options of an html channel, for our crawler (CSS per the crawl contract).
HTML_OPTIONS = {
    "item": "ul.news-list > li",
    "link": "a",
    "date": "span.date",
    "category": "span.cat",
    "detail": False,
}


def detail_page(uid: int, art: int) -> bytes:
    """A small article page with the standard metadata table (only if a crawler asks)."""
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>详情</title></head><body>"
        "<table class='meta'><tr><th>索引号</th><td>"
        f"11000000MB0000000X/2026-{art:05d}</td></tr><tr><th>发布机构</th><td>第{uid}号单位"
        "</td></tr><tr><th>成文日期</th><td>2026-11-18</td></tr><tr><th>发布日期</th>"
        "<td>2026-11-20</td></tr></table><div class='content'><p>正文。</p></div></body></html>"
    ).encode()
