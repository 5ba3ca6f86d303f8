"""The public report: charts, drill-down, unit pages and exports, without login."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from tests.conftest import TEST_SECRET_KEY
from tests.web.seed import Seeded


def test_report_shows_every_town_with_total_and_part_bars(client, seeded: Seeded):
    html = client.get("/").text
    assert "<svg" in html and 'class="chart"' in html
    assert "东城镇" in html and "西山乡" in html
    # The newest period is the default; each town has its total and two part bars.
    assert "2026-11" in html
    assert html.count('class="bar-total"') >= 2
    assert html.count('class="bar-completeness"') >= 2
    assert html.count('class="bar-timeliness"') >= 2
    # Villages are not on the town chart; towns link down to their villages.
    assert "东城村 " not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert f"/?period=2026-11&amp;parent={seeded.ids['east']}" in html


def test_bar_length_follows_score(client):
    html = client.get("/?period=2026-11").text
    chart = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    # 85 of 100 on a 300 px axis, 58 of 100 likewise.
    assert 'width="255.0"' in chart
    assert 'width="174.0"' in chart


def test_click_town_shows_its_villages(client, seeded: Seeded):
    html = client.get(f"/?period=2026-11&parent={seeded.ids['east']}").text
    chart = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "东城村" in chart and "桥头村" in chart
    assert "山脚村" not in chart


def test_worst_and_most_improved(client):
    html = client.get("/?period=2026-11").text
    worst = html.split("Lowest scores", 1)[1].split("Most improved", 1)[0]
    improved = html.split("Most improved", 1)[1].split("Trend", 1)[0]
    assert "山脚村" in worst  # 58, the lowest
    assert "东城村" in improved and "+18" in improved  # 72 → 90
    assert "桥头村" not in improved  # it fell


def test_trend_over_periods(client):
    html = client.get("/?period=2026-11").text
    trend = html.split('class="trend"', 1)[1].split("</svg>", 1)[0]
    assert "2026-10" in trend and "2026-11" in trend and "<path" in trend


def test_unknown_period_is_404(client):
    assert client.get("/?period=1999-01").status_code == 404


def test_unit_page_explains_score_and_lists_findings_and_history(client):
    html = client.get("/units/330101001001?period=2026-11").text
    assert "东城村" in html and "90" in html
    # The deduction, its rule named in words.
    assert "<strong>-10</strong> Published within 20 working days of formation (k1)" in html
    assert "integrity.silent_change" in html  # the finding
    assert "东城村财务公开 2026年10月" in html  # disclosure history
    # Anonymous visitors get the source link, not the archived evidence.
    assert "/workspace/evidence/" not in html


def test_unit_page_unknown_code(client):
    assert client.get("/units/999", headers={"accept": "text/html"}).status_code == 404


def test_csv_export_of_the_town_table(client):
    response = client.get("/export/units.csv?period=2026-11")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["name"] for r in rows] == ["东城镇", "西山乡"]
    assert rows[0]["total"] == "85.0" and rows[0]["change"] == "5.0"


def test_xlsx_export_of_villages(client, seeded: Seeded):
    response = client.get(f"/export/units.xlsx?period=2026-11&parent={seeded.ids['east']}")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][:4] == ("code", "name", "level", "total")
    assert {v[1] for v in values[1:]} == {"东城村", "桥头村"}


def test_worst_and_findings_exports(client):
    worst = client.get("/export/worst.csv?period=2026-11").content.decode("utf-8-sig")
    # Towns and villages together, lowest first (both at 58 here, by code).
    assert [line.split(",")[1] for line in worst.splitlines()[1:3]] == ["西山乡", "山脚村"]
    findings = client.get("/units/330101001001/findings.csv").content.decode("utf-8-sig")
    assert "integrity.silent_change" in findings
    assert client.get("/export/nope.csv").status_code == 422


def test_static_css_is_served_by_the_app(client):
    response = client.get("/static/style.css")
    assert response.status_code == 200 and "@media" in response.text
    assert "http" not in client.get("/").text.split("<body", 1)[0].replace("http-equiv", "")


def test_report_without_scores(tmp_path, sqlite_sessions):
    from fastapi.testclient import TestClient

    from monitor.settings import Settings
    from monitor.web import create_app

    empty = Settings(
        database_url=f"sqlite:///{tmp_path / 'monitor.db'}",
        data_dir=tmp_path,
        secret_key=TEST_SECRET_KEY,
    )
    with TestClient(create_app(empty, sqlite_sessions)) as c:
        assert "No scores have been computed yet" in c.get("/").text


def test_unit_history_and_scores_exports(client):
    history = client.get("/units/330101001001/history.csv").content.decode("utf-8-sig")
    assert "东城村财务公开 2026年10月" in history and "2026-11-03" in history
    scores = client.get("/units/330101001001/scores.xlsx?period=2026-10")
    rows = list(load_workbook(io.BytesIO(scores.content)).active.values)
    assert rows[0][0] == "indicator"
    assert {r[0]: r[1] for r in rows[1:]}["total"] == 72
    html = client.get("/units/330101001001").text
    assert "/units/330101001001/history.xlsx" in html and "/units/330101001001/scores.csv" in html
