"""``monitor discover`` on the sample site: from each unit's home page it proposes
every feed the demo crawls, and the YAML it prints imports as it is."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli.main import app
from monitor.crawl.discover import discover
from monitor.demo.district import feed_rows, units_csv_path
from monitor.demo.model import District
from monitor.demo.site import DemoSite
from monitor.settings import Settings


@pytest.fixture
def sample(district: District) -> Iterator[DemoSite]:
    with DemoSite(district) as site:
        yield site


@pytest.mark.timeout(300)
def test_discover_proposes_every_feed_of_every_unit(
    sample: DemoSite, district: District, settings: Settings
) -> None:
    rows = feed_rows(district, sample.base_url)
    codes = sorted({r["unit_code"] for r in rows})
    assert len(codes) > 100
    # Before the planted outages: every unit's site answers.
    outages = [u.down_from for u in district.units.values() if u.down_from is not None]
    sample.set_today(min(outages) - timedelta(days=1))
    for code in codes:
        found = discover(settings, f"{sample.base_url}/u/{code}/")
        wanted = {(r["url"], r["kind"]) for r in rows if r["unit_code"] == code}
        proposed = {(p.url, p.kind) for p in found.proposals}
        assert proposed == wanted, (code, found.rejected, found.errors)
        categories = {r["url"]: r["category"] for r in rows if r["unit_code"] == code}
        for proposal in found.proposals:
            # Town columns are named by the column; villages' mixed lists and feeds by
            # nothing (their items carry their own categories).
            assert proposal.category == categories[proposal.url], proposal


def test_discover_prints_feeds_that_import_as_they_are(
    sample: DemoSite, district: District, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("MONITOR_DATABASE_URL", f"sqlite:///{tmp_path / 'm.db'}")
    monkeypatch.setenv("MONITOR_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("MONITOR_ALLOWED_NETWORKS", "127.0.0.0/8")
    town = next(u for u in district.units.values() if u.channel == "columns")
    runner = CliRunner()
    out = tmp_path / "feeds.yaml"
    result = runner.invoke(
        app, ["discover", f"{sample.base_url}/u/{town.code}/", "--unit", town.code, "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "wrote 6 feeds" in result.output
    for command in (["db", "upgrade"], ["units", "import", str(units_csv_path())]):
        done = runner.invoke(app, command)
        assert done.exit_code == 0, done.output
    imported = runner.invoke(app, ["feeds", "import", str(out)])
    assert imported.exit_code == 0, imported.output
    listed = runner.invoke(app, ["feeds", "list", "--unit", town.code, "--json"])
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.count(f"/u/{town.code}/") == 6


def test_discover_json_and_a_page_with_nothing(
    sample: DemoSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("MONITOR_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("MONITOR_ALLOWED_NETWORKS", "127.0.0.0/8")
    runner = CliRunner()
    village = next(iter(sorted(sample.district.villages(), key=lambda u: u.code)))
    result = runner.invoke(app, ["discover", f"{sample.base_url}/u/{village.code}/", "--json"])
    assert result.exit_code == 0, result.output
    assert '"feeds"' in result.stdout
    empty = runner.invoke(app, ["discover", f"{sample.base_url}/nothing-here"])
    assert empty.exit_code == 1
    assert "no disclosure column found" in empty.output
