"""Detail pages: the standard metadata table (索引号, 发布机构 …), ``<meta>`` tags,
values hidden in HTML comments, the main text and the attachments."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote, urlsplit

from lxml import etree

from monitor.parse.html_list import absolute, first, html_document, selector, text_of
from monitor.parse.model import Detail

# Printed label (spaces removed) -> Item.meta key (the crawl contract's names).
LABELS: dict[str, str] = {
    "索引号": "index_no",
    "索引": "index_no",
    "信息分类": "category",
    "主题分类": "category",
    "公开类别": "category",
    "所属分类": "category",
    "发布机构": "publisher",
    "发文机关": "publisher",
    "发布单位": "publisher",
    "公开主体": "publisher",
    "成文日期": "formed",
    "生成日期": "formed",
    "发文日期": "formed",
    "发布日期": "published",
    "发布时间": "published",
    "公开日期": "published",
    "文号": "doc_no",
    "发文字号": "doc_no",
    "主题词": "keywords",
    "关键词": "keywords",
    "有效性": "validity",
}
_META_TAGS = {
    "articletitle": "title",
    "pubdate": "published",
    "contentsource": "publisher",
    "columnname": "category",
    "firstpublishedtime": "published",
}
_SPACE = re.compile(r"[\s\u3000\xa0]+")
_LABEL_VALUE = re.compile(r"^\s*([^:：]{2,8}?)\s*[:：]\s*(.+)$", re.DOTALL)
_COMMENT_PAIR = re.compile(r"([\u4e00-\u9fff][\u4e00-\u9fff\s\u3000]{1,7})\s*[:：]\s*([^<>\n]+)")
_TAGS = re.compile(r"<[^>]+>")
_CELLS = ("td", "th", "dt", "dd", "span", "li", "p", "b", "strong", "label", "em", "div")
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


def label_key(text: str) -> str | None:
    return LABELS.get(_SPACE.sub("", text).rstrip(":："))


def _value(node: Any) -> str:
    value = text_of(node)
    if value:
        return value
    # Some platforms comment the value out and fill it in with script.
    hidden = " ".join(c.text or "" for c in node.iter(etree.Comment))
    return " ".join(_TAGS.sub(" ", hidden).split())


def _table_meta(doc: Any) -> dict[str, str]:
    meta: dict[str, str] = {}
    for node in doc.iter(*_CELLS):
        raw = node.text_content()
        if len(raw) > 120 or not raw.strip():
            continue
        key = label_key(raw)
        if key is not None:
            sibling = node.getnext()
            while sibling is not None and not isinstance(sibling.tag, str):
                sibling = sibling.getnext()
            value = _value(sibling) if sibling is not None else ""
            if value and label_key(value) is None:
                meta.setdefault(key, value)
            continue
        if len(node) and node.tag in ("div", "li", "p"):
            continue  # a container: its labelled children are visited on their own
        match = _LABEL_VALUE.match(raw)
        if match:
            key = label_key(match.group(1))
            value = " ".join(match.group(2).split())
            if key is not None and value and label_key(value) is None:
                meta.setdefault(key, value)
    return meta


def _comment_meta(doc: Any) -> dict[str, str]:
    meta: dict[str, str] = {}
    for comment in doc.iter(etree.Comment):
        for label, value in _COMMENT_PAIR.findall(_TAGS.sub(" ", comment.text or "")):
            key = label_key(label)
            if key is not None and value.strip():
                meta.setdefault(key, " ".join(value.split()))
    return meta


def _tag_meta(doc: Any) -> dict[str, str]:
    meta: dict[str, str] = {}
    for node in doc.iter("meta"):
        key = _META_TAGS.get((node.get("name") or "").lower())
        content = (node.get("content") or "").strip()
        if key and content:
            meta.setdefault(key, content)
    return meta


def _attachments(doc: Any, base_url: str) -> list[dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for link in doc.iter("a"):
        url = absolute(base_url, link.get("href"))
        if url is None or url in found:
            continue
        path = urlsplit(url).path.lower()
        name = text_of(link)
        if path.endswith(_ATTACHMENT_EXT) or (name.startswith("附件") and path != "/"):
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
    lines = (" ".join(line.split()) for line in node.text_content().splitlines())
    return "\n".join(line for line in lines if line)


def looks_not_found(title: str, text: str) -> bool:
    """A soft 404: an error page answered with 200 (short, and says so)."""
    if len(text) > 600:
        return False
    probe = f"{title} {text[:300]}".lower()
    return any(marker in probe for marker in _NOT_FOUND)


def parse_detail(text: str, base_url: str, options: dict[str, Any]) -> Detail:
    doc = html_document(text)
    tags = _tag_meta(doc)
    meta = _table_meta(doc)
    for key, value in _comment_meta(doc).items():
        meta.setdefault(key, value)
    page_title = tags.pop("title", "")
    for key, value in tags.items():
        meta.setdefault(key, value)
    if not page_title:
        node = doc.find(".//title")
        page_title = text_of(node) if node is not None else ""
    attachments = _attachments(doc, base_url)
    body = _main_text(doc, options.get("content"))
    return Detail(
        title=page_title,
        meta=meta,
        text=body,
        attachments=attachments,
        not_found=looks_not_found(page_title, body),
    )
