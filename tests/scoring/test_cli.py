"""``monitor score``: compute, show, export through the real command line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner, Result

from monitor.cli.main import app
from monitor.settings import Settings
from tests.scoring.factories import add_finding, make_tree


def cli(settings: Settings, *args: str) -> Result:
    env = {"MONITOR_DATABASE_URL": settings.database_url, "MONITOR_CONFIG": "absent.toml"}
    return CliRunner().invoke(app, list(args), env=env)


@pytest.fixture
def seeded(
    sqlite_sessions: sessionmaker[Session],
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Settings:
    monkeypatch.chdir(tmp_path)
    with sqlite_sessions.begin() as s:
        units = make_tree(s)
        add_finding(s, units["v1"], "completeness.required_categories", "财务公开")
        add_finding(s, units["v1"], "timeliness.unit_silent", "unit")
    return settings


def test_score_show_and_export(seeded: Settings, tmp_path: Path) -> None:
    result = cli(seeded, "score", "--period", "2026-11", "--as-of", "2026-11-20", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["totals"]["441702100001"] == 92
    assert report["computed_for"] == "2026-11-20"

    again = cli(seeded, "score", "--period", "2026-11", "--as-of", "2026-11-20", "--json")
    assert json.loads(again.output)["unchanged"] == report["inserted"]

    shown = cli(seeded, "score", "show", "441702100001", "--period", "2026-11")
    assert shown.exit_code == 0, shown.output
    assert "total" in shown.output and "92.00" in shown.output
    assert "completeness.required_categories" in shown.output
    as_json = json.loads(
        cli(seeded, "score", "show", "441702100001", "--period", "2026-11", "--json").output
    )
    total = next(r for r in as_json["scores"] if r["indicator"] == "total")
    assert sum(e["counted"] for e in total["explanation"]) == 8
    # Before the computation there was nothing to show.
    early = cli(
        seeded, "score", "show", "441702100001", "--period", "2026-11", "--as-of", "2026-11-19"
    )
    assert early.exit_code == 1

    for fmt in ("csv", "xlsx", "json"):
        out = tmp_path / f"scores.{fmt}"
        res = cli(
            seeded, "score", "export", "--format", fmt, "--output", str(out), "--period", "2026-11"
        )
        assert res.exit_code == 0, res.output
        assert "wrote 30 rows" in res.output
    assert load_workbook(tmp_path / "scores.xlsx").active.max_row == 31
    bad = cli(seeded, "score", "export", "--format", "pdf", "--output", "x.pdf")
    assert bad.exit_code != 0


def test_scheme_command_validates_the_scheme(seeded: Settings, tmp_path: Path) -> None:
    ok = cli(seeded, "score", "scheme", "--json")
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.output)
    assert data["version"] == "national-2019.2" and len(data["config_hash"]) == 64
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: x\nindicators:\n  - {id: a, points: 50, rules: {}}\n")
    env = {
        "MONITOR_DATABASE_URL": seeded.database_url,
        "MONITOR_CONFIG": "absent.toml",
        "MONITOR_SCHEME": str(broken),
    }
    bad = CliRunner().invoke(app, ["score", "scheme"], env=env)
    assert bad.exit_code == 1 and "add up" in bad.output


def test_score_exports_are_inert(
    seeded: Settings, sqlite_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    """A unit name that tries to be a formula (and holds a NUL) leaves the score
    exports as text, and the numbers as numbers."""
    from sqlalchemy import update

    from monitor.spreadsheet import FORMULA_TRIGGERS
    from monitor.store.models import Unit

    hostile = '=HYPERLINK("http://evil.invalid/","x")\x00'
    with sqlite_sessions.begin() as s:
        s.execute(update(Unit).where(Unit.code == "441702100001").values(name=hostile))
    assert cli(seeded, "score", "--period", "2026-11", "--as-of", "2026-11-20").exit_code == 0
    for fmt in ("csv", "xlsx"):
        out = tmp_path / f"scores.{fmt}"
        res = cli(seeded, "score", "export", "-f", fmt, "-o", str(out), "--period", "2026-11")
        assert res.exit_code == 0, res.output
    with (tmp_path / "scores.csv").open(encoding="utf-8-sig", newline="") as fh:
        names = [row["unit_name"] for row in csv.DictReader(fh)]
    assert all(not n.startswith(FORMULA_TRIGGERS) for n in names)
    assert any(n.startswith("'=HYPERLINK") for n in names)
    sheet = load_workbook(tmp_path / "scores.xlsx").active
    header = [c.value for c in sheet[1]]
    rows = list(sheet.iter_rows(min_row=2))
    name = header.index("unit_name")
    value = header.index("value")
    assert all(r[name].data_type == "s" for r in rows)
    assert "'" + hostile.rstrip("\x00") in {r[name].value for r in rows}
    assert all(isinstance(r[value].value, int | float) for r in rows)


def test_export_defaults_to_the_latest_scored_period(seeded: Settings, tmp_path: Path) -> None:
    """Right after a run, `monitor score export` writes the period that has scores and
    says which; a period without scores names those that have them."""
    assert cli(seeded, "score", "--period", "2026-10", "--as-of", "2026-11-05").exit_code == 0
    assert cli(seeded, "score", "--period", "2026-11", "--as-of", "2026-11-20").exit_code == 0
    out = tmp_path / "latest.csv"
    res = cli(seeded, "score", "export", "--format", "csv", "--output", str(out))
    assert res.exit_code == 0, res.output
    assert "wrote 30 rows for 2026-11" in res.output
    with out.open(encoding="utf-8-sig", newline="") as fh:
        assert {row["period"] for row in csv.DictReader(fh)} == {"2026-11"}
    shown = cli(seeded, "score", "show", "441702100001")
    assert shown.exit_code == 0 and "— 2026-11" in shown.output
    missing = cli(seeded, "score", "export", "-f", "csv", "-o", str(out), "--period", "2026-09")
    assert missing.exit_code == 1
    assert "no scores for 2026-09; periods with scores: 2026-11, 2026-10" in missing.stderr


def test_export_headers_in_chinese(seeded: Settings, tmp_path: Path) -> None:
    assert cli(seeded, "score", "--period", "2026-11", "--as-of", "2026-11-20").exit_code == 0
    out = tmp_path / "zh.csv"
    res = cli(seeded, "--lang", "zh_CN", "score", "export", "-f", "csv", "-o", str(out))
    assert res.exit_code == 0, res.output
    header = out.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("单位代码,单位,层级,期间,指标,得分")
