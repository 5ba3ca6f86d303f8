"""Turning a response body into text, as a browser would, for pages that lie.

Order: byte-order mark, UTF-16/32 told by the bytes of ``<?xml`` (XML 1.0,
appendix F), HTTP charset, XML declaration, ``<meta charset>``, then
charset-normalizer. A declared charset is only trusted when the body decodes with
it; GB2312 and GBK are decoded as their superset GB18030, because county sites
label GB18030-only characters (rare names of villages and people) as GB2312.

An HTTP ``charset=ISO-8859-1`` is the default of many servers, not a statement about
the page, and Latin-1 accepts any bytes: when the document's own declaration names
a multi-byte charset (GB2312, GBK, UTF-8 …) that its bytes decode with, that one is
used and the HTTP label kept as ``declared`` (the disagreement).
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
# The first four bytes of "<?xm" in the encodings a BOM-less XML document can be in.
_XML_SIGNATURES = (
    (b"\x00\x00\x00\x3c", "utf-32-be"),
    (b"\x3c\x00\x00\x00", "utf-32-le"),
    (b"\x00\x3c\x00\x3f", "utf-16-be"),
    (b"\x3c\x00\x3f\x00", "utf-16-le"),
)
# HTTP labels servers send by default; Latin-1 decodes any bytes, so it proves nothing.
_DEFAULT_LABELS = frozenset({"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1"})
_SINGLE_BYTE = frozenset({"cp1252", "latin_1", "iso8859-1", "ascii"})


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
    for signature, encoding in _XML_SIGNATURES:
        if body.startswith(signature):
            text = _try(body, encoding)
            if text is not None:
                return Decoded(text, encoding, "xml")
    head = body[:_HEAD]
    declared: str | None = None
    http = http_charset(content_type)
    xml = _XML_DECL.match(head.lstrip())
    meta = _META.search(head)
    own = [
        ("xml", xml.group(1).decode("ascii") if xml else None),
        ("meta", meta.group(1).decode("ascii") if meta else None),
    ]
    if http is not None and http.strip().strip("\"'").lower() in _DEFAULT_LABELS:
        for source, name in own:
            label = normalise(name)
            if label is None or label in _SINGLE_BYTE:
                continue
            text = _try(body, label)
            if text is not None:
                return Decoded(text, label, source, http)
    candidates: list[tuple[str, str | None]] = [("http", http), *own]
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
