"""Rules load through the entry-point group; a broken one is reported, not fatal."""

from __future__ import annotations

import json
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli.main import app
from rules.api import ENTRY_POINT_GROUP
from rules.registry import load_rules

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def _ep(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)


def test_broken_plugins_are_reported_and_skipped() -> None:
    loaded = load_rules(
        [
            _ep("good", "rules.timeliness.publication_lag:PublicationLag"),
            _ep("missing", "rules.no_such_module:Nothing"),
            _ep("not_a_rule", "rules.api:Period"),
            _ep("dup", "rules.timeliness.unit_silent:UnitSilent"),
            _ep("dup2", "tests.rules.test_registry:Clash"),
        ]
    )
    assert set(loaded.rules) == {"timeliness.publication_lag", "timeliness.unit_silent"}
    assert len(loaded.errors) == 3
    assert any("missing" in e and "ModuleNotFoundError" in e for e in loaded.errors)
    assert any("not a Rule subclass" in e for e in loaded.errors)
    assert any("already registered" in e for e in loaded.errors)


from rules.timeliness.unit_silent import UnitSilent  # noqa: E402


class Clash(UnitSilent):
    """Same id as a built-in rule: must be refused, not silently replace it."""


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("MONITOR_DATA_DIR", str(tmp_path / "var"))


def test_cli_rules_list_and_show(cli_env: None) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["rules", "list", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    ids = {row["id"] for row in data["rules"]}
    assert {"completeness.required_categories", "timeliness.publication_lag"} <= ids
    result = runner.invoke(app, ["rules", "show", "timeliness.publication_lag", "--json"])
    row = json.loads(result.output)
    assert row["params"] == [{"name": "limit_workdays", "type": "<class 'int'>", "default": 20}]
    assert "art. 26" in row["basis"] and "Bad" in row["doc"]
    assert "township:month" in row["periods"]
    result = runner.invoke(app, ["rules", "show", "timeliness.publication_lag"])
    assert "limit_workdays = 20" in result.output
    result = runner.invoke(app, ["rules", "show", "no.such"])
    assert result.exit_code == 2


def test_docs_rules_md_is_generated_from_the_docstrings(cli_env: None) -> None:
    result = CliRunner().invoke(app, ["rules", "docs"])
    assert result.exit_code == 0
    assert DOCS.read_text(encoding="utf-8") == result.output, (
        "docs/rules.md is stale: run `monitor rules docs > docs/rules.md`"
    )
