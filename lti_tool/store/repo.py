"""The queries the tool runs, one function per question; callers never write SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..lti import claims as C
from ..lti.launch import DeepLinking, Launch, Registration
from ..lti.roles import is_staff
from ..textsearch import summary_keys
from . import tables as T
from .db import Database, now, utc


class NonceReused(Exception):
    """The id_token's nonce was already used by an earlier launch (a replay)."""


class AlreadySubmitted(Exception):
    """The attempt already has its summary (two submissions raced)."""


class AmbiguousIssuer(Exception):
    """Several registrations share the issuer and the login named no client_id."""


# --- platforms and deployments --------------------------------------------------------


@dataclass(frozen=True)
class PlatformRecord:
    registration: Registration
    name: str
    deployments: tuple[tuple[str, bool], ...]  # (deployment_id, active)


def _registration(row) -> Registration:
    return Registration(
        id=row.id, issuer=row.issuer, client_id=row.client_id, jwks_url=row.jwks_url,
        auth_login_url=row.auth_login_url, auth_token_url=row.auth_token_url, token_audience=row.token_audience,
    )


def save_platform(db: Database, *, issuer: str, client_id: str, auth_login_url: str, auth_token_url: str,
                  jwks_url: str, name: str = "", token_audience: str | None = None,
                  deployments: tuple[str, ...] = ()) -> int:
    """Add a registration, or update the one with this issuer and client_id; add deployments."""
    values = dict(name=name, auth_login_url=auth_login_url, auth_token_url=auth_token_url, jwks_url=jwks_url, token_audience=token_audience)
    with db.begin() as conn:
        found = conn.execute(select(T.platform.c.id).where(T.platform.c.issuer == issuer, T.platform.c.client_id == client_id)).scalar()
        if found is None:
            found = conn.execute(insert(T.platform).values(issuer=issuer, client_id=client_id, created_at=now(), **values).returning(T.platform.c.id)).scalar_one()
        else:
            conn.execute(update(T.platform).where(T.platform.c.id == found).values(**values))
        for deployment_id in deployments:
            existing = conn.execute(select(T.deployment.c.id).where(T.deployment.c.platform_id == found, T.deployment.c.deployment_id == deployment_id)).scalar()
            if existing is None:
                conn.execute(insert(T.deployment).values(platform_id=found, deployment_id=deployment_id, active=True, created_at=now()))
            else:
                conn.execute(update(T.deployment).where(T.deployment.c.id == existing).values(active=True))
    return found


def list_platforms(db: Database) -> list[PlatformRecord]:
    with db.read() as conn:
        rows = conn.execute(select(T.platform).order_by(T.platform.c.id)).all()
        deps = conn.execute(select(T.deployment).order_by(T.deployment.c.id)).all()
    by_platform: dict[int, list] = {}
    for dep in deps:
        by_platform.setdefault(dep.platform_id, []).append((dep.deployment_id, dep.active))
    return [PlatformRecord(_registration(r), r.name, tuple(by_platform.get(r.id, ()))) for r in rows]


def remove_platform(db: Database, platform_id: int) -> bool:
    with db.begin() as conn:
        return conn.execute(delete(T.platform).where(T.platform.c.id == platform_id)).rowcount > 0


def remove_deployment(db: Database, platform_id: int, deployment_id: str) -> bool:
    with db.begin() as conn:
        result = conn.execute(delete(T.deployment).where(T.deployment.c.platform_id == platform_id, T.deployment.c.deployment_id == deployment_id))
        return result.rowcount > 0


def find_registration(db: Database, issuer: str, client_id: str | None) -> Registration | None:
    query = select(T.platform).where(T.platform.c.issuer == issuer)
    if client_id:
        query = query.where(T.platform.c.client_id == client_id)
    with db.read() as conn:
        rows = conn.execute(query.limit(2)).all()
    if len(rows) > 1:
        raise AmbiguousIssuer(issuer)
    return _registration(rows[0]) if rows else None


def registration(db: Database, platform_id: int) -> Registration | None:
    with db.read() as conn:
        row = conn.execute(select(T.platform).where(T.platform.c.id == platform_id)).first()
    return _registration(row) if row else None


def deployment_active(db: Database, platform_id: int, deployment_id: str) -> bool:
    with db.read() as conn:
        return bool(conn.execute(select(T.deployment.c.active).where(
            T.deployment.c.platform_id == platform_id, T.deployment.c.deployment_id == deployment_id)).scalar())


def platform_origins(db: Database) -> tuple[str, ...]:
    """Origins allowed to frame the tool: where registered platforms serve their pages."""
    with db.read() as conn:
        rows = conn.execute(select(T.platform.c.issuer, T.platform.c.auth_login_url)).all()
    origins = set()
    for row in rows:
        for url in row:
            parts = urlsplit(url)
            if parts.scheme in ("http", "https") and parts.netloc:
                origins.add(f"{parts.scheme}://{parts.netloc}")
    return tuple(sorted(origins))


