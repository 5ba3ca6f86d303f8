from __future__ import annotations

from pathlib import Path

import pytest

from monitor.crawl.content import item_fields
from monitor.parse import ParseError, parse_json

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
OPTIONS = {
    "items": "data.list",
    "fields": {
        "url": "link",
        "published": "pubTime",
        "formed": "writeDate",
        "category": "column.name",
        "doc_no": "docNo",
    },
}


def test_field_mapping() -> None:
    text = (PAGES / "api.json").read_text("utf-8")
    first, second = parse_json(text, "https://sc.example.gov.cn/api/list", OPTIONS).entries
    assert (first.key, first.title, first.category) == (
        "88101",
        "石城村2026年11月财务公开",
        "财务公开",
    )
    assert first.url == "https://sc.example.gov.cn/api/detail/88101"
    assert first.published == "2026-11-28T08:00:00+08:00"  # epoch milliseconds
    assert first.meta == {"doc_no": "石村〔2026〕8号"}
    fields = item_fields(second, None, None)
    assert fields.published_date is not None and fields.formed_date is None
    assert fields.formed_text == "某日"
    assert fields.date_errors == [
        {"field": "formed", "text": "某日", "error": "unrecognised date '某日'"}
    ]


def test_not_json_or_no_list() -> None:
    with pytest.raises(ParseError, match="not JSON"):
        parse_json("<html>", "", OPTIONS)
    with pytest.raises(ParseError, match="no list"):
        parse_json('{"data": {}}', "", OPTIONS)
