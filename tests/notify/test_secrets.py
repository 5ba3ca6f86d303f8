"""Tokens inside channel URLs stay secret wherever the monitor shows or logs them:
``monitor inspectors list``, ``monitor alerts outbox``/``deliver``, the error stored on
an outbox row, and the log of a failed delivery. SMTP passwords need TLS."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner, Result

from monitor.cli.main import app
from monitor.logs import setup_logging
from monitor.notify import deliver_outbox
from monitor.redact import redact
from monitor.settings import Settings
from monitor.store.models import Outbox
from tests.notify.receivers import WebhookReceiver, free_port
from tests.notify.test_deliver import add, alert_row
from tests.scoring.factories import T0, add_finding, make_tree

TOKENS = [
    "d1n9t4lkT0kenAbCdEf0123456789",
    "693a91f6-7aaa-4bc4-97a0-0ec2sifa5aaa",
    "hunter2pw",
    "aPpR1seS3cret",
    "wEcOmBoTkEy42",
    "s1gnS3cret",
]


def hostile_urls(port: int) -> list[str]:
    return [
        f"http://127.0.0.1:{port}/robot/send?access_token={TOKENS[0]}",
        f"http://127.0.0.1:1/cgi-bin/webhook/send?key={TOKENS[1]}",
        f"http://ops:{TOKENS[2]}@127.0.0.1:1/hook?secret={TOKENS[5]}",
    ]


APPRISE = [f"dingtalk://{TOKENS[3]}@{TOKENS[0]}/", f"wecombot://{TOKENS[4]}"]


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "https://oapi.dingtalk.com/robot/send?access_token=abc123def456",
            "https://oapi.dingtalk.com/robot/send?access_token=***",
        ),
        (
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7aaa-4bc4",
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***",
        ),
        ("https://u:pw@hooks.example.org:8443/x", "https://u:***@hooks.example.org:8443/x"),
        (
            "https://open.feishu.cn/open-apis/bot/v2/hook/0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e",
            "https://open.feishu.cn/open-apis/bot/v2/hook/***",
        ),
        ("dingtalk://s3cret@t0ken/13800000000", "dingtalk://***@***/***"),
        ("wecombot://k3y", "wecombot://***"),
        ("mailtos://me:pw@smtp.qq.com?to=a@b.c", "mailtos://***@smtp.qq.com?to=***"),
        (
            "POST http://h.example/x?secret=abc: HTTP 500",
            "POST http://h.example/x?secret=*** HTTP 500",
        ),
        ("token=abc password=xyz", "token=*** password=***"),
        ("https://example.org/report/2026-11", "https://example.org/report/2026-11"),
    ],
)
def test_redact(url: str, shown: str) -> None:
    assert redact(url) == shown


def cli(settings: Settings, *args: str) -> Result:
    env = {"MONITOR_DATABASE_URL": settings.database_url, "MONITOR_CONFIG": "absent.toml"}
    return CliRunner().invoke(app, list(args), env=env)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    r = WebhookReceiver().start()
    r.fail_next = 1000  # every delivery fails: the error path is what is shown and logged
    yield r
    r.stop()


def _leaks(text: str) -> list[str]:
    return [t for t in TOKENS if t in text]


def test_cli_shows_no_token(
    sqlite_sessions: sessionmaker[Session],
    settings: Settings,
    receiver: WebhookReceiver,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    with sqlite_sessions.begin() as s:
        units = make_tree(s)
        add_finding(s, units["v1"], "privacy.personal_data", "item-1", severity="high")
    args = ["inspectors", "add", "east", "--unit", "441702100000", "--secret", "k"]
    for url in hostile_urls(receiver.port):
        args += ["--webhook", url]
    for url in APPRISE:
        args += ["--apprise", url]
    assert cli(settings, *args).exit_code == 0

    outputs = {}
    for name, argv in {
        "inspectors list": ["inspectors", "list"],
        "inspectors list --json": ["inspectors", "list", "--json"],
    }.items():
        result = cli(settings, *argv)
        assert result.exit_code == 0, result.output
        outputs[name] = result.output
    assert "access_token=***" in outputs["inspectors list"]
    assert "wecombot://***" in outputs["inspectors list --json"]

    assert cli(settings, "alerts", "sync", "--as-of", "2026-11-20").exit_code == 0
    # Apprise's dingtalk:// and wecombot:// would reach the internet: keep them out.
    with sqlite_sessions.begin() as s:
        for row in s.scalars(select(Outbox)):
            if row.payload["channel"]["type"] == "apprise":
                s.delete(row)
    deliver = cli(settings, "alerts", "deliver", "--as-of", "2026-11-20")
    assert "failed 3" in deliver.output, deliver.output
    outputs["alerts deliver"] = deliver.output
    deliver_json = cli(settings, "alerts", "deliver", "--as-of", "2026-11-21", "--json")
    outputs["alerts deliver --json"] = deliver_json.output
    for argv in (["alerts", "outbox"], ["alerts", "outbox", "--json"]):
        result = cli(settings, *argv)
        assert result.exit_code == 0, result.output
        outputs[" ".join(argv)] = result.output
    rows = json.loads(outputs["alerts outbox --json"])
    assert all(r["last_error"] for r in rows)
    with sqlite_sessions() as s:
        stored = [r.last_error or "" for r in s.scalars(select(Outbox))]
    outputs["outbox.last_error"] = "\n".join(stored)
    for name, text in outputs.items():
        assert not _leaks(text), (name, text)


def test_rows_failed_before_masking_are_masked_when_shown(
    sqlite_sessions: sessionmaker[Session], settings: Settings
) -> None:
    url = f"http://127.0.0.1:1/robot/send?access_token={TOKENS[0]}"
    ids = add(sqlite_sessions, alert_row(1, {"type": "webhook", "url": url}))
    with sqlite_sessions.begin() as s:
        s.execute(update(Outbox).where(Outbox.id == ids[0]).values(last_error=f"{url}: HTTP 500"))
    for argv in (["alerts", "outbox"], ["alerts", "outbox", "--json"]):
        result = cli(settings, *argv)
        assert result.exit_code == 0 and "access_token=***" in result.output
        assert not _leaks(result.output), result.output


def test_failed_delivery_logs_no_token(
    sqlite_sessions: sessionmaker[Session], settings: Settings, receiver: WebhookReceiver
) -> None:
    stream = io.StringIO()
    urls = hostile_urls(receiver.port)
    rows = [alert_row(i, {"type": "webhook", "url": u}) for i, u in enumerate(urls)]
    # An Apprise URL to a local receiver: Apprise logs its own requests at debug level.
    json_url = f"json://ops:{TOKENS[2]}@127.0.0.1:{receiver.port}/hook?token={TOKENS[5]}"
    rows.append(alert_row(9, {"type": "apprise", "url": json_url}))
    add(sqlite_sessions, *rows)
    root = logging.getLogger()
    level = root.level
    try:
        setup_logging(settings, level=logging.DEBUG, stream=stream)
        report = deliver_outbox(sqlite_sessions, settings, now=T0)
    finally:
        for handler in [h for h in root.handlers if getattr(h, "_monitor", False)]:
            root.removeHandler(handler)
        root.setLevel(level)
    assert len(report.failed) == 4, report
    logged = stream.getvalue()
    assert "outbox" in logged and "access_token=***" in logged
    assert not _leaks(logged), logged
    assert not _leaks("\n".join(report.errors))


def test_json_logs_mask_tracebacks(settings: Settings) -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    try:
        setup_logging(settings.model_copy(update={"log_json": True}), stream=stream)
        try:
            raise RuntimeError(f"POST https://x.example/send?access_token={TOKENS[0]} failed")
        except RuntimeError:
            logging.getLogger("monitor.notify.deliver").exception("unexpected")
    finally:
        for handler in [h for h in root.handlers if getattr(h, "_monitor", False)]:
            root.removeHandler(handler)
        root.setLevel(level)
    record = json.loads(stream.getvalue().splitlines()[-1])
    assert "RuntimeError" in record["exc"] and "access_token=***" in record["exc"]
    assert not _leaks(stream.getvalue())


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.logins: list[tuple[bytes, bytes]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp_with_auth() -> Iterator[tuple[int, _Inbox]]:
    inbox = _Inbox()

    def authenticator(server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        inbox.logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=True)

    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    yield port, inbox
    controller.stop()


def _mail_settings(settings: Settings, port: int, **smtp: object) -> Settings:
    cfg = settings.smtp.model_copy(update={"port": port, "username": "monitor", **smtp})
    return settings.model_copy(update={"smtp": cfg})


def test_smtp_password_without_tls_is_refused(
    sqlite_sessions: sessionmaker[Session], settings: Settings, smtp_with_auth
) -> None:
    port, inbox = smtp_with_auth
    add(sqlite_sessions, alert_row(1, {"type": "email", "to": "east@example.invalid"}))
    refused = _mail_settings(settings, port, password=TOKENS[2])
    report = deliver_outbox(sqlite_sessions, refused, now=T0)
    assert len(report.failed) == 1 and not inbox.logins and not inbox.messages
    assert "allow_plaintext_password" in report.errors[0]
    assert "starttls" in report.errors[0] and TOKENS[2] not in report.errors[0]


def test_smtp_plaintext_password_when_explicitly_allowed(
    sqlite_sessions: sessionmaker[Session], settings: Settings, smtp_with_auth
) -> None:
    port, inbox = smtp_with_auth
    add(sqlite_sessions, alert_row(1, {"type": "email", "to": "east@example.invalid"}))
    allowed = _mail_settings(settings, port, password=TOKENS[2], allow_plaintext_password=True)
    report = deliver_outbox(sqlite_sessions, allowed, now=T0)
    assert len(report.delivered) == 1, report.errors
    assert inbox.logins == [(b"monitor", TOKENS[2].encode())] and len(inbox.messages) == 1


def test_smtp_without_password_needs_no_tls(
    sqlite_sessions: sessionmaker[Session], settings: Settings, smtp_with_auth
) -> None:
    port, _ = smtp_with_auth
    add(sqlite_sessions, alert_row(1, {"type": "email", "to": "east@example.invalid"}))
    plain = settings.model_copy(update={"smtp": settings.smtp.model_copy(update={"port": port})})
    report = deliver_outbox(sqlite_sessions, plain, now=T0)
    assert len(report.delivered) == 1, report.errors
