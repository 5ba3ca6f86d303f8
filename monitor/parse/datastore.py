"""Hanweb (大汉 jcms) lists filled by script from a ``<datastore>`` block.

The block sits inline in the list page (``<script type="text/xml">``) or comes
from the ``dataproxy.jsp`` endpoint; each ``<record>`` holds one row of HTML in
CDATA, and ``<nextgroup>`` links the endpoint that serves the next records::

    <datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?…"></a>]]></nextgroup>
    <recordset><record><![CDATA[<li><a href="…art_1234_567890.html">…</a><span>…</span></li>]]>
    </record>…</recordset><totalrecord>124</totalrecord></datastore>

The endpoint is asked for records ``startrecord``–``endrecord`` (the browser posts
these with the nextgroup's parameters; GET with all of them in the query is what
the endpoint answers too).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from monitor.parse.markup import absolute, same_site
from monitor.parse.pagination import with_params

_BLOCK = re.compile(r"<datastore\b[^>]*>(.*?)(?:</datastore>|$)", re.IGNORECASE | re.DOTALL)
_RECORD = re.compile(
    r"<record\b[^>]*>\s*(?:<!\[CDATA\[(.*?)\]\]>|(.*?))\s*</record>", re.IGNORECASE | re.DOTALL
)
_NEXTGROUP = re.compile(
    r"<nextgroup\b[^>]*>\s*(?:<!\[CDATA\[(.*?)\]\]>|(.*?))\s*</nextgroup>",
    re.IGNORECASE | re.DOTALL,
)
_HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
_TOTAL = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.IGNORECASE)
_PERPAGE = re.compile(r"""\bper[Pp]age\s*[:=]\s*["']?(\d{1,4})""")
_TOTAL_JS = re.compile(r"""\btotal[Rr]ecord\s*[:=]\s*["']?(\d{1,7})""")


@dataclass(slots=True)
class Datastore:
    records: list[str] = field(default_factory=list)
    next_url: str | None = None
    total: int | None = None


def has_datastore(text: str) -> bool:
    return "<datastore" in text[:200_000].lower()


def _unescape_cdata(value: str) -> str:
    # Some versions escape the row instead of wrapping it in CDATA.
    if "<" not in value and "&lt;" in value:
        return html.unescape(value)
    return value


def read_datastore(text: str, base_url: str) -> Datastore:
    """Records and the endpoint URL of the next records (same host only)."""
    found = Datastore()
    for block in _BLOCK.finditer(text):
        body = block.group(1)
        found.records += [
            _unescape_cdata(m.group(1) if m.group(1) is not None else m.group(2) or "")
            for m in _RECORD.finditer(body)
        ]
        total = _TOTAL.search(body)
        if total:
            found.total = int(total.group(1))
        group = _NEXTGROUP.search(body)
        if group and found.next_url is None:
            href = _HREF.search(_unescape_cdata(group.group(1) or group.group(2) or ""))
            # The row is HTML: its attribute values carry entities (&amp;).
            found.next_url = absolute(base_url, html.unescape(href.group(1))) if href else None
    if found.total is None:
        total = _TOTAL_JS.search(text)
        found.total = int(total.group(1)) if total else None
    found.next_url = _next_records(text, base_url, found)
    return found


def _next_records(text: str, base_url: str, found: Datastore) -> str | None:
    if not found.records:
        return None  # stop after a page with no entries
    here = dict(parse_qsl(urlsplit(base_url).query))
    start = int(here["startrecord"]) if here.get("startrecord", "").isdigit() else 1
    done = start - 1 + len(found.records)
    if found.total is not None and done >= found.total:
        return None
    template = found.next_url
    if "startrecord" in here:
        template = base_url  # the endpoint itself: ask it for the following records
    if template is None or not same_site(template, base_url):
        return None
    per = _PERPAGE.search(text)
    perpage = int(per.group(1)) if per else len(found.records)
    return with_params(
        template, startrecord=done + 1, endrecord=done + len(found.records), perpage=perpage
    )
