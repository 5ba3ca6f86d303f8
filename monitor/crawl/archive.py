"""Evidence: every response archived in WARC files, content-addressed and stored once.

A record's address is ``sha256(url + "\\n" + body)``: fetching the same page with
the same bytes again adds nothing, while two villages' identical error pages stay
two records, each naming the URL it proves something about.
"""

from __future__ import annotations

import hashlib
import os
import uuid
import zlib
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from monitor.fetch import Response
from monitor.fetch.spool import canonical_url
from monitor.store.bulk import as_tuples, insert_numbered
from monitor.store.models import Evidence

GZIP_LEVEL = 6

# Headers that described the bytes on the wire, not the decoded body we store.
_WIRE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def evidence_digest(url: str, body: bytes) -> str:
    digest = hashlib.sha256(url.encode("utf-8"))
    digest.update(b"\n")
    digest.update(body)
    return digest.hexdigest()


def archivable(response: Response) -> bool:
    return response.status is not None and response.status != 304


class WarcArchive:
    """Appends records to one WARC file per crawl run and process (opened lazily)."""

    def __init__(self, evidence_dir: Path, now: datetime) -> None:
        self.root = evidence_dir
        stamp = now.astimezone(UTC)
        self.relative = (
            Path(stamp.strftime("%Y/%m/%d"))
            / f"crawl-{stamp:%Y%m%dT%H%M%S}-{os.getpid()}-{uuid.uuid4().hex[:8]}.warc.gz"
        )
        self._out: BinaryIO | None = None
        # Each record is gzipped as it is written, as its own member (what warcio's
        # gzip=True writes too), at zlib's default level rather than warcio's 9, which
        # costs about twice the CPU for a few percent of size.
        self._writer = WARCWriter(BytesIO(), gzip=False)

    def _open(self) -> BinaryIO:
        if self._out is None:
            path = self.root / self.relative
            path.parent.mkdir(parents=True, exist_ok=True)
            self._out = path.open("ab")
        return self._out

    def write(self, response: Response, fetched_at: datetime) -> tuple[str, int, int]:
        """Append one response record; returns (file relative to evidence_dir, offset,
        length). A spooled body is copied from its spool, never held whole."""
        out, writer = self._open(), self._writer
        size = response.size
        headers = [(k, v) for k, v in response.headers if k.lower() not in _WIRE_HEADERS]
        headers.append(("Content-Length", str(size)))
        http_headers = StatusAndHeaders(f"{response.status}", headers, protocol="HTTP/1.1")
        payload = response.spool.stream() if response.spool is not None else BytesIO(response.body)
        with payload:
            record = writer.create_warc_record(
                canonical_url(response.final_url),
                "response",
                payload=payload,
                length=size,
                http_headers=http_headers,
                warc_headers_dict={
                    "WARC-Date": fetched_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "WARC-Concurrent-To-Request": canonical_url(response.url),
                },
            )
            offset = out.tell()
            member = _GzipMember(out)
            writer.out = member
            writer.write_record(record)
            member.close()
        out.flush()
        return str(self.relative), offset, out.tell() - offset

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None


class _GzipMember:
    """A file-like writer that gzips what it is given into one member of ``out``."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)

    def write(self, data: bytes) -> int:
        self.out.write(self.compressor.compress(data))
        return len(data)

    def flush(self) -> None:
        pass  # one member per record: finished by close()

    def close(self) -> None:
        self.out.write(self.compressor.flush())


def response_digest(response: Response) -> str:
    """The evidence digest of a response, over the URL as archived."""
    if response.spool is not None:
        return response.spool.digest
    return evidence_digest(canonical_url(response.final_url), response.body)


def store_evidence(
    session: Session, archive: WarcArchive, responses: list[Response], fetched_at: datetime
) -> dict[int, int]:
    """Archive responses not stored yet; returns ``id(response) -> Evidence.id``."""
    wanted = {id(r): response_digest(r) for r in responses if archivable(r)}
    if not wanted:
        return {}
    known = dict(
        session.execute(
            select(Evidence.sha256, Evidence.id).where(Evidence.sha256.in_(set(wanted.values())))
        ).all()
    )
    fresh: dict[str, dict[str, Any]] = {}
    for response in responses:
        digest = wanted.get(id(response))
        if digest is None or digest in known or digest in fresh:
            continue
        warc_file, offset, length = archive.write(response, fetched_at)
        fresh[digest] = {
            "sha256": digest,
            "url": canonical_url(response.final_url)[:2000],
            "warc_file": warc_file,
            "warc_offset": offset,
            "warc_length": length,
            "content_type": response.content_type,
            "status": response.status,
            "fetched_at": fetched_at,
        }
    if fresh:
        connection = session.connection()
        table = cast(Table, Evidence.__table__)
        numbered = insert_numbered(connection, table, *as_tuples(list(fresh.values())))
        if numbered is not None:  # SQLite: the ids after the largest one, in order
            known.update(zip(fresh, numbered, strict=True))
        else:
            known.update(
                connection.execute(
                    select(Evidence.sha256, Evidence.id).where(Evidence.sha256.in_(list(fresh)))
                ).all()
            )
    return {key: known[digest] for key, digest in wanted.items()}
