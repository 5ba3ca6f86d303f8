"""Finding the list on a list page without selectors.

County platforms print their lists as a run of sibling blocks (``li``, ``tr``,
``div``, ``dd`` …), each holding one article link and usually a date. The finder
scores every group of same-tag siblings that hold links — how many there are, how
long their link texts are, how many carry a date, how many link to article-like
URLs (``t20261015_1101.html``, ``art_1234_567890.html``, ``content_…``) — and
keeps the best, away from navigation, footers and "more" links. The result is
given as the CSS selectors an operator could freeze into the feed's options, with
a confidence in [0, 1]: no guess is ever silent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from monitor.parse.markup import absolute, selector

# A printed date, as list rows show it.
DATE_IN_TEXT = re.compile(
    r"(?<!\d)\d{4}\s*[年\-/.]\s*\d{1,2}\s*[月\-/.]\s*\d{1,2}\s*日?"
    r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?(?!\d)"
)
_DATE_ONLY = re.compile(r"^[\[\(（【]?\s*" + DATE_IN_TEXT.pattern + r"\s*[\]\)）】]?$")
# Link targets that look like one article of a content platform.
ARTICLE_URL = re.compile(
    r"(?:/t\d{8}_\d+\.s?html?$"  # TRS WCM
    r"|/art_\d+_\d+\.s?html?$"  # Hanweb jcms
    r"|content_\d+"  # gov.cn and many CMSs
    r"|/\d{6,8}/[\w-]+\.s?html?$"  # dated folder
    r"|/\d{4}/\d{1,2}/\d{1,2}/"  # Hanweb art/2026/10/15/
    r"|/\d{4}-\d{2}/\d{2}/"  # 2026-10/15/
    r"|(?:info|detail|article|art|show|view|content|news|zwgk|xxgk|gk)\w*/(?:[\w/-]*/)?\d{3,}"
    r"|[?&](?:id|aid|articleid|infoid|docid|contentid|newsid|itemid)=\w+"
    r"|/\d{4,}\.s?html?$)",
    re.IGNORECASE,
)
# Words of navigation and "more" links, never the title of a disclosure.
_NAV_TEXT = re.compile(
    r"^(?:更多|更多>+|more|>+|»|详情|详细|查看|查看详情|阅读全文|首页|上一页|下一页|尾页|末页|"
    r"返回|返回首页|打印|关闭|收藏|分享|登录|注册|网站地图|联系我们|English)\W*$",
    re.IGNORECASE,
)
_NAV_CLASS = re.compile(
    r"(?:^|[\s_-])(?:nav|navs|navbar|menu|menus|footer|foot|header|top|topbar|crumb|crumbs|"
    r"breadcrumb|position|location|weizhi|dqwz|yqlj|friend|links|banner|tabs?|pager|pages|"
    r"pagination|page|fenye|fy|share|copyright|bottom|sitemap|lang)(?:$|[\s_-])",
    re.IGNORECASE,
)
_SIDE_CLASS = re.compile(
    r"(?:^|[\s_-])(?:side|sidebar|aside|left|hot|rank|tj|tuijian|related|xgwz|xgxx)(?:$|[\s_-])",
    re.IGNORECASE,
)
_MAIN_CLASS = re.compile(
    r"(?:list|lb|news|xxgk|gkml|zwgk|article|content|main|con|result|data|items?)",
    re.IGNORECASE,
)
MIN_SCORE = 0.35
_NAV_TAGS = frozenset({"nav", "header", "footer", "select", "option", "form", "head"})
_SKIP_TAGS = frozenset({"script", "style", "noscript", "head", "title", "select", "option"})
_MEMBER_TAGS = frozenset(
    {"li", "tr", "div", "dd", "dt", "p", "article", "section", "table", "ul", "dl", "span", "a",
     "h2", "h3", "h4", "h5", "tbody"}
)  # fmt: skip
_LIST_PARENTS = frozenset({"ul", "ol", "table", "tbody", "dl"})
_CSS_IDENT = re.compile(r"^-?[_a-zA-Z][_a-zA-Z0-9-]*$")
EMPTY_MARKERS = (
    "暂无信息",
    "暂无数据",
    "暂无内容",
    "暂无记录",
    "没有相关信息",
    "没有记录",
    "暂无相关",
)


@dataclass(slots=True)
class Row:
    """One block of a candidate list: its element and the link taken as the entry's."""

    node: Any
    link: Any
    url: str
    title: str
    date: str | None
    article: bool


