"""The instructor view's queries. Every one is bound to a course scope taken from the
instructor's own signed launch (platform + context), so an id sent by a browser can only
reach records of that course: anything else reads as "not found".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, func, insert, select, update

from ..lti.roles import is_staff
from ..textsearch import summary_keys
from . import tables as T
from .cohort import NO_FILTER, Filters
from .db import Database, now, utc
from .launches import LaunchRecord

L, A, S, O = T.launch, T.attempt, T.case_summary, T.grade_outbox
REVIEW_ACTIONS = {"approve": "approved", "reject": "rejected", "save": None}


class NotInCourse(Exception):
    """The record does not exist in the instructor's course."""


class ResendRefused(Exception):
    """``code``: resend_pending (already queued) or resend_newer (a newer score exists)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Scope:
    platform_id: int
    context_id: str | None
    resource_link_id: str

    @classmethod
    def of(cls, launch: LaunchRecord) -> Scope:
        return cls(launch.platform_id, launch.context_id, launch.resource_link_id)

    def where(self):
        """Launches of this course: the context, or the one link when the platform sent no context."""
        if self.context_id is not None:
            return and_(L.c.platform_id == self.platform_id, L.c.context_id == self.context_id)
        return and_(L.c.platform_id == self.platform_id, L.c.context_id.is_(None), L.c.resource_link_id == self.resource_link_id)


@dataclass(frozen=True)
class Grade:
    outbox_id: int
    status: str  # pending | delivered | failed | superseded
    http_status: int | None
    note: str | None
    tries: int
    resendable: bool


@dataclass(frozen=True)
class AttemptRow:
    attempt_id: int
    created_at: datetime
    score: int
    max_score: int
    suitable: bool
    user_sub: str
    user_name: str
    staff: bool
    screener_id: str
    summary_id: int | None
    summary_status: str | None
    summary_fields: dict
    grade: Grade | None


def _latest_grade():
    """The newest outbox row of each attempt."""
    return select(O.c.attempt_id, func.max(O.c.id).label("outbox_id")).group_by(O.c.attempt_id).subquery("latest")


def _newer_exists(row_table):
    newer = O.alias("newer")
    return exists().where(
        newer.c.platform_id == row_table.c.platform_id, newer.c.lineitem_url == row_table.c.lineitem_url,
        newer.c.user_sub == row_table.c.user_sub, newer.c.score_timestamp > row_table.c.score_timestamp,
    )


def _pending_exists(row_table):
    queued = O.alias("queued")
    return exists().where(
        queued.c.platform_id == row_table.c.platform_id, queued.c.lineitem_url == row_table.c.lineitem_url,
        queued.c.user_sub == row_table.c.user_sub, queued.c.status == "pending",
    )


def attempts(db: Database, scope: Scope, limit: int | None = None, filters: Filters = NO_FILTER) -> list[AttemptRow]:
    """The course's attempts (those ``filters`` let through), newest first, each with its
    summary and its grade's fate."""
    latest = _latest_grade()
    query = (
        select(A.c.id, A.c.created_at, A.c.score, A.c.max_score, A.c.suitable, L.c.user_sub, L.c.user_name, L.c.roles,
               L.c.screener_id, S.c.id.label("summary_id"), S.c.review_status, S.c.fields,
               O.c.id.label("outbox_id"), O.c.status, O.c.last_status, O.c.last_error, O.c.tries,
               _newer_exists(O).label("newer"), _pending_exists(O).label("queued"))
        .select_from(A.join(L, A.c.launch_id == L.c.id).outerjoin(S, S.c.attempt_id == A.c.id)
                     .outerjoin(latest, latest.c.attempt_id == A.c.id).outerjoin(O, O.c.id == latest.c.outbox_id))
        .where(scope.where(), *filters.conditions())
        .order_by(A.c.created_at.desc(), A.c.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    with db.read() as conn:
        rows = conn.execute(query).all()
    return [
        AttemptRow(
            r.id, utc(r.created_at), r.score, r.max_score, r.suitable, r.user_sub, r.user_name, is_staff(r.roles), r.screener_id,
            r.summary_id, r.review_status, dict(r.fields or {}),
            Grade(r.outbox_id, r.status, r.last_status, r.last_error, r.tries,
                  r.status != "pending" and not r.newer and not r.queued) if r.outbox_id is not None else None,
        )
        for r in rows
    ]


def counts(db: Database, scope: Scope, filters: Filters = NO_FILTER) -> dict[str, int]:
    where = and_(scope.where(), *filters.conditions())
    with db.read() as conn:
        base = A.join(L, A.c.launch_id == L.c.id)
        total = conn.execute(select(func.count()).select_from(base).where(where)).scalar_one()
        people = conn.execute(select(func.count(func.distinct(L.c.user_sub))).select_from(base).where(where)).scalar_one()
        waiting = conn.execute(select(func.count()).select_from(base.join(S, S.c.attempt_id == A.c.id))
                               .where(where, S.c.review_status == "submitted")).scalar_one()
    return {"attempts": total, "people": people, "to_review": waiting}


def users_with_attempts(db: Database, scope: Scope) -> set[str]:
    with db.read() as conn:
        return set(conn.execute(select(L.c.user_sub).select_from(A.join(L, A.c.launch_id == L.c.id)).where(scope.where()).distinct()).scalars())


@dataclass(frozen=True)
class SummaryRow:
    id: int
    attempt_id: int
    fields: dict
    original_fields: dict | None
    lang: str
    status: str
    credit: str
    credit_org: str | None
    user_name: str
    screener_id: str
    score: int
    max_score: int
    created_at: datetime
    reviewed_at: datetime | None


def summary(db: Database, scope: Scope, summary_id: int) -> SummaryRow:
    query = (
        select(S, L.c.user_name, L.c.screener_id, A.c.score, A.c.max_score)
        .select_from(S.join(A, S.c.attempt_id == A.c.id).join(L, A.c.launch_id == L.c.id))
        .where(S.c.id == summary_id, scope.where())
    )
    with db.read() as conn:
        r = conn.execute(query).first()
    if r is None:
        raise NotInCourse(summary_id)
    return SummaryRow(r.id, r.attempt_id, dict(r.fields), dict(r.original_fields) if r.original_fields else None, r.lang,
                      r.review_status, r.credit, r.credit_org, r.user_name, r.screener_id, r.score, r.max_score,
                      utc(r.created_at), utc(r.reviewed_at))


def review(db: Database, scope: Scope, summary_id: int, action: str, fields: dict[str, str], reviewer: str) -> SummaryRow:
    """Approve, reject or only save edits; the learner's own text is kept when a reviewer
    first changes it."""
    current = summary(db, scope, summary_id)
    values: dict = {"reviewed_at": now(), "reviewed_by": reviewer}
    status = REVIEW_ACTIONS[action]
    if status is not None:
        values["review_status"] = status
    if fields != current.fields:
        values.update(fields=fields, **summary_keys(fields))
        if current.original_fields is None:
            values["original_fields"] = current.fields
    with db.begin() as conn:
        conn.execute(update(S).where(S.c.id == current.id).values(**values))
    return summary(db, scope, summary_id)


def resend(db: Database, scope: Scope, outbox_id: int, requested_by: str) -> int:
    """Queue a score again with a fresh timestamp, which Moodle accepts (it refuses, with 409,
    a score not newer than the one it holds). Only the learner's newest score may go again:
    sending an older one with a new timestamp would overwrite a newer grade."""
    with db.begin() as conn:
        row = conn.execute(
            select(O, _newer_exists(O).label("newer"), _pending_exists(O).label("queued"))
            .select_from(O.join(A, O.c.attempt_id == A.c.id).join(L, A.c.launch_id == L.c.id))
            .where(O.c.id == outbox_id, scope.where())
        ).first()
        if row is None:
            raise NotInCourse(outbox_id)
        if row.newer:
            raise ResendRefused("resend_newer")
        if row.queued:
            raise ResendRefused("resend_pending")
        at = now()
        return conn.execute(insert(O).values(
            attempt_id=row.attempt_id, platform_id=row.platform_id, lineitem_url=row.lineitem_url, user_sub=row.user_sub,
            score_given=row.score_given, score_maximum=row.score_maximum, activity_progress=row.activity_progress,
            grading_progress=row.grading_progress, score_timestamp=at, status="pending", tries=0, next_attempt_at=at,
            created_at=at, requested_by=requested_by,
        ).returning(O.c.id)).scalar_one()
