"""The outbox's queries: queue a score in the transaction that produced it, claim due scores
under a lease, record what happened. The worker that delivers them is :mod:`lti_tool.outbox`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, insert, or_, select, update

from . import tables as T
from .db import Database, now, utc
from .launches import LaunchRecord

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


def enqueue(conn, launch: LaunchRecord, attempt_id: int, score: int, max_score: int, at: datetime, activity_progress: str) -> None:
    """Queue the grade, inside the caller's transaction; nothing when the launch cannot send one."""
    if not launch.lineitem_url:
        return
    conn.execute(insert(O).values(
        attempt_id=attempt_id, platform_id=launch.platform_id, lineitem_url=launch.lineitem_url, user_sub=launch.user_sub,
        score_given=float(score), score_maximum=float(max_score), activity_progress=activity_progress,
        grading_progress="FullyGraded", score_timestamp=at, status="pending", tries=0, next_attempt_at=at, created_at=at,
    ))


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


def superseded(db: Database, jobs: list[Job]) -> set[int]:
    """Ids of jobs for which a newer score for the same learner and grade item is queued or
    delivered: sending them would only be refused (or worse, overwrite the newer one)."""
    if not jobs:
        return set()
    newer = O.alias("newer")
    query = (
        select(O.c.id)
        .where(O.c.id.in_([j.id for j in jobs]))
        .where(exists().where(
            newer.c.platform_id == O.c.platform_id, newer.c.lineitem_url == O.c.lineitem_url, newer.c.user_sub == O.c.user_sub,
            newer.c.score_timestamp > O.c.score_timestamp, newer.c.status.in_(("pending", "delivered")),
        ))
    )
    with db.read() as conn:
        return set(conn.execute(query).scalars())


@dataclass(frozen=True)
class Result:
    """What happened to one claimed job, to be recorded with the others of its batch."""

    job: Job
    status: str  # delivered | superseded | failed | pending (retry)
    http_status: int | None = None
    note: str | None = None
    delay_seconds: float = 0.0


def record(db: Database, results: list[Result]) -> int:
    """Record a batch's outcomes in one transaction. Only the holder of a job's lease may
    record it (a worker whose lease ran out and was re-claimed changes nothing); returns how
    many were recorded."""
    at = now()
    recorded = 0
    with db.begin() as conn:
        for r in results:
            values = {"lease_until": None, "last_status": r.http_status, "last_error": r.note}
            if r.status == "pending":
                values["next_attempt_at"] = at + timedelta(seconds=r.delay_seconds)
            else:
                values["status"] = r.status
            if r.status == "delivered":
                values["delivered_at"] = at
            if r.status == "superseded":
                values.pop("last_status")
            result = conn.execute(update(O).where(and_(O.c.id == r.job.id, O.c.lease_until == r.job.lease)).values(**values))
            recorded += result.rowcount
    return recorded


def next_due(db: Database) -> datetime | None:
    """When the next score becomes claimable (a leased one: when its lease runs out)."""
    with db.read() as conn:
        rows = conn.execute(select(O.c.next_attempt_at, O.c.lease_until).where(O.c.status == "pending").order_by(O.c.next_attempt_at).limit(50)).all()
    return min((max(utc(r.next_attempt_at), utc(r.lease_until) or utc(r.next_attempt_at)) for r in rows), default=None)
