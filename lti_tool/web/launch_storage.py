"""The launch pages that bind a login to the browser when the state cookie is refused (the
protocol is in :mod:`lti_tool.lti.state_proof`).

Login initiation answers a small page instead of a bare redirect. It sets the state cookie
as before and, with JavaScript, keeps the launch proof in the frame's own storage or the
platform's postMessage storage before going on to the platform; when neither storage nor the
cookie works it offers to open the screener in a new window (one click, first-party). Without
JavaScript it goes on to the platform at once (``<noscript>`` refresh), as the redirect did.

The launch (the platform's form_post) is accepted at once when the cookie came back. Otherwise
it answers a waiting page whose script reads the proof back and posts it, with the id_token and
state, to :data:`CONFIRM_PATH`; that post must come from this page (exact ``Origin``).
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import make_response, render_template, request

from packager import lti_contract
from packager.i18n import translator as page_text

from ..lti import state_proof
from ..lti.login import LoginRequest, State
from .errors import page_language
from .page_cache import render_filled
from .security import allow_for_this_response
from .services import tool

CONFIRM_PATH = "lti/launch/confirm"
SCRIPT_PATH = "static/tool/launch.js"
PROBE_COOKIE = "qser-cookie-probe"
STORAGE_WAIT_MS = 3000  # how long the page waits for the platform's postMessage storage to answer


def _allow_script(referrer: str | None = None) -> str:
    """The one script these pages run, allowed by its exact address on this response only."""
    src = tool().url(SCRIPT_PATH)
    allow_for_this_response(script_urls=(src,), referrer=referrer)
    return src


def _cookie_attributes() -> str:
    """The probe cookie gets the state cookie's attributes, so the page learns whether the
    state cookie can work in this frame."""
    path = (request.script_root or "") + "/lti/"
    if tool().settings.secure_cookies:
        return f"; path={path}; Secure; SameSite=None; Partitioned"
    return f"; path={path}; SameSite=Lax"


def login_page(req: LoginRequest, state: State, auth_url: str, auth_login_url: str):
    """The answer to login initiation (status 200, the state cookie is set by the caller)."""
    t = tool()
    lang = page_language()
    bound = state_proof.binding(t.secret, state)
    again = {"iss": req.iss, "login_hint": req.login_hint, "target_link_uri": req.target_link_uri,
             "lti_message_hint": req.lti_message_hint, "client_id": req.client_id, "lti_deployment_id": req.deployment_id}
    window_url = t.url(lti_contract.LOGIN_PATH) + "?" + urlencode({k: v for k, v in again.items() if v})
    values = {"auth_url": auth_url, "binding_key": bound.key, "binding_proof": bound.proof, "binding_expires": bound.expires,
              "storage_target": state.storage_target or "", "platform_origin": state_proof.platform_origin(auth_login_url),
              "window_url": window_url}
    html = render_filled(t.page_cache, (lang,), "launch_login.html", values, t=page_text(lang), lang=lang,
                         script=_allow_script(), cookie=PROBE_COOKIE + "=1" + _cookie_attributes(), wait_ms=STORAGE_WAIT_MS)
    return make_response(html, 200)


def cookie_bound(state: State) -> bool:
    return request.cookies.get(state.cookie_name) == state.cookie_value


def confirm_page(state: State, auth_login_url: str):
    """The answer to a launch whose state cookie did not come back: the script proves the
    binding from storage. Nothing is validated or stored yet; the confirm post does both."""
    t = tool()
    lang = page_language()
    html = render_template(
        "launch_confirm.html", t=page_text(lang), lang=lang, script=_allow_script(referrer="same-origin"),
        action=t.url(CONFIRM_PATH), id_token=request.form.get("id_token", ""), state=state.value,
        key=state.cookie_name, storage_target=state.storage_target or "",
        platform_origin=state_proof.platform_origin(auth_login_url), wait_ms=STORAGE_WAIT_MS,
    )
    return make_response(html, 200)


def check_confirm(state: State) -> None:
    """The confirm post came from our page and carries this state's proof."""
    t = tool()
    state_proof.check_origin(request.headers.get("Origin"), t.settings.base_url)
    state_proof.check_proof(t.secret, state, request.form.get("proof"))
