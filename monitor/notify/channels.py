"""Notification channels as plugins chosen by ``type``: webhook, email, apprise.

A channel sends one message or raises :class:`DeliveryError`; it never retries on
its own (the outbox does, with backoff) and carries the idempotency key so a
receiver can drop a message it already has.
"""

from __future__ import annotations

import hashlib
import json
import smtplib
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, ClassVar

from monitor.notify.render import render
from monitor.notify.signing import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from monitor.redact import redact
from monitor.settings import Settings

__all__ = [
    "CHANNELS",
    "AppriseChannel",
    "Channel",
    "DeliveryError",
    "EmailChannel",
    "Message",
    "WebhookChannel",
    "channel_for",
    "register_channel",
]


class DeliveryError(RuntimeError):
    pass


@dataclass(frozen=True)
class Message:
    topic: str
    idempotency_key: str
    payload: Mapping[str, Any]

    def body(self) -> bytes:
        return json.dumps(
            dict(self.payload), sort_keys=True, ensure_ascii=False, separators=(",", ":")
        ).encode("utf-8")

    def text(self, settings: Settings | None = None, lang: str | None = None) -> tuple[str, str]:
        """(subject, body) in LANG, else the settings' language."""
        return render(self.topic, dict(self.payload), settings, lang)


class Channel:
    type: ClassVar[str]

    def __init__(self, spec: Mapping[str, Any], settings: Settings) -> None:
        self.spec = dict(spec)
        self.settings = settings

    def send(self, message: Message) -> None:
        raise NotImplementedError

    def describe(self) -> str:
        return self.type


class WebhookChannel(Channel):
    """POST the JSON payload, signed: spec ``{"type": "webhook", "url", "secret"}``."""

    type = "webhook"

    def describe(self) -> str:
        return f"webhook {redact(self.spec.get('url'))}"

    def send(self, message: Message) -> None:
        url = self.spec.get("url")
        if not url:
            raise DeliveryError("webhook channel without a url")
        body = message.body()
        ts = int(time.time())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "disclosure-monitor",
            "X-Monitor-Event": message.topic,
            IDEMPOTENCY_HEADER: message.idempotency_key,
            TIMESTAMP_HEADER: str(ts),
            SIGNATURE_HEADER: sign(str(self.spec.get("secret") or ""), ts, body),
        }
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        # Error texts are stored on the outbox row and logged: the URL's token is not.
        shown = redact(url)
        try:
            with urllib.request.urlopen(request, timeout=self.settings.notify.timeout) as resp:
                status = resp.status
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"{shown}: HTTP {exc.code}") from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise DeliveryError(f"{shown}: {redact(exc)}") from exc
        if not 200 <= status < 300:
            raise DeliveryError(f"{shown}: HTTP {status}")


class EmailChannel(Channel):
    """Mail over SMTP: spec ``{"type": "email", "to": "a@b"}``; server from settings."""

    type = "email"

    def describe(self) -> str:
        return f"email {self.spec.get('to')}"

    def send(self, message: Message) -> None:
        to = self.spec.get("to")
        if not to:
            raise DeliveryError("email channel without a recipient")
        cfg = self.settings.smtp
        if cfg.plaintext_password_refused:
            raise DeliveryError(
                f"smtp {cfg.host}:{cfg.port}: refusing to send the password without TLS; "
                "set smtp.starttls = true or smtp.ssl = true (SMTPS), or "
                "smtp.allow_plaintext_password = true on a network you trust"
            )
        subject, body = message.text(self.settings, self.spec.get("lang"))
        mail = EmailMessage()
        mail["From"] = cfg.sender
        mail["To"] = to if isinstance(to, str) else ", ".join(to)
        mail["Subject"] = subject
        mail["Date"] = formatdate(localtime=False)
        # The same outbox row always carries the same Message-ID: mail systems and
        # readers can drop a resent copy.
        digest = hashlib.sha256(message.idempotency_key.encode()).hexdigest()[:32]
        mail["Message-ID"] = f"<{digest}@disclosure-monitor>"
        mail[IDEMPOTENCY_HEADER] = message.idempotency_key
        mail.set_content(body)
        try:
            connect = smtplib.SMTP_SSL if cfg.ssl else smtplib.SMTP
            with connect(cfg.host, cfg.port, timeout=cfg.timeout) as smtp:
                if cfg.starttls and not cfg.ssl:
                    smtp.starttls()
                if cfg.username:
                    smtp.login(cfg.username, cfg.password or "")
                refused = smtp.send_message(mail)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"smtp {cfg.host}:{cfg.port}: {redact(exc)}") from exc
        if refused:
            raise DeliveryError(f"smtp refused {sorted(refused)}")


class AppriseChannel(Channel):
    """Any Apprise URL (DingTalk, WeCom robots, ...): spec ``{"type": "apprise", "url"}``."""

    type = "apprise"

    def describe(self) -> str:
        return f"apprise {redact(self.spec.get('url', ''))}"

    def send(self, message: Message) -> None:
        import apprise

        subject, body = message.text(self.settings, self.spec.get("lang"))
        # Apprise loads its plugins lazily and some import modules deprecated in newer
        # Pythons (imghdr); that is the library's business, not a delivery failure.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ap = apprise.Apprise()
            if not ap.add(str(self.spec.get("url", ""))):
                raise DeliveryError("apprise: URL not understood")
            if not ap.notify(title=subject, body=body):
                raise DeliveryError("apprise: notification failed")


CHANNELS: dict[str, Callable[[Mapping[str, Any], Settings], Channel]] = {
    cls.type: cls for cls in (WebhookChannel, EmailChannel, AppriseChannel)
}


def register_channel(type_: str, factory: Callable[[Mapping[str, Any], Settings], Channel]) -> None:
    CHANNELS[type_] = factory


def channel_for(spec: Mapping[str, Any], settings: Settings) -> Channel:
    factory = CHANNELS.get(str(spec.get("type")))
    if factory is None:
        raise DeliveryError(f"unknown channel type {spec.get('type')!r}")
    return factory(spec, settings)
