"""Names and Role Provisioning Services: the course's member list, page by page.

Moodle pages only when asked (``limit``) and names the next page in a ``Link: <...>;
rel="next"`` header; other platforms may page on their own. Every page URL must be on the
platform's host before the bearer token goes with it, and the number of pages is bounded.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

from . import claims as C
from .registrations import Registration
from .roles import LEARNER, is_learner, is_staff
from .service_token import ServiceTokens, same_origin

MEMBER_SCOPES = (C.NRPS_SCOPE,)
PAGE_LIMIT = 100
MAX_PAGE_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Member:
    user_id: str
    name: str
    roles: tuple[str, ...]
    active: bool

    @property
    def is_learner(self) -> bool:
        return is_learner(self.roles) and not is_staff(self.roles)


class MembersUnavailable(Exception):
    """The member list could not be read; ``reason`` says why, for the instructor."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params] + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def learners(session: requests.Session, url: str, registration: Registration, tokens: ServiceTokens,
             timeout: float, max_pages: int) -> list[Member]:
    """Active learners of the course, read with a member-list service token (a fresh one
    after a 401). A token the endpoint refuses raises :class:`~.service_token.TokenError`."""

    def token(refresh: bool) -> str:
        if refresh:
            tokens.forget(registration, MEMBER_SCOPES)
        return tokens.get(registration, MEMBER_SCOPES)

    members: list[Member] = []
    page_url: str | None = with_query(url, role=LEARNER, limit=str(PAGE_LIMIT))
    seen: set[str] = set()
    pages = 0
    while page_url:
        if not same_origin(page_url, registration):
            raise MembersUnavailable("the platform pointed to a member-list page on another host; not sending a token there")
        if page_url in seen or pages >= max_pages:
            raise MembersUnavailable(f"the member list has more than {max_pages} pages; only part of it could be read")
        seen.add(page_url)
        pages += 1
        body, links = _get(session, page_url, token, timeout)
        members += _members(body)
        page_url = links.get("next", {}).get("url")
    return [m for m in members if m.active and m.is_learner]


def _get(session: requests.Session, url: str, token: Callable[[bool], str], timeout: float) -> tuple[bytes, dict]:
    for refresh in (False, True):
        try:
            resp = session.get(url, headers={"Authorization": f"Bearer {token(refresh)}", "Accept": C.NRPS_MEDIA_TYPE},
                               timeout=timeout, stream=True)
            body = resp.raw.read(MAX_PAGE_BYTES + 1, decode_content=True)
            resp.close()
        except requests.RequestException as exc:
            raise MembersUnavailable(f"the platform did not answer ({type(exc).__name__})") from None
        if len(body) > MAX_PAGE_BYTES:
            raise MembersUnavailable("a page of the member list is too large")
        if resp.status_code == 401 and not refresh:
            continue
        if resp.status_code != 200:
            raise MembersUnavailable(f"the platform answered HTTP {resp.status_code}")
        return body, resp.links
    raise MembersUnavailable("the platform refused the access token")


def _members(body: bytes) -> list[Member]:
    try:
        data = json.loads(body)
        raw = data["members"]
        assert isinstance(raw, list)
    except (ValueError, KeyError, TypeError, AssertionError):
        raise MembersUnavailable("the platform's member list is not in the NRPS 2.0 format") from None
    members = []
    for entry in raw:
        if not isinstance(entry, dict) or entry.get("user_id") in (None, ""):
            continue
        roles = tuple(r for r in entry.get("roles", []) if isinstance(r, str)) if isinstance(entry.get("roles"), list) else ()
        name = entry.get("name") or " ".join(str(p) for p in (entry.get("given_name"), entry.get("family_name")) if p)
        members.append(Member(str(entry["user_id"]), str(name or ""), roles, entry.get("status", "Active") == "Active"))
    return members
