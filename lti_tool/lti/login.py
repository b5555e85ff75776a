"""OIDC third-party login initiation: the platform's first request, and our answer (a
redirect to its authorization endpoint with a fresh state and nonce).

State is not stored on the server: it is an HMAC-signed value naming the platform, the
nonce, the target and an expiry. Nothing is written for a login, so floods of login
requests cannot fill the database; the nonce is consumed at launch, after the platform's
signature has been verified.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlencode, urlsplit, urlunsplit

from .errors import bad_request, forbidden

STATE_COOKIE_PREFIX = "qser-state-"


@dataclass(frozen=True)
class LoginRequest:
    iss: str
    login_hint: str
    target_link_uri: str
    lti_message_hint: str | None
    client_id: str | None
    deployment_id: str | None
    storage_target: str | None = None  # lti_storage_target (LTI Client Side postMessages)


def parse_login(params: Mapping[str, str]) -> LoginRequest:
    missing = [name for name in ("iss", "login_hint", "target_link_uri") if not params.get(name)]
    if missing:
        raise bad_request(f"login initiation without {', '.join(missing)}", "login_incomplete")
    return LoginRequest(
        iss=params["iss"],
        login_hint=params["login_hint"],
        target_link_uri=params["target_link_uri"],
        lti_message_hint=params.get("lti_message_hint") or None,
        client_id=params.get("client_id") or None,
        deployment_id=params.get("lti_deployment_id") or None,
        storage_target=params.get("lti_storage_target") or None,
    )


def check_target(target: str, own_urls: frozenset[str]) -> str:
    """The target must be one of our own launch URLs: never redirect to what we are told."""
    if normalize_url(target) not in own_urls:
        raise forbidden("target_link_uri is not a URL of this tool", "foreign_target")
    return normalize_url(target)


def normalize_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, ""))


def own_urls(*urls: str) -> frozenset[str]:
    return frozenset(normalize_url(u) for u in urls)


@dataclass(frozen=True)
class State:
    platform_id: int
    nonce: str
    target: str
    expires: float
    value: str  # the signed string sent to the platform and back
    storage_target: str | None = None  # the platform's postMessage storage frame, if it offered one

    @cached_property
    def cookie_value(self) -> str:
        return hashlib.sha256(self.value.encode()).hexdigest()

    @property
    def cookie_name(self) -> str:
        return STATE_COOKIE_PREFIX + self.cookie_value[:16]


class StateCodec:
    def __init__(self, secret: bytes, ttl_seconds: int):
        self.secret = secret
        self.ttl = ttl_seconds

    def new(self, platform_id: int, target: str, now: float | None = None, storage_target: str | None = None) -> State:
        expires = (time.time() if now is None else now) + self.ttl
        payload = {"p": platform_id, "n": secrets.token_urlsafe(32), "t": target, "e": int(expires)}
        if storage_target:
            payload["s"] = storage_target
        body = _b64(json.dumps(payload, separators=(",", ":")).encode())
        value = f"{body}.{_b64(self._mac(body))}"
        return State(platform_id, payload["n"], target, payload["e"], value, storage_target)

    def read(self, value: str | None, now: float | None = None) -> State:
        if not value:
            raise bad_request("the launch has no state", "state_missing")
        body, _, mac = value.partition(".")
        try:
            good = hmac.compare_digest(_unb64(mac), self._mac(body))
            payload = json.loads(_unb64(body)) if good else None
        except (ValueError, TypeError):
            good = False
        if not good or not isinstance(payload, dict):
            raise forbidden("the launch state is not one this tool issued", "state_invalid")
        if payload["e"] < (time.time() if now is None else now):
            raise forbidden("the launch state has expired: start the activity again", "state_expired")
        return State(int(payload["p"]), str(payload["n"]), str(payload["t"]), payload["e"], value, payload.get("s"))

    def _mac(self, body: str) -> bytes:
        return hmac.new(self.secret, b"qser-state:" + body.encode(), hashlib.sha256).digest()


def authorization_redirect(auth_login_url: str, client_id: str, redirect_uri: str, login: LoginRequest, state: State) -> str:
    """The authentication request of LTI 1.3 / OIDC implicit flow, with Moodle's must-haves."""
    params = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "login_hint": login.login_hint,
        "state": state.value,
        "nonce": state.nonce,
    }
    if login.lti_message_hint:
        params["lti_message_hint"] = login.lti_message_hint
    separator = "&" if urlsplit(auth_login_url).query else "?"
    return f"{auth_login_url}{separator}{urlencode(params)}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
