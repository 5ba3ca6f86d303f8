"""Reading archived responses back, checked against the digest they were stored under."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path

from sqlalchemy.orm import Session
from warcio.archiveiterator import ArchiveIterator

from monitor.crawl.archive import evidence_digest
from monitor.settings import Settings
from monitor.store.models import Evidence


class EvidenceError(Exception):
    pass


class EvidenceNotFound(EvidenceError):
    pass


class EvidenceCorrupt(EvidenceError):
    """The archived bytes no longer match the digest recorded when they were stored."""


@dataclass(frozen=True)
class EvidenceRecord:
    id: int
    url: str
    status: int | None
    content_type: str | None
    fetched_at: datetime
    sha256: str
    headers: list[tuple[str, str]]
    payload: bytes
    raw: bytes  # the WARC record as stored (one gzip member)


def _path(settings: Settings, evidence: Evidence) -> Path:
    path = (settings.evidence_dir / evidence.warc_file).resolve()
    if not path.is_relative_to(settings.evidence_dir.resolve()):
        raise EvidenceCorrupt(f"evidence {evidence.id} points outside the evidence directory")
    return path


def read_evidence(session: Session, settings: Settings, evidence_id: int) -> EvidenceRecord:
    """Load one archived response and verify its sha256; raises EvidenceError."""
    evidence = session.get(Evidence, evidence_id)
    if evidence is None:
        raise EvidenceNotFound(f"no evidence with id {evidence_id}")
    path = _path(settings, evidence)
    try:
        with path.open("rb") as f:
            f.seek(evidence.warc_offset)
            raw = f.read(evidence.warc_length)
    except OSError as exc:
        raise EvidenceNotFound(f"evidence {evidence_id}: cannot read {path}: {exc}") from exc
    try:
        record = next(iter(ArchiveIterator(BytesIO(raw))))
        url = record.rec_headers.get_header("WARC-Target-URI") or ""
        payload = record.content_stream().read()
        headers = list(record.http_headers.headers) if record.http_headers else []
    except Exception as exc:  # warcio raises assorted types on damaged archives
        raise EvidenceCorrupt(f"evidence {evidence_id}: unreadable WARC record: {exc}") from exc
    if not hmac.compare_digest(evidence_digest(url, payload), evidence.sha256):
        raise EvidenceCorrupt(f"evidence {evidence_id}: sha256 mismatch, the archive was altered")
    return EvidenceRecord(
        id=evidence.id,
        url=url,
        status=evidence.status,
        content_type=evidence.content_type,
        fetched_at=evidence.fetched_at,
        sha256=evidence.sha256,
        headers=headers,
        payload=payload,
        raw=raw,
    )


def export_evidence(
    session: Session, settings: Settings, evidence_id: int, output: Path, *, payload_only: bool
) -> EvidenceRecord:
    """Write a verified record out: a one-record ``.warc.gz`` or just the body."""
    record = read_evidence(session, settings, evidence_id)
    output.write_bytes(record.payload if payload_only else record.raw)
    return record
