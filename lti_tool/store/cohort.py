"""A course's attempts counted for the instructor's charts, and the filters (dates, launch
language) the charts, the attempt list and the CSV share.

Everything is counted by the database (GROUP BY, SUM over the stored JSON answers), the same
way on SQLite and PostgreSQL, so a cohort of thousands costs a handful of small result rows,
never one Python object per attempt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Date, and_, case, func, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from . import tables as T
from .db import Database

L, A, S = T.launch, T.attempt, T.case_summary


@dataclass(frozen=True)
class Filters:
    """Attempts made from ``start`` to ``end`` (whole UTC days, both included) in a launch of
    language ``lang``; ``None`` leaves a side open."""

    start: date | None = None
    end: date | None = None
    lang: str | None = None

    def conditions(self) -> list:
        where = []
        if self.start is not None:
            where.append(A.c.created_at >= datetime.combine(self.start, time(), UTC))
        if self.end is not None:
            where.append(A.c.created_at < datetime.combine(self.end + timedelta(days=1), time(), UTC))
        if self.lang is not None:
            where.append(L.c.lang == self.lang)
        return where

    def fields(self) -> dict[str, str]:
        """The form fields that reproduce these filters (empty when a side is open)."""
        return {"from": self.start.isoformat() if self.start else "", "to": self.end.isoformat() if self.end else "",
                "lang": self.lang or ""}

    @property
    def active(self) -> bool:
        return any(value is not None for value in (self.start, self.end, self.lang))


NO_FILTER = Filters()


class week_start(FunctionElement):
    """The Monday (UTC) of a timestamp's ISO week."""

    type = Date()
    name = "week_start"
    inherit_cache = True


@compiles(week_start, "sqlite")
def _week_start_sqlite(element, compiler, **kw):
    # 'weekday 0' moves forward to the next Sunday (or stays on one): six days back is Monday
    return f"date({compiler.process(element.clauses, **kw)}, 'weekday 0', '-6 days')"


@compiles(week_start, "postgresql")
def _week_start_postgresql(element, compiler, **kw):
    return f"CAST(date_trunc('week', {compiler.process(element.clauses, **kw)} AT TIME ZONE 'UTC') AS DATE)"


@dataclass(frozen=True)
class ScreenerCounts:
    """One screener's attempts: how many got each number of "yes" answers, how many were
    suitable, and how many answered "yes" to each question (by question id)."""

    screener_id: str
    attempts: int
    by_score: dict[int, int]
    suitable: int
    yes: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Cohort:
    attempts: int
    screeners: list[ScreenerCounts]
    weeks: list[tuple[date, int]]  # Monday of every ISO week from the first attempt's to the last's
    sectors: list[tuple[str, int]]  # sector text ("" = not given), case studies; most first
    review: dict[str, int]  # review state -> case studies

    @property
    def suitable(self) -> int:
        return sum(s.suitable for s in self.screeners)


def cohort(db: Database, scope_where, filters: Filters, questions: dict[str, list[str]]) -> Cohort:
    """Counts of the attempts matching ``scope_where`` (a course) and ``filters``.
    ``questions``: the question ids of each screener the course defines, in order."""
    where = and_(scope_where, *filters.conditions())
    attempts = A.join(L, A.c.launch_id == L.c.id)
    with db.read() as conn:
        rows = conn.execute(select(L.c.screener_id, A.c.score, A.c.suitable, func.count().label("n")).select_from(attempts)
                            .where(where).group_by(L.c.screener_id, A.c.score, A.c.suitable)).all()
        screeners: dict[str, dict] = {}
        for r in rows:
            s = screeners.setdefault(r.screener_id, {"attempts": 0, "by_score": {}, "suitable": 0})
            s["attempts"] += r.n
            s["by_score"][r.score] = s["by_score"].get(r.score, 0) + r.n
            s["suitable"] += r.n if r.suitable else 0
        counted = []
        ids = sorted({q for sid in screeners for q in questions.get(sid, [])})
        yes: dict[str, dict[str, int]] = {}
        if ids:  # one pass for every screener (grouped: a filter on the screener would make SQLite scan per launch)
            sums = [func.coalesce(func.sum(case((A.c.answers[q].as_boolean() == true(), 1), else_=0)), 0) for q in ids]
            for screener_id, *values in conn.execute(select(L.c.screener_id, *sums).select_from(attempts).where(where)
                                                     .group_by(L.c.screener_id)):
                yes[screener_id] = {q: n for q, n in zip(ids, values, strict=True) if q in questions.get(screener_id, [])}
        for screener_id in sorted(screeners):
            counted.append(ScreenerCounts(screener_id, yes=yes.get(screener_id, {}), **screeners[screener_id]))
        week = week_start(A.c.created_at).label("week")
        weeks = dict(conn.execute(select(week, func.count()).select_from(attempts).where(where).group_by(week)).all())
        summaries = attempts.join(S, S.c.attempt_id == A.c.id)
        sectors = sector_counts(conn, summaries, where)
        review = dict(conn.execute(select(S.c.review_status, func.count()).select_from(summaries).where(where)
                                   .group_by(S.c.review_status)).all())
    return Cohort(sum(s.attempts for s in counted), counted, _every_week(weeks), sectors, review)


def sector_counts(conn, summaries, where) -> list[tuple[str, int]]:
    """Case studies per sector/department. Spellings that differ only in case, accents or
    spaces count as one sector (the normalised search key), shown as one of its spellings."""
    label = func.min(S.c.fields["sector"].as_string())
    rows = conn.execute(select(S.c.sector_key, label, func.count()).select_from(summaries).where(where)
                        .group_by(S.c.sector_key)).all()
    counted = [(" ".join((text or "").split()) if key else "", n) for key, text, n in rows]
    return sorted(counted, key=lambda pair: (-pair[1], pair[0] == "", pair[0].casefold()))


def course_counts(conn, summaries, where) -> list[tuple[str, int]]:
    """Case studies per course (platform + context), shown by the course's title."""
    rows = conn.execute(select(func.max(L.c.context_title), func.count()).select_from(summaries).where(where)
                        .group_by(L.c.platform_id, L.c.context_id)).all()
    return sorted(((title or "", n) for title, n in rows), key=lambda pair: (-pair[1], pair[0] == "", pair[0].casefold()))


def _every_week(counts: dict) -> list[tuple[date, int]]:
    """Weeks without attempts between the first and the last count as 0, so time reads evenly."""
    if not counts:
        return []
    mondays = {(d if isinstance(d, date) else date.fromisoformat(d)): n for d, n in counts.items()}
    week, last = min(mondays), max(mondays)
    filled = []
    while week <= last:
        filled.append((week, mondays.get(week, 0)))
        week += timedelta(days=7)
    return filled
