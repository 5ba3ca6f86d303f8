"""What keeps the web safe by default: the secret key check, the session cookie's flags
and the security headers on every response.

The secret key signs the session cookie: anyone who knows it can forge one. So the
app refuses to start with a key that is missing, short, or a known placeholder (the
values example configs and older deploy templates shipped), whatever its case.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "MAKE_KEY",
    "MIN_KEY_LENGTH",
    "InsecureSecretKey",
    "SecurityHeaders",
    "SessionCookies",
    "check_secret_key",
    "secret_key_problem",
]

MIN_KEY_LENGTH = 32
MAKE_KEY = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'

# Compared after lower-casing and dropping everything but letters and digits, so
# "CHANGE-ME", "change_me" and "Change Me" are one value.
PLACEHOLDERS = frozenset(
    {
        "changeme",
        "changethis",
        "changeit",
        "replaceme",
        "secret",
        "secretkey",
        "mysecret",
        "yoursecret",
        "yoursecretkey",
        "supersecret",
        "default",
        "password",
        "example",
        "test",
        "dev",
        "insecure",
        "notsecret",
        "todo",
        "xxx",
    }
)
# A long key that still says it is a placeholder ("change-me-to-something-random...").
PLACEHOLDER_WORDS = ("changeme", "replaceme", "placeholder", "yoursecret", "insecure")
# A real random key uses many different characters; "aaaa…" or "0000…" does not.
MIN_DISTINCT_CHARACTERS = 10


class InsecureSecretKey(RuntimeError):
    """The secret key would let anyone forge a session cookie."""


def _normal(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


def secret_key_problem(key: str | None) -> str | None:
    """What is wrong with KEY as a cookie-signing key, or None when it will do."""
    key = (key or "").strip()
    if not key:
        return "secret_key is not set"
    normal = _normal(key)
    if normal in PLACEHOLDERS or any(word in normal for word in PLACEHOLDER_WORDS):
        return "secret_key is a known placeholder"
    if len(key) < MIN_KEY_LENGTH:
        return f"secret_key is shorter than {MIN_KEY_LENGTH} characters"
    if len(set(key)) < MIN_DISTINCT_CHARACTERS:
        return "secret_key repeats too few characters to be random"
    return None


def check_secret_key(key: str | None) -> None:
    """Raise :class:`InsecureSecretKey` with a one-line message saying how to fix it."""
    problem = secret_key_problem(key)
    if problem is not None:
        raise InsecureSecretKey(
            f"{problem}: anyone could forge a session. Set MONITOR_SECRET_KEY (or "
            f"secret_key in monitor.toml) to a random value of {MIN_KEY_LENGTH}+ "
            f"characters, e.g. the output of: {MAKE_KEY}"
        )


def _is_https(scope: Scope) -> bool:
    # The scheme as the client used it: a trusted proxy's X-Forwarded-Proto has been
    # applied by uvicorn's ProxyHeadersMiddleware before this runs.
    return scope.get("scheme") in ("https", "wss")


class SessionCookies:
    """Starlette's signed-cookie sessions (always HttpOnly and SameSite), with the
    Secure flag on requests that came over HTTPS. Two configured middlewares, one per
    scheme, because Starlette fixes the flags per middleware instance."""

    def __init__(self, app: ASGIApp, **options: Any) -> None:
        self.plain = SessionMiddleware(app, https_only=False, **options)
        self.secure = SessionMiddleware(app, https_only=True, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        chosen = self.secure if _is_https(scope) else self.plain
        await chosen(scope, receive, send)


# No page uses inline script or style (the charts are server-side SVG styled from
# /static/style.css), so the policy allows neither; nothing may frame the site.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = (
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    # Links out to units' own sites do not tell them which workspace page was open.
    ("referrer-policy", "same-origin"),
)


class SecurityHeaders:
    """Adds the security headers to every HTTP response that does not set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS:
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
