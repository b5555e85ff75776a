"""The launch a form belongs to. Pages after a launch carry the launch token and a CSRF
token derived from it in every form, so nothing depends on a cookie (blocked in many
iframes); the instructor view adds the role check on top."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request

from ..lti.errors import LtiError, forbidden
from ..store import launches
from ..store.launches import LaunchRecord
from .services import tool



def launch_from_form() -> tuple[LaunchRecord, str]:
    """The launch this form belongs to, after the CSRF and origin checks."""
    t = tool()
    origin = request.headers.get("Origin")
    if origin and origin != "null" and _origin(origin) != _origin(t.settings.base_url):
        raise forbidden("the form was sent from another site", "csrf")
    token = request.form.get("launch", "")
    if not token:
        raise LtiError(400, "the form has no launch token", "session_missing")
    token_hash = t.token_hash(token)
    if not t.csrf_ok(token_hash, request.form.get("csrf")):
        raise forbidden("the form's CSRF token is missing or wrong", "csrf")
    launch = launches.find_launch(t.db, token_hash)
    if launch is None:
        raise forbidden("this screener session has expired: open the activity again from your course", "session_expired")
    return launch, token


def staff_launch_from_form() -> tuple[LaunchRecord, str]:
    """As :func:`launch_from_form`, for pages only instructors, content developers and
    administrators may reach (roles from the signed launch, never from the request)."""
    launch, token = launch_from_form()
    if not launch.is_staff:
        raise forbidden("only instructors of this course can open this page", "staff_only")
    return launch, token


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc
