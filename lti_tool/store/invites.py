"""One-time invitations for Dynamic Registration (``qser lti invite``).

The registration address carries the invitation; only its SHA-256 is stored. Claiming it
is one atomic update, so two registrations racing with one invitation cannot both run; a
registration the platform refuses hands the invitation back, so the administrator can fix
the cause and paste the same address again.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, insert, select, update

from . import tables as T
from .db import Database, now, utc

I = T.invite


class InviteRefused(Exception):
    """``code``: invite_missing, invite_unknown, invite_used or invite_expired."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Invite:
    id: int
    token: str  # only known when it is created
    expires_at: datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(db: Database, valid_seconds: int, note: str = "") -> Invite:
    token = secrets.token_urlsafe(32)
    created = now()
    expires = created + timedelta(seconds=valid_seconds)
    with db.begin() as conn:
        invite_id = conn.execute(insert(I).values(token_hash=token_hash(token), note=note, created_at=created, expires_at=expires)
                                 .returning(I.c.id)).scalar_one()
    return Invite(invite_id, token, expires)


def claim(db: Database, token: str | None) -> int:
    """Take the invitation for one registration; the reason it cannot be taken otherwise."""
    if not token:
        raise InviteRefused("invite_missing", "the registration address has no invitation (create one with `qser lti invite`)")
    hashed = token_hash(token)
    at = now()
    with db.begin() as conn:
        taken = conn.execute(update(I).where(and_(I.c.token_hash == hashed, I.c.used_at.is_(None), I.c.expires_at > at))
                             .values(used_at=at).returning(I.c.id)).scalar()
        if taken is not None:
            return taken
        row = conn.execute(select(I.c.used_at, I.c.expires_at).where(I.c.token_hash == hashed)).first()
    if row is None:
        raise InviteRefused("invite_unknown", "this invitation is not one this tool issued")
    if row.used_at is not None:
        raise InviteRefused("invite_used", "this invitation was already used; create a new one with `qser lti invite`")
    raise InviteRefused("invite_expired", f"this invitation expired at {utc(row.expires_at):%Y-%m-%d %H:%M} UTC; create a new one")


def release(db: Database, invite_id: int) -> None:
    with db.begin() as conn:
        conn.execute(update(I).where(and_(I.c.id == invite_id, I.c.platform_id.is_(None))).values(used_at=None))


def complete(db: Database, invite_id: int, platform_id: int) -> None:
    with db.begin() as conn:
        conn.execute(update(I).where(I.c.id == invite_id).values(platform_id=platform_id))


def open_count(db: Database) -> int:
    with db.read() as conn:
        return conn.execute(select(func.count()).select_from(I).where(I.c.used_at.is_(None), I.c.expires_at > now())).scalar_one()