@dataclass(slots=True)
class ListStructure:
    """The list found on a page, as selectors an operator can freeze into a feed."""

    item: str
    link: str
    date: str | None
    confidence: float
    rows: list[Row] = field(default_factory=list, repr=False)
    score: float = 0.0

    def options(self) -> dict[str, str]:
        found = {"item": self.item, "link": self.link}
        if self.date:
            found["date"] = self.date
        return found

    def as_dict(self) -> dict[str, Any]:
        return {**self.options(), "confidence": self.confidence, "entries": len(self.rows)}


def _classes(node: Any) -> list[str]:
    return [c for c in (node.get("class") or "").split() if _CSS_IDENT.match(c)]


def _marks(node: Any) -> str:
    return f"{node.get('id') or ''} {node.get('class') or ''}"


def _link_title(link: Any) -> str:
    title = (link.get("title") or "").strip()
    if title:
        return " ".join(title.split())
    return " ".join(link.text_content().split())


def _usable_links(node: Any, base_url: str) -> Iterator[tuple[Any, str]]:
    links = [node] if node.tag == "a" else []
    links.extend(node.iter("a"))
    for link in links:
        url = absolute(base_url, link.get("href"))
        if url is not None:
            yield link, url


MAX_ROW_LINKS = 8  # an entry holds a link or a few (category, attachment); a menu many


def _row(node: Any, base_url: str) -> Row | None:
    best: tuple[float, Any, str, str] | None = None
    for count, _ in enumerate(node.iter("a"), 1):
        if count > MAX_ROW_LINKS:
            return None  # a container of blocks, not one block
    for link, url in _usable_links(node, base_url):
        title = _link_title(link)
        if not title or _NAV_TEXT.match(title) or _DATE_ONLY.match(title):
            continue
        path = urlsplit(url).path
        weight = min(len(title), 40) + (15 if ARTICLE_URL.search(url) else 0)
        if path.endswith(("/", "index.html", "index.htm", "index.shtml")):
            weight -= 8  # a column link beside the article's
        if best is None or weight > best[0]:
            best = (weight, link, url, title)
    if best is None:
        return None
    _, link, url, title = best
    rest = " ".join(node.text_content().split()).replace(" ".join(title.split()), " ")
    match = DATE_IN_TEXT.search(rest) or edge_date(title)
    return Row(
        node, link, url, title, match.group(0) if match else None, bool(ARTICLE_URL.search(url))
    )


def edge_date(title: str) -> re.Match[str] | None:
    """A date printed at the start or the end of a link's text (``标题 2026-10-15``),
    not one inside the title's words (``关于2026年10月15日停水的通知``)."""
    for match in DATE_IN_TEXT.finditer(title):
        before, after = title[: match.start()], title[match.end() :]
        if not before.strip(" []()（）【】·") or not after.strip(" []()（）【】"):
            return match
    return None


def _penalty(node: Any, stop: Any) -> float:
    """How much a block's place (navigation, footer, sidebar) argues against it."""
    factor = 1.0
    depth = 0
    while node is not None and node is not stop and depth < 12:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in _NAV_TAGS:
            return 0.05
        marks = _marks(node)
        if _NAV_CLASS.search(marks):
            factor = min(factor, 0.15)
        elif _SIDE_CLASS.search(marks):
            factor = min(factor, 0.5)
        elif _MAIN_CLASS.search(marks):
            factor = max(factor, 1.0) * (1.15 if depth < 4 else 1.0)
        node = node.getparent()
        depth += 1
    return factor


@dataclass(slots=True)
class _Candidate:
    parents: list[Any]
    tag: str
    members: list[Any]
    rows: list[Row]
    score: float = 0.0
    features: dict[str, float] = field(default_factory=dict)


def _groups(doc: Any) -> Iterator[tuple[Any, str, list[Any]]]:
    for parent in doc.iter():
        if not isinstance(parent.tag, str) or parent.tag in _SKIP_TAGS:
            continue
        by_tag: dict[str, list[Any]] = {}
        for child in parent:
            tag = child.tag
            if isinstance(tag, str) and tag in _MEMBER_TAGS:
                by_tag.setdefault(tag, []).append(child)
        for tag, members in by_tag.items():
            yield parent, tag, members


