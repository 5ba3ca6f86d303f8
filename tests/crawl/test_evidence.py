"""Evidence is read back only when its bytes still match the recorded sha256."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from monitor.crawl import crawl
from monitor.evidence import EvidenceCorrupt, EvidenceNotFound, read_evidence
from monitor.settings import Settings
from monitor.store.models import Evidence, Fetch
from tests.crawl.conftest import PAGES, add_feed
from tests.fetch.servers import Page, Site, ThreadServer


def test_tampering_is_detected(
    sqlite_sessions: sessionmaker[Session],
    crawl_settings: Settings,
    site: tuple[Site, ThreadServer],
) -> None:
    s, server = site
    body = (PAGES / "feed_atom.xml").read_bytes()
    s.pages["/atom.xml"] = Page(body, content_type="application/atom+xml")
    add_feed(sqlite_sessions, server.url("/atom.xml"), "atom", {"detail": False})
    crawl(sqlite_sessions, crawl_settings, now=datetime(2026, 11, 28, tzinfo=UTC))
    with sqlite_sessions() as session:
        fetch = session.scalars(select(Fetch)).one()
        assert fetch.evidence_id is not None
        record = read_evidence(session, crawl_settings, fetch.evidence_id)
        assert record.payload == body and record.status == 200
        evidence = session.get(Evidence, fetch.evidence_id)
        assert evidence is not None
        path = crawl_settings.evidence_dir / evidence.warc_file

    # Bytes changed on disk: the record no longer reads as it was stored.
    original = path.read_bytes()
    data = bytearray(original)
    data[evidence.warc_offset + evidence.warc_length // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with sqlite_sessions() as session, pytest.raises(EvidenceCorrupt):
        read_evidence(session, crawl_settings, evidence.id)

    # Intact bytes but a different recorded digest: a mismatch, not a silent read.
    path.write_bytes(original)
    with sqlite_sessions() as session, session.begin():
        session.execute(update(Evidence).values(sha256="0" * 64))
    with sqlite_sessions() as session, pytest.raises(EvidenceCorrupt, match="sha256 mismatch"):
        read_evidence(session, crawl_settings, evidence.id)
    with sqlite_sessions() as session, pytest.raises(EvidenceNotFound):
        read_evidence(session, crawl_settings, 12345)
