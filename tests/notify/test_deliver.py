"""deliver_outbox with real receivers: signed webhooks, SMTP, Apprise, outages."""

from __future__ import annotations

import email
import json
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from email import policy

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.notify import backoff_seconds, deliver_outbox, sign, verify
from monitor.notify.deliver import _claim
from monitor.settings import Settings
from monitor.store.models import Outbox
from tests.notify.receivers import SmtpServer, WebhookReceiver
from tests.scoring.factories import T0

SECRET = "s3cret"


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    r = WebhookReceiver(secret=SECRET).start()
    yield r
    r.stop()


def alert_row(n: int, channel: dict, *, topic: str = "alert.notification") -> Outbox:
    return Outbox(
        topic=topic,
        idempotency_key=f"{topic}:test:{n}",
        next_attempt_at=T0,
        payload={
            "event": topic,
            "inspector": "east",
            "channel": channel,
            "unit": {"id": 1, "code": "441702100001", "name": "东村"},
            "opened": [
                {
                    "id": n,
                    "rule_id": "privacy.personal_data",
                    "subject": f"item-{n}",
                    "severity": "high",
                    "title": "身份证号码未脱敏",
                    "period": "2026-11",
                    "evidence": {"url": "https://example.invalid/x"},
                }
            ],
        },
    )


def score_row(n: int) -> Outbox:
    return Outbox(
        topic="score.updated",
        idempotency_key=f"score.updated:2026-11:{n}",
        next_attempt_at=T0,
        payload={"event": "score.updated", "period": "2026-11", "scores": [{"total": 90 + n}]},
    )


def add(sessions: sessionmaker[Session], *rows: Outbox) -> list[int]:
    with sessions.begin() as s:
        s.add_all(rows)
        s.flush()
        return [r.id for r in rows]


def with_webhook(settings: Settings, url: str) -> Settings:
    return settings.model_copy(
        update={
            "assessment": settings.assessment.model_copy(
                update={"webhook_url": url, "webhook_secret": SECRET}
            )
        }
    )


def test_signature_round_trip() -> None:
    body = b'{"a":1}'
    sig = sign("k", 1_800_000_000, body)
    assert verify("k", "1800000000", body, sig, now=1_800_000_010)
    assert not verify("k", "1800000000", body + b" ", sig, now=1_800_000_010)
    assert not verify("other", "1800000000", body, sig, now=1_800_000_010)
    assert not verify("k", "1800000000", body, sig, now=1_800_009_999)  # stale


def test_backoff_is_exponential_capped_and_jittered() -> None:
    assert backoff_seconds(1, 30, 3600, rand=lambda: 0.0) == 15
    assert backoff_seconds(1, 30, 3600, rand=lambda: 1.0) == 30
    assert backoff_seconds(3, 30, 3600, rand=lambda: 1.0) == 120
    assert backoff_seconds(30, 30, 3600, rand=lambda: 1.0) == 3600
    assert 1800 <= backoff_seconds(30, 30, 3600) <= 3600


def test_signed_webhook_for_scores_and_alerts(
    sqlite_sessions: sessionmaker[Session], settings: Settings, receiver: WebhookReceiver
) -> None:
    sessions = sqlite_sessions  # channel behaviour, not the backend
    settings = with_webhook(settings, receiver.url)
    ids = add(
        sessions,
        score_row(1),
        alert_row(2, {"type": "webhook", "url": receiver.url, "secret": SECRET}),
    )
    report = deliver_outbox(sessions, settings, now=T0)
    assert report.delivered == ids and report.errors == []
    assert len(receiver.requests) == 2
    for req in receiver.requests:
        assert verify(
            SECRET, req.headers["X-Monitor-Timestamp"], req.body, req.headers["X-Monitor-Signature"]
        )
    events = [json.loads(r.body)["event"] for r in receiver.requests]
    assert events == ["score.updated", "alert.notification"]
    with sessions() as s:
        rows = s.scalars(select(Outbox).order_by(Outbox.id)).all()
        assert all(r.delivered_at == T0 and r.attempts == 1 for r in rows)
    assert deliver_outbox(sessions, settings, now=T0 + timedelta(days=1)).delivered == []


