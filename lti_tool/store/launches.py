"""Launches: stored with their nonce consumed in the same transaction (a replayed id_token
stores nothing), found again by the hash of the token the screener's forms carry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.exc import IntegrityError

from ..lti import claims as C
from ..lti.launch import Launch
from ..lti.messages import DeepLinking
from ..lti.roles import is_staff
from . import tables as T
from .db import Database, now, utc


class NonceReused(Exception):
    """The id_token's nonce was already used by an earlier launch (a replay)."""


@dataclass(frozen=True)
class LaunchRecord:
    id: int
    platform_id: int
    user_sub: str
    user_name: str
    roles: tuple[str, ...]
    screener_id: str
    lang: str
    lineitem_url: str | None
    ags_scopes: tuple[str, ...]
    return_url: str | None
    resource_link_title: str | None
    context_title: str | None
    deployment_id: str = ""
    context_id: str | None = None
    resource_link_id: str = ""
    message_type: str = C.RESOURCE_LINK_REQUEST
    deep_linking: DeepLinking | None = None
    nrps_url: str | None = None

    @property
    def is_staff(self) -> bool:
        """Instructor, content developer or administrator, from the signed launch's roles."""
        return is_staff(self.roles)


# every launch runs these: compiled once per process and run on the driver's cursor
# (Database.driver_transaction), the one write on the launch path. SQLite runs the two inserts
# in one transaction; PostgreSQL runs them as one statement (the nonce's insert in a WITH,
# which PostgreSQL runs exactly once, in the same statement and so the same transaction).
_INSERT_NONCE = insert(T.nonce_used)
_NONCE_COLUMNS = ("nonce", "expires_at")
_INSERT_LAUNCH = insert(T.launch).returning(T.launch.c.id)
_INSERT_BOTH = insert(T.launch).add_cte(insert(T.nonce_used).values(
    nonce=bindparam("used_nonce", type_=T.nonce_used.c.nonce.type),
    expires_at=bindparam("used_until", type_=T.nonce_used.c.expires_at.type)).cte("used")).returning(T.launch.c.id)
_LAUNCH_COLUMNS = ("token_hash", "platform_id", "deployment_id", "user_sub", "user_name", "roles", "context_id", "context_title",
                   "resource_link_id", "resource_link_title", "screener_id", "lang", "lineitem_url", "ags_scopes", "return_url",
                   "created_at", "expires_at", "message_type", "nrps_url", "deep_linking")


def store_launch(db: Database, launch: Launch, *, token_hash: str, screener_id: str, lang: str, ttl_seconds: int) -> LaunchRecord:
    """Consume the nonce and store the launch, atomically: a replayed token stores nothing."""
    created = now()
    lineitem = launch.lineitem_url if launch.can_send_scores else None
    used_until = datetime.fromtimestamp(launch.expires_at, created.tzinfo) + timedelta(hours=1)
    values = dict(
        token_hash=token_hash, platform_id=launch.platform_id, deployment_id=launch.deployment_id,
        user_sub=launch.sub, user_name=launch.name, roles=list(launch.roles),
        context_id=launch.context_id, context_title=launch.context_title,
        resource_link_id=launch.resource_link_id, resource_link_title=launch.resource_link_title,
        screener_id=screener_id, lang=lang, lineitem_url=lineitem,
        ags_scopes=list(launch.ags_scopes), return_url=launch.return_url,
        created_at=created, expires_at=created + timedelta(seconds=ttl_seconds),
        message_type=launch.message_type, nrps_url=launch.nrps_url,
        deep_linking=launch.deep_linking.as_json() if launch.deep_linking else None,
    )
    try:
        with db.driver_transaction(one_statement=db.is_postgresql) as cursor:
            if db.is_postgresql:
                both = db.prepare(_INSERT_BOTH, _LAUNCH_COLUMNS)
                cursor.execute(both.sql, both.params({**values, "used_nonce": launch.nonce, "used_until": used_until}))
            else:
                nonce, row = db.prepare(_INSERT_NONCE, _NONCE_COLUMNS), db.prepare(_INSERT_LAUNCH, _LAUNCH_COLUMNS)
                cursor.execute(nonce.sql, nonce.params({"nonce": launch.nonce, "expires_at": used_until}))
                cursor.execute(row.sql, row.params(values))
            launch_id = cursor.fetchone()[0]
    except IntegrityError:
        raise NonceReused() from None
    return LaunchRecord(launch_id, launch.platform_id, launch.sub, launch.name, launch.roles, screener_id, lang, lineitem,
                        launch.ags_scopes, launch.return_url, launch.resource_link_title, launch.context_title,
                        launch.deployment_id, launch.context_id, launch.resource_link_id, launch.message_type,
                        launch.deep_linking, launch.nrps_url)


def find_launch(db: Database, token_hash: str) -> LaunchRecord | None:
    with db.read() as conn:
        row = conn.execute(select(T.launch).where(T.launch.c.token_hash == token_hash)).first()
    if row is None or utc(row.expires_at) < now():
        return None
    return LaunchRecord(
        row.id, row.platform_id, row.user_sub, row.user_name, tuple(row.roles), row.screener_id, row.lang,
        row.lineitem_url, tuple(row.ags_scopes), row.return_url, row.resource_link_title, row.context_title,
        row.deployment_id, row.context_id, row.resource_link_id, row.message_type,
        DeepLinking.from_json(row.deep_linking), row.nrps_url,
    )


def purge_expired(db: Database) -> int:
    """Forget used nonces once their tokens could no longer be replayed anyway."""
    with db.begin() as conn:
        return conn.execute(delete(T.nonce_used).where(T.nonce_used.c.expires_at < now())).rowcount
