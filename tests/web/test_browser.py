"""End to end in real headless Chromium against a uvicorn server on 127.0.0.1: the
public report and drill-down, a phone-sized page, and an inspector acknowledging an
alert. Screenshots go to test-artifacts/."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from tests.web.seed import PASSWORD, Seeded

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)


@pytest.fixture
def base_url(app) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_report_and_drill_down_to_villages(base_url, browser, seeded: Seeded):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(base_url + "/")
    chart = page.locator("svg.chart")
    assert chart.locator("g.unit-bars").count() == 2
    assert chart.locator("rect.bar-total").count() == 2
    shot(page, "report-towns")

    chart.locator("a", has_text="东城镇").click()
    page.wait_for_url(f"**/?period=2026-11&parent={seeded.ids['east']}")
    villages = page.locator("svg.chart g.unit-bars")
    assert sorted(villages.evaluate_all("gs => gs.map(g => g.dataset.name)")) == [
        "东城村",
        "桥头村",
    ]
    widths = page.locator("svg.chart rect.bar-total").evaluate_all(
        "rs => rs.map(r => parseFloat(r.getAttribute('width')))"
    )
    assert all(w > 0 for w in widths)
    shot(page, "report-villages")


def test_report_fits_a_phone(base_url, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    page.goto(base_url + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator("svg.chart").bounding_box()["width"] <= 390
    shot(page, "report-phone")


def test_inspector_acknowledges_an_alert(base_url, browser, seeded: Seeded):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(base_url + "/login")
    page.fill("input[name=name]", "east")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]:has-text('Log in')")
    page.wait_for_url("**/workspace/alerts")
    assert "山脚村" not in page.content()  # another jurisdiction's alert
    page.click("text=东城村: 财务公开 silently changed")
    page.wait_for_url(f"**/workspace/alerts/{seeded.ids['alert_east']}")
    page.fill("form:has(input[value=acknowledge]) input[name=reason]", "calling the village")
    page.click("button[value=acknowledge]")
    page.wait_for_selector("#alert-state:has-text('acknowledged')")
    assert "east: open → acknowledged (calling the village)" in page.inner_text("ol.history")
    shot(page, "alert-acknowledged")


def test_pages_keep_to_the_content_security_policy(base_url, browser, seeded: Seeded):
    """The policy forbids inline script and style: Chromium reports any page element
    it blocked on the console, and the stylesheet must still apply."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    blocked: list[str] = []
    page.on(
        "console",
        lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.goto(base_url + "/login")
    page.fill("input[name=name]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]:has-text('Log in')")
    page.wait_for_url("**/workspace/alerts")
    for path in (
        "/",
        f"/?period=2026-11&parent={seeded.ids['east']}",
        "/units/330101001001",
        f"/workspace/alerts/{seeded.ids['alert_east']}",
        f"/workspace/evidence/{seeded.ids['evidence_east']}",
        f"/workspace/items/{seeded.ids['item']}",
    ):
        response = page.goto(base_url + path)
        assert response is not None and response.status == 200, path
        assert response.headers.get("x-frame-options") == "DENY"
    # style.css still applies (the header is a flex row, not the default block).
    assert page.evaluate("getComputedStyle(document.querySelector('header.top')).display") == (
        "flex"
    )
    assert blocked == []
