"""Dynamic Registration: Moodle's administrator pastes ``<base>lti/register?invite=...``
as the tool URL; Moodle opens it in a dialog with ``openid_configuration`` and a one-time
``registration_token``. The tool reads the platform's configuration, registers itself,
stores the client id and deployment, and asks Moodle to close the dialog."""

from __future__ import annotations

import base64
import hashlib
import logging
from urllib.parse import urlsplit

from flask import Blueprint, make_response, render_template, request

from packager import lti_contract
from packager.i18n import translator as page_text

from ..lti.errors import LtiError
from ..lti.dynamic_registration import ToolDescription
from ..store import invites, registry
from .errors import page_language
from .security import allow_for_this_response
from .services import tool

bp = Blueprint("register", __name__)
log = logging.getLogger("qser.lti")

# Moodle reloads its tool list when the dialog's page posts this message to its parent. The
# script is the only one the tool serves; the CSP allows exactly this text by its hash.
CLOSE_SCRIPT = ("var d=document.getElementById('qser-registered').dataset;"
                "window.parent.postMessage({subject:'org.imsglobal.lti.close'}, d.origin);")
CLOSE_SCRIPT_HASH = base64.b64encode(hashlib.sha256(CLOSE_SCRIPT.encode()).digest()).decode()


def _origin(url: str) -> str | None:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


@bp.route("/" + lti_contract.REGISTER_PATH, methods=["GET"])
def register():
    t = tool()
    config_url = request.args.get("openid_configuration", "")
    registration_token = request.args.get("registration_token", "")
    platform_origin = _origin(config_url)
    if platform_origin:  # the dialog is the platform's page: let it show our answer, errors included
        allow_for_this_response(frame_origins=(platform_origin,))
    if not config_url or not registration_token:
        raise LtiError(400, "open this address from the platform's tool registration (Moodle: Manage tools, "
                            "'Tool URL', Add LTI Advantage), which adds openid_configuration and registration_token",
                       "registration_incomplete")
    try:
        invite_id = invites.claim(t.db, request.args.get("invite"))
    except invites.InviteRefused as exc:
        raise LtiError(403, exc.reason, exc.code) from None
    try:
        registrar = t.dynamic_registrar()
        config = registrar.configuration(config_url)
        registered = registrar.register(config, registration_token, _describe_tool())
    except Exception:  # refused or failed: the administrator may fix the cause and use the same address again
        invites.release(t.db, invite_id)
        raise
    platform_id = registry.save_platform(
        t.db, issuer=config.issuer, client_id=registered.client_id, auth_login_url=config.authorization_endpoint,
        auth_token_url=config.token_endpoint, jwks_url=config.jwks_uri, deployments=(registered.deployment_id,),
        name=" ".join(p for p in (urlsplit(config.issuer).netloc, f"({config.product})" if config.product else "") if p),
    )
    invites.complete(t.db, invite_id, platform_id)
    t.forget_registrations()
    log.info("registered platform %s: %s, client %s, deployment %s", platform_id, config.issuer, registered.client_id,
             registered.deployment_id)
    allow_for_this_response(frame_origins=(_origin(config.issuer) or platform_origin,), script_hashes=(CLOSE_SCRIPT_HASH,))
    lang = page_language()
    html = render_template("registered.html", t=page_text(lang), lang=lang, issuer=config.issuer,
                           origin=_origin(config.issuer), client_id=registered.client_id,
                           deployment_id=registered.deployment_id, close_script=CLOSE_SCRIPT)
    return make_response(html)


def _describe_tool() -> ToolDescription:
    t = tool()
    course = t.catalog.course
    return ToolDescription(
        name=course.lti.name, description=page_text(course.default_language).lti_tool_description,
        login_url=t.url(lti_contract.LOGIN_PATH), launch_url=t.launch_url, deep_link_url=t.deep_link_url,
        jwks_url=t.url(lti_contract.JWKS_PATH),
    )
