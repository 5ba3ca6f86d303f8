"""What the pages show of the stored annual reports."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.store.models import AnnualReport

__all__ = ["stored_reports", "summary"]


def stored_reports(session: Session, unit_id: int) -> list[AnnualReport]:
    return list(
        session.scalars(
            select(AnnualReport)
            .where(AnnualReport.unit_id == unit_id)
            .order_by(AnnualReport.year.desc())
        )
    )


def summary(row: AnnualReport) -> dict[str, Any]:
    """What the unit page and the public report show of a report."""
    status = "inconsistent" if row.audit else "consistent"
    if row.read_error:
        status = "unread"
    return {
        "year": row.year,
        "title": row.title,
        "url": row.url,
        "status": status,
        "inconsistencies": len(row.audit or []),
        "audit": list(row.audit or []),
        "read_error": row.read_error,
    }