def test_down_receiver_gets_everything_exactly_once_after_it_comes_back(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    receiver = WebhookReceiver(secret=SECRET)  # not started: connection refused
    settings = with_webhook(settings, receiver.url)
    hook = {"type": "webhook", "url": receiver.url, "secret": SECRET}
    ids = add(sessions, score_row(1), score_row(2), *(alert_row(n, hook) for n in range(3, 6)))
    first = deliver_outbox(sessions, settings, now=T0)
    assert first.delivered == [] and sorted(first.failed) == ids
    assert len(first.errors) == 5
    # Backing off: nothing is due a second later, and nothing was dropped.
    assert deliver_outbox(sessions, settings, now=T0 + timedelta(seconds=1)).failed == []
    with sessions() as s:
        rows = s.scalars(select(Outbox)).all()
        assert all(r.last_error and r.delivered_at is None for r in rows)
        assert all(r.next_attempt_at > T0 for r in rows)
    second = deliver_outbox(sessions, settings, now=T0 + timedelta(minutes=5))
    assert len(second.failed) == 5
    receiver.start()
    try:
        receiver.fail_next = 1  # the first answer is lost: that row will be resent
        later = T0 + timedelta(hours=3)
        third = deliver_outbox(sessions, settings, now=later)
        fourth = deliver_outbox(sessions, settings, now=later + timedelta(hours=3))
        assert len(third.delivered) == 4 and len(fourth.delivered) == 1
        keys = Counter(r.headers["Idempotency-Key"] for r in receiver.requests)
        assert len(keys) == 5 and sorted(keys.values()) == [1, 1, 1, 1, 2]
        assert len(receiver.processed) == 5  # each key processed exactly once
        assert deliver_outbox(sessions, settings, now=later + timedelta(days=9)).delivered == []
    finally:
        receiver.stop()


def test_claim_is_a_conditional_update(sessions: sessionmaker[Session]) -> None:
    (row_id,) = add(sessions, score_row(1))
    with sessions.begin() as s:
        assert _claim(s, row_id, T0, 300)
    with sessions.begin() as s:
        assert not _claim(s, row_id, T0, 300)  # leased to the first deliverer
    with sessions.begin() as s:
        assert _claim(s, row_id, T0 + timedelta(seconds=301), 300)  # lease ran out


def test_two_deliverers_never_send_the_same_row(
    sessions: sessionmaker[Session], settings: Settings, receiver: WebhookReceiver
) -> None:
    hook = {"type": "webhook", "url": receiver.url, "secret": SECRET}
    add(sessions, *(alert_row(n, hook) for n in range(20)))
    reports = []

    def work() -> None:
        reports.append(deliver_outbox(sessions, settings, now=T0))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    delivered = [i for r in reports for i in r.delivered]
    assert sorted(delivered) == sorted(set(delivered)) and len(delivered) == 20
    assert len(receiver.requests) == 20


def test_email_reaches_a_real_smtp_inbox(
    sqlite_sessions: sessionmaker[Session], settings: Settings
) -> None:
    sessions = sqlite_sessions  # channel behaviour, not the backend
    with SmtpServer() as smtp:
        settings = settings.model_copy(
            update={"smtp": settings.smtp.model_copy(update={"port": smtp.port})}
        )
        add(
            sessions,
            alert_row(1, {"type": "email", "to": "east@example.invalid"}),
            alert_row(
                2, {"type": "email", "to": "chief@example.invalid"}, topic="alert.escalation"
            ),
        )
        report = deliver_outbox(sessions, settings, now=T0)
        assert len(report.delivered) == 2, report.errors
        assert [m[1] for m in smtp.messages] == [
            ["east@example.invalid"],
            ["chief@example.invalid"],
        ]
        msg = email.message_from_bytes(smtp.messages[0][2], policy=policy.default)
        assert "东村" in msg["Subject"]
        assert msg["Idempotency-Key"] == "alert.notification:test:1"
        assert "privacy.personal_data" in msg.get_content()
        assert msg["Message-ID"].endswith("@disclosure-monitor>")


def test_apprise_url_posts_to_a_receiver(
    sqlite_sessions: sessionmaker[Session], settings: Settings, receiver: WebhookReceiver
) -> None:
    sessions = sqlite_sessions  # channel behaviour, not the backend
    receiver.secret = None  # Apprise's json:// does not sign
    url = f"json://127.0.0.1:{receiver.port}/robot"
    add(sessions, alert_row(1, {"type": "apprise", "url": url}))
    report = deliver_outbox(sessions, settings, now=T0)
    assert len(report.delivered) == 1, report.errors
    body = json.loads(receiver.requests[0].body)
    assert "东村" in body["title"] and "privacy.personal_data" in body["message"]


def test_errors_are_collected_per_recipient_and_kept(
    sqlite_sessions: sessionmaker[Session], settings: Settings, receiver: WebhookReceiver
) -> None:
    sessions = sqlite_sessions  # channel behaviour, not the backend
    hook = {"type": "webhook", "url": receiver.url, "secret": SECRET}
    ids = add(
        sessions,
        alert_row(1, {"type": "pager"}),
        alert_row(2, hook),
        alert_row(3, {"type": "webhook", "url": receiver.url, "secret": "wrong"}),
    )
    report = deliver_outbox(sessions, settings, now=T0)
    assert report.delivered == [ids[1]]
    assert sorted(report.failed) == [ids[0], ids[2]]
    assert any("unknown channel type" in e for e in report.errors)
    assert any("HTTP 401" in e for e in report.errors)
    with sessions() as s:
        kept = s.scalars(select(Outbox).where(Outbox.delivered_at.is_(None))).all()
        assert sorted(r.id for r in kept) == [ids[0], ids[2]]


def test_dry_run_sends_nothing_and_keeps_rows(
    sqlite_sessions: sessionmaker[Session], settings: Settings, receiver: WebhookReceiver
) -> None:
    sessions = sqlite_sessions  # channel behaviour, not the backend
    settings = settings.model_copy(
        update={"alerts": settings.alerts.model_copy(update={"dry_run": True})}
    )
    add(sessions, alert_row(1, {"type": "webhook", "url": receiver.url, "secret": SECRET}))
    report = deliver_outbox(sessions, settings, now=T0)
    assert len(report.dry_run) == 1 and "东村" in report.dry_run[0]["subject"]
    assert receiver.requests == []
    with sessions() as s:
        assert s.scalars(select(Outbox)).one().delivered_at is None


def test_scores_are_held_without_an_assessment_webhook(
    sqlite_sessions: sessionmaker[Session], settings: Settings
) -> None:
    sessions = sqlite_sessions  # channel behaviour, not the backend
    add(sessions, score_row(1))
    report = deliver_outbox(sessions, settings, now=T0)
    assert report.held == 1 and report.delivered == report.failed == []


def test_a_backlog_larger_than_a_page_is_delivered_in_one_call(
    sqlite_sessions: sessionmaker[Session], settings: Settings, receiver: WebhookReceiver
) -> None:
    settings = settings.model_copy(
        update={"notify": settings.notify.model_copy(update={"batch_size": 2})}
    )
    hook = {"type": "webhook", "url": receiver.url, "secret": SECRET}
    ids = add(sqlite_sessions, *(alert_row(n, hook) for n in range(5)))
    assert deliver_outbox(sqlite_sessions, settings, now=T0).delivered == ids


def test_email_alert_arrives_in_chinese_with_a_link(
    sqlite_sessions: sessionmaker[Session], settings: Settings
) -> None:
    """The deployed default (zh_CN): the inspector reads the alert's number, the rule's
    name, what to do and by when, and follows a link to the alert."""
    with SmtpServer() as smtp:
        settings = settings.model_copy(
            update={
                "language": "zh_CN",
                "smtp": settings.smtp.model_copy(update={"port": smtp.port}),
                "web": settings.web.model_copy(update={"base_url": "https://jd.example.invalid/"}),
            }
        )
        row = alert_row(7, {"type": "email", "to": "east@example.invalid"})
        row.payload["opened"][0].update(
            opened_at="2026-11-28T08:00:00+00:00",
            rule_id="timeliness.publication_lag",
            message_code="late",
            message_params={
                "published": "2026-11-20",
                "lag": 35,
                "formed": "2026-09-28",
                "limit": 20,
            },
        )
        add(sqlite_sessions, row)
        report = deliver_outbox(sqlite_sessions, settings, now=T0)
        assert len(report.delivered) == 1, report.errors
        msg = email.message_from_bytes(smtp.messages[0][2], policy=policy.default)
        body = msg.get_content()
        assert "新告警" in msg["Subject"] and "东村" in msg["Subject"]
        assert "A-7 [高] 信息形成之日起20个工作日内公开" in body
        assert "相隔 35 个工作日" in body
        assert "请该单位说明延迟原因" in body and "期限：2026-12-08" in body
        assert "https://jd.example.invalid/workspace/alerts/7" in body
