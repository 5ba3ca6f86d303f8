"""Notifications and assessment delivery through the outbox: channel plugins
(webhook, e-mail, Apprise), signing, and the deliverer."""

from monitor.notify.channels import (
    CHANNELS,
    Channel,
    DeliveryError,
    Message,
    channel_for,
    register_channel,
)
from monitor.notify.deliver import DeliveryReport, backoff_seconds, deliver_outbox
from monitor.notify.signing import sign, verify

__all__ = [
    "CHANNELS",
    "Channel",
    "DeliveryError",
    "DeliveryReport",
    "Message",
    "backoff_seconds",
    "channel_for",
    "deliver_outbox",
    "register_channel",
    "sign",
    "verify",
]
