"""``monitor discover``: a unit's disclosure columns found from its site, as feeds.

From a unit's home page or a county platform's column page, the links named like
disclosure columns (政务公开, 村务公开, 居务公开, 党务公开, 财务公开, 信息公开目录,
通知公告, 法定主动公开内容 …), the links under a heading of that kind, and the
feeds the page announces (``<link rel="alternate">``, RSS and JSON links) are
candidates; same-site links only. Each candidate is read: a column that holds a
list (found with no selectors, see ``monitor.parse.structure``), a feed or a JSON
list becomes a feed row; a hub page with no list of its own (a 政务公开 page that
links its columns) is searched one level further. The rows are what ``monitor
feeds import`` takes as they are.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from monitor.crawl.reading import guess_kind
from monitor.fetch import OK, Fetcher, Response, UndecodableBody, decode_body
from monitor.parse import ParseError, parser_for
from monitor.parse.markup import absolute, html_document, same_site
from monitor.settings import Settings

# Names of disclosure columns (a link's text containing one is a candidate).
COLUMN_WORDS = (
    "政务公开", "村务公开", "居务公开", "党务公开", "财务公开", "三务公开", "社区公开",
    "信息公开", "政府信息公开", "信息公开目录", "法定主动公开", "主动公开", "依申请公开",
    "通知公告", "公示公告", "公告公示", "工作动态", "政务动态", "政策文件", "规范性文件",
    "财政信息", "财政预决算", "预决算", "惠民政策", "惠民补贴", "征地补偿", "重大决策",
    "村务监督", "工程项目", "人事信息", "规划计划", "年度报告",
)  # fmt: skip
# Hub names: pages that gather columns rather than being one; never a category.
HUB_WORDS = ("政务公开", "信息公开", "政府信息公开", "信息公开目录", "法定主动公开内容", "三务公开")
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
_FEED_HREF = re.compile(r"(?:rss|atom|feed)[\w-]*(?:\.xml)?$|\.(?:rss|xml)$", re.IGNORECASE)
_SKIP_HREF = re.compile(r"\.(?:pdf|docx?|xlsx?|wps|zip|rar|jpg|png|gif)$", re.IGNORECASE)
MAX_CANDIDATES = 80


@dataclass
class Candidate:
    url: str
    name: str
    via: str  # column | heading | feed | json


@dataclass
class Proposal:
    url: str
    kind: str
    name: str
    category: str | None
    entries: int
    confidence: float | None = None
    structure: dict[str, Any] | None = None
    note: str | None = None

    def feed_row(self, unit_code: str | None) -> dict[str, Any]:
        row: dict[str, Any] = {}
        if unit_code:
            row["unit_code"] = unit_code
        row.update(url=self.url, kind=self.kind, category=self.category, options={})
        return row


@dataclass
class Discovery:
    start: str
    proposals: list[Proposal] = field(default_factory=list)
    rejected: list[dict[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @staticmethod
    def _row(p: Proposal, unit_code: str | None) -> dict[str, Any]:
        extra = {"name": p.name, "entries": p.entries, "confidence": p.confidence}
        return {**p.feed_row(unit_code), **extra, "structure": p.structure, "note": p.note}

    def as_dict(self, unit_code: str | None) -> dict[str, Any]:
        return {
            "start": self.start,
            "unit_code": unit_code,
            "feeds": [
                {
                    **p.feed_row(unit_code),
                    "name": p.name,
                    "entries": p.entries,
                    "confidence": p.confidence,
                    "structure": p.structure,
                    "note": p.note,
                }
                for p in self.proposals
            ],
            "rejected": self.rejected,
            "errors": self.errors,
        }


def _name(link: Any) -> str:
    text = " ".join(link.text_content().split())
    return text or " ".join((link.get("title") or "").split())


def _column_word(text: str) -> str | None:
    return next((w for w in COLUMN_WORDS if w in text), None) if len(text) <= 20 else None


def _under_heading(link: Any) -> bool:
    """A link in a box whose heading names a disclosure section (a 政务公开 box whose
    links are its columns: 工作动态, 政策文件 …). The box is a near ancestor, not the
    page: navigation and footers are never columns by position."""
    node = link.getparent()
    for _ in range(3):
        if node is None or node.tag in ("body", "html"):
            return False
        if node.tag in ("nav", "header", "footer") or sum(1 for _ in node.iter("a")) > 30:
            return False
        for heading in node.iter("h1", "h2", "h3", "h4", "h5", "dt", "caption"):
            text = " ".join(heading.text_content().split())
            named = any(w in text for w in ("公开", "公示")) and len(text) <= 12
            if named and link not in heading.iter("a"):
                return True
        node = node.getparent()
    return False


def candidates(text: str, base_url: str) -> list[Candidate]:
    """Disclosure columns and feeds linked from a page (same site, in page order)."""
    doc = html_document(text)
    found: dict[str, Candidate] = {}
    for link in doc.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        if "alternate" in rel and (link.get("type") or "").lower() in _FEED_TYPES:
            url = absolute(base_url, link.get("href"))
            if url and same_site(url, base_url):
                found.setdefault(url, Candidate(url, link.get("title") or "", "feed"))
    for link in doc.iter("a"):
        url = absolute(base_url, link.get("href"))
        if not url or not same_site(url, base_url) or _SKIP_HREF.search(url):
            continue
        if url.rstrip("/") == base_url.split("#")[0].rstrip("/"):
            continue
        name = _name(link)
        path = url.split("?", 1)[0]
        if _FEED_HREF.search(path):
            found.setdefault(url, Candidate(url, name, "feed"))
        elif path.lower().endswith(".json"):
            found.setdefault(url, Candidate(url, name, "json"))
        elif _column_word(name):
            found.setdefault(url, Candidate(url, name, "column"))
        elif 2 <= len(name) <= 12 and _under_heading(link):
            found.setdefault(url, Candidate(url, name, "heading"))
    return list(found.values())[:MAX_CANDIDATES]


def _category(name: str, kind: str) -> str | None:
    if kind in ("rss", "atom") or not name or name.upper() in ("RSS", "ATOM"):
        return None
    if any(name == w or (name.endswith(w) and len(name) <= len(w) + 2) for w in HUB_WORDS):
        return None
    if sum(kind in name for kind in ("党务", "村务", "居务", "财务", "政务", "事务")) > 1:
        return None  # a list of several kinds (党务村务财务公开): its items name their own
    return name[:60]


def judge(candidate: Candidate, response: Response) -> tuple[Proposal | None, str | None, bool]:
    """A candidate's page read: (the feed it makes, why not, whether it is a hub)."""
    if response.outcome != OK:
        return None, f"{response.outcome}: {response.error}", False
    try:
        text = decode_body(response.body, response.content_type).text
    except UndecodableBody as exc:
        return None, str(exc), False
    kind = guess_kind(response)
    try:
        page = parser_for(kind)(text, response.final_url, {})
    except ParseError as exc:
        return None, str(exc), False
    confidence = None
    if page.structure:
        confidence = page.structure.get("confidence")
    if page.no_list:
        return None, "no list found", kind == "html"
    if not page.entries and not page.empty and not _empty_json(kind, text):
        return None, "no entries", False
    url = response.url
    return (
        Proposal(
            url=url,
            kind=kind,
            name=candidate.name,
            category=_category(candidate.name, kind),
            entries=len(page.entries),
            confidence=confidence,
            structure=page.structure,
            note="the list is empty today" if not page.entries else None,
        ),
        None,
        False,
    )


