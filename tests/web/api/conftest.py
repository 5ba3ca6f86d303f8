"""Helpers for the API v1 tests: a token header per seeded account."""

from __future__ import annotations

import pytest

from tests.web.seed import Seeded


@pytest.fixture
def auth(seeded: Seeded):
    def headers(who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {seeded.tokens[who]}"}

    return headers
