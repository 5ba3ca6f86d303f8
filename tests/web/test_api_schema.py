"""Schemathesis against /api/v1/openapi.json: responses conform to the published spec
and nothing answers 500. Bounded to a few examples per operation.

Operations are driven one by one with Hypothesis rather than through schemathesis'
pytest plugin, whose lazy fixture loader does not run under pytest 9."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.web.seed import Seeded


def test_api_conforms_to_its_spec(app, seeded: Seeded):
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {seeded.tokens['admin']}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 7

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=5,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            case.call_and_validate(headers=headers)

        check()
