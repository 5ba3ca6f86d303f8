"""API v1 for the assessment system, a county's own tools and scripts: token auth,
the workspace's roles and jurisdictions, one router per resource, one way to page.

Mounted at ``/api/v1``; its OpenAPI document is ``/api/v1/openapi.json``; the guide
is docs/api.md."""

from __future__ import annotations

from fastapi import FastAPI

from monitor.web.api import (
    alerts,
    appeals,
    evidence,
    feeds,
    findings,
    inspectors,
    items,
    rules,
    scores,
    search,
    units,
)

ROUTERS = (
    units, scores, findings, alerts, feeds, items, evidence, appeals, rules, inspectors, search,
)  # fmt: skip

__all__ = ["create_api"]


def create_api() -> FastAPI:
    api = FastAPI(
        title="Disclosure integrity monitor API",
        version="1",
        description="Units, scores and their explanations, findings, alerts, feeds, items "
        "and their versions, evidence, appeals, rules, inspectors, and a public search. "
        "Authenticate with "
        "`Authorization: Bearer <token>`; lists take `page` and `per_page`. See docs/api.md.",
        openapi_url="/openapi.json",
        # Swagger UI loads its scripts from a CDN; the machines here have no internet.
        docs_url=None,
        redoc_url=None,
    )
    for module in ROUTERS:
        api.include_router(module.router)
    return api
