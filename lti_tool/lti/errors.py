"""One exception type for every refusal, carrying the HTTP status the web shell returns."""

from __future__ import annotations


class LtiError(Exception):
    """A request the tool refuses. ``reason`` is safe to show and log (never a token)."""

    def __init__(self, status: int, reason: str, code: str = "lti_error"):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.code = code


def bad_request(reason: str, code: str = "bad_request") -> LtiError:
    return LtiError(400, reason, code)


def forbidden(reason: str, code: str = "forbidden") -> LtiError:
    return LtiError(403, reason, code)
