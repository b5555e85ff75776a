"""A learner's attempts and case summaries, each written with its grade for the outbox in
the same transaction (a score is never lost between the two)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from ..textsearch import summary_keys
from . import outbox
from . import tables as T
from .db import Database, now, utc
from .launches import LaunchRecord


class AlreadySubmitted(Exception):
    """The attempt already has its summary (two submissions raced)."""


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
        outbox.enqueue(conn, launch, attempt_id, score, max_score, created, activity_progress)
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
            outbox.enqueue(conn, launch, attempt.id, attempt.score, attempt.max_score, created, "Completed")
    except IntegrityError:
        raise AlreadySubmitted() from None
    return summary_id


def find_attempt(db: Database, launch_id: int, attempt_id: int) -> AttemptRecord | None:
    """An attempt of this launch only: ids from the browser never reach another learner's data."""
    with db.read() as conn:
        row = conn.execute(select(T.attempt).where(T.attempt.c.id == attempt_id, T.attempt.c.launch_id == launch_id)).first()
        if row is None:
            return None
        has_summary = conn.execute(select(func.count()).select_from(T.case_summary).where(T.case_summary.c.attempt_id == row.id)).scalar_one() > 0
    return AttemptRecord(row.id, row.launch_id, dict(row.answers), row.score, row.max_score, row.suitable, utc(row.created_at), has_summary)
