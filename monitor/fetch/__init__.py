"""Fetching: the HTTP client, the network allow-list and body decoding."""

from __future__ import annotations

from monitor.fetch.client import (
    BLOCKED,
    DEFERRED,
    HTTP_ERROR,
    NETWORK_ERROR,
    NOT_MODIFIED,
    OK,
    TIMEOUT,
    TOO_LARGE,
    Attempt,
    Fetcher,
    Response,
)
from monitor.fetch.encoding import Decoded, UndecodableBody, decode_body
from monitor.fetch.netguard import BlockedAddress, NetworkPolicy

__all__ = [
    "BLOCKED",
    "DEFERRED",
    "HTTP_ERROR",
    "NETWORK_ERROR",
    "NOT_MODIFIED",
    "OK",
    "TIMEOUT",
    "TOO_LARGE",
    "Attempt",
    "BlockedAddress",
    "Decoded",
    "Fetcher",
    "NetworkPolicy",
    "Response",
    "UndecodableBody",
    "decode_body",
]
