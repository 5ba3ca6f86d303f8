"""``monitor crawl``, ``monitor inspect`` and ``monitor evidence export`` as a user runs them."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from monitor.cli.main import app
from monitor.settings import Settings
from monitor.store.models import Evidence, Item
from tests.crawl.conftest import PAGES, add_feed
from tests.fetch.servers import Page, Site, ThreadServer


@pytest.fixture
def cli_env(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("MONITOR_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("MONITOR_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("MONITOR_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("MONITOR_ALLOWED_NETWORKS", "127.0.0.0/8")
    monkeypatch.setenv("MONITOR_CRAWL__PER_HOST_RATE", "0")
    monkeypatch.setenv("MONITOR_CRAWL__RETRIES", "0")
    return settings


def serve_sample(s: Site) -> None:
    s.pages["/list/index.html"] = Page((PAGES / "list_county.html").read_bytes())
    s.pages["/list/t20261015_0998.html"] = Page((PAGES / "detail_xxgk.html").read_bytes())
    s.pages["/feed.xml"] = Page(
        (PAGES / "feed_gb2312.xml").read_bytes(), content_type="application/rss+xml"
    )


def test_inspect_list_detail_and_feed(cli_env: Settings, site: tuple[Site, ThreadServer]) -> None:
    s, server = site
    serve_sample(s)
    runner = CliRunner()
    result = runner.invoke(
        app, ["inspect", server.url("/list/index.html"), "--option", "max_pages=1", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["kind"] == "html"
    titles = [i["title"] for i in data["items"]]
    assert titles[1] == "关于2026年低保对象的公示"
    second = data["items"][1]
    # Its detail page carries the metadata table; the others 404 and say so.
    assert second["metadata"]["index_no"] == "445302-HP-2026-0012"
    assert (second["formed"], second["published"]) == ("2026-10-30", "2026-11-02")
    assert second["attachments"][0]["url"].endswith("P020261102_1.xlsx")
    assert any("HTTP 404" in e for e in data["errors"])

    detail = runner.invoke(app, ["inspect", server.url("/list/t20261015_0998.html"), "--json"])
    assert detail.exit_code == 0, detail.output
    (item,) = json.loads(detail.stdout)["items"]
    assert item["metadata"]["publisher"] == "和平村民委员会"

    feed = runner.invoke(app, ["inspect", server.url("/feed.xml"), "--option", "detail=false"])
    assert feed.exit_code == 0, feed.output
    assert "read as rss: 3 items" in feed.stdout
    assert "石城镇2026年11月财务公开" in feed.stdout


def test_crawl_then_export_evidence(
    cli_env: Settings,
    sqlite_sessions: sessionmaker[Session],
    site: tuple[Site, ThreadServer],
    tmp_path: Path,
) -> None:
    s, server = site
    serve_sample(s)
    _, feed_id = add_feed(sqlite_sessions, server.url("/feed.xml"), "rss", {"detail": False})
    runner = CliRunner()
    result = runner.invoke(
        app, ["crawl", "--feed", str(feed_id), "--as-of", "2026-11-28", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["ok"], report["items_new"]) == (1, 3)
    with sqlite_sessions() as session:
        evidence_id = session.scalars(select(Evidence.id)).one()
        assert (
            session.scalars(select(Item.first_seen))
            .first()
            .isoformat()
            .startswith("2026-11-28T15:59:59")
        )
    out = tmp_path / "evidence.warc.gz"
    exported = runner.invoke(app, ["evidence", "export", str(evidence_id), "--output", str(out)])
    assert exported.exit_code == 0, exported.output
    assert b"WARC/1" in gzip.decompress(out.read_bytes())
    body = tmp_path / "body.xml"
    runner.invoke(app, ["evidence", "export", str(evidence_id), "-o", str(body), "--payload"])
    assert body.read_bytes() == (PAGES / "feed_gb2312.xml").read_bytes()

    missing = runner.invoke(app, ["evidence", "export", "999", "--output", str(out)])
    assert missing.exit_code == 1

    # An unwritable path is a one-line error, not a traceback.
    nowhere = str(tmp_path / "nonexistent" / "x.warc.gz")
    unwritable = runner.invoke(app, ["evidence", "export", str(evidence_id), "-o", nowhere])
    assert unwritable.exit_code == 1 and unwritable.exception is not None
    assert isinstance(unwritable.exception, SystemExit), unwritable.exception
    assert f"error: cannot write {nowhere}" in unwritable.output
