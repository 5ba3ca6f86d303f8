"""The report must not spread a leak: an item under an open privacy finding is shown
to the public without a link or an address, the finding as a count and a masked value;
the inspectors still reach the evidence in the workspace."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.store.models import Finding, Item, Unit
from tests.web.seed import Seeded

LEAKING_URL = "http://127.0.0.1:9/v1/1.html"
ATTACHMENT_URL = "http://127.0.0.1:9/v1/files/list.xlsx"
NOW = datetime(2026, 11, 20, 2, tzinfo=UTC)


@pytest.fixture
def leak(web_sessions: sessionmaker[Session], seeded: Seeded) -> int:
    with web_sessions() as session:
        item = session.scalar(select(Item).where(Item.url == LEAKING_URL))
        assert item is not None
        item.attachments = [{"name": "低保名单.xlsx", "url": ATTACHMENT_URL}]
        finding = Finding(
            rule_id="privacy.personal_data",
            unit_id=item.unit_id,
            period="2026-11",
            subject=f"item:{LEAKING_URL}",
            severity="critical",
            message="personal data exposed: 2 resident id",
            evidence={
                "item_id": item.id,
                "key": item.key,
                "url": LEAKING_URL,
                "title": item.title,
                "found": {"resident_id": ["4403**********1237", "4403**********0019"]},
                "counts": {"resident_id": 2},
                "attachment": {"url": ATTACHMENT_URL, "sheet": "Sheet1"},
            },
            first_seen=NOW,
            last_seen=NOW,
        )
        session.add(finding)
        session.commit()
        return finding.id


def _hrefs(html: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', html))


def test_public_pages_link_to_no_leaking_item(client, seeded: Seeded, leak: int, web_sessions):
    with web_sessions() as session:
        codes = list(session.scalars(select(Unit.code)))
    pages = ["/", "/?period=2026-11", f"/?period=2026-11&parent={seeded.ids['east']}"]
    pages += [f"/units/{code}?period=2026-11" for code in codes]
    pages += [f"/units/{code}" for code in codes]
    for page in pages:
        html = client.get(page).text
        assert LEAKING_URL not in html, page
        assert ATTACHMENT_URL not in html, page
        assert not any(LEAKING_URL in h or ATTACHMENT_URL in h for h in _hrefs(html)), page
    unit = client.get("/units/330101001001?period=2026-11").text
    # The finding is there, as a count and one masked value at most.
    assert "privacy.personal_data" in unit
    assert "4403**********1237" in unit and "4403**********0019" not in unit
    assert "link withheld" in unit
    # The title stays readable, unlinked.
    assert "东城村财务公开 2026年10月" in unit


@pytest.mark.parametrize("table", ["findings", "history"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_public_exports_carry_no_leaking_address(client, leak: int, table: str, fmt: str):
    body = client.get(f"/units/330101001001/{table}.{fmt}?period=2026-11").content
    if fmt == "xlsx":
        from io import BytesIO

        from openpyxl import load_workbook

        sheet = load_workbook(BytesIO(body)).active
        body = "\n".join(str(c.value) for row in sheet.iter_rows() for c in row).encode()
    assert LEAKING_URL.encode() not in body
    assert ATTACHMENT_URL.encode() not in body


def test_api_masks_the_leak_for_viewers_who_do_not_work_alerts(client, seeded: Seeded, leak: int):
    def get(who: str) -> dict:
        response = client.get(
            "/api/v1/findings?rule=privacy.personal_data",
            headers={"Authorization": f"Bearer {seeded.tokens[who]}"},
        )
        assert response.status_code == 200, response.text
        [finding] = response.json()["items"]
        return finding

    masked = get("assess")
    assert LEAKING_URL not in str(masked) and ATTACHMENT_URL not in str(masked)
    assert masked["evidence"] == {"counts": {"resident_id": 2}}
    inspector = get("admin")
    assert inspector["evidence"]["url"] == LEAKING_URL


def test_a_cleared_privacy_finding_gives_the_link_back(client, leak: int, web_sessions):
    with web_sessions() as session:
        finding = session.get(Finding, leak)
        assert finding is not None
        finding.status = "cleared"
        finding.cleared_at = NOW
        session.commit()
    html = client.get("/units/330101001001?period=2026-11").text
    assert f'href="{LEAKING_URL}"' in html


def test_an_attachment_not_read_withholds_no_link(client, leak: int, web_sessions):
    """Only a known leak hides the page: "could not read the attachment" does not."""
    with web_sessions() as session:
        finding = session.get(Finding, leak)
        assert finding is not None
        finding.subject = f"item:{LEAKING_URL}#attachment:扫描件.png"
        finding.severity = "info"
        finding.assessable = False
        finding.message = "attachment 扫描件.png not read: image: tesseract is not installed"
        finding.evidence = {
            "item_id": finding.evidence["item_id"],
            "url": LEAKING_URL,
            "attachment": {"name": "扫描件.png", "url": ATTACHMENT_URL},
            "not_read": "image: tesseract is not installed",
        }
        session.commit()
    html = client.get("/units/330101001001?period=2026-11").text
    assert f'href="{LEAKING_URL}"' in html
