"""The web fixtures (seeded district, app, client) shared with tests/web."""

from __future__ import annotations

from tests.web.conftest import app, client, seeded, seeded_template, web_sessions

__all__ = ["app", "client", "seeded", "seeded_template", "web_sessions"]
