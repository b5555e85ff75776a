"""Refusals as clear pages in the learner's language, with the right HTTP status."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException


from ..lti.errors import LtiError
from packager.i18n import translator as page_text

log = logging.getLogger("qser.web")
LANGUAGES = ("en", "el", "es")


def page_language() -> str:
    return request.accept_languages.best_match(LANGUAGES) or "en"


def error_page(status: int, code: str, detail: str = "", lang: str | None = None):
    lang = lang or page_language()
    t = page_text(lang)
    key = f"lti_error_{code}"
    if key not in t.strings and code.startswith("registration_"):
        key = "lti_error_registration"  # one message for the ways a registration fails; the detail says which
    message = t(key) if key in t.strings else t("lti_error_generic")
    return render_template("error.html", t=t, lang=lang, status=status, message=message, detail=detail, code=code), status


def register(app: Flask) -> None:
    @app.errorhandler(LtiError)
    def lti_error(exc: LtiError):
        log.warning("refused %s %s from %s: %s (%s)", request.method, request.path, request.remote_addr, exc.reason, exc.code)
        return error_page(exc.status, exc.code, exc.reason)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = {413: "too_large", 404: "not_found", 405: "method"}.get(exc.code or 500, "generic")
        return error_page(exc.code or 500, code)
