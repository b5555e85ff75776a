"""The good-practice library: approved case studies of every course on one platform,
searchable by title, sector/department and text; and the approved ones ``qser harvest``
turns into course pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select

from ..textsearch import ESCAPE, contains_pattern, words
from . import cohort, tables as T
from .db import Database, utc

L, A, S, P = T.launch, T.attempt, T.case_summary, T.platform
PAGE = 50


@dataclass(frozen=True)
class CaseStudy:
    id: int
    fields: dict
    lang: str
    credit: str
    credit_org: str | None
    user_name: str
    screener_id: str
    context_title: str | None
    issuer: str
    created_at: datetime
    reviewed_at: datetime | None


def _columns():
    return (S.c.id, S.c.fields, S.c.lang, S.c.credit, S.c.credit_org, L.c.user_name, L.c.screener_id, L.c.context_title,
            P.c.issuer, S.c.created_at, S.c.reviewed_at)


def _case(r) -> CaseStudy:
    return CaseStudy(r.id, dict(r.fields), r.lang, r.credit, r.credit_org, r.user_name, r.screener_id, r.context_title,
                     r.issuer, utc(r.created_at), utc(r.reviewed_at))


def _approved():
    return (S.join(A, S.c.attempt_id == A.c.id).join(L, A.c.launch_id == L.c.id).join(P, L.c.platform_id == P.c.id)), \
        S.c.review_status == "approved"


def _matching(issuer: str, text: str, title: str, sector: str):
    """The approved case studies of the platform (``issuer``) matching every word given."""
    joined, approved = _approved()
    conditions = [approved, P.c.issuer == issuer]
    for column, query in ((S.c.search_key, text), (S.c.title_key, title), (S.c.sector_key, sector)):
        conditions += [column.like(contains_pattern(word), escape=ESCAPE) for word in words(query)]
    return joined, and_(*conditions)


def search(db: Database, issuer: str, text: str = "", title: str = "", sector: str = "", limit: int = PAGE) -> tuple[list[CaseStudy], int]:
    """Approved case studies of all courses of the platform (``issuer``) matching every word
    given; newest first. Returns one page and the number of matches."""
    joined, where = _matching(issuer, text, title, sector)
    with db.read() as conn:
        total = conn.execute(select(func.count()).select_from(joined).where(where)).scalar_one()
        rows = conn.execute(select(*_columns()).select_from(joined).where(where)
                            .order_by(S.c.reviewed_at.desc(), S.c.id.desc()).limit(limit)).all()
    return [_case(r) for r in rows], total


def counts(db: Database, issuer: str, text: str = "", title: str = "", sector: str = "") -> tuple[list, list]:
    """What a search matches, counted by sector and by course, for the library's charts."""
    joined, where = _matching(issuer, text, title, sector)
    with db.read() as conn:
        return cohort.sector_counts(conn, joined, where), cohort.course_counts(conn, joined, where)


def approved(db: Database, issuer: str | None = None) -> list[CaseStudy]:
    """Every approved case study (of one platform, if named), oldest first: harvest order."""
    joined, where = _approved()
    if issuer:
        where = and_(where, P.c.issuer == issuer)
    with db.read() as conn:
        rows = conn.execute(select(*_columns()).select_from(joined).where(where).order_by(S.c.id)).all()
    return [_case(r) for r in rows]


def not_approved_ids(db: Database) -> set[int]:
    """Case studies once approved and now rejected or back under review: harvest reports
    their pages instead of deleting an author's file."""
    with db.read() as conn:
        return set(conn.execute(select(S.c.id).where(S.c.review_status != "approved")).scalars())
