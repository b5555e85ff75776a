"""The OAuth 2 service-token client that Assignment and Grade Services and Names and Role
Provisioning share (pylti1p3 has one service connector for both): client credentials with a
signed JWT assertion, posted to the platform's token endpoint, cached until near expiry.

Framework-free; the caller decides what a refusal means (retry a score, tell the instructor).
"""

from __future__ import annotations

import secrets
import threading
import time
from urllib.parse import urlsplit

import requests

from . import claims as C
from .keys import ToolKeyring
from .registrations import Registration

ASSERTION_LIFETIME = 300
TOKEN_REFRESH_MARGIN = 60


def same_origin(url: str, registration: Registration) -> bool:
    """Bearer tokens only go to the platform that issued them (launch claims could point elsewhere)."""
    target = urlsplit(url)
    known = {urlsplit(u)[:2] for u in (registration.issuer, registration.auth_token_url) if u}
    return target.scheme in ("https", "http") and (target.scheme, target.netloc) in known


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

    def get(self, registration: Registration, scopes: tuple[str, ...]) -> str:
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

    def forget(self, registration: Registration, scopes: tuple[str, ...]) -> None:
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


def snippet(resp: requests.Response, limit: int = 300) -> str:
    text = " ".join((resp.text or "").split())
    return text[:limit] or resp.reason or ""