# --- launches ------------------------------------------------------------------------------


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


# built once: every launch runs them, and building a statement costs more than running it
_INSERT_NONCE = insert(T.nonce_used)
_INSERT_LAUNCH = insert(T.launch).returning(T.launch.c.id)


def store_launch(db: Database, launch: Launch, *, token_hash: str, screener_id: str, lang: str, ttl_seconds: int) -> LaunchRecord:
    """Consume the nonce and store the launch, atomically: a replayed token stores nothing."""
    created = now()
    lineitem = launch.lineitem_url if launch.can_send_scores else None
    try:
        with db.begin() as conn:
            conn.execute(_INSERT_NONCE, {"nonce": launch.nonce, "expires_at": datetime.fromtimestamp(launch.expires_at, created.tzinfo) + timedelta(hours=1)})
            launch_id = conn.execute(_INSERT_LAUNCH, dict(
                token_hash=token_hash, platform_id=launch.platform_id, deployment_id=launch.deployment_id,
                user_sub=launch.sub, user_name=launch.name, roles=list(launch.roles),
                context_id=launch.context_id, context_title=launch.context_title,
                resource_link_id=launch.resource_link_id, resource_link_title=launch.resource_link_title,
                screener_id=screener_id, lang=lang, lineitem_url=lineitem,
                ags_scopes=list(launch.ags_scopes), return_url=launch.return_url,
                created_at=created, expires_at=created + timedelta(seconds=ttl_seconds),
                message_type=launch.message_type, nrps_url=launch.nrps_url,
                deep_linking=launch.deep_linking.as_json() if launch.deep_linking else None,
            )).scalar_one()
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


# --- attempts, summaries and their grades ----------------------------------------------------


@dataclass(frozen=True)
class AttemptRecord:
    id: int
    launch_id: int
    answers: dict
    score: int
    max_score: int
    suitable: bool
    created_at: datetime
    has_summary: bool


def record_attempt(db: Database, launch: LaunchRecord, answers: dict[str, bool], score: int, max_score: int,
                   suitable: bool, activity_progress: str) -> int:
    """The attempt and its grade (when the launch can send one) in one transaction."""
    created = now()
    with db.begin() as conn:
        attempt_id = conn.execute(insert(T.attempt).values(
            launch_id=launch.id, answers=answers, score=score, max_score=max_score, suitable=suitable, created_at=created,
        ).returning(T.attempt.c.id)).scalar_one()
        _enqueue(conn, launch, attempt_id, score, max_score, created, activity_progress)
    return attempt_id


def record_summary(db: Database, launch: LaunchRecord, attempt: AttemptRecord, fields: dict[str, str], lang: str,
                   credit: str = "anonymous", credit_org: str | None = None) -> int:
    """The summary completes the activity: store it and send the score again as Completed."""
    created = now()
    try:
        with db.begin() as conn:
            summary_id = conn.execute(insert(T.case_summary).values(
                attempt_id=attempt.id, fields=fields, lang=lang, review_status="submitted", created_at=created,
                credit=credit, credit_org=credit_org, **summary_keys(fields),
            ).returning(T.case_summary.c.id)).scalar_one()
            _enqueue(conn, launch, attempt.id, attempt.score, attempt.max_score, created, "Completed")
    except IntegrityError:
        raise AlreadySubmitted() from None
    return summary_id


def _enqueue(conn, launch: LaunchRecord, attempt_id: int, score: int, max_score: int, at: datetime, activity_progress: str) -> None:
    if not launch.lineitem_url:
        return
    conn.execute(insert(T.grade_outbox).values(
        attempt_id=attempt_id, platform_id=launch.platform_id, lineitem_url=launch.lineitem_url, user_sub=launch.user_sub,
        score_given=float(score), score_maximum=float(max_score), activity_progress=activity_progress,
        grading_progress="FullyGraded", score_timestamp=at, status="pending", tries=0, next_attempt_at=at, created_at=at,
    ))


def find_attempt(db: Database, launch_id: int, attempt_id: int) -> AttemptRecord | None:
    """An attempt of this launch only: ids from the browser never reach another learner's data."""
    with db.read() as conn:
        row = conn.execute(select(T.attempt).where(T.attempt.c.id == attempt_id, T.attempt.c.launch_id == launch_id)).first()
        if row is None:
            return None
        has_summary = conn.execute(select(func.count()).select_from(T.case_summary).where(T.case_summary.c.attempt_id == row.id)).scalar_one() > 0
    return AttemptRecord(row.id, row.launch_id, dict(row.answers), row.score, row.max_score, row.suitable, utc(row.created_at), has_summary)
