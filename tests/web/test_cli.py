"""``monitor users`` and ``monitor web`` through the real command line."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner, Result

from monitor.cli.main import app
from monitor.settings import Settings
from monitor.store.models import Unit
from monitor.web.accounts import authenticate, user_for_token
from monitor.web.models import User
from tests.conftest import TEST_SECRET_KEY


def cli(settings: Settings, *args: str, stdin: str | None = None) -> Result:
    env = {"MONITOR_DATABASE_URL": settings.database_url, "MONITOR_CONFIG": "absent.toml"}
    return CliRunner().invoke(app, list(args), env=env, input=stdin)


@pytest.fixture
def town(sqlite_sessions: sessionmaker[Session]) -> str:
    with sqlite_sessions.begin() as s:
        s.add(Unit(code="330101001000", name="东城镇", level="town", kind="town"))
    return "330101001000"


def test_users_add_and_token(settings, sqlite_sessions, town, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = cli(
        settings,
        "users",
        "add",
        "east",
        "--role",
        "inspector",
        "--unit",
        town,
        "--password-stdin",
        stdin="s3cret pass\n",
    )
    assert res.exit_code == 0, res.output
    with sqlite_sessions() as s:
        user = s.scalar(select(User).where(User.name == "east"))
        assert user.password_hash.startswith("$argon2")
        assert authenticate(s, "east", "s3cret pass") is not None
        assert authenticate(s, "east", "wrong") is None
    res = cli(settings, "users", "token", "east", "--json")
    assert res.exit_code == 0, res.output
    token = json.loads(res.output)["token"]
    with sqlite_sessions() as s:
        assert user_for_token(s, token, max_age_days=90).name == "east"
        assert user_for_token(s, token + "x", max_age_days=90) is None


def test_users_add_refuses_bad_input(settings, sqlite_sessions, town, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli(settings, "users", "add", "x", "--role", "king").exit_code != 0
    assert cli(settings, "users", "add", "x", "--role", "inspector").exit_code != 0
    res = cli(settings, "users", "add", "x", "--role", "inspector", "--unit", "999")
    assert res.exit_code != 0
    assert cli(settings, "users", "token", "nobody").exit_code != 0
    ok = cli(settings, "users", "add", "office", "--role", "assessment")
    assert ok.exit_code == 0, ok.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_monitor_web_serves(settings, sqlite_sessions, tmp_path: Path):
    port = _free_port()
    env = {
        **os.environ,
        "MONITOR_DATABASE_URL": settings.database_url,
        "MONITOR_CONFIG": str(tmp_path / "absent.toml"),
        "MONITOR_SECRET_KEY": TEST_SECRET_KEY,
    }
    env.pop("PROMETHEUS_MULTIPROCESS_DIR", None)
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "monitor"),
            "web",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert json.loads(r.read()) == {"status": "ok"}
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    proc.kill()
                    output = proc.stdout.read().decode() if proc.stdout else ""
                    raise AssertionError(f"monitor web did not answer:\n{output}") from None
                time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            assert "No scores have been computed yet" in r.read().decode()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
        if proc.stdout:
            proc.stdout.close()
