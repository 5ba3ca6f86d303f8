"""Accounts: password hashing (argon2), API tokens, and what a user may see."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from monitor.store.base import utcnow
from monitor.store.models import Unit
from monitor.web.models import ROLES, ApiToken, User, WebSession

_hasher = PasswordHasher()


class AccountError(ValueError):
    """A user cannot be created or changed as asked."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def add_user(
    session: Session,
    name: str,
    role: str,
    *,
    unit_code: str | None = None,
    password: str | None = None,
) -> User:
    """Create or update the account NAME (upsert on the name)."""
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    unit_id = None
    if unit_code:
        unit_id = session.scalar(select(Unit.id).where(Unit.code == unit_code))
        if unit_id is None:
            raise AccountError(f"no unit with code {unit_code}")
    if role == "inspector" and unit_id is None:
        raise AccountError("an inspector needs --unit (the root of their jurisdiction)")
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        user = User(name=name, role=role)
        session.add(user)
    user.role = role
    user.unit_id = unit_id
    if password is not None:
        user.password_hash = hash_password(password)
    session.flush()
    return user


def authenticate(session: Session, name: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.name == name, User.active.is_(True)))
    if user is None or not verify_password(user.password_hash, password):
        return None
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User) -> str:
    """A new API token for USER; the clear token is returned once and never stored."""
    token = "dm_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token)))
    session.flush()
    return token


def user_for_token(
    session: Session, token: str, *, max_age_days: float, now: datetime | None = None
) -> User | None:
    """The active user of a known, unrevoked TOKEN issued less than MAX_AGE_DAYS ago.

    Expiry is the token's age against the setting (``web.token_days``), not a date
    stored per token: one policy for every token, and shortening it takes effect at
    once for tokens already issued."""
    now = now or utcnow()
    row = session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == _token_hash(token), ApiToken.revoked_at.is_(None)
        )
    )
    if row is None or not row.user.active:
        return None
    if row.created_at <= now - timedelta(days=max_age_days):
        return None
    row.last_used_at = now
    return row.user


def open_session(
    session: Session, user: User, *, max_age_hours: float, now: datetime | None = None
) -> str:
    """A new signed-in session for USER; returns the id the cookie carries (only its
    hash is stored). The user's ended and expired sessions are removed meanwhile."""
    now = now or utcnow()
    session.execute(
        delete(WebSession).where(
            WebSession.user_id == user.id,
            or_(
                WebSession.ended_at.is_not(None),
                WebSession.created_at <= now - timedelta(hours=max_age_hours),
            ),
        )
    )
    sid = secrets.token_urlsafe(32)
    session.add(WebSession(user_id=user.id, token_hash=_token_hash(sid), created_at=now))
    session.flush()
    return sid


def user_for_session(
    session: Session, sid: str, *, max_age_hours: float, now: datetime | None = None
) -> User | None:
    """The active user of a live session SID: not ended, younger than MAX_AGE_HOURS."""
    now = now or utcnow()
    row = session.scalar(
        select(WebSession).where(
            WebSession.token_hash == _token_hash(sid),
            WebSession.ended_at.is_(None),
            WebSession.created_at > now - timedelta(hours=max_age_hours),
        )
    )
    if row is None:
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.active else None


def end_session(session: Session, sid: str, *, now: datetime | None = None) -> None:
    """Log out: the session's cookie opens nothing from now on, in any process."""
    session.execute(
        update(WebSession)
        .where(WebSession.token_hash == _token_hash(sid), WebSession.ended_at.is_(None))
        .values(ended_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class Viewer:
    """Who is asking, resolved once per request: role and the units they may see."""

    name: str
    role: str
    # None: every unit (administrator, assessment); else the inspector's subtree.
    unit_ids: frozenset[int] | None

    def can_see_unit(self, unit_id: int) -> bool:
        return self.unit_ids is None or unit_id in self.unit_ids

    @property
    def works_alerts(self) -> bool:
        return self.role in ("administrator", "inspector")


def subtree_ids(session: Session, root_id: int) -> frozenset[int]:
    """The unit and all units below it (three levels at most, one query per level)."""
    found = {root_id}
    frontier = [root_id]
    while frontier:
        frontier = list(session.scalars(select(Unit.id).where(Unit.parent_id.in_(frontier))))
        frontier = [i for i in frontier if i not in found]
        found.update(frontier)
    return frozenset(found)


def viewer_for(session: Session, user: User) -> Viewer:
    if user.role == "inspector":
        ids = subtree_ids(session, user.unit_id) if user.unit_id else frozenset()
        return Viewer(user.name, user.role, ids)
    return Viewer(user.name, user.role, None)
