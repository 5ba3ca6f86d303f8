"""``/evidence``: archived responses. The metadata says whether the archive still
verifies against the digest it was stored under; the download hands out only bytes
that verify (``monitor.evidence.read_evidence``), and refuses an altered archive."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from monitor.evidence import (
    EvidenceCorrupt,
    EvidenceError,
    EvidenceRecord,
    evidence_unit_ids,
    read_evidence,
)
from monitor.store.models import Evidence
from monitor.web.accounts import Viewer
from monitor.web.api.common import ERRORS, NOT_FOUND, Db, Problem, Worker, require_within
from monitor.web.params import RowId

router = APIRouter(tags=["evidence"])
BINARY = {"schema": {"type": "string", "format": "binary"}}
WARC_TYPE = "application/warc"


class EvidenceOut(BaseModel):
    id: int
    url: str
    sha256: str
    content_type: str | None
    status: int | None
    fetched_at: datetime
    bytes: int
    # ok: the archive reads back to the digest; altered: it does not; missing: the
    # archive file or record cannot be read.
    verification: Literal["ok", "altered", "missing"]
    problem: str | None = None


def _evidence(session: Session, viewer: Viewer, evidence_id: int) -> Evidence:
    evidence = session.get(Evidence, evidence_id)
    if evidence is None:
        raise HTTPException(404, "no such evidence")
    require_within(viewer, evidence_unit_ids(session, evidence_id), "evidence")
    return evidence


def _verified(session: Session, request: Request, evidence_id: int) -> EvidenceRecord:
    try:
        return read_evidence(session, request.app.state.settings, evidence_id)
    except EvidenceCorrupt as exc:
        raise HTTPException(409, f"the archive does not verify: {exc}") from exc
    except EvidenceError as exc:
        raise HTTPException(404, f"the archive cannot be read: {exc}") from exc


@router.get("/evidence/{evidence_id}", responses={**ERRORS, **NOT_FOUND})
def get_evidence(request: Request, session: Db, viewer: Worker, evidence_id: RowId) -> EvidenceOut:
    """An archived response's metadata, with whether its archive still verifies."""
    evidence = _evidence(session, viewer, evidence_id)
    verification: Literal["ok", "altered", "missing"] = "ok"
    problem = None
    try:
        read_evidence(session, request.app.state.settings, evidence_id)
    except EvidenceCorrupt as exc:
        verification, problem = "altered", str(exc)
    except EvidenceError as exc:
        verification, problem = "missing", str(exc)
    return EvidenceOut(
        id=evidence.id,
        url=evidence.url,
        sha256=evidence.sha256,
        content_type=evidence.content_type,
        status=evidence.status,
        fetched_at=evidence.fetched_at,
        bytes=evidence.warc_length,
        verification=verification,
        problem=problem,
    )


@router.get(
    "/evidence/{evidence_id}/download",
    response_class=Response,
    responses={
        200: {
            "description": "The verified bytes: the WARC record, or the response body.",
            "content": {WARC_TYPE: BINARY, "application/octet-stream": BINARY},
        },
        **ERRORS,
        **NOT_FOUND,
        409: {"model": Problem, "description": "The archive does not verify (altered)."},
    },
)
def download_evidence(
    request: Request,
    session: Db,
    viewer: Worker,
    evidence_id: RowId,
    part: Literal["warc", "body"] = "warc",
) -> Response:
    """The archived response, only when it verifies against its stored sha256: the
    one-record ``.warc.gz`` (``part=warc``, what ``monitor evidence export`` writes)
    or the response body (``part=body``). Sent as a download, never rendered here."""
    _evidence(session, viewer, evidence_id)
    record = _verified(session, request, evidence_id)
    name = f"evidence-{evidence_id}" + (".warc.gz" if part == "warc" else ".bin")
    return Response(
        record.raw if part == "warc" else record.payload,
        media_type=WARC_TYPE if part == "warc" else "application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Evidence-SHA256": record.sha256,
        },
    )
