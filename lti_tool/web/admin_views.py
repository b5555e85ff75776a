"""Pages for the people who run the tool, not for learners: ``/`` says what this address is
and what to paste into a platform; ``/healthz`` (liveness: the process answers) and
``/readyz`` (readiness: the database answers too) are for load balancers and monitors."""

from __future__ import annotations

import logging

from flask import Blueprint, render_template
from sqlalchemy import text

from packager import lti_contract
from packager.i18n import translator as page_text

from .errors import page_language
from .services import tool

bp = Blueprint("admin", __name__)
log = logging.getLogger("qser.web")
PLAIN = {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.route("/", methods=["GET"])
def home():
    t = tool()
    lang = page_language()
    urls = [
        ("lti_admin_launch", t.launch_url),
        ("lti_admin_login", t.url(lti_contract.LOGIN_PATH)),
        ("lti_admin_jwks", t.url(lti_contract.JWKS_PATH)),
        ("lti_admin_deep_link", t.deep_link_url),
    ]
    return render_template("admin_home.html", t=page_text(lang), lang=lang, urls=urls,
                           health=t.url("healthz"), ready=t.url("readyz"))


@bp.route("/healthz", methods=["GET"])
def healthz():
    return "ok\n", 200, PLAIN


@bp.route("/readyz", methods=["GET"])
def readyz():
    try:
        with tool().db.read() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means: do not send requests here now
        log.warning("not ready: the database does not answer (%s)", type(exc).__name__)
        return "database unavailable\n", 503, PLAIN
    return "ready\n", 200, PLAIN
