"""The web app: public report, inspectors' workspace, API v1, metrics and health."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["create_app"]

if TYPE_CHECKING:
    from monitor.web.app import create_app


def __getattr__(name: str) -> Any:
    # Imported lazily so ``monitor.web.models`` loads without FastAPI's app machinery.
    if name == "create_app":
        from monitor.web.app import create_app

        return create_app
    raise AttributeError(name)
