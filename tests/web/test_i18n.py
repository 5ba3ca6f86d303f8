"""Chinese first: the report, unit pages and workspace in zh_CN by default, English on
request, and findings stored as code + parameters rendering in either language."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from monitor.store.models import Alert, Feed, Finding, Score, Unit
from monitor.web import create_app
from tests.web.conftest import login

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}


@pytest.fixture
def zh_client(settings, web_sessions):
    """The app as deployed: settings.language left at its default (zh_CN)."""
    app = create_app(settings.model_copy(update={"language": "zh_CN"}), web_sessions)
    with TestClient(app) as client:
        yield client


def _code_the_findings(web_sessions, seeded) -> None:
    """Seeded findings as a rule writes them today: a code and parameters."""
    with web_sessions() as session, session.begin():
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
        changed = session.get(Alert, seeded.ids["alert_east"])
        assert changed is not None and changed.finding_id is not None
        finding = session.get(Finding, changed.finding_id)
        assert finding is not None
        finding.rule_id = changed.rule_id = "integrity.altered_after_publication"
        finding.message_code = "changed"
        finding.message_params = {"fields": "text", "day": "2026-11-12"}


def test_report_reads_in_chinese_by_default(zh_client):
    page = zh_client.get("/").text
    assert '<html lang="zh-CN">' in page
    for word in ("总分", "完整性", "及时性", "乡镇得分", "图表文字版"):
        assert word in page, word
    assert "Completeness" not in page


def test_lang_query_gives_english_and_is_remembered(zh_client):
    english = zh_client.get("/?lang=en")
    assert "Completeness" in english.text and "完整性" not in english.text
    assert "lang=en" in english.headers["set-cookie"]
    assert "Accept-Language" in english.headers["vary"] and "Cookie" in english.headers["vary"]
    # The cookie keeps the choice, over the browser's Accept-Language.
    assert "Completeness" in zh_client.get("/", headers=ZH).text
    assert "完整性" in zh_client.get("/?lang=zh_CN").text


def test_accept_language_chooses_when_nothing_else_does(client):
    # The test settings say English; a Chinese browser still gets Chinese.
    assert "完整性" in client.get("/", headers=ZH).text
    assert "Completeness" in client.get("/").text


def test_cached_public_pages_are_kept_per_language(zh_client):
    assert "完整性" in zh_client.get("/").text
    assert "Completeness" in zh_client.get("/", headers={"Cookie": "lang=en"}).text
    assert "完整性" in zh_client.get("/", headers={"Cookie": "lang=zh_CN"}).text


def test_a_stored_finding_renders_in_either_language(zh_client, web_sessions, seeded):
    _code_the_findings(web_sessions, seeded)
    zh = zh_client.get("/units/330101002001?period=2026-11").text
    assert "2026-09-28 形成，2026-11-20 才公开，相隔 35 个工作日" in zh
    assert "信息形成之日起20个工作日内公开" in zh  # the rule's title
    en = zh_client.get("/units/330101002001?period=2026-11&lang=en").text
    assert "published 2026-11-20 is 35 working days after formation 2026-09-28" in en


def test_the_chart_shows_every_indicator(zh_client, web_sessions):
    with web_sessions() as session, session.begin():
        towns = session.scalars(select(Unit).where(Unit.level == "town")).all()
        for town in towns:
            for indicator, value in (("integrity", 20.0), ("availability", 4.0)):
                session.add(
                    Score(
                        unit_id=town.id,
                        period="2026-11",
                        scheme_version="test-1",
                        config_hash="x",
                        indicator=indicator,
                        value=value,
                        max_value=20.0 if indicator == "integrity" else 10.0,
                        computed_for=date(2026, 11, 28),
                    )
                )
    page = zh_client.get("/?period=2026-11").text
    chart = page.split('<svg class="chart"')[1].split("</svg>")[0]
    for indicator in ("completeness", "timeliness", "integrity", "availability"):
        assert f'data-indicator="{indicator}"' in chart, indicator
    legend = page.split('<p class="legend">')[1].split("</p>")[0]
    assert "真实性" in legend and "可用性" in legend
    assert 'aria-describedby="chart-meaning chart-text"' in page
    text_version = page.split('id="chart-text"')[1].split("</details>")[0]
    assert "可用性 4" in text_version


def test_workspace_in_chinese_with_local_times_and_next_step(zh_client, web_sessions, seeded):
    _code_the_findings(web_sessions, seeded)
    login(zh_client, "east")
    queue = zh_client.get("/workspace/alerts").text
    assert "A-" in queue and "东城镇" in queue  # the alert's number and the village's town
    assert "发布后于 2026-11-12 被修改（text），且无更正说明" in queue
    detail = zh_client.get(f"/workspace/alerts/{seeded.ids['alert_east']}").text
    assert "下一步怎么办" in detail and "要求该单位说明修改原因" in detail
    assert "整改期限" in detail
    assert "Asia/Shanghai" in detail
    assert "2026-11-28 16:00" in detail  # opened 08:00 UTC
    assert f"/workspace/evidence/{seeded.ids['evidence_east']}?finding=" in detail


def test_alert_queue_filters_by_town_name(client, web_sessions, seeded):
    login(client, "admin")
    by_name = client.get("/workspace/alerts", params={"unit": "东城"}).text
    assert "东城村" in by_name and "山脚村" not in by_name
    by_town = client.get("/workspace/alerts", params={"unit": "西山乡"}).text
    assert "山脚村" in by_town and "东城村" not in by_town


def test_evidence_highlights_the_passage_of_the_finding(client, seeded, web_sessions):
    login(client, "east")
    with web_sessions() as session:
        alert = session.get(Alert, seeded.ids["alert_east"])
        assert alert is not None
        finding_id = alert.finding_id
    evidence = seeded.ids["evidence_east"]
    page = client.get(f"/workspace/evidence/{evidence}?finding={finding_id}").text
    # The page as read: its text, the passage marked; its source a click away.
    shown = page.split('<pre class="body page-text">')[1].split("</pre>")[0]
    assert shown == '<mark class="offending">东城村财务公开 2026年10月</mark>\n收入 12,000 元'
    assert "&lt;h1&gt;东城村财务公开" in page.split('<details class="raw">')[1]


def test_a_channel_finding_links_its_channel_and_its_latest_archived_read():
    from monitor import i18n
    from monitor.web.workspace import evidence_links

    with i18n.using("en"):
        links = evidence_links(
            {
                "feed_id": 3,
                "url": "http://example.invalid/col/",
                "examples": [{"url": "http://example.invalid/col/index_1.html"}],
                "evidence_id": 9,
            }
        )
    assert [href for _, href in links] == [
        "/workspace/evidence/9",
        "http://example.invalid/col/",
        "http://example.invalid/col/index_1.html",
    ]


def test_no_evidence_recorded_is_never_said_of_a_finding_with_a_source(
    client, web_sessions, seeded
):
    """A stale-column finding names its channel, not a page: the alert links the
    channel's latest archived read."""
    with web_sessions() as session, session.begin():
        alert = session.get(Alert, seeded.ids["alert_west"])
        assert alert is not None
        finding = session.get(Finding, alert.finding_id)
        assert finding is not None
        feed = session.scalars(select(Feed).where(Feed.unit_id == finding.unit_id)).one()
        finding.evidence = {"feed_id": feed.id, "category": "通知公告"}
    login(client, "west")
    page = client.get(f"/workspace/alerts/{seeded.ids['alert_west']}").text
    assert "No evidence recorded" not in page
    assert f"/workspace/evidence/{seeded.ids['evidence_west']}?finding=" in page


def test_the_api_gives_a_finding_in_the_asked_language(client, web_sessions, seeded):
    _code_the_findings(web_sessions, seeded)
    auth = {"Authorization": f"Bearer {seeded.tokens['admin']}"}
    rows = client.get(
        "/api/v1/findings", params={"rule": "timeliness.publication_lag"}, headers=auth | ZH
    ).json()["items"]
    (lag,) = rows
    assert lag["message_code"] == "late" and lag["message_params"]["lag"] == 35
    assert lag["text"].startswith("2026-09-28 形成，2026-11-20 才公开")
    english = client.get(f"/api/v1/findings/{lag['id']}", headers=auth).json()
    assert english["message"] == lag["message"]  # the stored English text, unchanged
    assert english["text"].startswith("published 2026-11-20 is 35 working days after")


def test_the_search_page_reads_in_chinese_by_default(zh_client):
    page = zh_client.get("/search", params={"q": "没有这样的词语"}).text
    assert "搜索公开内容" in page and "无结果" in page
    assert "Search disclosures" not in page
    english = zh_client.get("/search", params={"q": "没有这样的词语", "lang": "en"}).text
    assert "Search disclosures" in english and "No results." in english
