"""The web fixtures (seeded district, app, client) shared with tests/web, and the
PostgreSQL store of tests/workers."""

from __future__ import annotations

from tests.web.conftest import app, client, seeded, seeded_template, web_sessions
from tests.workers.conftest import pg_sessions, pg_url

__all__ = ["app", "client", "pg_sessions", "pg_url", "seeded", "seeded_template", "web_sessions"]
