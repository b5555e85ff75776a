"""Assignment and Grade Services client: score publishing (the bearer token comes from
:mod:`.service_token`, shared with NRPS).

Framework-free and stateless; the outbox decides what an answer means (retry, done, give up).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

import requests

from . import claims as C
from .registrations import Registration
from .service_token import ServiceTokens

SCORE_SCOPES = (C.AGS_SCOPE_SCORE,)


def extend_path(url: str, segment: str) -> str:
    """``…/lineitem?type_id=3`` + ``scores`` -> ``…/lineitem/scores?type_id=3`` (Moodle's URLs
    carry a query string; appending to the string's end breaks them)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/" + segment.lstrip("/")))


@dataclass(frozen=True)
class Score:
    user_id: str
    score_given: float
    score_maximum: float
    timestamp: datetime
    activity_progress: str = "Completed"
    grading_progress: str = "FullyGraded"

    def as_json(self) -> dict:
        return {
            "userId": self.user_id,
            "scoreGiven": self.score_given,
            "scoreMaximum": self.score_maximum,
            "timestamp": self.timestamp.isoformat(timespec="milliseconds"),
            "activityProgress": self.activity_progress,
            "gradingProgress": self.grading_progress,
        }


def publish(tokens: ServiceTokens, session: requests.Session, registration: Registration, lineitem_url: str,
            score: Score, timeout: float) -> requests.Response:
    """POST the score to ``<lineitem>/scores`` with a score-scoped service token; a 401 drops
    the cached token so the next try asks for a new one. A token the endpoint refuses raises
    :class:`~.service_token.TokenError`; transport errors propagate as requests' exceptions."""
    token = tokens.get(registration, SCORE_SCOPES)
    resp = session.post(
        extend_path(lineitem_url, "scores"),
        json=score.as_json(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": C.SCORE_MEDIA_TYPE, "Accept": "application/json"},
        timeout=timeout,
    )
    if resp.status_code == 401:
        tokens.forget(registration, SCORE_SCOPES)
    return resp
