"""Evidence is read back only when its bytes still match the recorded sha256."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from monitor.crawl import crawl
from monitor.evidence import EvidenceCorrupt, EvidenceError, EvidenceNotFound, read_evidence
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


def _crawl_one(
    sessions: sessionmaker[Session], settings: Settings, url: str, kind: str = "atom"
) -> Evidence:
    add_feed(sessions, url, kind, {"detail": False})
    crawl(sessions, settings, now=datetime(2026, 11, 28, tzinfo=UTC))
    with sessions() as session:
        fetch = session.scalars(select(Fetch).order_by(Fetch.id.desc())).first()
        assert fetch is not None and fetch.evidence_id is not None, fetch
        evidence = session.get(Evidence, fetch.evidence_id)
        assert evidence is not None
        session.expunge(evidence)
        return evidence


@pytest.mark.parametrize("name", ["atom feed.xml", 'atom"{x}|y^.xml', "atom<1>.xml"])
def test_evidence_of_a_url_a_warc_reader_rewrites_verifies(
    sqlite_sessions: sessionmaker[Session],
    crawl_settings: Settings,
    site: tuple[Site, ThreadServer],
    name: str,
) -> None:
    s, server = site
    body = (PAGES / "feed_atom.xml").read_bytes()
    page = Page(body, content_type="application/atom+xml")
    s.pages["/" + name] = page
    s.pages["/" + quote(name)] = page
    evidence = _crawl_one(sqlite_sessions, crawl_settings, server.url("/" + name))
    with sqlite_sessions() as session:
        record = read_evidence(session, crawl_settings, evidence.id)
    assert record.payload == body
    assert record.url == evidence.url == server.url("/" + quote(name, safe="/"))


def _damage(path: Path, evidence: Evidence, how: str, sessions: sessionmaker[Session]) -> None:
    data = bytearray(path.read_bytes())
    if how == "truncated":
        path.write_bytes(bytes(data[: evidence.warc_offset + evidence.warc_length // 2]))
    elif how == "gzip header":
        data[evidence.warc_offset : evidence.warc_offset + 4] = b"\x00\x01\x02\x03"
        path.write_bytes(bytes(data))
    elif how == "deflate stream":
        for i in range(20, 60):
            data[evidence.warc_offset + i] ^= 0x5A
        path.write_bytes(bytes(data))
    elif how == "wrong offset":
        with sessions() as session, session.begin():
            session.execute(
                update(Evidence).where(Evidence.id == evidence.id).values(warc_offset=7)
            )
    elif how == "missing file":
        path.unlink()


@pytest.mark.parametrize(
    "how", ["truncated", "gzip header", "deflate stream", "wrong offset", "missing file"]
)
def test_a_damaged_archive_is_one_line_naming_the_record(
    sqlite_sessions: sessionmaker[Session],
    crawl_settings: Settings,
    site: tuple[Site, ThreadServer],
    how: str,
) -> None:
    s, server = site
    s.pages["/atom.xml"] = Page(
        (PAGES / "feed_atom.xml").read_bytes(), content_type="application/atom+xml"
    )
    evidence = _crawl_one(sqlite_sessions, crawl_settings, server.url("/atom.xml"))
    _damage(crawl_settings.evidence_dir / evidence.warc_file, evidence, how, sqlite_sessions)
    with sqlite_sessions() as session, pytest.raises(EvidenceError) as raised:
        read_evidence(session, crawl_settings, evidence.id)
    message = str(raised.value)
    assert "\n" not in message and message.startswith(f"evidence {evidence.id} ("), message
    assert evidence.warc_file in message