def _inside_skipped(node: Any) -> bool:
    while node is not None:
        if isinstance(node.tag, str) and node.tag in _SKIP_TAGS:
            return True
        node = node.getparent()
    return False


def _candidates(doc: Any, base_url: str) -> list[_Candidate]:
    found: dict[tuple[int, str, str, str], _Candidate] = {}
    for parent, tag, members in _groups(doc):
        lone = len(members) == 1 and parent.tag not in _LIST_PARENTS
        if lone and not _MAIN_CLASS.search(_marks(parent)):
            # A lone block is a list of one only inside a list's container; else it
            # is a part of a row (the link inside an li), looked at as that row.
            continue
        rows = [r for r in (_row(m, base_url) for m in members) if r is not None]
        if not rows:
            continue
        # Lists split into several containers of one kind (TRS prints one <ul> per five
        # rows) are one list: grouped by grandparent and the container's own shape.
        grand = parent.getparent()
        key = (
            id(grand) if grand is not None else id(parent),
            parent.tag,
            " ".join(sorted(_classes(parent))),
            tag,
        )
        listlike = any(r.date or r.article for r in rows)
        if grand is None or not listlike or parent.get("id"):
            key = (id(parent), parent.tag, "", tag)
        cand = found.get(key)
        if cand is None:
            found[key] = _Candidate([parent], tag, list(members), rows)
        else:
            cand.parents.append(parent)
            cand.members.extend(members)
            cand.rows.extend(rows)
    return [c for c in found.values() if not _inside_skipped(c.parents[0])]


def _score(cand: _Candidate) -> None:
    rows = cand.rows
    n = len(rows)
    titles = [min(len(r.title), 40) for r in rows]
    avg_title = sum(titles) / n
    dated = sum(1 for r in rows if r.date) / n
    article = sum(1 for r in rows if r.article) / n
    distinct = len({r.url for r in rows}) / n
    linked = n / max(1, len(cand.members))
    # Links inside the row besides the entry's own (a row of a menu has many).
    links_per_row = sum(sum(1 for _ in r.node.iter("a")) for r in rows) / n
    place = min(_penalty(p, None) for p in cand.parents)
    # Short link texts are menus, unless every row carries a date: then they are
    # terse titles (通知1) of a list all the same.
    dated_rows = dated >= 0.8
    short = 0.15 if avg_title < 5 else (0.6 if avg_title < 8 else 1.0)
    if dated_rows:
        short = max(short, 0.6)
    crowd = 1.0 if links_per_row <= 3 else 0.4
    listish = any(p.tag in _LIST_PARENTS or _MAIN_CLASS.search(_marks(p)) for p in cand.parents)
    # A list of one: a dated row, or an undated one in a list's own container (a
    # ``ul``, a ``.list``) whose link is article-like or titled like an article.
    strong = rows[0].article or titles[0] >= 8
    single_ok = (rows[0].date and (strong or listish)) or (listish and strong)
    repeat = n if n > 1 else (0.6 if single_ok else 0)
    cand.score = (
        repeat
        * short
        * max(min(avg_title, 30) / 30, 0.5 if dated_rows else 0.0)
        * (1 + 1.5 * dated)
        * (1 + article)
        * distinct
        * (0.5 + 0.5 * linked)
        * crowd
        * place
    )
    cand.features = {
        "rows": n,
        "title": avg_title,
        "dated": dated,
        "article": article,
        "distinct": distinct,
        "place": place,
    }


def _confidence(best: _Candidate, runner_up: float) -> float:
    f = best.features
    n = f["rows"]
    rep = min(1.0, 0.35 + 0.13 * n) if n > 1 else 0.3
    value = (
        0.35 * rep
        + 0.15 * min(1.0, f["title"] / 10)
        + 0.2 * f["dated"]
        + 0.15 * f["article"]
        + 0.15 * (1 - runner_up / best.score if best.score else 0)
    ) * min(1.0, f["place"] + 0.3)
    return round(max(0.0, min(1.0, value)), 2)


# --- selectors ------------------------------------------------------------------------


def _step(node: Any) -> str:
    ident = node.get("id")
    if ident and _CSS_IDENT.match(ident):
        return f"#{ident}"
    classes = _classes(node)
    return node.tag + "".join(f".{c}" for c in classes[:2])


def _matches(doc: Any, css: str) -> list[Any]:
    try:
        return selector(css)(doc)
    except Exception:
        return []


