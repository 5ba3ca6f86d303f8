"""The crawl writes, and the rules read, one vocabulary of fetch outcomes."""

from __future__ import annotations

from monitor import fetch
from monitor.crawl.reading import NO_LIST_OUTCOME
from monitor.parse.boundary import PARSE_ERROR
from rules._helpers import REACHED
from rules.api import FetchOutcome
from rules.availability.unreachable import FAILED, NOT_PROBES


def test_crawl_outcomes_are_the_rules_enum() -> None:
    written = [fetch.OK, fetch.NOT_MODIFIED, fetch.DEFERRED, NO_LIST_OUTCOME, PARSE_ERROR]
    assert all(isinstance(o, FetchOutcome) for o in written)
    assert all(isinstance(o, FetchOutcome) for o in (*REACHED, *FAILED, *NOT_PROBES))
    assert FetchOutcome("not_modified") is fetch.NOT_MODIFIED  # rows read back compare equal
