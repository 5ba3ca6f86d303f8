"""Chinese first, in real headless Chromium: the public report and a unit page as the
public reads them, and an inspector's day (alert list → alert → highlighted evidence →
acknowledge → resolve) in Chinese with local times. Screenshots go to test-artifacts/."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from monitor.store.models import Alert, Finding
from monitor.web import create_app
from tests.web.seed import PASSWORD, Seeded
from tests.web.test_browser import base_url, browser, shot  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

NOW = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)  # the seed's clock: 16:00 in Shanghai


@pytest.fixture
def app(settings, web_sessions):
    """As deployed: the language setting left at its default, zh_CN."""
    return create_app(settings.model_copy(update={"language": "zh_CN"}), web_sessions)


@pytest.fixture
def day(web_sessions, seeded: Seeded) -> dict[str, int]:
    """East's queue: a high alert (the seeded one, now a coded finding of a real rule),
    a critical one opened later and a low one opened earlier."""
    with web_sessions() as session, session.begin():
        high = session.get(Alert, seeded.ids["alert_east"])
        assert high is not None
        finding = session.get(Finding, high.finding_id)
        assert finding is not None
        finding.rule_id = high.rule_id = "integrity.altered_after_publication"
        finding.message_code = "changed"
        finding.message_params = {"fields": "text", "day": "2026-11-12"}
        high.title = "changed (text) on 2026-11-12 after publication, with no correction notice"
        lag = session.scalars(
            select(Finding).where(Finding.rule_id == "timeliness.publication_lag")
        ).one()
        lag.message_code = "late"
        lag.message_params = {
            "published": "2026-11-20",
            "lag": 35,
            "formed": "2026-09-28",
            "limit": 20,
        }
        extra = {}
        for severity, opened, rule in (
            ("critical", NOW + timedelta(hours=1), "availability.unreachable"),
            ("low", NOW - timedelta(days=3), "timeliness.stale_columns"),
        ):
            alert = Alert(
                dedup_key=f"zh-{severity}",
                unit_id=seeded.ids["v2"],
                rule_id=rule,
                subject=f"{severity}-subject",
                severity=severity,
                title=f"{severity} alert",
                opened_at=opened,
                updated_at=opened,
            )
            session.add(alert)
            session.flush()
            extra[severity] = alert.id
    return {"high": seeded.ids["alert_east"], **extra}


def test_public_report_and_unit_page_in_chinese(base_url, browser, day):  # noqa: F811
    page = browser.new_page(viewport={"width": 1200, "height": 900}, locale="zh-CN")
    page.goto(base_url + "/")
    page.wait_for_selector("svg.chart")
    assert page.get_attribute("html", "lang") == "zh-CN"
    legend = page.inner_text("p.legend")
    assert "总分" in legend and "完整性" in legend and "及时性" in legend
    assert page.locator("svg.chart rect[data-indicator=completeness]").count() == 2
    shot(page, "zh-report")

    page.goto(base_url + "/units/330101002001?period=2026-11")
    page.wait_for_selector("table.findings")
    assert "完整性" in page.inner_text("table.indicators")
    findings = page.inner_text("table.findings")
    assert "信息形成之日起20个工作日内公开" in findings  # the rule, in words
    assert "2026-09-28 形成，2026-11-20 才公开，相隔 35 个工作日" in findings  # its message
    shot(page, "zh-unit")

    page.click("header .langs a")
    page.wait_for_url("**lang=en")
    assert page.get_attribute("html", "lang") == "en"
    assert "Completeness" in page.inner_text("table.indicators")


def test_an_inspectors_day_in_chinese(base_url, browser, day):  # noqa: F811
    page = browser.new_page(viewport={"width": 1200, "height": 900}, locale="zh-CN")
    page.goto(base_url + "/login")
    page.fill("input[name=name]", "east")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit][value=login]")
    page.wait_for_url("**/workspace/alerts")
    rows = page.locator("table.alerts tbody tr[data-alert]")
    rows.first.wait_for()
    # Most severe first, then the longest waiting; the town beside each village.
    assert rows.evaluate_all("rs => rs.map(r => r.dataset.alert)") == [
        str(day["critical"]),
        str(day["high"]),
        str(day["low"]),
    ]
    assert [t.strip() for t in page.locator("table.alerts td.sev-critical").all_inner_texts()] == [
        "严重"
    ]
    assert set(page.locator("table.alerts td.town").all_inner_texts()) == {"东城镇"}
    high = page.locator(f"tr[data-alert='{day['high']}']")
    assert "2026-11-28 16:00" in high.inner_text()
    assert "发布后于 2026-11-12 被修改" in high.inner_text()
    shot(page, "zh-alerts")

    high.locator("a.alert-title").click()
    page.wait_for_url(f"**/workspace/alerts/{day['high']}")
    step = page.locator("#next-step")
    step.wait_for()
    assert "要求该单位说明修改原因" in step.inner_text() and "整改期限" in step.inner_text()
    assert "A-" in page.inner_text("dl.facts") and "F-" in page.inner_text("#finding")

    page.click("ul.evidence-links a[href*='/workspace/evidence/']")
    page.wait_for_selector("mark.offending")
    assert page.inner_text("mark.offending") == "东城村财务公开 2026年10月"
    shot(page, "zh-evidence")
    page.go_back()
    page.wait_for_selector("#next-step")

    page.fill("form:has(input[value=acknowledge]) input[name=reason]", "已电话联系村里")
    page.click("button[value=acknowledge]")
    page.wait_for_selector("#alert-state[data-state=acknowledged]")
    assert page.inner_text("#alert-state") == "已受理"

    page.fill("form:has(input[value=resolve]) input[name=reason]", "已发布更正公告")
    page.select_option("form:has(input[value=resolve]) select[name=verdict]", "confirmed")
    page.click("button[value=resolve]")
    page.wait_for_selector("#alert-state[data-state=resolved]")
    assert page.inner_text("#alert-state") == "已办结"
    history = page.inner_text("ol.history")
    assert "已发布更正公告" in history and "east" in history
    shot(page, "zh-resolved")
