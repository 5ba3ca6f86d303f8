"""``/findings``: what the rules found, with evidence; scoped to the jurisdiction."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from monitor import i18n
from monitor.i18n.words import finding_text
from monitor.store.models import Finding, Unit
from monitor.web import leaks
from monitor.web.api.common import ERRORS, NOT_FOUND, Db, Page, Pages, Who, require_within, unit_id
from monitor.web.params import RowId

router = APIRouter(tags=["findings"])


class FindingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    rule_id: str
    unit_code: str
    period: str
    subject: str
    severity: str
    assessable: bool
    status: str
    message: str  # English, as the rule said it
    # The message as its rule's code and parameters (None for older findings), and in
    # the request's language (Accept-Language, ?lang=).
    message_code: str | None = None
    message_params: dict[str, Any] = {}
    text: str = ""
    evidence: dict[str, Any]
    first_seen: datetime
    last_seen: datetime
    cleared_at: datetime | None


def finding_out(f: Finding, code: str, hidden: leaks.Withheld | None) -> FindingOut:
    data = {k: getattr(f, k) for k in FindingOut.model_fields if k not in ("unit_code", "text")}
    data["text"] = finding_text(f)
    if hidden is not None and hidden.hides_finding(f):
        data["subject"] = hidden.subject(f)
        data["text"] = hidden.public_message(f)
        with i18n.using("en"):
            data["message"] = hidden.public_message(f)
        data["message_params"] = {}
        data["evidence"] = {
            k: v for k, v in (f.evidence or {}).items() if k in ("counts", "period", "series")
        }
    return FindingOut(unit_code=code, **data)


@router.get("/findings", responses={**ERRORS, **NOT_FOUND})
def list_findings(
    session: Db,
    viewer: Who,
    paging: Pages,
    period: str | None = None,
    unit: str | None = None,
    status: Literal["open", "cleared"] | None = None,
    rule: str | None = None,
) -> Page[FindingOut]:
    """Findings with their evidence; inspectors see their jurisdiction only."""
    query = select(Finding, Unit.code).join(Unit, Unit.id == Finding.unit_id)
    if period:
        query = query.where(Finding.period == period)
    found_unit = unit_id(session, unit)
    if found_unit is not None:
        query = query.where(Finding.unit_id == found_unit)
    if status:
        query = query.where(Finding.status == status)
    if rule:
        query = query.where(Finding.rule_id == rule)
    if viewer.unit_ids is not None:
        query = query.where(Finding.unit_id.in_(viewer.unit_ids))
    rows, total = paging.rows(session, query.order_by(Finding.id))
    # Only those who work alerts see where personal data still sits.
    hidden = None if viewer.works_alerts else leaks.withheld(session)
    return paging.of([finding_out(f, code, hidden) for f, code in rows], total)


@router.get("/findings/{finding_id}", responses={**ERRORS, **NOT_FOUND})
def get_finding(session: Db, viewer: Who, finding_id: RowId) -> FindingOut:
    finding = session.get(Finding, finding_id)
    if finding is None:
        raise HTTPException(404, "no such finding")
    require_within(viewer, finding.unit_id, "finding")
    hidden = None if viewer.works_alerts else leaks.withheld(session)
    code = session.get(Unit, finding.unit_id).code  # type: ignore[union-attr]
    return finding_out(finding, code, hidden)
