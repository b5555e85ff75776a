"""Registrations and deployments: add, list, remove, and the lookups every launch makes
(the web shell caches positive answers for a few seconds)."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import delete, insert, select, update

from ..lti.registrations import PlatformRecord, Registration
from . import tables as T
from .db import Database, now


class AmbiguousIssuer(Exception):
    """Several registrations share the issuer and the login named no client_id."""


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