def _unique_selector(doc: Any, node: Any) -> str:
    """A selector that picks ``node`` alone: its id, or its classes, climbing ancestors
    until unique, with ``:nth-of-type`` as the last resort."""
    parts = [_step(node)]
    css = parts[0]
    ancestor = node.getparent()
    while True:
        if _matches(doc, css) == [node]:
            return css
        if ancestor is None or not isinstance(ancestor.tag, str) or ancestor.tag == "html":
            break
        parts.insert(0, _step(ancestor))
        css = " ".join(parts)
        if parts[0].startswith("#") and _matches(doc, css) == [node]:
            return css
        ancestor = ancestor.getparent()
    # Positional path from the body down: always unique.
    path = []
    current = node
    while current is not None and isinstance(current.tag, str) and current.tag != "html":
        parent = current.getparent()
        if parent is None:
            break
        same = [c for c in parent if c.tag == current.tag]
        step = current.tag
        if len(same) > 1:
            step += f":nth-of-type({same.index(current) + 1})"
        path.insert(0, step)
        current = parent
    return " > ".join(path)


def _item_selector(doc: Any, cand: _Candidate, rows: list[Row]) -> str:
    tag = cand.tag
    wanted = {id(r.node) for r in rows}
    if len(cand.parents) == 1:
        base = _unique_selector(doc, cand.parents[0])
    else:
        grand = cand.parents[0].getparent()
        shape = cand.parents[0].tag + "".join(f".{c}" for c in sorted(_classes(cand.parents[0])))
        base = f"{_unique_selector(doc, grand)} > {shape}"
    options = [f"{base} > {tag}"]
    common = set(_classes(rows[0].node))
    for r in rows[1:]:
        common &= set(_classes(r.node))
    for cls in sorted(common):
        options.append(f"{base} > {tag}.{cls}")
    # Header rows and trailing "more" rows: cut by position.
    if len(cand.parents) == 1:
        siblings = [m for m in cand.parents[0] if m.tag == tag]
        first = next(i for i, m in enumerate(siblings) if id(m) in wanted)
        last = max(i for i, m in enumerate(siblings) if id(m) in wanted)
        lead, trail = first, len(siblings) - 1 - last
        if lead or trail:
            css = f"{base} > {tag}"
            if lead:
                css += f":nth-of-type(n+{lead + 1})"
            if trail:
                css += f":nth-last-of-type(n+{trail + 1})"
            options.insert(1, css)
    best = options[0]
    best_extra = None
    for css in options:
        picked = _matches(doc, css)
        ids = {id(p) for p in picked}
        if not wanted <= ids:
            continue
        extra = len(ids - wanted)
        if best_extra is None or extra < best_extra:
            best, best_extra = css, extra
        if extra == 0:
            break
    return best


def _relative_options(row: Row, target: Any) -> list[str]:
    """Selectors, relative to a row, that could pick ``target`` inside it."""
    tag = target.tag
    out = []
    for cls in _classes(target):
        out.append(f"{tag}.{cls}")
    out.append(tag)
    parent = target.getparent()
    if parent is not None and parent is not row.node and isinstance(parent.tag, str):
        for cls in _classes(parent):
            out.append(f"{parent.tag}.{cls} {tag}")
        same = (
            [c for c in parent if c.tag == parent.tag]
            if parent.getparent() is None
            else [c for c in parent.getparent() if isinstance(c.tag, str)]
        )
        if parent in same:
            out.append(f"{parent.tag}:nth-child({same.index(parent) + 1}) {tag}")
    siblings = (
        [c for c in target.getparent() if isinstance(c.tag, str)] if parent is not None else []
    )
    if target in siblings:
        out.append(f"{tag}:nth-child({siblings.index(target) + 1})")
        if siblings[-1] is target:
            out.append(f"{tag}:last-child")
    return out


def _first(node: Any, css: str) -> Any | None:
    found = _matches(node, css)
    return found[0] if found else None


def _link_selector(rows: list[Row]) -> str:
    if all(r.link is r.node for r in rows):
        return "a"
    tried: dict[str, None] = {}
    for r in rows[:5]:
        if r.link is not r.node:
            for css in _relative_options(r, r.link):
                tried.setdefault(css, None)
    for css in tried:
        hits = sum(1 for r in rows if r.link is r.node or _first(r.node, css) is r.link)
        if hits == len(rows):
            return css
    return "a"


