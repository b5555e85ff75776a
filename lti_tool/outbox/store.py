"""The outbox's queries: claim due scores under a lease, record what happened."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, select, update

from ..store import tables as T
from ..store.db import Database, now, utc

O = T.grade_outbox


@dataclass(frozen=True)
class Job:
    id: int
    platform_id: int
    lineitem_url: str
    user_sub: str
    score_given: float
    score_maximum: float
    activity_progress: str
    grading_progress: str
    score_timestamp: datetime
    tries: int
    created_at: datetime
    lease: datetime  # fencing value: only the holder of this lease may record the outcome


def claim(db: Database, limit: int, lease_seconds: float) -> list[Job]:
    """Take up to ``limit`` due scores. On PostgreSQL, ``FOR UPDATE SKIP LOCKED`` lets any
    number of workers claim side by side without waiting for or sharing a row; on SQLite the
    transaction's write lock does the same for the processes of one host."""
    at = now()
    lease = at + timedelta(seconds=lease_seconds)
    due = (
        select(O.c.id)
        .where(O.c.status == "pending", O.c.next_attempt_at <= at, or_(O.c.lease_until.is_(None), O.c.lease_until < at))
        .order_by(O.c.next_attempt_at, O.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    with db.begin() as conn:
        ids = conn.execute(due).scalars().all()
        if not ids:
            return []
        rows = conn.execute(
            update(O).where(O.c.id.in_(ids)).values(lease_until=lease, tries=O.c.tries + 1).returning(*O.c)
        ).all()
    return sorted(
        (Job(r.id, r.platform_id, r.lineitem_url, r.user_sub, r.score_given, r.score_maximum, r.activity_progress,
             r.grading_progress, utc(r.score_timestamp), r.tries, utc(r.created_at), lease) for r in rows),
        key=lambda j: j.id,
    )


def superseded(db: Database, job: Job) -> bool:
    """A newer score for the same learner and grade item is queued or delivered: skip this one."""
    newer = exists().where(
        O.c.platform_id == job.platform_id, O.c.lineitem_url == job.lineitem_url, O.c.user_sub == job.user_sub,
        O.c.score_timestamp > job.score_timestamp, O.c.status.in_(("pending", "delivered")),
    )
    with db.read() as conn:
        return bool(conn.execute(select(newer)).scalar())


def _finish(db: Database, job: Job, **values) -> bool:
    with db.begin() as conn:
        result = conn.execute(update(O).where(and_(O.c.id == job.id, O.c.lease_until == job.lease)).values(lease_until=None, **values))
        return result.rowcount == 1


def mark_delivered(db: Database, job: Job, status: int | None, note: str = "") -> bool:
    return _finish(db, job, status="delivered", delivered_at=now(), last_status=status, last_error=note or None)


def mark_superseded(db: Database, job: Job) -> bool:
    return _finish(db, job, status="superseded", last_error="a newer score for this learner replaced it")


def mark_retry(db: Database, job: Job, status: int | None, reason: str, delay_seconds: float) -> bool:
    return _finish(db, job, next_attempt_at=now() + timedelta(seconds=delay_seconds), last_status=status, last_error=reason)


def mark_failed(db: Database, job: Job, status: int | None, reason: str) -> bool:
    return _finish(db, job, status="failed", last_status=status, last_error=reason)


def next_due(db: Database) -> datetime | None:
    """When the next score becomes claimable (a leased one: when its lease runs out)."""
    with db.read() as conn:
        rows = conn.execute(select(O.c.next_attempt_at, O.c.lease_until).where(O.c.status == "pending").order_by(O.c.next_attempt_at).limit(50)).all()
    return min((max(utc(r.next_attempt_at), utc(r.lease_until) or utc(r.next_attempt_at)) for r in rows), default=None)
