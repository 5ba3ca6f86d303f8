"""``monitor inspect`` on the sample site's own list, detail and feed URLs: the tool an
operator uses to set up a feed reads what the demo crawls."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from monitor.cli.main import app
from monitor.demo.model import District
from monitor.demo.site import DemoSite


@pytest.fixture
def sample(
    district: District, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[DemoSite]:
    monkeypatch.setenv("MONITOR_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("MONITOR_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("MONITOR_ALLOWED_NETWORKS", "127.0.0.0/8")
    with DemoSite(district) as site:
        yield site


@pytest.fixture(scope="module")
def district() -> District:
    from monitor.demo.generate import generate_district

    return generate_district()


def _inspect(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["inspect", *args, "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_list_detail_and_feed_of_the_sample_site(sample: DemoSite, district: District) -> None:
    gbk = next(u for u in district.villages() if u.channel == "html" and u.charset == "gbk")
    listing = _inspect(f"{sample.base_url}/u/{gbk.code}/list.html", "--limit", "3")
    assert listing["kind"] == "html"
    assert listing["items"], listing["errors"]
    first = listing["items"][0]
    # GBK decoded, the detail page's metadata table read.
    assert any("\u4e00" <= ch <= "\u9fff" for ch in first["title"])
    assert first["metadata"].get("index_no")
    assert first["published"]

    detail = _inspect(first["url"], "--kind", "detail")
    (item,) = detail["items"]
    assert item["metadata"]["index_no"] == first["metadata"]["index_no"]
    assert item["metadata"].get("publisher")

    rss_unit = next(u for u in district.villages() if u.channel == "rss")
    feed = _inspect(f"{sample.base_url}/u/{rss_unit.code}/rss.xml", "--limit", "2")
    assert feed["kind"] == "rss"
    assert feed["items"]
