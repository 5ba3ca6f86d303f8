"""Secrets inside URLs, masked wherever a URL is shown or logged.

Notification channels carry their credentials in the URL itself: DingTalk's
``access_token=``, WeCom's ``key=``, Feishu's and Slack's tokens in the path, Apprise
URLs (``dingtalk://token/``, ``wecombot://key``, ``mailtos://user:password@host``)
and basic-auth passwords (``https://user:password@host/``). :func:`redact` masks
them in any text (a URL, an error message, a log line) and keeps what tells an
operator which channel it is: the scheme, the host and the parameter names.

- http(s): the password of the user info, every query value, the fragment, and path
  segments that look like tokens (16+ characters mixing letters and digits, or 32+);
- any other scheme (Apprise): the whole user info, the host unless it is a real host
  name or address, the whole path, every query value;
- ``token=…``, ``secret=…``, ``password=…`` and the like outside a URL.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, urlsplit

__all__ = ["MASK", "RedactSecrets", "mask_personal_data", "redact", "redact_url"]

MASK = "***"
_URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s\"'<>`]+")
_SECRET_PAIR = re.compile(
    r"(?i)\b(access_token|token|secret|key|sign|signature|sig|password|passwd|pwd|"
    r"api_?key|auth|webhook_secret|client_secret)=([^&\s\"'<>,;]+)"
)
_WEB_SCHEMES = {"http", "https", "ws", "wss"}
_HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+)$")


def _token_like(segment: str) -> bool:
    if len(segment) >= 32:
        return True
    has_digit = any(c.isdigit() for c in segment)
    has_alpha = any(c.isalpha() for c in segment)
    return len(segment) >= 16 and has_digit and has_alpha


def _query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    if not pairs:
        return MASK if query else ""
    return "&".join(f"{name}={MASK}" if value else name for name, value in pairs)


def redact_url(url: str) -> str:
    """URL with its credentials masked (see the module docstring)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.split("://", 1)[0] + "://" + MASK
    scheme = parts.scheme.lower()
    userinfo, at, hostport = parts.netloc.rpartition("@")
    web = scheme in _WEB_SCHEMES
    if at:
        if web:
            user, colon, _ = userinfo.partition(":")
            userinfo = f"{user}:{MASK}" if colon else user
        else:
            userinfo = MASK
    host, colon, port = hostport.rpartition(":") if not hostport.endswith("]") else ("", "", "")
    if not colon or not port.isdigit():
        host, port = hostport, ""
    if not web and not _HOST.match(host):
        host = MASK
    netloc = (userinfo + "@" if at else "") + host + (":" + port if port else "")
    if web:
        path = "/".join(MASK if _token_like(s) else s for s in parts.path.split("/"))
    else:
        path = "/" + MASK if parts.path.strip("/") else parts.path
    out = f"{parts.scheme}://{netloc}{path}"
    if parts.query:
        out += "?" + _query(parts.query)
    if parts.fragment:
        out += "#" + MASK
    return out


def _redact_match(match: re.Match[str]) -> str:
    # Punctuation after a URL in prose ("…?key=abc: HTTP 500") is not part of it.
    url = match.group(0)
    trail = len(url) - len(url.rstrip(".,:;)!?"))
    return redact_url(url[: len(url) - trail]) + url[len(url) - trail :]


def redact(text: object) -> str:
    """TEXT with every URL's credentials and every ``token=…``-like pair masked."""
    masked = _URL.sub(_redact_match, str(text))
    return _SECRET_PAIR.sub(lambda m: f"{m.group(1)}={MASK}", masked)


def mask_personal_data(text: str) -> str:
    """TEXT with resident ID numbers, mobile numbers and bank card numbers masked as
    the privacy rule masks what it reports (ends kept: ``4453**********1234``), by
    the rule's own patterns and checks, so search and feeds never republish them."""
    from rules.privacy import personal_data as pd  # the privacy rule's definitions

    def masked(match: re.Match[str]) -> str:
        number = match.group(1)
        return match.group(0).replace(number, pd.mask(number))

    def card(match: re.Match[str]) -> str:
        return masked(match) if pd.luhn_ok(match.group(1)) else match.group(0)

    def resident(match: re.Match[str]) -> str:
        return masked(match) if pd.valid_resident_id(match.group(1)) else match.group(0)

    text = pd.ID_RE.sub(resident, text)
    text = pd.MOBILE_RE.sub(masked, text)
    return pd.CARD_RE.sub(card, text)


class RedactSecrets(logging.Filter):
    """A handler filter masking the records of loggers that see channel URLs: the
    notifiers, Apprise, and the HTTP libraries Apprise uses (at debug level they log
    the full request URL, token included)."""

    def __init__(self, prefixes: tuple[str, ...]) -> None:
        super().__init__()
        self.prefixes = prefixes

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(self.prefixes):
            return True
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
