"""Settings come from the file, then the environment; the documented file is valid."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from monitor.settings import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def test_file_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "monitor.toml"
    cfg.write_text("web_port = 9000\n[crawl]\nconcurrency = 8\nper_host_rate = 2.5\n")
    monkeypatch.setenv("MONITOR_CONFIG", str(cfg))
    monkeypatch.setenv("MONITOR_CRAWL__CONCURRENCY", "16")
    monkeypatch.setenv("MONITOR_ALLOWED_NETWORKS", "127.0.0.0/8, 10.1.0.0/16")
    s = Settings()
    assert s.web_port == 9000
    assert s.crawl.concurrency == 16  # the environment wins over the file
    assert s.crawl.per_host_rate == 2.5
    assert s.allowed_networks == ["127.0.0.0/8", "10.1.0.0/16"]


def test_bad_values_fail_loudly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("MONITOR_ALLOWED_NETWORKS", "not-a-network")
    with pytest.raises(ValidationError):
        Settings()
    monkeypatch.delenv("MONITOR_ALLOWED_NETWORKS")
    cfg = tmp_path / "monitor.toml"
    cfg.write_text("no_such_key = 1\n")
    monkeypatch.setenv("MONITOR_CONFIG", str(cfg))
    with pytest.raises(ValidationError):
        Settings()


def test_documented_example_is_valid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    block = re.search(r"```toml\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    assert block is not None
    cfg = tmp_path / "monitor.toml"
    cfg.write_text(block.group(1), encoding="utf-8")
    monkeypatch.setenv("MONITOR_CONFIG", str(cfg))
    s = Settings()
    assert s.database_url == "sqlite:///var/monitor.db"
    assert s.crawl.per_host_concurrency == 4


def test_secrets_stay_out_of_the_settings_repr() -> None:
    """A settings object printed in a traceback, a log or a test report."""
    from monitor.settings import AssessmentSettings, SmtpSettings

    s = Settings(
        secret_key="k-" + "x1y2" * 10,
        smtp=SmtpSettings(password="smtp-pw-1234"),
        assessment=AssessmentSettings(webhook_secret="whsec-5678"),
    )
    shown = repr(s) + str(s)
    for secret in ("x1y2x1y2", "smtp-pw-1234", "whsec-5678"):
        assert secret not in shown
    assert s.smtp.password == "smtp-pw-1234"


def test_config_option_is_passed_down_not_put_in_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from monitor.cli.main import app
    from monitor.settings import load_settings

    monkeypatch.delenv("MONITOR_CONFIG", raising=False)
    cfg = tmp_path / "other.toml"
    cfg.write_text(f'database_url = "sqlite:///{tmp_path}/x.db"\nweb_port = 9123\n')
    assert load_settings(cfg).web_port == 9123
    assert type(load_settings(cfg)) is Settings
    result = CliRunner().invoke(app, ["--config", str(cfg), "calendar", "--help"])
    assert result.exit_code == 0, result.output
    assert "MONITOR_CONFIG" not in os.environ


def test_runtime_fails_loudly_on_a_missing_ruleset(tmp_path: Path) -> None:
    from monitor.runtime import ConfigurationError, build_runtime

    settings = Settings(ruleset=str(tmp_path / "absent.yaml"))
    with pytest.raises(ConfigurationError, match=r"absent\.yaml"):
        build_runtime(settings)


def test_timezone_is_beijing_time_or_refused() -> None:
    assert Settings(timezone="Asia/Chongqing").timezone == "Asia/Chongqing"  # an alias
    with pytest.raises(ValidationError, match="not Beijing time"):
        Settings(timezone="Europe/Berlin")
    with pytest.raises(ValidationError, match="not a known zone"):
        Settings(timezone="Mars/Olympus")


def test_the_shared_store_is_kept_apart_from_the_broker() -> None:
    assert Settings().shared_store is None  # embedded: this process alone
    assert Settings(mode="distributed").shared_store == "redis://127.0.0.1:6379/0"
    assert Settings(mode="distributed", shared_store_url="local").shared_store is None
    other = Settings(
        mode="distributed",
        broker_url="amqp://guest:guest@127.0.0.1:5672//",
        shared_store_url="redis://cache:6379/2",
    )
    assert other.shared_store == "redis://cache:6379/2"
    with pytest.raises(ValidationError, match="shared_store_url"):
        Settings(mode="distributed", broker_url="amqp://127.0.0.1//")
    with pytest.raises(ValidationError, match="shared_store_url"):
        Settings(shared_store_url="memcached://x")
