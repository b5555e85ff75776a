"""Assignment and Grade Services client: service tokens and score publishing.

Framework-free and stateless apart from the token cache; the outbox decides what an
answer means (retry, done, give up).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

import requests

from . import claims as C
from .keys import ToolKeyring
from .launch import Registration

SCORE_SCOPES = (C.AGS_SCOPE_SCORE,)
ASSERTION_LIFETIME = 300
TOKEN_REFRESH_MARGIN = 60


def extend_path(url: str, segment: str) -> str:
    """``…/lineitem?type_id=3`` + ``scores`` -> ``…/lineitem/scores?type_id=3`` (Moodle's URLs
    carry a query string; appending to the string's end breaks them)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/" + segment.lstrip("/")))


def same_origin(url: str, registration: Registration) -> bool:
    """Bearer tokens only go to the platform that issued them (launch claims could point elsewhere)."""
    target = urlsplit(url)
    known = {urlsplit(u)[:2] for u in (registration.issuer, registration.auth_token_url) if u}
    return target.scheme in ("https", "http") and (target.scheme, target.netloc) in known


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


class TokenError(Exception):
    """The token endpoint refused or failed; ``status`` is its HTTP status (None: no answer)."""

    def __init__(self, status: int | None, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


class ServiceTokens:
    """OAuth2 client-credentials tokens with a signed JWT assertion, cached until near expiry."""

    def __init__(self, keyring: ToolKeyring, session: requests.Session, timeout: float):
        self.keyring = keyring
        self.session = session
        self.timeout = timeout
        self._cache: dict[tuple[int, tuple[str, ...]], tuple[str, float]] = {}
        self._locks: dict[tuple[int, tuple[str, ...]], threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, registration: Registration, scopes: tuple[str, ...] = SCORE_SCOPES) -> str:
        """A valid token; threads needing one at the same time share a single request."""
        key = (registration.id, scopes)
        with self._lock:
            flight = self._locks.setdefault(key, threading.Lock())
        with flight:
            with self._lock:
                cached = self._cache.get(key)
            if cached and cached[1] > time.monotonic():
                return cached[0]
            token, lifetime = self._request(registration, scopes)
            with self._lock:
                self._cache[key] = (token, time.monotonic() + max(0, lifetime - TOKEN_REFRESH_MARGIN))
            return token

    def forget(self, registration: Registration, scopes: tuple[str, ...] = SCORE_SCOPES) -> None:
        with self._lock:
            self._cache.pop((registration.id, scopes), None)

    def assertion(self, registration: Registration) -> str:
        now = int(time.time())
        return self.keyring.sign({
            "iss": registration.client_id,
            "sub": registration.client_id,
            "aud": registration.token_audience or registration.auth_token_url,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME,
            "jti": secrets.token_urlsafe(24),
        })

    def _request(self, registration: Registration, scopes: tuple[str, ...]) -> tuple[str, float]:
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": C.CLIENT_ASSERTION_TYPE,
            "client_assertion": self.assertion(registration),
            "scope": " ".join(scopes),
        }
        try:
            resp = self.session.post(registration.auth_token_url, data=form, timeout=self.timeout, headers={"Accept": "application/json"})
        except requests.RequestException as exc:
            raise TokenError(None, f"token endpoint unreachable: {type(exc).__name__}") from None
        if resp.status_code != 200:
            raise TokenError(resp.status_code, f"token endpoint answered HTTP {resp.status_code}: {snippet(resp)}")
        try:
            data = resp.json()
            token = data["access_token"]
            lifetime = float(data.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            raise TokenError(resp.status_code, "token endpoint sent no access_token") from None
        return str(token), lifetime


def post_score(session: requests.Session, lineitem_url: str, token: str, score: Score, timeout: float) -> requests.Response:
    """POST the score to ``<lineitem>/scores``; transport errors propagate as requests' exceptions."""
    return session.post(
        extend_path(lineitem_url, "scores"),
        json=score.as_json(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": C.SCORE_MEDIA_TYPE, "Accept": "application/json"},
        timeout=timeout,
    )


def snippet(resp: requests.Response, limit: int = 300) -> str:
    text = " ".join((resp.text or "").split())
    return text[:limit] or resp.reason or ""