def _empty_json(kind: str, text: str) -> bool:
    if kind != "json":
        return False
    import json

    try:
        data = json.loads(text)
    except ValueError:
        return False
    values = data.values() if isinstance(data, dict) else [data]
    return any(isinstance(v, list) and not v for v in values)


async def _discover(settings: Settings, url: str) -> Discovery:
    found = Discovery(url)
    async with Fetcher(settings) as fetcher:
        start = await fetcher.fetch(url)
        if start.outcome != OK:
            found.errors.append(f"{url}: {start.outcome}: {start.error}")
            return found
        try:
            text = decode_body(start.body, start.content_type).text
            todo = candidates(text, start.final_url)
        except (UndecodableBody, ParseError) as exc:
            found.errors.append(f"{url}: {exc}")
            return found
        if not todo:
            # A column page given as the start: it may be the feed itself.
            todo = [Candidate(start.final_url, "", "start")]
        seen = {c.url for c in todo} | {start.final_url}
        depth = 0
        while todo and depth < 2:
            responses = await asyncio.gather(*(fetcher.fetch(c.url) for c in todo))
            hubs: list[Candidate] = []
            for candidate, response in zip(todo, responses, strict=True):
                proposal, why, hub = judge(candidate, response)
                if proposal is not None:
                    found.proposals.append(proposal)
                    continue
                found.rejected.append(
                    {"url": candidate.url, "name": candidate.name, "why": why or ""}
                )
                if hub and response.outcome == OK:
                    try:
                        page_text = decode_body(response.body, response.content_type).text
                        more = candidates(page_text, response.final_url)
                    except (UndecodableBody, ParseError):
                        continue
                    for extra in more:
                        if extra.url not in seen and len(seen) < MAX_CANDIDATES:
                            seen.add(extra.url)
                            hubs.append(extra)
            todo, depth = hubs, depth + 1
    return found


def discover(settings: Settings, url: str) -> Discovery:
    """Find the disclosure columns reachable from ``url`` and read each once."""
    return asyncio.run(_discover(settings, url))


def feeds_yaml(found: Discovery, unit_code: str | None) -> str:
    """The proposals as a feeds file for ``monitor feeds import``."""
    lines = [f"# Feeds discovered from {found.start} by `monitor discover`."]
    lines.append("# No options: lists are found on each page; freeze selectors from")
    lines.append("# `monitor inspect URL` into options only where a page needs them.")
    if not unit_code:
        lines.append("# Set unit_code on each feed (or run with --unit CODE) before importing.")
    for proposal in found.proposals:
        if proposal.confidence is not None:
            lines.append(
                f"# {proposal.url}: {proposal.entries} entries, confidence {proposal.confidence}"
            )
    body = yaml.safe_dump(
        {"feeds": [p.feed_row(unit_code) for p in found.proposals]},
        allow_unicode=True,
        sort_keys=False,
    )
    return "\n".join(lines) + "\n" + body
