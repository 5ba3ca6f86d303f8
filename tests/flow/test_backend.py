"""``monitor worker`` reaches the Celery side only through ``settings.workers.entry``."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from monitor.cli.main import app
from tests.flow import fake_backend


def test_the_worker_command_loads_the_configured_backend(tmp_path: Path) -> None:
    env = {
        "MONITOR_CONFIG": str(tmp_path / "absent.toml"),
        "MONITOR_DATABASE_URL": f"sqlite:///{tmp_path}/m.db",
        "MONITOR_WORKERS__ENTRY": "tests.flow.fake_backend:backend",
    }
    fake_backend.CALLS.clear()
    ran = CliRunner().invoke(app, ["worker", "-Q", "evaluate", "-c", "1"], env=env)
    assert ran.exit_code == 0, ran.output
    ((what, argv),) = fake_backend.CALLS
    assert what == "worker" and argv[argv.index("--queues") + 1] == "evaluate"
    refused = CliRunner().invoke(app, ["worker", "-Q", "score"], env=env)
    assert refused.exit_code != 0 and "choose from crawl, evaluate" in refused.output
