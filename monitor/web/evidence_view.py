"""Reading an archived response for the evidence viewer, and diffs between versions."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import lxml.html
from lxml import etree
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from monitor.evidence import EvidenceCorrupt, EvidenceError, read_evidence
from monitor.settings import Settings
from monitor.store.models import Finding, Item, ItemVersion

MAX_SHOWN = 200_000


@dataclass
class ArchivedResponse:
    found: bool
    headers: list[tuple[str, str]]
    body: str
    note: str = ""


def read_archived(session: Session, settings: Settings, evidence_id: int) -> ArchivedResponse:
    """The archived HTTP response, verified against its digest by ``monitor.evidence``
    and decoded for display; a missing or altered archive is said, not hidden."""
    try:
        record = read_evidence(session, settings, evidence_id)
    except EvidenceCorrupt as exc:
        return ArchivedResponse(False, [], "", f"archive does not verify: {exc}")
    except EvidenceError as exc:
        return ArchivedResponse(False, [], "", f"archive not found: {exc}")
    note = "truncated" if len(record.payload) > MAX_SHOWN else ""
    return ArchivedResponse(True, record.headers, _decode(record.payload[:MAX_SHOWN]), note)


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace")


@dataclass
class DiffLine:
    kind: str  # add | del | ctx | hunk
    text: str


def version_diff(old: ItemVersion, new: ItemVersion) -> list[DiffLine]:
    """A unified diff of title and text between two versions of an item."""
    before = [f"# {old.title}", *old.text.splitlines()]
    after = [f"# {new.title}", *new.text.splitlines()]
    lines = []
    for line in difflib.unified_diff(before, after, f"v{old.id}", f"v{new.id}", lineterm="", n=2):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        else:
            kind = "ctx"
        lines.append(DiffLine(kind, line))
    return lines


_PASSAGE_KEYS = ("passage", "quote", "title", "old_title", "new_title")
_BLOCKS = {"p", "div", "li", "tr", "br", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section"}


def page_text(archived: ArchivedResponse) -> str:
    """What a person saw of an archived HTML page: its text, blocks on their own
    lines, table cells apart, scripts and styles dropped. Other bodies as they are."""
    content_type = next((v for k, v in archived.headers if k.lower() == "content-type"), "")
    if "html" not in content_type.lower() or not archived.body.strip():
        return archived.body
    try:
        doc = lxml.html.fromstring(archived.body)
    except (ValueError, etree.ParserError):
        return archived.body
    for node in doc.xpath("//script|//style|//noscript|//template"):
        node.drop_tree()
    for node in doc.iter():
        if not isinstance(node.tag, str):
            continue
        if node.tag in _BLOCKS:
            node.tail = "\n" + (node.tail or "")
        elif node.tag in ("td", "th"):
            node.tail = "\t" + (node.tail or "")
    lines = (line.strip() for line in doc.text_content().splitlines())
    return "\n".join(line for line in lines if line)


def passages(session: Session, finding: Finding | None) -> list[str]:
    """What a finding points at in a page: the values it found (personal data), the
    passage it quotes, the title of the item it is about."""
    if finding is None:
        return []
    evidence = finding.evidence or {}
    found: list[str] = []
    for values in (evidence.get("found") or {}).values():
        if isinstance(values, list):
            found.extend(v for v in values if isinstance(v, str))
    found.extend(evidence[k] for k in _PASSAGE_KEYS if isinstance(evidence.get(k), str))
    item_id = evidence.get("item_id")
    if isinstance(item_id, int):
        item = session.get(Item, item_id)
        if item is not None and item.title:
            found.append(item.title)
    return sorted({p.strip() for p in found if len(p.strip()) >= 2}, key=len, reverse=True)


def highlight(text: str, marks: list[str]) -> Markup:
    """TEXT escaped for HTML, every occurrence of MARKS wrapped in ``<mark>``."""
    if not marks:
        return escape(text)
    pattern = re.compile("|".join(re.escape(m) for m in marks))
    out: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        out.append(str(escape(text[last : match.start()])))
        out.append(f'<mark class="offending">{escape(match.group(0))}</mark>')
        last = match.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out))
