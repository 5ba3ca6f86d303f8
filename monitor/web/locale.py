"""Which language a request is answered in: ``?lang=``, then the ``lang`` cookie, then
``Accept-Language``, then ``settings.language``. A ``?lang=`` choice is remembered
in the cookie for the pages that follow."""

from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from monitor import i18n

COOKIE = "lang"


def choose(query: str, cookie_header: str, accept_language: str, default: str) -> tuple[str, bool]:
    """(locale, whether the query chose it)."""
    asked = i18n.normalize((parse_qs(query).get("lang") or [""])[0])
    if asked:
        return asked, True
    cookies = SimpleCookie()
    try:
        cookies.load(cookie_header)
    except Exception:  # a malformed Cookie header is the client's problem, not ours
        cookies = SimpleCookie()
    kept = i18n.normalize(cookies[COOKIE].value) if COOKIE in cookies else None
    return kept or i18n.from_accept_language(accept_language) or default, False


class LocaleMiddleware:
    """Sets the request's locale (a context variable) before the app renders."""

    def __init__(self, app: ASGIApp, default: str = i18n.DEFAULT_LOCALE) -> None:
        self.app = app
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        locale, chosen = choose(
            scope.get("query_string", b"").decode("latin-1"),
            headers.get("cookie", ""),
            headers.get("accept-language", ""),
            self.default,
        )
        scope.setdefault("state", {})["locale"] = locale

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                # A shared cache must not serve one reader's language to another.
                headers.add_vary_header("Accept-Language")
                headers.add_vary_header("Cookie")
                if chosen:
                    headers.append(
                        "set-cookie", f"{COOKIE}={locale}; Path=/; Max-Age=31536000; SameSite=Lax"
                    )
            await send(message)

        with i18n.using(locale):
            await self.app(scope, receive, send_with_cookie)
