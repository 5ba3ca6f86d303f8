"""Tables of the alerts area (see monitor.store.registry): appeals against findings
and their append-only history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, relationship

from monitor.store.base import Base, utcnow
from monitor.store.models import AlertEvent

APPEAL_STATES = ("pending", "upheld", "overturned")


class Appeal(Base):
    """A unit (through an operator) contests a finding; an inspector decides."""

    __tablename__ = "appeal"
    __table_args__ = (Index("ix_appeal_finding_state", "finding_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("finding.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    filed_by: Mapped[str] = mapped_column(String(200))
    # The account that entered the appeal for the unit (workspace, API); it may not
    # decide it. None for appeals filed from the command line (filed_by is the filer).
    entered_by: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]

    history: Mapped[list[AppealEvent]] = relationship(order_by="AppealEvent.id")


class AppealEvent(Base):
    """Append-only: one row per thing that happened to an appeal, with who and why."""

    __tablename__ = "appeal_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeal.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")


class AppendOnlyError(RuntimeError):
    """History rows are evidence: they are written once and never changed."""


def _refuse(_mapper: Any, _connection: Any, target: Any) -> None:
    raise AppendOnlyError(f"{type(target).__name__} rows are append-only")


_APPEND_ONLY = (AlertEvent, AppealEvent)


def _refuse_bulk(state: ORMExecuteState) -> None:
    # Bulk UPDATE/DELETE statements skip the mapper events above.
    mapper = state.bind_mapper
    if (
        (state.is_update or state.is_delete)
        and mapper is not None
        and mapper.class_ in _APPEND_ONLY
    ):
        raise AppendOnlyError(f"{mapper.class_.__name__} rows are append-only")


# Registered here because this module is always imported (monitor.store.registry).
for _cls in _APPEND_ONLY:
    event.listen(_cls, "before_update", _refuse)
    event.listen(_cls, "before_delete", _refuse)
event.listen(Session, "do_orm_execute", _refuse_bulk)
