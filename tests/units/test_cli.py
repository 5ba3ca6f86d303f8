"""``monitor units`` and ``monitor feeds`` through the real command line app."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from monitor.cli.main import app
from monitor.settings import Settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "units"


def _run(settings: Settings, *args: str) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(app, list(args), env={"MONITOR_DATABASE_URL": settings.database_url})
    return result.exit_code, result.stdout, result.stderr


def test_units_import_and_list(settings: Settings, sqlite_sessions: sessionmaker[Session]) -> None:
    code, out, _ = _run(
        settings,
        "units",
        "import",
        str(FIXTURES / "units.csv"),
        "--feeds",
        str(FIXTURES / "feeds.yaml"),
    )
    assert code == 0, out
    assert "imported 5 units and 2 feeds" in out

    code, out, _ = _run(settings, "units", "list", "--parent", "445302102000", "--json")
    assert code == 0
    assert json.loads(out) == [
        {
            "code": "445302102202",
            "name": "水东村",
            "level": "village",
            "kind": "village",
            "parent_code": "445302102000",
            "feeds": 1,
        }
    ]

    code, out, _ = _run(settings, "feeds", "import", str(FIXTURES / "feeds.csv"))
    assert (code, out.strip()) == (0, "imported 2 feeds")
    code, out, _ = _run(settings, "feeds", "list", "--json")
    assert [f["kind"] for f in json.loads(out)] == ["html", "json", "html", "rss"]


def test_bad_file_exits_2_with_the_line(
    settings: Settings, sqlite_sessions: sessionmaker[Session]
) -> None:
    code, _, err = _run(settings, "units", "import", str(FIXTURES / "units_bad_level.csv"))
    assert code == 2
    assert "units_bad_level.csv:3: level 'village' contradicts code" in err


def test_help_texts() -> None:
    result = CliRunner().invoke(app, ["units", "import", "--help"])
    assert result.exit_code == 0
    assert "--feeds" in result.stdout
    assert "12-digit" in result.stdout


def test_import_into_a_never_migrated_store_creates_it(tmp_path: Path) -> None:
    """A newcomer's first county: no `monitor db upgrade` yet, no traceback."""
    url = f"sqlite:///{tmp_path / 'fresh' / 'monitor.db'}"
    result = CliRunner().invoke(
        app,
        ["units", "import", str(FIXTURES / "units.csv")],
        env={"MONITOR_DATABASE_URL": url},
    )
    assert result.exit_code == 0, result.output
    assert "imported 5 units" in result.stdout
    assert "created its schema" in result.stderr


def test_import_into_an_old_store_says_to_upgrade_in_one_line(tmp_path: Path) -> None:
    from monitor.store.db import make_engine
    from monitor.store.migrate import head, upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    upgrade(engine, "82a191595329")
    engine.dispose()
    result = CliRunner().invoke(
        app, ["units", "import", str(FIXTURES / "units.csv")], env={"MONITOR_DATABASE_URL": url}
    )
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: the store is at revision 82a191595329, this monitor needs "
        f"{head()}: run `monitor db upgrade`"
    ]


def test_a_newcomers_first_cycle_by_hand(tmp_path: Path) -> None:
    """Import a county into a new store, then one whole cycle with `monitor run --once`."""
    env = {"MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'first.db'}"}
    imported = CliRunner().invoke(app, ["units", "import", str(FIXTURES / "units.csv")], env=env)
    assert imported.exit_code == 0, imported.output
    cycle = CliRunner().invoke(app, ["run", "--once"], env=env)
    assert cycle.exit_code == 0, cycle.output
    lines = cycle.stdout.splitlines()
    assert lines[0].startswith("cycle as of ")
    assert [line.split(":")[0].strip() for line in lines[1:]] == [
        "crawl",
        "evaluate",
        "score",
        "alerts",
        "deliver",
    ]
