"""What a platform's answer means for a score, and when to try again. Pure functions."""

from __future__ import annotations

import random
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from datetime import UTC, datetime

DELIVERED, RETRY, FAILED = "delivered", "retry", "failed"
RETRYABLE = {408, 425, 429, 500, 502, 503, 504}


@dataclass(frozen=True)
class Outcome:
    kind: str
    status: int | None
    reason: str
    retry_after: float | None = None  # seconds the platform asked us to wait


def classify(status: int | None, body: str = "", retry_after: str | None = None) -> Outcome:
    """``status`` None means no HTTP answer (timeout, refused, reset)."""
    if status is None:
        return Outcome(RETRY, None, body or "no answer from the platform")
    if 200 <= status < 300:
        return Outcome(DELIVERED, status, "")
    if status == 409:
        # Moodle: "Refusing score with an earlier timestamp": a same-or-newer score is there.
        return Outcome(DELIVERED, status, "the platform already holds a same-or-newer score")
    if status == 401:
        return Outcome(RETRY, status, "the platform refused the access token; a new one will be requested")
    if status in RETRYABLE:
        return Outcome(RETRY, status, f"HTTP {status}: {body}".strip(), _retry_after(retry_after))
    return Outcome(FAILED, status, _explain(status, body))


def _explain(status: int, body: str) -> str:
    hint = {
        400: "the platform rejected the score (Moodle says this when the user is not gradable: a teacher, an "
             "administrator or someone not enrolled as a student)",
        403: "the platform does not allow this tool to send scores (check the tool's grade-sync setting)",
        404: "the grade item no longer exists on the platform (was the activity or its grade column deleted?)",
        405: "the platform does not accept scores at this address",
        413: "the platform found the score too large",
        415: "the platform refused the score's media type",
        422: "the platform could not process the score",
    }.get(status, "the platform refused the score")
    return f"HTTP {status}: {hint}" + (f"; it said: {body}" if body else "")


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def backoff(tries: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter: between half and all of ``base * 2**(tries-1)``, capped.

    Half is kept fixed so a retry is never immediate; the random half spreads the retries
    of many scores that failed together (an LMS outage) instead of sending them in a wave.
    """
    ceiling = min(cap, base * (2 ** max(0, tries - 1)))
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)
