"""A small district for the web tests: a county, two towns, three villages, scores for
two months, findings, alerts in both jurisdictions, an item with two versions and an
archived response, and one account per role."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy.orm import Session
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from monitor.crawl.archive import evidence_digest
from monitor.store.models import (
    Alert,
    Evidence,
    Feed,
    Fetch,
    Finding,
    Item,
    ItemVersion,
    Score,
    Unit,
)
from monitor.web.accounts import add_user, issue_token

PASSWORD = "correct horse battery staple"
NOW = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
ARCHIVED_BODY = "<html><body><h1>东城村财务公开 2026年10月</h1><p>收入 12,000 元</p></body></html>"


@dataclass
class Seeded:
    ids: dict[str, int]
    tokens: dict[str, str]


def _scores(session: Session, unit: Unit, period: str, total: float, comp: float, time: float):
    # The shape of area D's explanation entries (monitor.scoring.calculate).
    explanation = (
        [
            {
                "indicator": "timeliness",
                "finding_id": None,
                "rule_id": "timeliness.publication_lag",
                "period": period,
                "subject": "k1",
                "severity": "medium",
                "points": 100 - total,
                "counted": 100 - total,
            }
        ]
        if total < 100
        else []
    )
    for indicator, value in (("total", total), ("completeness", comp), ("timeliness", time)):
        session.add(
            Score(
                unit_id=unit.id,
                period=period,
                scheme_version="test-1",
                config_hash="0" * 64,
                indicator=indicator,
                value=value,
                max_value=100.0 if indicator == "total" else 50.0,
                explanation=explanation if indicator == "total" else [],
                computed_for=date(2026, 11, 28),
                computed_at=NOW,
            )
        )


def _warc(path: Path, url: str, body: str) -> tuple[int, int]:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    headers = StatusAndHeaders(
        "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
    )
    record = writer.create_warc_record(
        url, "response", payload=io.BytesIO(body.encode()), http_headers=headers
    )
    writer.write_record(record)
    data = buffer.getvalue()
    path.write_bytes(data)
    return 0, len(data)


def seed(session: Session, evidence_dir: Path) -> Seeded:
    county = Unit(code="330101000000", name="清溪县", level="county", kind="county")
    session.add(county)
    session.flush()
    east = Unit(code="330101001000", name="东城镇", level="town", kind="town", parent_id=county.id)
    west = Unit(
        code="330101002000", name="西山乡", level="town", kind="township", parent_id=county.id
    )
    session.add_all([east, west])
    session.flush()
    v1 = Unit(
        code="330101001001", name="东城村", level="village", kind="village", parent_id=east.id
    )
    v2 = Unit(
        code="330101001002", name="桥头村", level="village", kind="village", parent_id=east.id
    )
    v3 = Unit(
        code="330101002001", name="山脚村", level="village", kind="village", parent_id=west.id
    )
    session.add_all([v1, v2, v3])
    session.flush()

    for unit, (oct_, nov) in {
        county: (70, 75),
        east: (80, 85),
        west: (60, 58),
        v1: (72, 90),
        v2: (88, 80),
        v3: (55, 58),
    }.items():
        _scores(session, unit, "2026-10", oct_, oct_ / 2, oct_ / 2)
        _scores(session, unit, "2026-11", nov, nov / 2 + 2, nov / 2 - 2)

    feed1 = Feed(unit_id=v1.id, url="http://127.0.0.1:9/v1", kind="html")
    feed3 = Feed(unit_id=v3.id, url="http://127.0.0.1:9/v3", kind="html")
    session.add_all([feed1, feed3])
    session.flush()

    offset, length = _warc(evidence_dir / "test.warc.gz", feed1.url, ARCHIVED_BODY)
    ev1 = Evidence(
        sha256=evidence_digest(feed1.url, ARCHIVED_BODY.encode()),
        url=feed1.url,
        warc_file="test.warc.gz",
        warc_offset=offset,
        warc_length=length,
        content_type="text/html",
        status=200,
        fetched_at=NOW,
    )
    ev3 = Evidence(
        sha256=hashlib.sha256(b"3").hexdigest(),
        url=feed3.url,
        warc_file="missing.warc.gz",
        warc_offset=0,
        warc_length=1,
        status=200,
        fetched_at=NOW,
    )
    session.add_all([ev1, ev3])
    session.flush()
    session.add_all(
        [
            Fetch(
                feed_id=feed1.id,
                url=feed1.url,
                outcome="ok",
                status=200,
                evidence_id=ev1.id,
                started_at=NOW,
            ),
            Fetch(
                feed_id=feed3.id,
                url=feed3.url,
                outcome="ok",
                status=200,
                evidence_id=ev3.id,
                started_at=NOW,
            ),
        ]
    )

    item = Item(
        feed_id=feed1.id,
        unit_id=v1.id,
        key="k1",
        title="东城村财务公开 2026年10月",
        category="财务公开",
        url="http://127.0.0.1:9/v1/1.html",
        published_date=date(2026, 11, 3),
        content_hash="b",
        first_seen=NOW,
        last_seen=NOW,
    )
    session.add(item)
    session.flush()
    session.add_all(
        [
            ItemVersion(
                item_id=item.id,
                content_hash="a",
                seen_at=datetime(2026, 11, 3, tzinfo=UTC),
                title=item.title,
                text="收入 12,000 元\n支出 8,000 元",
                evidence_id=ev1.id,
            ),
            ItemVersion(
                item_id=item.id,
                content_hash="b",
                seen_at=NOW,
                title=item.title,
                text="收入 12,000 元\n支出 3,000 元",
            ),
        ]
    )

    f1 = Finding(
        rule_id="integrity.silent_change",
        unit_id=v1.id,
        period="2026-11",
        subject="k1",
        severity="high",
        message="财务公开 silently changed",
        evidence={"item_id": item.id, "evidence_id": ev1.id, "url": item.url},
        first_seen=NOW,
        last_seen=NOW,
    )
    f3 = Finding(
        rule_id="timeliness.publication_lag",
        unit_id=v3.id,
        period="2026-11",
        subject="k3",
        severity="medium",
        message="published 35 working days late",
        evidence={"evidence_id": ev3.id},
        first_seen=NOW,
        last_seen=NOW,
    )
    session.add_all([f1, f3])
    session.flush()
    a1 = Alert(
        dedup_key="a1",
        unit_id=v1.id,
        rule_id=f1.rule_id,
        subject="k1",
        severity="high",
        title="东城村: 财务公开 silently changed",
        finding_id=f1.id,
        opened_at=NOW,
        updated_at=NOW,
    )
    a3 = Alert(
        dedup_key="a3",
        unit_id=v3.id,
        rule_id=f3.rule_id,
        subject="k3",
        severity="medium",
        title="山脚村: published late",
        finding_id=f3.id,
        opened_at=NOW,
        updated_at=NOW,
    )
    session.add_all([a1, a3])
    session.flush()

    users = {
        "admin": add_user(session, "admin", "administrator", password=PASSWORD),
        "east": add_user(session, "east", "inspector", unit_code=east.code, password=PASSWORD),
        "west": add_user(session, "west", "inspector", unit_code=west.code, password=PASSWORD),
        "assess": add_user(session, "assess", "assessment", password=PASSWORD),
    }
    tokens = {name: issue_token(session, user) for name, user in users.items()}
    ids = {
        "county": county.id,
        "east": east.id,
        "west": west.id,
        "v1": v1.id,
        "v2": v2.id,
        "v3": v3.id,
        "alert_east": a1.id,
        "alert_west": a3.id,
        "item": item.id,
        "evidence_east": ev1.id,
        "evidence_west": ev3.id,
        "finding_east": f1.id,
    }
    return Seeded(ids, tokens)
