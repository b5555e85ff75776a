"""A cohort of learners written straight into the database (thousands in a second), next to
a teacher's launch, and the same counts the charts show, recounted here in plain Python from
the raw rows: the independent side of the chart tests."""

from __future__ import annotations

import random
import secrets
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select

from lti_tool.store import tables as T
from lti_tool.textsearch import normalize, summary_keys

from tests.support.lti_flow import ALL_ANSWERS

L, A, S = T.launch, T.attempt, T.case_summary
# spellings that differ only in case, accents or spaces are one sector
SECTORS = ["Social services", "social  services", "Κοινωνική υπηρεσία", "Κοινωνική Υπηρεσια", "Padrón municipal",
           "Padron municipal", "Citizen service centre", "Housing", "Schools", "Health centre", "Library", "Sports", ""]
YES_RATE = dict(zip(ALL_ANSWERS, (0.9, 0.75, 0.45, 0.6, 0.8), strict=True))
END = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)  # a Monday evening: weeks and day edges are exercised
DAYS = 70


def seed(db, teacher_token_hash: str, n: int, langs=("en", "el"), seed_value: int = 16) -> None:
    """``n`` attempts by learners of the teacher's course (one launch each), over DAYS days
    before END, in ``langs``; a summary for most suitable ones, in every review state."""
    rng = random.Random(seed_value)
    with db.begin() as conn:
        teacher = conn.execute(select(L).where(L.c.token_hash == teacher_token_hash)).one()
        common = {key: getattr(teacher, key) for key in ("platform_id", "deployment_id", "context_id", "context_title",
                                                         "resource_link_id", "screener_id", "ags_scopes", "expires_at")}
        launches = [{"token_hash": secrets.token_hex(32), "user_sub": f"learner-{i}", "user_name": f"Learner {i}",
                     "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"], "lang": rng.choice(langs),
                     "created_at": END, **common} for i in range(n)]
        ids = conn.execute(insert(L).returning(L.c.id), launches).scalars().all() if n else []
        attempts = []
        for launch_id in ids:
            answers = {q: rng.random() < rate for q, rate in YES_RATE.items()}
            score = sum(answers.values())
            at = END - timedelta(days=rng.randrange(DAYS), seconds=rng.randrange(86400))
            attempts.append({"launch_id": launch_id, "answers": answers, "score": score, "max_score": 5, "suitable": score >= 4,
                             "created_at": at})
        attempt_ids = conn.execute(insert(A).returning(A.c.id), attempts).scalars().all() if attempts else []
        summaries = []
        for attempt_id, row in zip(attempt_ids, attempts, strict=True):
            if row["suitable"] and rng.random() < 0.8:
                fields = {"name": "x", "title": f"Case {attempt_id}", "sector": rng.choice(SECTORS), "background": "text"}
                summaries.append({"attempt_id": attempt_id, "fields": fields, "lang": "en", "created_at": row["created_at"],
                                  "review_status": rng.choice(["submitted", "approved", "approved", "rejected"]),
                                  **summary_keys(fields)})
        if summaries:
            conn.execute(insert(S), summaries)


def raw_rows(db, context_id: str, start: date | None = None, end: date | None = None, lang: str | None = None) -> list[dict]:
    """Every attempt of the course as stored, with its launch's language and its summary;
    the filters applied here in Python."""
    query = (select(A.c.answers, A.c.score, A.c.suitable, A.c.created_at, L.c.lang, L.c.user_sub, S.c.fields, S.c.review_status)
             .select_from(A.join(L, A.c.launch_id == L.c.id).outerjoin(S, S.c.attempt_id == A.c.id))
             .where(L.c.context_id == context_id))
    with db.read() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    for r in rows:
        r["created_at"] = r["created_at"].replace(tzinfo=UTC) if r["created_at"].tzinfo is None else r["created_at"]
    return [r for r in rows if (start is None or r["created_at"].date() >= start) and (end is None or r["created_at"].date() <= end)
            and (lang is None or r["lang"] == lang)]


def recount(rows: list[dict]) -> dict:
    """What each chart must show, from the raw rows."""
    scores = Counter(r["score"] for r in rows)
    yes = {q: sum(1 for r in rows if r["answers"].get(q) is True) for q in ALL_ANSWERS}
    weeks = Counter(r["created_at"].date() - timedelta(days=r["created_at"].weekday()) for r in rows)
    filled = []
    if weeks:
        monday = min(weeks)
        while monday <= max(weeks):
            filled.append((monday, weeks.get(monday, 0)))
            monday += timedelta(days=7)
    summaries = [r for r in rows if r["review_status"] is not None]
    sectors = Counter(normalize(r["fields"].get("sector", "")) for r in summaries)
    return {
        "attempts": len(rows), "people": len({r["user_sub"] for r in rows}),
        "scores": [scores.get(s, 0) for s in range(6)], "yes": [yes[q] for q in ALL_ANSWERS],
        "suitable": sum(1 for r in rows if r["suitable"]), "weeks": filled,
        "sectors": sorted(sectors.values(), reverse=True), "sector_keys": set(sectors),
        "review": Counter(r["review_status"] for r in summaries),
    }
