"""What every resource of API v1 shares: token auth and roles, errors, one way to
page and filter (``page``/``per_page``, answered as :class:`Page`), unit look-ups."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from monitor.store.models import Unit
from monitor.web.accounts import Viewer, user_for_token, viewer_for
from monitor.web.deps import get_db
from monitor.web.params import MAX_PAGE

T = TypeVar("T")
MAX_PER_PAGE = 500
bearer = HTTPBearer(auto_error=False, description="An API token from `monitor users token`.")


class Problem(BaseModel):
    detail: str


def _problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description}


ERRORS: dict[int | str, dict[str, Any]] = {
    401: _problem("No or unknown token."),
    403: _problem("The role may not do this, or it is outside the jurisdiction."),
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: _problem("No such thing.")}
CONFLICT: dict[int | str, dict[str, Any]] = {409: _problem("Not allowed from the current state.")}


class Page(BaseModel, Generic[T]):
    """One page of a list: every list answers in this shape."""

    items: list[T]
    page: int
    per_page: int
    total: int


@dataclass(frozen=True)
class Paging:
    """``?page=1&per_page=100``: the same two parameters on every list."""

    page: int
    per_page: int

    def rows(self, session: Session, query: Select) -> tuple[list[tuple[Any, ...]], int]:
        """This page of the query's rows and the total count."""
        total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
        found = session.execute(
            query.offset((self.page - 1) * self.per_page).limit(self.per_page)
        ).all()
        return [tuple(r) for r in found], total or 0

    def of(self, items: list[T], total: int) -> Page[T]:
        return Page(items=items, page=self.page, per_page=self.per_page, total=total)


def paging(
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="1-based page number.")] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="Rows per page.")] = 100,
) -> Paging:
    return Paging(page, per_page)


Db = Annotated[Session, Depends(get_db)]
Pages = Annotated[Paging, Depends(paging)]


def api_viewer(
    request: Request,
    session: Db,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Viewer:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, "an API token is required", {"WWW-Authenticate": "Bearer"})
    days = request.app.state.settings.web.token_days
    user = user_for_token(session, credentials.credentials, max_age_days=days)
    if user is None:
        raise HTTPException(
            401, "unknown, revoked or expired token", {"WWW-Authenticate": "Bearer"}
        )
    session.commit()  # keeps last_used_at
    return viewer_for(session, user)


Who = Annotated[Viewer, Depends(api_viewer)]


def alert_worker(viewer: Who) -> Viewer:
    """Administrators and inspectors: the workspace's alert side."""
    if not viewer.works_alerts:
        raise HTTPException(403, "your role does not work alerts")
    return viewer


def administrator(viewer: Who) -> Viewer:
    if viewer.role != "administrator":
        raise HTTPException(403, "only an administrator may do this")
    return viewer


Worker = Annotated[Viewer, Depends(alert_worker)]
Admin = Annotated[Viewer, Depends(administrator)]


def unit_id(session: Session, code: str | None) -> int | None:
    """The id of the unit with CODE (None for no code); 404 when there is none."""
    if code is None:
        return None
    found = session.scalar(select(Unit.id).where(Unit.code == code))
    if found is None:
        raise HTTPException(404, "no such unit")
    return found


def require_within(viewer: Viewer, unit_ids: int | set[int], what: str) -> None:
    """403 unless the viewer's jurisdiction holds the unit (or one of the units)."""
    ids = {unit_ids} if isinstance(unit_ids, int) else unit_ids
    if viewer.unit_ids is not None and not ids & viewer.unit_ids:
        raise HTTPException(403, f"this {what} is outside your jurisdiction")


def codes(session: Session, ids: set[int]) -> dict[int, str]:
    """Unit id → code for the ids given."""
    if not ids:
        return {}
    rows = session.execute(select(Unit.id, Unit.code).where(Unit.id.in_(ids))).all()
    return {uid: code for uid, code in rows}
