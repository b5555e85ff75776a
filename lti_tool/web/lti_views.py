"""The LTI endpoints of :mod:`packager.lti_contract`: login initiation, launch (a learner
gets the screener, staff the instructor view, a deep-linking request the activity picker),
JWKS. Dynamic Registration is in :mod:`.register_views`."""

from __future__ import annotations

import logging
import secrets

from flask import Blueprint, jsonify, request

from packager import lti_contract

from ..lti import login as oidc
from ..lti import state_proof
from ..lti.errors import LtiError, bad_request, forbidden
from ..store import launches, registry
from ..lti.deep_linking import check_accepts_links
from ..lti.roles import is_staff
from . import launch_storage
from .deep_link_views import render_picker
from .screener_views import render_questions
from .services import Services, tool
from .teach_views import render_overview

bp = Blueprint("lti", __name__)
log = logging.getLogger("qser.lti")



@bp.route("/" + lti_contract.LOGIN_PATH, methods=["GET", "POST"])
def login():
    t = tool()
    params = request.form if request.method == "POST" else request.args
    req = oidc.parse_login(params)
    try:
        registration = t.find_registration(req.iss, req.client_id)
    except registry.AmbiguousIssuer:
        raise bad_request("this issuer has several registrations: the platform must send client_id", "ambiguous_issuer") from None
    if registration is None:
        raise forbidden("no platform is registered with this issuer and client_id", "unknown_platform")
    target = oidc.check_target(req.target_link_uri, t.targets)
    state = t.states.new(registration.id, target, storage_target=state_proof.storage_target(req.storage_target))
    auth_url = oidc.authorization_redirect(registration.auth_login_url, registration.client_id, t.launch_url, req, state)
    response = launch_storage.login_page(req, state, auth_url, registration.auth_login_url)
    _set_state_cookie(t, response, state)
    return response


def _set_state_cookie(t: Services, response, state: oidc.State) -> None:
    """Bound to this browser. ``Partitioned`` (CHIPS) keeps it working in a cross-site iframe
    when third-party cookies are blocked; ``SameSite=None`` lets the platform's form_post carry it."""
    path = (request.script_root or "") + "/lti/"
    if t.settings.secure_cookies:
        response.set_cookie(state.cookie_name, state.cookie_value, max_age=t.settings.state_ttl_seconds, path=path,
                            secure=True, httponly=True, samesite="None", partitioned=True)
    else:
        response.set_cookie(state.cookie_name, state.cookie_value, max_age=t.settings.state_ttl_seconds, path=path,
                            httponly=True, samesite="Lax")


@bp.route("/" + lti_contract.LAUNCH_PATH, methods=["POST"])
def launch():
    """The platform's form_post. With the state cookie back, the launch is accepted at once;
    without it, the browser proves the binding from its storage (:mod:`.launch_storage`)."""
    t = tool()
    state = t.states.read(request.form.get("state"))
    registration = _registration_of(t, state)
    if not launch_storage.cookie_bound(state):
        return launch_storage.confirm_page(state, registration.auth_login_url)
    return _accept(t, state, registration)


@bp.route("/" + launch_storage.CONFIRM_PATH, methods=["POST"])
def launch_confirm():
    t = tool()
    state = t.states.read(request.form.get("state"))
    launch_storage.check_confirm(state)
    return _accept(t, state, _registration_of(t, state))


def _registration_of(t: Services, state: oidc.State):
    registration = t.registration(state.platform_id)
    if registration is None:
        raise forbidden("the platform of this launch is no longer registered", "unknown_platform")
    return registration


def _accept(t: Services, state: oidc.State, registration):
    launched = t.validator.validate(
        request.form.get("id_token"), state, registration,
        lambda deployment: t.deployment_active(registration.id, deployment),
    )
    drifted = False
    if launched.is_deep_linking:
        if not is_staff(launched.roles):
            raise forbidden("only instructors can add activities from this tool", "staff_only")
        check_accepts_links(launched.deep_linking)
        screener_id, lang = "", t.catalog.language(None, launched.locale)
    else:
        screener_id = _screener_id(t, launched.custom)
        lang = t.catalog.language(launched.custom.get(lti_contract.CUSTOM_LANG), launched.locale)
        drifted = _rules_drift(t, launched, screener_id, lang)
    token = secrets.token_urlsafe(32)
    try:
        record = launches.store_launch(t.db, launched, token_hash=t.token_hash(token), screener_id=screener_id,
                                   lang=lang, ttl_seconds=t.settings.launch_ttl_seconds)
    except launches.NonceReused:
        raise forbidden("this launch was already used (replayed id_token)", "replay") from None
    log.info("launch %s: platform %s, deployment %s, %s, screener %s, %s, rules %s", record.id, registration.id, launched.deployment_id,
             launched.message_type, screener_id or "-", lang, launched.custom.get(lti_contract.CUSTOM_RULES) or "-")
    if launched.is_deep_linking:
        response = render_picker(record)
    elif record.is_staff:
        response = render_overview(record, token, message="lti_teach_rules_changed" if drifted else None, warning=drifted)
    else:
        response = render_questions(record, token)
    response.delete_cookie(state.cookie_name, path=(request.script_root or "") + "/lti/",
                           secure=t.settings.secure_cookies, samesite="None" if t.settings.secure_cookies else "Lax",
                           partitioned=t.settings.secure_cookies)
    return response


def _screener_id(t: Services, custom) -> str:
    wanted = custom.get(lti_contract.CUSTOM_SCREENER)
    ids = t.catalog.screener_ids
    if not wanted:
        if len(ids) == 1:
            return ids[0]
        raise LtiError(400, f"the activity does not say which screener to run: set the custom parameter "
                            f"{lti_contract.CUSTOM_SCREENER}=<item id> (one of {', '.join(ids) or 'none'})", "no_screener")
    if not t.catalog.has(wanted):
        raise LtiError(400, f"this course has no screener {wanted!r} (custom parameter {lti_contract.CUSTOM_SCREENER}); "
                            f"known: {', '.join(ids) or 'none'}", "unknown_screener")
    return wanted


def _rules_drift(t: Services, launched, screener_id: str, lang: str) -> bool:
    """Does the activity carry the fingerprint of other scoring rules than the course loaded?

    A learner is refused (nothing stored, nothing scored): scoring with other questions or
    another threshold than the activity shows in the grade book would be silently wrong.
    Staff get the instructor view with a warning, so they learn what to rebuild. Activities
    without the parameter (packages built before it, Moodle's cartridge import) launch as before."""
    wanted = launched.custom.get(lti_contract.CUSTOM_RULES)
    if not wanted:
        return False
    loaded = lti_contract.rules_fingerprint(t.catalog.page(screener_id, lang).model)
    if wanted == loaded:
        return False
    log.warning("course drift: the activity for screener %s was built with rules %s, the tool loaded %s (%s)",
                screener_id, wanted, loaded, "instructor warned" if is_staff(launched.roles) else "learner refused")
    if not is_staff(launched.roles):
        raise LtiError(409, f"the activity was built for other scoring rules ({wanted}) than the course the tool "
                            f"runs ({loaded}): rebuild and re-import the course, or restart the tool with the matching course",
                       "rules_changed")
    return True


@bp.route("/" + lti_contract.JWKS_PATH, methods=["GET"])
def jwks():
    response = jsonify(tool().keyring.jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
