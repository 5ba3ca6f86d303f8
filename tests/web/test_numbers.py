"""Every number a route reads from the path, the query or a form is bounded: hostile
values (huge, negative, NaN, infinite, not a number) answer 422, never 500.

The routes are enumerated from the app itself, so a route added later without bounds
fails here too."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from typing import Any, Literal

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount

from tests.web.conftest import csrf_of, login
from tests.web.seed import Seeded

HOSTILE = ("99999999999999999999999", "-1", "-99999999999999999999", "NaN", "inf", "1e400", "x")


def _base(annotation: Any) -> Any:
    """int for ``int | None``, ``Annotated[int, ...]`` and the like."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType) and len(args) == 1:
        return _base(args[0])
    if origin is typing.Annotated:
        return _base(args[0])
    return annotation


def _fields(dependant) -> Iterator[tuple[str, Any]]:
    for kind in ("path_params", "query_params", "body_params"):
        for field in getattr(dependant, kind):
            yield kind, field
    for sub in dependant.dependencies:
        yield from _fields(sub)


def _routes(app, prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    for route in app.routes:
        if isinstance(route, Mount) and hasattr(route.app, "routes"):
            yield from _routes(route.app, prefix + route.path)
        elif hasattr(route, "original_router"):  # FastAPI's included router
            context = getattr(route, "include_context", None)
            yield from _routes(route.original_router, prefix + getattr(context, "prefix", ""))
        elif isinstance(route, APIRoute):
            yield prefix, route


def _plain(annotation: Any) -> str:
    base = _base(annotation)
    if typing.get_origin(base) is Literal:
        return str(typing.get_args(base)[0])
    if base in (int, float):
        return "1"
    return "x"


def _cases(app) -> list[tuple[str, str, str, str, str]]:
    cases = []
    for prefix, route in _routes(app):
        fields = list(_fields(route.dependant))
        numeric = [(k, f) for k, f in fields if _base(f.field_info.annotation) in (int, float)]
        for kind, target in numeric:
            for method in sorted(route.methods - {"HEAD"}):
                cases.append((method, prefix, route.path, kind, target.alias))
    return cases


def _request(client, app, method, prefix, path, kind, name, value, headers, csrf):
    route = next(r for p, r in _routes(app) if p == prefix and r.path == path)
    params: dict[str, str] = {}
    form: dict[str, str] = {}
    url = path
    for where, field in _fields(route.dependant):
        plain = value if field.alias == name else _plain(field.field_info.annotation)
        if where == "path_params":
            url = url.replace("{" + field.alias + "}", plain)
        elif where == "query_params" and field.alias == name:
            params[name] = plain
        elif where == "body_params":
            # A valid CSRF token: without bounds the handler would run with the value.
            form[field.alias] = csrf if field.alias == "csrf" else plain
    return client.request(method, prefix + url, params=params, data=form or None, headers=headers)


def test_numbers_out_of_range_are_422(app, seeded: Seeded):
    cases = _cases(app)
    # Pages, ids, parents, silence hours, API pages: the sweep must find them.
    assert len(cases) >= 10, cases
    failures = []
    with TestClient(app, raise_server_exceptions=False) as client:
        login(client, "admin")
        csrf = csrf_of(client.get(f"/workspace/alerts/{seeded.ids['alert_east']}").text)
        headers = {"Authorization": f"Bearer {seeded.tokens['admin']}"}
        for method, prefix, path, kind, name in cases:
            for value in HOSTILE:
                response = _request(
                    client, app, method, prefix, path, kind, name, value, headers, csrf
                )
                if response.status_code != 422:
                    where = f"{method} {prefix}{path} {name}={value}"
                    failures.append(f"{where}: {response.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("hours", ["1e308", "inf", "NaN", "-5"])
def test_silence_hours_out_of_range(client, seeded: Seeded, hours):
    login(client, "admin")
    page = client.get(f"/workspace/alerts/{seeded.ids['alert_east']}")
    response = client.post(
        f"/workspace/alerts/{seeded.ids['alert_east']}/action",
        data={"action": "silence", "hours": hours, "csrf": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 422
