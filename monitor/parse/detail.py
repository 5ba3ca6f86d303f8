"""Detail pages: the metadata (索引号, 发布机构 …) in every shape platforms print it
(table cells, ``dt``/``dd``, ``<p><strong>label</strong>：value</p>``, ``<li><label>``,
label and value in one run of text, values only in HTML comments, ``<meta>`` tags),
the main text and the attachments."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import lxml.html
from lxml import etree

from monitor.parse import labels
from monitor.parse.html_list import absolute, first, html_document, selector, text_of
from monitor.parse.markup import document_base, readable_text
from monitor.parse.model import Detail

# <meta name=…> of the national government-website standard and of the platforms.
_META_TAGS = {
    "articletitle": "title",
    "pubdate": "published",
    "firstpublishedtime": "published",
    "publishdate": "published",
    "contentsource": "publisher",
    "columnname": "column",
    "keywords": "keywords",
    "indexno": "index_no",
    "filenumber": "doc_no",
}
_BLOCKS = frozenset(
    {"p", "div", "li", "ul", "ol", "dl", "dt", "dd", "td", "th", "tr", "table", "tbody", "thead",
     "br", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header", "footer", "form",
     "blockquote", "pre", "hr", "body", "center", "caption"}
)  # fmt: skip
_MAX_META_LINE = 600  # the longest run of label/value pairs platforms print, with room
_UNSEEN = frozenset({"script", "style", "noscript", "template", "textarea", "select", "option"})
_TAGS = re.compile(r"<[^>]+>")
_BANNER = re.compile(
    r"(?:^|[\s_-])(?:logo|header|head|top|banner|nav|site-?name)(?:$|[\s_-])", re.I
)
_TITLE_SPLIT = re.compile(r"\s*(?:_|\||——|--|－| - )\s*")
_CONTENT_DEFAULTS = (
    "#zoom",
    ".TRS_Editor",
    ".trs_editor",
    "#UCAP-CONTENT",
    ".article-content",
    ".article",
    ".content",
    "#content",
    ".xxgk_content",
    ".detail",
    "article",
)
_ATTACHMENT_EXT = (
    ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".wps", ".et", ".ofd", ".zip", ".rar",
    ".7z", ".ppt", ".pptx", ".txt", ".csv", ".jpg", ".png",
)  # fmt: skip
_NOT_FOUND = (
    "404",
    "页面不存在",
    "页面未找到",
    "找不到",
    "不存在或已",
    "已被删除",
    "已删除",
    "已撤销",
    "not found",
    "无法找到",
)


@dataclass(slots=True)
class _Line:
    """The text of one block (a cell, a paragraph, a list item), and that block."""

    text: str
    owner: Any
    hidden: bool = False  # the text of an HTML comment


def _lines(root: Any) -> list[_Line]:
    """The document as lines, broken at blocks and cells as a browser lays it out;
    inline elements (``strong``, ``label``, ``font``, ``span``) join their text."""
    lines: list[_Line] = []
    parts: list[str] = []
    owners: list[Any] = [root]

    def flush() -> None:
        text = " ".join("".join(parts).split())
        if text:
            lines.append(_Line(text, owners[-1]))
        parts.clear()

    for event, node in etree.iterwalk(root, events=("start", "end", "comment")):
        tag = node.tag
        if event == "comment" or not isinstance(tag, str):
            raw = node.text or ""
            hidden = " ".join(_TAGS.sub(" ", raw).split()) if len(raw) < 500 else ""
            if hidden:
                flush()
                lines.append(_Line(hidden, node.getparent(), hidden=True))
            if node.tail:
                parts.append(node.tail)
            continue
        if event == "start":
            if tag in _BLOCKS:
                flush()
                owners.append(node)
            else:
                parts.append(" ")
            if tag not in _UNSEEN and node.text:
                parts.append(node.text)
        else:
            if tag in _BLOCKS:
                flush()
                owners.pop()
            else:
                parts.append(" ")
            if node is not root and node.tail:
                parts.append(node.tail)
    flush()
    return lines


def _near(label: Any, value: Any) -> bool:
    """A value in the next block belongs to the label in the one before it when the two
    are neighbours (``<td>``/``<td>``, ``<dt>``/``<dd>``, two ``<div>`` of a row)."""
    if label is None or value is None:
        return False
    if value.getparent() is label.getparent() or label.getnext() is value:
        return True
    return value.getparent() is not None and value.getparent() is label  # hidden in the cell


def _pairs(lines: list[_Line]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if line.hidden:
            continue  # labels inside comments are read after the visible ones
        if len(line.text) > _MAX_META_LINE:
            continue  # a paragraph of the text, not a metadata row
        pairs, dangling = labels.pairs_in_line(line.text)
        out.extend(pairs)
        if dangling is None:
            continue
        # The value sits in the next cell, or in a comment the page fills by script.
        while (
            index < len(lines) and lines[index].hidden and not _near(line.owner, lines[index].owner)
        ):
            index += 1
        if index < len(lines) and _near(line.owner, lines[index].owner):
            following = lines[index]
            if labels.pairs_in_line(following.text) == ([], None):
                out.append((dangling, following.text))
                index += 1
    return out


def _collect(meta: dict[str, str], pairs: list[tuple[str, str]]) -> None:
    for key, raw in pairs:
        value = labels.clean_value(key, raw)
        if value is not None:
            if key == "category" and "category" in meta and value != meta["category"]:
                meta.setdefault("categories", meta["category"])
                meta["categories"] += f"; {value}"
                continue
            meta.setdefault(key, value)


def _comment_meta(doc: Any) -> dict[str, str]:
    """Values only inside HTML comments, in any of the visible shapes."""
    meta: dict[str, str] = {}
    for comment in doc.iter(etree.Comment):
        text = comment.text or ""
        if len(text) > 20000 or not labels.LABEL_AT.search(text):
            continue
        if "<" in text:
            try:
                fragment = lxml.html.fragment_fromstring(text, create_parent="div")
            except (etree.ParserError, ValueError):
                fragment = None
            if fragment is not None:
                _collect(meta, _pairs(_lines(fragment)))
                continue
        for line in text.splitlines():
            _collect(meta, labels.pairs_in_line(" ".join(line.split()))[0])
    return meta


def _tag_meta(doc: Any) -> dict[str, str]:
    meta: dict[str, str] = {}
    for node in doc.iter("meta"):
        key = _META_TAGS.get((node.get("name") or "").lower())
        content = " ".join((node.get("content") or "").split())
        if key and content:
            meta.setdefault(key, content)
    return meta


def page_meta(doc: Any) -> dict[str, str]:
    """The metadata a detail page prints: its visible block first, then values only
    in comments, then ``<meta>`` tags (never over what the page shows)."""
    meta: dict[str, str] = {}
    body = doc.find("body")
    _collect(meta, _pairs(_lines(body if body is not None else doc)))
    for key, value in _comment_meta(doc).items():
        meta.setdefault(key, value)
    return meta


def label_key(text: str) -> str | None:
    return labels.label_key(text)


def _attachments(doc: Any, base_url: str) -> list[dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for link in doc.iter("a"):
        url = absolute(base_url, link.get("href"))
        if url is None or url in found:
            continue
        parts = urlsplit(url)
        path = parts.path.lower()
        name = text_of(link)
        if (
            path.endswith(_ATTACHMENT_EXT)
            or (name.startswith("附件") and path != "/")
            # Download scripts (Hanweb downfile.jsp?filename=…pdf) and links named
            # by their file: the extension is in the query or in the text.
            or (parts.query.lower().endswith(_ATTACHMENT_EXT) and "down" in path)
            or (name.lower().endswith(_ATTACHMENT_EXT[:13]) and path not in ("", "/"))
        ):
            filename = unquote(path.rsplit("/", 1)[-1])
            found[url] = {"url": url, "name": name or filename}
    return list(found.values())


def _main_text(doc: Any, content_css: str | None) -> str:
    for bad in list(doc.iter("script", "style", "noscript")):
        bad.drop_tree()
    node = None
    if content_css:
        node = first(doc, content_css)
    else:
        for css in _CONTENT_DEFAULTS:
            matches = selector(css)(doc)
            if matches:
                node = max(matches, key=lambda n: len(n.text_content()))
                break
    if node is None:
        node = doc.find("body") if doc.find("body") is not None else doc
    return readable_text(node)


def looks_not_found(title: str, text: str) -> bool:
    """A soft 404: an error page answered with 200 (short, and says so)."""
    if len(text) > 600:
        return False
    probe = f"{title} {text[:300]}".lower()
    return any(marker in probe for marker in _NOT_FOUND)


def _heading(doc: Any, page_title: str) -> str:
    """The article's heading: one the ``<title>`` repeats (platforms title pages
    ``标题_栏目_站点``), else the first that is not the site's logo or banner."""
    headings = []
    for css in ("h1", ".title", "#title", ".article-title", "h2", "h3"):
        for node in selector(css)(doc):
            text = text_of(node)
            if 4 <= len(text) <= 200 and not _in_banner(node):
                headings.append(text)
    for text in headings:
        if page_title and (text in page_title or page_title in text):
            return text
    return headings[0] if headings else ""


def _in_banner(node: Any) -> bool:
    while node is not None:
        if node.tag in ("header", "nav", "a") or _BANNER.search(
            f"{node.get('id') or ''} {node.get('class') or ''}"
        ):
            return True
        node = node.getparent()
    return False


def _page_title(doc: Any) -> str:
    """``<title>`` less the site name platforms append (``标题_某县人民政府``)."""
    node = doc.find(".//title")
    text = text_of(node) if node is not None else ""
    parts = [p for p in _TITLE_SPLIT.split(text) if p]
    return parts[0] if parts else text


def parse_detail(text: str, base_url: str, options: dict[str, Any]) -> Detail:
    doc = html_document(text)
    tags = _tag_meta(doc)
    meta = page_meta(doc)
    printed = _page_title(doc)
    title = tags.pop("title", "") or meta.pop("title", "") or _heading(doc, printed) or printed
    meta.pop("title", None)
    for key, value in tags.items():
        meta.setdefault(key, value)
    attachments = _attachments(doc, document_base(doc, base_url))
    body = _main_text(doc, options.get("content"))
    return Detail(
        title=title,
        meta=meta,
        text=body,
        attachments=attachments,
        not_found=looks_not_found(title, body),
    )
