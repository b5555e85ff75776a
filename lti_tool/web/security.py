"""Response headers and log hygiene.

The screener runs inside the platform's page, so framing is allowed, but only by the
registered platforms (CSP ``frame-ancestors``); pages have no script, so the CSP forbids
every script (the exceptions: the registration page's two-line script that closes
Moodle's dialog, allowed by its hash on that response only, and the launch pages that bind a
login to the browser without a cookie, allowed the tool's own ``launch.js`` by its exact URL).
Forms post back to the tool only, except the activity picker's, which post to the platform's deep-linking return URL.
Logs never carry id_tokens, state, launch tokens or bearer tokens.
"""

from __future__ import annotations

import functools
import logging
import re

from flask import Response, g, request

from .services import tool

_REDACT = [
    re.compile(r"\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*"),  # any JWT (id_token, client assertion)
    re.compile(r"(?i)\b(bearer)\s+[\w.~+/=-]+"),
    re.compile(r"(?i)\b(id_token|state|nonce|launch|csrf|access_token|client_assertion|registration_token|invite|JWT)=[^&\s\"']+"),
]


def redact(text: str) -> str:
    text = _REDACT[0].sub("[jwt]", text)
    text = _REDACT[1].sub(r"\1 [redacted]", text)
    return _REDACT[2].sub(r"\1=[redacted]", text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = RedactingFilter()


def install_log_redaction() -> None:
    """Filter the logger that prints the development server's request lines (werkzeug's) and
    the root logger's handlers. Our own code logs no token in the first place (a test checks
    it); the access log (``qser.access``) goes through the ``qser`` handler's filter."""
    for name in ("werkzeug", ""):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
        for handler in logger.handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)


LOG_FORMAT = "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s"
LOG_DATE = "%Y-%m-%d %H:%M:%S %z"


def install_logging(level: str) -> None:
    """Give the ``qser`` logger its own handler on stderr (the server configures no Python
    logging, so without one the tool's INFO lines were lost and warnings came out bare),
    with the redaction filter; once per process, in the processes ``qser lti`` starts (tests
    keep pytest's capture on the root logger)."""
    logger = logging.getLogger("qser")
    logger.setLevel(level.upper())
    if not any(getattr(h, "qser", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.qser = True
        handler.setFormatter(logging.Formatter(LOG_FORMAT, LOG_DATE))
        handler.addFilter(_FILTER)
        logger.addHandler(handler)
    install_log_redaction()


@functools.lru_cache(maxsize=256)
def _policy(origins: tuple[str, ...], frames: tuple[str, ...], forms: tuple[str, ...], hashes: tuple[str, ...], urls: tuple[str, ...]) -> str:
    """The CSP header (the same few variants on every response: built once each)."""
    scripts = (*(f"'sha256-{digest}'" for digest in hashes), *urls)
    ancestors = " ".join(dict.fromkeys(("'self'", *origins, *frames)))
    form_action = " ".join(("'self'", *forms))
    script = "script-src " + " ".join(scripts) + "; " if scripts else ""
    return (f"default-src 'none'; {script}style-src 'self'; img-src 'self' data:; form-action {form_action}; "
            f"base-uri 'none'; frame-ancestors {ancestors}")


def allow_for_this_response(*, frame_origins: tuple[str, ...] = (), form_targets: tuple[str, ...] = (),
                            script_hashes: tuple[str, ...] = (), script_urls: tuple[str, ...] = (),
                            referrer: str | None = None) -> None:
    """Widen the CSP of the current response only: a page the platform frames before it is
    registered (Dynamic Registration), a form that posts back to the platform (deep linking),
    the one inline script the registration protocol needs (closing Moodle's dialog), the
    tool's own static script by its exact URL (cookie-less launches). ``referrer`` replaces
    ``no-referrer`` where a form must carry its ``Origin`` (browsers send ``null`` otherwise)."""
    g.qser_csp = (frame_origins, form_targets, script_hashes, script_urls)
    if referrer:
        g.qser_referrer = referrer


def headers(response: Response) -> Response:
    t = tool()
    response.headers["Content-Security-Policy"] = _policy(t.frame_origins(), *g.get("qser_csp", ((), (), (), ())))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = g.get("qser_referrer", "no-referrer")
    if t.settings.base_url.startswith("https://"):
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    if response.mimetype == "text/html" or request.endpoint in ("lti.login",):
        response.headers["Cache-Control"] = "no-store"
    return response
