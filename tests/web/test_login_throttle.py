"""Login rate limit: repeated failures for one name or from one address get 429."""

from __future__ import annotations

from monitor.web.throttle import LoginThrottle
from tests.web.conftest import login
from tests.web.seed import PASSWORD


def test_five_failures_for_a_name_refuse_it_even_with_the_right_password(client, seeded):
    for _ in range(5):
        assert login(client, "east", "wrong").status_code == 401
    refused = login(client, "east", PASSWORD)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many failed logins" in refused.text
    # Other names are not blocked by the failures on "east" (same client address).
    assert login(client, "west").status_code == 303


def test_failures_from_one_address_across_names_refuse_that_address(client, seeded):
    for i in range(20):
        assert login(client, f"nobody-{i}", "wrong").status_code == 401
    assert login(client, "west").status_code == 429


def test_the_window_slides_and_a_success_clears_the_name():
    now = [0.0]
    throttle = LoginThrottle(
        max_failures=3, max_failures_per_address=10, window_seconds=60, clock=lambda: now[0]
    )
    for t in (0.0, 10.0, 20.0):
        now[0] = t
        assert throttle.retry_after("a", "1.2.3.4") is None
        throttle.failed("a", "1.2.3.4")
    assert throttle.retry_after("A ", "5.6.7.8") == 40  # names compare case-blind
    assert throttle.retry_after("b", "1.2.3.4") is None
    now[0] = 60.0  # the first failure left the window
    assert throttle.retry_after("a", "1.2.3.4") is None
    throttle.failed("a", None)
    assert throttle.retry_after("a", None) is not None
    throttle.succeeded("a")
    assert throttle.retry_after("a", None) is None
