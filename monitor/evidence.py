"""Reading archived responses back, checked against the digest they were stored under."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from warcio.archiveiterator import ArchiveIterator

from monitor.crawl.archive import evidence_digest
from monitor.fetch.spool import canonical_url
from monitor.settings import Settings
from monitor.store.models import Evidence, Feed, Fetch, Item, ItemVersion


class EvidenceError(Exception):
    pass


class EvidenceNotFound(EvidenceError):
    pass


class EvidenceExportError(EvidenceError):
    """The verified record could not be written where it was asked for."""


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


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def read_evidence(session: Session, settings: Settings, evidence_id: int) -> EvidenceRecord:
    """Load one archived response and verify its sha256; raises EvidenceError with a
    one-line message naming the record (its id, file and offset)."""
    evidence = session.get(Evidence, evidence_id)
    if evidence is None:
        raise EvidenceNotFound(f"no evidence with id {evidence_id}")
    path = _path(settings, evidence)
    where = (
        f"evidence {evidence_id} ({evidence.warc_file} at offset {evidence.warc_offset}, "
        f"{evidence.warc_length} bytes)"
    )
    try:
        with path.open("rb") as f:
            f.seek(evidence.warc_offset)
            raw = f.read(evidence.warc_length)
    except OSError as exc:
        raise EvidenceNotFound(f"{where}: cannot read the archive: {_one_line(exc)}") from exc
    if len(raw) < evidence.warc_length:
        raise EvidenceCorrupt(
            f"{where}: the archive is truncated ({len(raw)} of {evidence.warc_length} bytes)"
        )
    try:
        records = ArchiveIterator(BytesIO(raw))
        record = next(iter(records), None)
        if record is None or record.rec_type != "response":
            raise EvidenceCorrupt(f"{where}: no WARC response record at this offset")
        url = record.rec_headers.get_header("WARC-Target-URI") or ""
        payload = record.content_stream().read()
        headers = list(record.http_headers.headers) if record.http_headers else []
    except EvidenceCorrupt:
        raise
    except Exception as exc:  # warcio and zlib raise assorted types on damaged archives
        raise EvidenceCorrupt(f"{where}: unreadable WARC record: {_one_line(exc)}") from exc
    if not _verified(evidence, url, payload):
        raise EvidenceCorrupt(f"{where}: sha256 mismatch, the archive was altered")
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


def _verified(evidence: Evidence, url: str, payload: bytes) -> bool:
    """The payload and URL read back hash to the recorded digest. Records archived
    before URLs were stored canonically were hashed over the URL as fetched (a space
    in it, which the WARC reader turns into %20): their stored URL counts when it is
    what the archive's URL canonically stands for."""
    if hmac.compare_digest(evidence_digest(url, payload), evidence.sha256):
        return True
    return canonical_url(evidence.url) == url and hmac.compare_digest(
        evidence_digest(evidence.url, payload), evidence.sha256
    )


def evidence_unit_ids(session: Session, evidence_id: int) -> set[int]:
    """The units an archived response belongs to (through fetches and item versions):
    who may see it is decided on these."""
    via_fetch = session.scalars(
        select(Feed.unit_id)
        .join(Fetch, Fetch.feed_id == Feed.id)
        .where(Fetch.evidence_id == evidence_id)
    )
    via_item = session.scalars(
        select(Item.unit_id)
        .join(ItemVersion, ItemVersion.item_id == Item.id)
        .where(ItemVersion.evidence_id == evidence_id)
    )
    return set(via_fetch) | set(via_item)


def export_evidence(
    session: Session, settings: Settings, evidence_id: int, output: Path, *, payload_only: bool
) -> EvidenceRecord:
    """Write a verified record out: a one-record ``.warc.gz`` or just the body."""
    record = read_evidence(session, settings, evidence_id)
    try:
        output.write_bytes(record.payload if payload_only else record.raw)
    except OSError as exc:
        raise EvidenceExportError(f"cannot write {output}: {_one_line(exc)}") from exc
    return record
