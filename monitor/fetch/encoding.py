"""Turning a response body into text, as a browser would, for pages that lie.

Order: byte-order mark, HTTP charset, XML declaration, ``<meta charset>``, then
charset-normalizer. A declared charset is only trusted when the body decodes with
it; GB2312 and GBK are decoded as their superset GB18030, because county sites
label GB18030-only characters (rare names of villages and people) as GB2312.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "x-gbk": "gb18030",
    "euc-cn": "gb18030",
    "hz-gb-2312": "hz",
    "ascii": "utf-8",
    "us-ascii": "utf-8",
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "big5": "big5hkscs",
}
_XML_DECL = re.compile(rb"^<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']")
_META = re.compile(rb"<meta[^>]{0,300}?charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.IGNORECASE)
_HEAD = 4096


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str
    source: str  # bom | http | xml | meta | detected | fallback
    declared: str | None = None  # what the page claimed, when it was wrong


class UndecodableBody(ValueError):
    pass


def normalise(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    if name in _SUPERSETS:
        return _SUPERSETS[name]
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        return None
    return _SUPERSETS.get(name, _SUPERSETS.get(canonical, canonical))


def http_charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "charset" and value:
            return value.strip().strip("\"'")
    return None


def _try(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_body(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode a body by the rules above; raises UndecodableBody for binary data."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return Decoded(body[len(bom) :].decode(encoding, "replace"), encoding, "bom")
    head = body[:_HEAD]
    declared: str | None = None
    candidates: list[tuple[str, str | None]] = [("http", http_charset(content_type))]
    xml = _XML_DECL.match(head.lstrip())
    candidates.append(("xml", xml.group(1).decode("ascii") if xml else None))
    meta = _META.search(head)
    candidates.append(("meta", meta.group(1).decode("ascii") if meta else None))
    for source, name in candidates:
        if name is None:
            continue
        label = normalise(name)
        if label is None:
            declared = declared or name
            continue
        text = _try(body, label)
        if text is not None:
            return Decoded(text, label, source, declared)
        declared = declared or name
    # Undeclared bodies: UTF-8 is strict enough to trust when it decodes; anything
    # else goes to statistical detection, GB18030 being the last resort here.
    text = _try(body, "utf-8")
    if text is not None:
        return Decoded(text, "utf-8", "fallback", declared)
    best = from_bytes(body[:65536]).best()
    if best is not None:
        encoding = normalise(best.encoding) or best.encoding
        return Decoded(body.decode(encoding, "replace"), encoding, "detected", declared)
    if b"\x00" in head:
        raise UndecodableBody("body is not text in any known encoding")
    return Decoded(body.decode("gb18030", "replace"), "gb18030", "fallback", declared)
