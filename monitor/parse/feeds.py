"""RSS 0.90/0.9x/1.0/2.0 and Atom with lxml (fast, no entities, no network);
feedparser as the lenient fallback for feeds lxml rejects.

Feeds as they come: RSS 0.90 is RDF with the Netscape namespace, some RSS 2.0 sits
in a default namespace, and an item's ``<link>`` is never overwritten by a link of
another namespace (``atom:link rel="self"`` and the like). An entry that cannot be
kept is skipped with an error naming it, on one line."""

from __future__ import annotations

import html
import re
from typing import Any

from lxml import etree

from monitor.parse.model import Entry, Page, ParseError

# No entity substitution, no DTD loading, no network, bounded tree: the safe
# settings defusedxml would impose. Declared entities are refused before parsing.
_PARSER = etree.XMLParser(
    encoding="utf-8",
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)
_ATOM_ENTRY = "{http://www.w3.org/2005/Atom}entry"
_ATOM03_ENTRY = "{http://purl.org/atom/ns#}entry"
_TAGS = re.compile(r"<[^>]+>")
# libxml2's refusal of a tree deeper than 256 levels without huge_tree.
_TOO_DEEP = "Excessive depth"
_MAX_XML_DEPTH = 256
_DOCTYPE_ENTITY = re.compile(r"<!DOCTYPE[^>\[]*\[[^\]]*<!ENTITY", re.IGNORECASE | re.DOTALL)


def refuse_entities(text: str) -> None:
    """Entity declarations are how billion-laughs and XXE start; feeds never need them."""
    if "<!ENTITY" in text and _DOCTYPE_ENTITY.search(text):
        raise ParseError("XML entity declarations refused (entity expansion / external entity)")


def strip_tags(value: str | None) -> str:
    if not value:
        return ""
    if "<" in value:
        value = _TAGS.sub(" ", value)
    if "&" in value:
        value = html.unescape(value)
    return " ".join(value.split())


def _local(tag: Any) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2] if tag[0] == "{" else tag


def _namespace(tag: Any) -> str:
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag[:1] == "{" else ""


def one_line(text: str, limit: int = 200) -> str:
    """An error message's piece of a document: one line, bounded."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _skipped(title: str | None) -> str:
    name = one_line(strip_tags(title), 80)
    return (
        f"entry {name!r} skipped: no guid, id or link"
        if name
        else ("entry without title skipped: no guid, id or link")
    )


def _rss_item(node: etree._Element, errors: list[str]) -> Entry | None:
    title = link = guid = category = published = description = None
    other_link = None
    permalink = False
    own = _namespace(node.tag)
    for child in node:
        name = _local(child.tag)
        if name == "title" and title is None:
            title = child.text
        elif name == "link":
            if _namespace(child.tag) == own:
                link = link or child.text or child.get("href")
            else:  # atom:link and its kind: only when the item has no link of its own
                other_link = other_link or child.get("href") or child.text
        elif name == "guid":
            guid = child.text
            permalink = (child.get("isPermaLink") or "true").lower() != "false"
        elif name == "category" or name == "subject":
            category = category or child.text
        elif name in ("pubDate", "date", "published", "issued"):
            published = published or child.text
        elif name == "description" or name == "encoded":
            description = description or child.text
    link = (link or "").strip() or (other_link or "").strip() or None
    if link is None and permalink and (guid or "").strip().startswith(("http://", "https://")):
        link = (guid or "").strip()  # RSS 2.0: a guid is the item's permalink unless it says not
    key = (guid or "").strip() or link
    if not key:
        errors.append(_skipped(title))
        return None
    return Entry(
        key=key,
        title=strip_tags(title),
        url=link,
        category=category.strip() if category and category.strip() else None,
        published=published.strip() if published else None,
        text=strip_tags(description),
    )


def _atom_entry(node: etree._Element, errors: list[str]) -> Entry | None:
    title = link = guid = category = published = updated = summary = None
    for child in node:
        name = _local(child.tag)
        if name == "title":
            title = "".join(child.itertext())
        elif name == "link":
            if child.get("rel", "alternate") == "alternate" and link is None:
                link = child.get("href")
        elif name == "id":
            guid = child.text
        elif name == "category":
            category = category or child.get("term") or child.get("label")
        elif name in ("published", "issued", "created"):
            published = published or child.text
        elif name in ("updated", "modified"):
            updated = updated or child.text
        elif name in ("summary", "content") and summary is None:
            summary = "".join(child.itertext())
    link = link.strip() if link else None
    key = (guid or "").strip() or link
    if not key:
        errors.append(_skipped(title))
        return None
    stamp = published or updated
    return Entry(
        key=key,
        title=strip_tags(title),
        url=link,
        category=category.strip() if category and category.strip() else None,
        published=stamp.strip() if stamp else None,
        text=strip_tags(summary),
    )


def _with_lxml(text: str) -> Page:
    root = etree.fromstring(text.encode("utf-8"), _PARSER)
    name = _local(root.tag)
    if name == "feed":
        make, nodes = _atom_entry, root.iter(_ATOM_ENTRY, _ATOM03_ENTRY, "entry")
    elif name in ("rss", "RDF", "channel"):
        # Any namespace: RSS 0.90's Netscape one, RSS 1.0's, a default one on RSS 2.0.
        make, nodes = _rss_item, (n for n in root.iter() if _local(n.tag) == "item")
    elif name.lower() == "html":
        raise ParseError("expected a feed, got an HTML document")
    else:
        raise ParseError(f"expected a feed, got a <{name}> document")
    page = Page()
    for node in nodes:
        entry = make(node, page.errors)
        if entry is not None:
            page.entries.append(entry)
    return page


def _with_feedparser(text: str, reason: str) -> Page:
    import feedparser  # imported late: only ill-formed feeds pay for it

    parsed = feedparser.parse(
        text.encode("utf-8"), response_headers={"content-type": "application/xml; charset=utf-8"}
    )
    if not parsed.entries:
        head = text.lstrip()[:200].lower()
        if head.startswith("<!doctype html") or "<html" in head:
            raise ParseError("expected a feed, got an HTML document")
        raise ParseError(f"not a readable feed: {one_line(reason)}")
    page = Page(errors=[f"ill-formed feed read leniently: {one_line(reason)}"])
    for e in parsed.entries:
        link = e.get("link")
        key = e.get("id") or link
        if not key:
            page.errors.append(_skipped(e.get("title")))
            continue
        tags = e.get("tags") or []
        category = next((t.get("term") for t in tags if t.get("term")), None)
        page.entries.append(
            Entry(
                key=key,
                title=strip_tags(e.get("title")),
                url=link,
                category=category,
                # "in" first: feedparser warns (and will fail) when "updated" is
                # read back through its temporary alias of "published".
                published=e.get("published") or (e.get("updated") if "updated" in e else None),
                text=strip_tags(e.get("summary")),
            )
        )
    return page


def parse_feed(text: str, base_url: str, options: dict[str, Any]) -> Page:
    """Parse an RSS or Atom document (already decoded to text)."""
    refuse_entities(text)
    if not text.strip():
        raise ParseError("empty document")
    try:
        return _with_lxml(text)
    except etree.XMLSyntaxError as exc:
        if _TOO_DEEP in str(exc):
            # Not an ill-formed feed but a hostile one: feedparser's lenient parser
            # takes minutes on deep nesting (105 s for 1,000,000 levels).
            raise ParseError(f"XML nested deeper than {_MAX_XML_DEPTH} levels refused") from exc
        return _with_feedparser(text, str(exc))
