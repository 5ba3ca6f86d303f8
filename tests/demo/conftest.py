"""The sample district, generated once per test session, and a site serving it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from monitor.demo.generate import generate_district
from monitor.demo.model import District
from monitor.demo.site import DemoSite


@pytest.fixture(scope="session")
def district() -> District:
    return generate_district()


@pytest.fixture
def site(district: District) -> Iterator[DemoSite]:
    with DemoSite(district) as running:
        yield running
