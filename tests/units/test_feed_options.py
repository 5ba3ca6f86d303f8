"""Options are checked per feed kind: what a feeds file and the API accept."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from monitor.feed_options import HtmlOptions, read_options
from monitor.units import FeedRow

ROW = {"unit_code": "445302102000", "url": "https://v.example/list.html"}


def test_each_kind_takes_its_own_options() -> None:
    html = FeedRow(**ROW, kind="html", options={"item": "li", "max_pages": 2, "date": None})
    assert html.options == {"item": "li", "max_pages": 2}
    json_row = FeedRow(**ROW, kind="json", options={"items": "data.list", "fields": {"key": "id"}})
    assert json_row.options["fields"] == {"key": "id"}
    with pytest.raises(ValidationError, match="options of a rss feed: item"):
        FeedRow(**ROW, kind="rss", options={"item": "li"})
    with pytest.raises(ValidationError, match="max_pages"):
        FeedRow(**ROW, kind="html", options={"max_pages": 0})


def test_the_schema_says_which_options_each_kind_takes() -> None:
    variants = FeedRow.model_json_schema()["anyOf"]
    by_kind = {v["properties"]["kind"]["const"]: v["properties"]["options"] for v in variants}
    assert "item" in by_kind["html"]["properties"]
    assert "item" not in by_kind["rss"]["properties"]
    assert by_kind["json"]["additionalProperties"] is False


def test_the_crawl_reads_stored_options_as_far_as_they_fit() -> None:
    options = read_options("html", {"item": "li", "legacy": 1, "detail": False})
    assert isinstance(options, HtmlOptions) and options.detail is False
    assert read_options("rss", {"max_pages": "many"}).max_pages is None
