"""Platform public keys, fetched from the platform's JWKS URL and cached.

Keys are looked up by ``kid``. An unknown ``kid`` triggers one refetch (platforms rotate
keys), rate-limited per URL and coalesced across threads so a flood of forged tokens with
random ``kid`` values cannot turn the tool into a JWKS hammer. Malformed keys are skipped
with a reason instead of crashing the launch.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field

import jwt
import requests

from .errors import LtiError

MAX_JWKS_BYTES = 256 * 1024
_MAX_AGE = re.compile(r"max-age=(\d+)")


@dataclass
class _Entry:
    keys: dict[str, object] = field(default_factory=dict)
    fetched_at: float = 0.0
    expires_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


class JwksCache:
    def __init__(self, session: requests.Session | None = None, timeout: float = 10.0,
                 default_ttl: float = 300.0, max_ttl: float = 3600.0, min_refetch: float = 10.0):
        self.session = session or requests.Session()
        self.timeout = timeout
        self.default_ttl = default_ttl
        self.max_ttl = max_ttl
        self.min_refetch = min_refetch
        self._entries: dict[str, _Entry] = {}
        self._guard = threading.Lock()

    def key(self, url: str, kid: str | None):
        """The public key for ``kid`` (or the only key, when the token names none)."""
        entry = self._entry(url)
        now = time.monotonic()
        if now >= entry.expires_at:
            self._refresh(url, entry, force=False)
        found = self._pick(entry, kid)
        if found is None and now - entry.fetched_at >= self.min_refetch:
            self._refresh(url, entry, force=True)
            found = self._pick(entry, kid)
        if found is None:
            raise LtiError(403, f"the platform's key set has no key with kid {kid!r}", "unknown_kid")
        return found

    def _entry(self, url: str) -> _Entry:
        with self._guard:
            return self._entries.setdefault(url, _Entry())

    @staticmethod
    def _pick(entry: _Entry, kid: str | None):
        if kid is None:
            return next(iter(entry.keys.values())) if len(entry.keys) == 1 else None
        return entry.keys.get(kid)

    def _refresh(self, url: str, entry: _Entry, force: bool) -> None:
        started = time.monotonic()
        with entry.lock:  # single flight: others wait and reuse the result
            if entry.fetched_at >= started or (not force and time.monotonic() < entry.expires_at):
                return
            if force and time.monotonic() - entry.fetched_at < self.min_refetch:
                return
            keys, ttl = self._fetch(url)
            entry.keys = keys
            entry.fetched_at = time.monotonic()
            entry.expires_at = entry.fetched_at + ttl

    def _fetch(self, url: str) -> tuple[dict[str, object], float]:
        try:
            resp = self.session.get(url, timeout=self.timeout, stream=True, headers={"Accept": "application/json"})
            body = resp.raw.read(MAX_JWKS_BYTES + 1, decode_content=True)
            resp.close()
        except requests.RequestException as exc:
            raise LtiError(502, f"cannot fetch the platform's key set: {type(exc).__name__}", "jwks_unreachable") from None
        if resp.status_code != 200:
            raise LtiError(502, f"the platform's key set answered HTTP {resp.status_code}", "jwks_unreachable")
        if len(body) > MAX_JWKS_BYTES:
            raise LtiError(502, "the platform's key set is too large", "jwks_invalid")
        try:
            data = json.loads(body)
            raw_keys = data["keys"]
            assert isinstance(raw_keys, list)
        except (ValueError, KeyError, TypeError, AssertionError):
            raise LtiError(502, "the platform's key set is not a JWKS document", "jwks_invalid") from None
        keys = {}
        for raw in raw_keys:
            parsed = _rsa_key(raw)
            if parsed is not None:
                keys[str(raw.get("kid", ""))] = parsed
        return keys, self._ttl(resp.headers.get("Cache-Control", ""))

    def _ttl(self, cache_control: str) -> float:
        if "no-store" in cache_control or "no-cache" in cache_control:
            return min(self.default_ttl, 60.0)
        match = _MAX_AGE.search(cache_control)
        if match:
            return max(0.0, min(float(match.group(1)), self.max_ttl))
        return self.default_ttl


def _rsa_key(raw: object):
    """An RSA signing key from a JWK, or None for keys we must not or cannot use."""
    if not isinstance(raw, dict) or raw.get("kty") != "RSA":
        return None
    if raw.get("use") not in (None, "sig") or raw.get("alg") not in (None, "RS256"):
        return None
    try:
        return jwt.algorithms.RSAAlgorithm.from_jwk(raw)
    except (ValueError, TypeError, KeyError, jwt.exceptions.PyJWTError):
        return None
