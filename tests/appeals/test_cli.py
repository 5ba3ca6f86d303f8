"""``monitor appeals`` through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner, Result

from monitor.cli.main import app
from monitor.settings import Settings
from tests.scoring.factories import add_finding, make_tree


def cli(settings: Settings, *args: str) -> Result:
    env = {"MONITOR_DATABASE_URL": settings.database_url, "MONITOR_CONFIG": "absent.toml"}
    return CliRunner().invoke(app, list(args), env=env)


def test_file_and_overturn_an_appeal(
    sqlite_sessions: sessionmaker[Session],
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    with sqlite_sessions.begin() as s:
        units = make_tree(s)
        fid = add_finding(s, units["v1"], "timeliness.unit_silent", "unit").id
    assert cli(settings, "score", "--period", "2026-11", "--as-of", "2026-11-20").exit_code == 0
    res = cli(settings, "appeals", "file", str(fid), "--by", "operator", "--reason", "moved")
    assert res.exit_code == 0, res.output
    assert cli(settings, "appeals", "file", str(fid), "--by", "o", "--reason", "r").exit_code == 1
    bad = cli(
        settings, "appeals", "decide", "1", "--outcome", "maybe", "--by", "e", "--reason", "r"
    )
    assert bad.exit_code == 1
    res = cli(
        settings,
        "appeals",
        "decide",
        "1",
        "--outcome",
        "overturned",
        "--by",
        "east",
        "--reason",
        "published at the new URL",
    )
    assert res.exit_code == 0 and "recomputed 2026-11" in res.output, res.output
    listed = json.loads(cli(settings, "appeals", "list", "--json").output)
    assert listed[0]["state"] == "overturned"
    assert [h["to"] for h in listed[0]["history"]] == ["pending", "overturned"]
    assert "by east" in cli(settings, "appeals", "show", "1").output
    shown = json.loads(
        cli(settings, "score", "show", "441702100001", "--period", "2026-11", "--json").output
    )
    assert next(r for r in shown["scores"] if r["indicator"] == "total")["value"] == 100
