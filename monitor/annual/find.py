"""Which items are annual reports, which year they are on, and where their tables are.

Pure: titles and attachment lists in, decisions out (the fetching is in
:mod:`monitor.annual.sync`)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

__all__ = ["TITLE_RE", "candidate_urls", "report_year"]

# 某镇2025年政府信息公开工作年度报告, 2025年度政府信息公开年度报告,
# 政府信息公开工作年度报告（2025年）
TITLE_RE = re.compile(r"政府信息公开(?:工作)?年度报告")
_YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年")
_TABLE_FILES = (".docx", ".xlsx")


def report_year(title: str, published: date | None) -> int | None:
    """The year an annual report is on: named in its title, else the year before it
    was published; None when the title is not an annual report's."""
    if not TITLE_RE.search(title or ""):
        return None
    m = _YEAR_RE.search(title)
    if m:
        return int(m[1])
    return published.year - 1 if published else None


def candidate_urls(page_url: str | None, attachments: Sequence[Mapping[str, Any]]) -> list[str]:
    """Where to look for the tables, in order: the page, then .docx/.xlsx attachments
    (the national template is often published as one)."""
    out = [page_url] if page_url else []
    for attachment in attachments:
        url = str(attachment.get("url") or "")
        name = str(attachment.get("name") or "")
        path = url.split("?", 1)[0].lower()
        if path.endswith(_TABLE_FILES) or name.lower().endswith(_TABLE_FILES):
            out.append(url)
    return out