def _date_node(row: Row) -> Any | None:
    best = None
    for node in row.node.iter():
        if not isinstance(node.tag, str) or node is row.node:
            continue
        if row.link is not None and (node is row.link or _within(node, row.link)):
            continue
        text = " ".join(node.text_content().split())
        if text and len(text) <= 40 and _DATE_ONLY.match(text):
            best = node  # the innermost match comes last in document order
    return best


def _within(node: Any, ancestor: Any) -> bool:
    while node is not None:
        if node is ancestor:
            return True
        node = node.getparent()
    return False


def _date_selector(rows: list[Row]) -> str | None:
    dated = [(r, _date_node(r)) for r in rows if r.date]
    with_node = [(r, n) for r, n in dated if n is not None]
    if not with_node or len(with_node) < 0.8 * len(dated):
        return None  # printed in the row's own text: found there without a selector
    tried: dict[str, None] = {}
    for r, n in with_node[:5]:
        for css in _relative_options(r, n):
            tried.setdefault(css, None)
    for css in tried:
        hits = 0
        for r, n in with_node:
            got = _first(r.node, css)
            if got is not None and (
                got is n or _DATE_ONLY.match(" ".join(got.text_content().split()))
            ):
                hits += 1
        if hits == len(with_node):
            return css
    return None


def find_list(doc: Any, base_url: str) -> ListStructure | None:
    """The best list of the page, or None when nothing on it looks like one."""
    cands = _candidates(doc, base_url)
    for cand in cands:
        _score(cand)
    cands = [c for c in cands if c.score > 0]
    if not cands:
        return None
    cands.sort(key=lambda c: c.score, reverse=True)
    best = cands[0]
    runner_up = cands[1].score if len(cands) > 1 else 0.0
    if best.score < MIN_SCORE:
        return None
    rows = _dedupe(best.rows)
    date_css = _dated_column(best, rows) if best.tag == "tr" else None
    return ListStructure(
        item=_item_selector(doc, best, rows),
        link=_link_selector(rows),
        date=date_css or _date_selector(rows),
        confidence=_confidence(best, runner_up),
        rows=rows,
        score=round(best.score, 3),
    )


_DATE_HEADINGS = (
    re.compile(r"^(?:发布|公开|发文)(?:日期|时间)$"),
    re.compile(r"^(?:日期|时间|更新时间|更新日期)$"),
)


def _dated_column(cand: _Candidate, rows: list[Row]) -> str | None:
    """In a table with several dates per row (成文日期 and 发布日期), the column its
    header names as the publication date; the rows' dates are read from it."""
    table = cand.parents[0]
    while table is not None and table.tag != "table":
        table = table.getparent()
    if table is None:
        return None
    header = next((tr for tr in table.iter("tr") if tr.find("th") is not None), None)
    if header is None:
        first = next(table.iter("tr"), None)
        if first is None or any(id(first) == id(r.node) for r in rows):
            return None
        header = first
    cells = [c for c in header if isinstance(c.tag, str) and c.tag in ("td", "th")]
    names = ["".join(c.text_content().split()) for c in cells]
    for pattern in _DATE_HEADINGS:
        column = next((i for i, name in enumerate(names) if pattern.match(name)), None)
        if column is None:
            continue
        found = 0
        for row in rows:
            row_cells = [c for c in row.node if isinstance(c.tag, str) and c.tag in ("td", "th")]
            if column < len(row_cells):
                match = DATE_IN_TEXT.search(row_cells[column].text_content())
                if match:
                    row.date = match.group(0)
                    found += 1
        return f"td:nth-child({column + 1})" if found else None
    return None


def _dedupe(rows: Iterable[Row]) -> list[Row]:
    seen: set[int] = set()
    out = []
    for r in rows:
        if id(r.node) not in seen:
            seen.add(id(r.node))
            out.append(r)
    return out


_ZERO_COUNT = re.compile(r"共\s*0\s*[条篇项个]|总?记录数?[:：]?\s*0\s*条?(?!\d)")


def says_empty(doc: Any) -> bool:
    """The page says its list is empty ("暂无信息", "共0条")."""
    body = doc.find("body")
    text = (body if body is not None else doc).text_content()
    return any(marker in text for marker in EMPTY_MARKERS) or bool(_ZERO_COUNT.search(text))


def best_row(node: Any, base_url: str) -> Row | None:
    """One block read as one entry (a Hanweb record): its article link and date."""
    return _row(node, base_url)
