"""A Moodle-like LTI 1.3 platform for tests, built on ``lti1p3platform`` (a platform
implementation from PyPI, not written here) and served on a loopback port.

lti1p3platform does the LTI work: preflight validation, id_token building and signing,
client-credentials tokens (it verifies our client assertion against our JWKS), and the AGS
score handler with bearer-token checks. The thin layer here adds what Moodle does on top
(see ../shared/notes/lti-moodle.md): ``exp = iat + 60``, strict OIDC parameters with an exact
``redirect_uri`` and ``response_mode=form_post``, AGS URLs carrying ``?type_id=``, the
score media type, "Incorrect score received" for users who are not gradable, and 409 for a
score whose timestamp is not newer than the stored grade.

For LTI Advantage it also plays Moodle's Dynamic Registration (OpenID configuration, and the
registration endpoint with the checks of ``registration_helper``: single-use token signed by
the platform, ``domain`` required and matching ``target_link_uri``, ``private_key_jwt``,
``id_token``, ``redirect_uris`` as a list, ``application_type`` web), deep linking
(lti1p3platform's request claim with Moodle's settings; the response is checked with
lti1p3platform's ``validate_deeplinking_resp`` plus Moodle's ``iss`` = client id rule) and
the memberships service (lti1p3platform's NRPS handler, paged with ``limit``/``from`` and a
``Link: rel="next"`` header as Moodle pages).
"""

from __future__ import annotations

import html
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, Response, request
from lti1p3platform.exceptions import LtiServiceException, PreflightRequestValidationException
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request
from lti1p3platform.score import UpdateScoreStatus
from lti1p3platform.membership import Context
from lti1p3platform.service_connector import AssignmentsGradesService, NamesRoleProvisioningService
from werkzeug.serving import make_server

SCORE_MEDIA_TYPE = "application/vnd.ims.lis.v1.score+json"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
ADMIN_ROLES = ["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
               "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator"]
DEEP_LINK = "deep-link"  # the "link" of a deep-linking launch (Moodle's activity form)
NRPS_MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
REGISTRATION_SCOPES = ("https://purl.imsglobal.org/spec/lti-ags/scope/score",
                       "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
                       "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
                       "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                       "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly")


def _pem_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


_KEYS: list[tuple[str, str]] = []


def platform_keys() -> tuple[str, str]:
    """One RSA pair per test process (key generation is the slow part of a platform)."""
    if not _KEYS:
        _KEYS.append(_pem_pair())
    return _KEYS[0]


@dataclass
class User:
    id: str
    name: str
    roles: list[str]
    gradable: bool = True


@dataclass
class Link:
    """A Moodle LTI activity (resource link) with its grade item."""

    id: str = "7"
    title: str = "Case-study screener"
    course_id: str = "2"
    item_id: str = "11"
    custom: dict[str, str] = field(default_factory=lambda: {"qser_screener": "cases/screener"})
    locale: str = "en"
    grades: bool = True
    nrps: bool = False  # the tool may read the course's members (Moodle: the memberships service is on)
    score_maximum: float = 100.0
    label: str = ""


@dataclass
class RegisteredTool:
    """A tool type created by Dynamic Registration (Moodle's ``lti_types`` row)."""

    type_id: str
    client_id: str
    request: dict
    state: str = "pending"  # Moodle: LTI_TOOL_STATE_PENDING until the administrator activates it


@dataclass
class DeepLinkReturn:
    claims: dict
    items: list[dict]
    links: list[str]  # ids of the activities created


@dataclass
class ScoreCall:
    path: str
    query: str
    content_type: str
    body: dict
    status: int
    started: float
    ended: float


class _Config(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs):
        self.moodle: FakeMoodle = kwargs["moodle"]

    def get_registration_by_params(self, **kwargs) -> Registration:
        m = self.moodle
        private, public = platform_keys()
        reg = (
            Registration()
            .set_iss(m.issuer)
            .set_client_id(m.client_id)
            .set_deployment_id(m.deployment_id)
            .set_oidc_login_url(m.tool_base + "lti/login")
            .set_launch_url(m.tool_base + "lti/launch")
            .set_platform_public_key(public)
            .set_platform_private_key(private)
        )
        reg.set_deeplink_launch_url(m.tool_base + "lti/deep-link")
        if m.tool_jwks is not None:
            reg.set_tool_key_set(m.tool_jwks())
        else:
            reg.set_tool_key_set_url(m.tool_base + "lti/jwks.json")
        return reg


class _FlaskRequest(Request):
    def build_metadata(self, req):
        return {
            "method": req.method,
            "form_data": req.form.to_dict(),
            "get_data": req.args.to_dict(),
            "headers": req.headers,
            "content_type": req.content_type,
            "path": req.path,
            "json": req.get_json(silent=True, force=True),
        }


class _Login(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs):
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url):
        return url


class _Launch(LTIAdvantageMessageLaunchAbstract):
    def __init__(self, request, platform_config, moodle: FakeMoodle, user: User, link: Link):
        super().__init__(request, platform_config)
        self.moodle, self.user, self.link = moodle, user, link

    def prepare_launch(self, preflight_response):
        m, user, link = self.moodle, self.user, self.link
        self.set_user_data(user.id, user.roles, full_name=user.name)
        if link is None:  # deep linking: Moodle's activity form, no resource link yet
            self._deep_linking(m)
            return
        self.set_resource_link_claim(link.id, title=link.title)
        self.set_launch_context_claim(link.course_id, context_types=["CourseSection"], context_title="Q-SER course", context_label="QSER")
        self.set_custom_parameters_claim(dict(link.custom))
        self.set_extra_claims({
            "https://purl.imsglobal.org/spec/lti/claim/launch_presentation": {
                "locale": link.locale, "document_target": "iframe", "return_url": f"{m.issuer}/mod/lti/return.php?course={link.course_id}",
            },
            "https://purl.imsglobal.org/spec/lti/claim/tool_platform": {"product_family_code": "moodle", "version": "2024100700"},
        })
        if link.grades:
            self.set_ags(m.lineitems_url(link), m.lineitem_url(link), allow_creating_lineitems=False)
        if link.nrps:
            self.set_nrps(m.memberships_url("2"))
        self.set_id_token_expiration(m.token_lifetime)

    def _deep_linking(self, m: FakeMoodle) -> None:
        self.set_launch_context_claim("2", context_types=["CourseSection"], context_title="Q-SER course", context_label="QSER")
        self.set_extra_claims({
            "https://purl.imsglobal.org/spec/lti/claim/launch_presentation": {"locale": m.dl_locale, "document_target": "iframe"},
            "https://purl.imsglobal.org/spec/lti/claim/tool_platform": {"product_family_code": "moodle", "version": "2024100700"},
        })
        self.set_dl(m.deep_link_return_url, accept_types={"ltiResourceLink"})
        # Moodle's deep_linking_settings (lti_build_content_item_selection_request), not the library's defaults
        self._deep_linking_launch_data = {"https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": {
            "accept_types": list(m.dl_accept_types), "accept_presentation_document_targets": ["frame", "iframe", "window"],
            "accept_copy_advice": False, "accept_multiple": True, "accept_unsigned": False, "auto_create": False,
            "can_confirm": False, "deep_link_return_url": m.deep_link_return_url, "title": "", "text": "", "data": m.dl_data,
        }}
        self.set_id_token_expiration(m.token_lifetime)

    def render_launch_form(self, launch_data, **kwargs):
        return launch_data


class FakeMoodle:
    """Start with :meth:`start`; ``url`` is the issuer (``$CFG->wwwroot``)."""

    def __init__(self, tool_base: str, *, client_id: str = "qser-client-1", deployment_id: str = "3", type_id: str = "3",
                 tool_jwks: Callable[[], dict] | None = None, host: str = "127.0.0.1"):
        self.tool_base = tool_base if tool_base.endswith("/") else tool_base + "/"
        self.client_id = client_id
        self.deployment_id = deployment_id
        self.type_id = type_id
        self.tool_jwks = tool_jwks
        self.host = host
        self.port = 0
        self.token_lifetime = 60  # Moodle: exp = iat + 60
        self.users: dict[str, User] = {
            "101": User("101", "Eleni Learner", [LEARNER]),
            "102": User("102", "Pablo Learner", [LEARNER]),
            "201": User("201", "Tina Teacher", [INSTRUCTOR], gradable=False),
        }
        self.links: dict[str, Link] = {"7": Link()}
        # Dynamic Registration, deep linking, memberships
        self.registered: dict[str, RegisteredTool] = {}
        self.registration_refusals: list[str] = []
        self.next_type_id = 20
        self.configuration_override: Callable[[dict], dict] | None = None
        self.dl_accept_types: tuple[str, ...] = ("ltiResourceLink",)
        self.dl_data = "moodle-dl-" + secrets.token_hex(4)
        self.dl_locale = "en"
        self.dl_returns: list[DeepLinkReturn] = []
        self.dl_refusals: list[str] = []
        self.member_ids: list[str] = ["101", "102", "201"]  # enrolled in course 2
        self.nrps_max_page = 2  # Moodle pages when asked; this one also caps pages, to exercise paging
        self.nrps_requests: list[str] = []
        self.hints: dict[str, tuple[str, str]] = {}  # lti_message_hint -> (user id, link id)
        self.scores: list[ScoreCall] = []
        self.grades: dict[tuple[str, str], tuple[float, dict]] = {}  # (item, user) -> (timestamp, score)
        self.token_requests = 0
        self.auth_refusals: list[str] = []
        self.score_faults: list[Callable[[], Response | None]] = []  # consumed one per score request
        self.in_flight: dict[tuple, int] = {}
        self.max_in_flight_same: int = 0
        self.lock = threading.Lock()
        self._server = None
        self._thread = None
        self.app = self._build_app()

    # --- URLs -------------------------------------------------------------------------------

    @property
    def issuer(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def auth_url(self) -> str:
        return self.issuer + "/mod/lti/auth.php"

    @property
    def token_url(self) -> str:
        return self.issuer + "/mod/lti/token.php"

    @property
    def jwks_url(self) -> str:
        return self.issuer + "/mod/lti/certs.php"

    def lineitems_url(self, link: Link) -> str:
        return f"{self.issuer}/mod/lti/services.php/{link.course_id}/lineitems?type_id={self.type_id}"

    def lineitem_url(self, link: Link) -> str:
        return f"{self.issuer}/mod/lti/services.php/{link.course_id}/lineitems/{link.item_id}/lineitem?type_id={self.type_id}"

    def memberships_url(self, course_id: str) -> str:
        return f"{self.issuer}/mod/lti/services.php/CourseSection/{course_id}/bindings/{self.type_id}/memberships"

    @property
    def configuration_url(self) -> str:
        return self.issuer + "/mod/lti/openid-configuration.php"

    @property
    def deep_link_return_url(self) -> str:
        return f"{self.issuer}/mod/lti/contentitem_return.php?course=2&id={self.type_id}&sesskey=s3ss"

    # --- server -------------------------------------------------------------------------

    def start(self, port: int = 0) -> FakeMoodle:
        self._server = make_server(self.host, port, self.app, threaded=True)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def restart(self) -> None:
        """Back on the same port, like an LMS coming back after an outage."""
        self.start(self.port)

    def config(self) -> _Config:
        return _Config(moodle=self)

    # --- what a course page does ----------------------------------------------------------

    def login_params(self, user_id: str = "101", link_id: str = "7", **overrides) -> dict[str, str]:
        """The fields of Moodle's auto-submitted login-initiation form."""
        hint = json.dumps({"cmid": int(link_id), "launchid": f"ltilaunch{link_id}_{secrets.randbelow(10**9)}"})
        self.hints[hint] = (user_id, link_id)
        params = {
            "iss": self.issuer, "target_link_uri": self.tool_base + "lti/launch", "login_hint": user_id,
            "lti_message_hint": hint, "client_id": self.client_id, "lti_deployment_id": self.deployment_id,
        }
        params.update(overrides)
        return {k: v for k, v in params.items() if v is not None}

    def deep_link_params(self, user_id: str = "201", **overrides) -> dict[str, str]:
        """Login initiation from the activity form's "Select content" button."""
        hint = json.dumps({"launchid": f"ltilaunch_dl_{secrets.randbelow(10**9)}"})
        self.hints[hint] = (user_id, DEEP_LINK)
        params = {
            "iss": self.issuer, "target_link_uri": self.tool_base + "lti/deep-link", "login_hint": user_id,
            "lti_message_hint": hint, "client_id": self.client_id, "lti_deployment_id": self.deployment_id,
        }
        params.update(overrides)
        return {k: v for k, v in params.items() if v is not None}

    # --- Dynamic Registration: what startltiadvregistration.php does --------------------------

    def registration_token(self, client_id: str | None = None, scope: str = "reg", lifetime: int = 3600) -> str:
        now = int(time.time())
        return self.sign({"sub": client_id or secrets.token_urlsafe(11), "scope": scope, "iat": now, "exp": now + lifetime})

    def start_registration(self, tool_url: str, token: str | None = None) -> str:
        """The address Moodle opens in its dialog: the tool URL plus openid_configuration and
        registration_token (moodle_url keeps the tool URL's own query, e.g. the invitation)."""
        from urllib.parse import urlencode

        separator = "&" if "?" in tool_url else "?"
        return tool_url + separator + urlencode({"openid_configuration": self.configuration_url,
                                                 "registration_token": token or self.registration_token()})

    def activate(self, type_id: str) -> None:
        """The administrator activates the pending tool: launches now use its client id and type."""
        tool = self.registered[type_id]
        tool.state = "configured"
        self.client_id, self.deployment_id, self.type_id = tool.client_id, type_id, type_id

    def sign(self, claims: dict, headers: dict | None = None, key: str | None = None, algorithm: str = "RS256") -> str:
        """Sign arbitrary claims with the platform key (or another): for attack tests."""
        private, public = platform_keys()
        kid = Registration.get_jwk(public)["kid"]
        return jwt.encode(claims, key if key is not None else private, algorithm=algorithm, headers={"kid": kid, **(headers or {})})

    @property
    def kid(self) -> str:
        return Registration.get_jwk(platform_keys()[1])["kid"]

    # --- the Flask app --------------------------------------------------------------------

    def _build_app(self) -> Flask:
        app = Flask("fake_moodle")
        m = self

        @app.get("/mod/lti/certs.php")
        def certs():
            config = m.config()
            config.get_registration()
            return Response(json.dumps(config.get_jwks()), mimetype="application/json")

        @app.route("/mod/lti/auth.php", methods=["GET", "POST"])
        def auth():
            params = request.values
            refusal = m._moodle_auth_checks(params)
            if refusal:
                m.auth_refusals.append(refusal)
                return Response(f"Invalid request: {refusal}", 400)
            user_id, link_id = m.hints[params["lti_message_hint"]]
            config = m.config()
            launch = _Launch(_FlaskRequest(request), config, m, m.users[user_id], None if link_id == DEEP_LINK else m.links[link_id])
            try:
                data = launch.lti_launch()
            except PreflightRequestValidationException:
                return Response("Invalid request", 400)
            return Response(_form_post(data["launch_url"], {"id_token": data["id_token"], "state": data["state"]}), mimetype="text/html")

        @app.post("/mod/lti/token.php")
        def token():
            if request.mimetype != "application/x-www-form-urlencoded":
                return Response('{"error":"invalid_request"}', 400, mimetype="application/json")
            form = request.form.to_dict()
            if form.get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" or not form.get("scope"):
                return Response('{"error":"invalid_request"}', 400, mimetype="application/json")
            config = m.config()
            config.get_registration()
            try:
                result = config.get_access_token(form)
            except Exception as exc:  # the library raises plain exceptions on bad assertions
                return Response(json.dumps({"error": "invalid_client", "error_description": str(exc)}), 400, mimetype="application/json")
            with m.lock:
                m.token_requests += 1
            return Response(json.dumps(result), mimetype="application/json")

        @app.post("/mod/lti/services.php/<course>/lineitems/<item>/lineitem/scores")
        def scores(course, item):
            return m._score(course, item)

        @app.get("/mod/lti/view.php")
        def view():
            """A course page: the activity embedded in an iframe (Moodle's default container)."""
            src = f"/mod/lti/launch.php?id={request.args['id']}&user={request.args['user']}"
            return Response(
                '<!doctype html><html lang="en"><head><meta name="viewport" content="width=device-width, initial-scale=1">'
                '<title>Case-study screener | Q-SER course</title><style>body{margin:0;font-family:sans-serif}'
                'iframe{width:100%;height:1400px;border:0;display:block}</style></head><body><main><h1>Q-SER course</h1>'
                f'<iframe id="tool" title="Case-study screener" src="{html.escape(src)}"></iframe></main></body></html>',
                mimetype="text/html")

        @app.get("/mod/lti/launch.php")
        def launch_page():
            """Inside the iframe: Moodle's auto-submitted login-initiation form (a POST)."""
            params = m.login_params(request.args["user"], request.args["id"])
            return Response(_form_post(m.tool_base + "lti/login", params), mimetype="text/html")

        @app.get("/mod/lti/openid-configuration.php")
        def openid_configuration():
            return Response(json.dumps(m._configuration()), mimetype="application/json")

        @app.post("/mod/lti/openid-registration.php")
        def openid_registration():
            code, body = m._register(request.headers.get("Authorization", ""), request.get_data())
            if code != 200:
                m.registration_refusals.append(body)
                return Response(body, code)
            return Response(json.dumps(body), mimetype="application/json")

        @app.post("/mod/lti/contentitem_return.php")
        def contentitem_return():
            refusal = m._deep_link_return(request.form.get("JWT", ""))
            if refusal:
                m.dl_refusals.append(refusal)
                return Response(f"Invalid request: {refusal}", 400)
            return Response('<!doctype html><html lang="en"><head><title>Saved</title></head><body><main>'
                            '<p id="moodle-dl-done">Content selected.</p></main></body></html>', mimetype="text/html")

        @app.get("/mod/lti/services.php/CourseSection/<course>/bindings/<type_id>/memberships")
        def memberships(course, type_id):
            return m._memberships(course, type_id)

        @app.get("/course/modedit.php")
        def activity_form():
            """The activity form's "Select content" dialog: the tool in an iframe (contentitem.js)."""
            return Response(
                '<!doctype html><html lang="en"><head><meta name="viewport" content="width=device-width, initial-scale=1">'
                '<title>Adding a new External tool</title><style>body{margin:0;font-family:sans-serif}'
                'iframe{width:100%;height:1400px;border:0;display:block}</style></head><body><main><h1>Select content</h1>'
                f'<iframe id="tool" title="Select content" src="/mod/lti/contentitem.php?user={html.escape(request.args["user"])}"></iframe>'
                '</main></body></html>', mimetype="text/html")

        @app.get("/mod/lti/contentitem.php")
        def content_item():
            return Response(_form_post(m.tool_base + "lti/login", m.deep_link_params(request.args["user"])), mimetype="text/html")

        @app.get("/admin/tool-registration")
        def registration_dialog():
            """Manage tools > Add LTI Advantage: the tool's registration page in an iframe;
            the page listens for org.imsglobal.lti.close like tool_configure_controller.js."""
            src = "/mod/lti/startltiadvregistration.php?url=" + quote(request.args["url"], safe="")
            return Response(
                '<!doctype html><html lang="en"><head><title>Manage tools</title></head><body><main><h1>Manage tools</h1>'
                '<p id="closed">open</p>'
                f'<iframe id="tool" title="Register a tool" src="{html.escape(src)}" style="width:100%;height:900px;border:0"></iframe>'
                '<script>window.addEventListener("message", function (e) {'
                ' if (e.data && e.data.subject === "org.imsglobal.lti.close") {'
                ' document.getElementById("closed").textContent = "closed by " + e.origin; } });</script>'
                '</main></body></html>', mimetype="text/html")

        @app.get("/mod/lti/startltiadvregistration.php")
        def start_registration():
            return Response("", 302, {"Location": m.start_registration(request.args["url"])})

        @app.route("/mod/lti/services.php/<path:rest>", methods=["GET", "POST", "PUT", "DELETE"])
        def no_handler(rest):
            return Response("No handler found", 404)

        return app

    # --- Dynamic Registration (openid-configuration.php, openid-registration.php) ------------

    def _configuration(self) -> dict:
        conf = {
            "issuer": self.issuer,
            "token_endpoint": self.token_url,
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
            "jwks_uri": self.jwks_url,
            "authorization_endpoint": self.auth_url,
            "registration_endpoint": self.issuer + "/mod/lti/openid-registration.php",
            "scopes_supported": [*REGISTRATION_SCOPES, "openid"],
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public", "pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": ["sub", "iss", "name", "given_name", "family_name", "email"],
            "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                "product_family_code": "moodle", "version": "4.5.2 (Build: 20250210)",
                "messages_supported": ["LtiResourceLinkRequest", "LtiDeepLinkingRequest"], "placements": ["AddContentMenu"],
                "variables": ["basic-lti-launch-request", "Context.id", "ResourceLink.id", "User.id", "Person.name.full"],
            },
        }
        return self.configuration_override(conf) if self.configuration_override else conf

    def _register(self, authorization: str, raw: bytes) -> tuple[int, dict | str]:
        if not authorization.startswith("Bearer "):
            return 401, "missing_registration_token"
        try:
            token = jwt.decode(authorization[7:].strip(), platform_keys()[1], algorithms=["RS256"])
        except jwt.PyJWTError:
            return 401, "invalid registration token"
        client_id = str(token["sub"])
        if any(t.client_id == client_id for t in self.registered.values()):
            return 401, "token_already_used"
        try:
            payload = json.loads(raw)
        except ValueError:
            return 400, "invalid json"
        refusal = _registration_to_config(payload)
        if refusal:
            return 400, refusal
        type_id = str(self.next_type_id)
        self.next_type_id += 1
        self.registered[type_id] = RegisteredTool(type_id, client_id, payload)
        tool_conf = payload["https://purl.imsglobal.org/spec/lti-tool-configuration"]
        scopes = payload.get("scope", "").split()
        return 200, {  # config_to_registration
            "client_id": client_id, "response_types": ["id_token"], "jwks_uri": payload["jwks_uri"],
            "initiate_login_uri": payload["initiate_login_uri"], "grant_types": ["client_credentials", "implicit"],
            "redirect_uris": payload["redirect_uris"], "application_type": "web", "token_endpoint_auth_method": "private_key_jwt",
            "client_name": payload["client_name"], "logo_uri": "", "scope": " ".join(s for s in REGISTRATION_SCOPES if s in scopes),
            "https://purl.imsglobal.org/spec/lti-tool-configuration": {
                "version": "1.3.0", "deployment_id": type_id, "target_link_uri": tool_conf.get("target_link_uri"),
                "domain": tool_conf["domain"], "description": tool_conf.get("description", ""),
                "messages": [m for m in tool_conf.get("messages", []) if m.get("type") == "LtiDeepLinkingRequest"],
                "claims": ["sub", "iss", "name", "family_name", "middle_name"],
            },
        }

    # --- deep linking (contentitem_return.php) -------------------------------------------------

    def _deep_link_return(self, token: str) -> str | None:
        config = self.config()
        config.get_registration()
        config.set_accepted_deeplinking_types(["ltiResourceLink"])
        try:
            items = config.validate_deeplinking_resp({"JWT": token})
        except Exception as exc:  # signature, message type or content type refused by lti1p3platform
            return f"{type(exc).__name__}: {exc}"
        claims = jwt.decode(token, options={"verify_signature": False})
        if claims.get("iss") != self.client_id:  # Moodle: the response must come from the tool's client id
            return "iss is not the tool's client_id"
        if claims.get("aud") not in (self.issuer, [self.issuer]):
            return "aud is not the platform"
        if claims.get("https://purl.imsglobal.org/spec/lti/claim/deployment_id") != self.deployment_id:
            return "deployment_id"
        if claims.get("https://purl.imsglobal.org/spec/lti/claim/version") != "1.3.0" or not claims.get("nonce"):
            return "version/nonce"
        if claims.get("https://purl.imsglobal.org/spec/lti-dl/claim/data") != self.dl_data:
            return "data not echoed"
        created = []
        for item in items:
            line = item.get("lineItem") or {}
            link_id = str(100 + len(self.links))
            self.links[link_id] = Link(id=link_id, title=item.get("title", ""), item_id=str(500 + len(self.links)),
                                       custom=dict(item.get("custom") or {}), grades=bool(line),
                                       score_maximum=float(line.get("scoreMaximum", 100)), label=line.get("label", ""))
            created.append(link_id)
        self.dl_returns.append(DeepLinkReturn(claims, items, created))
        return None

    # --- memberships (Names and Role Provisioning) ----------------------------------------------

    def _memberships(self, course: str, type_id: str) -> Response:
        self.nrps_requests.append(request.full_path)
        if type_id != self.type_id or course != "2":
            return Response("", 404)
        if request.headers.get("Accept") != NRPS_MEDIA_TYPE:
            return Response("", 406)
        service = _Members(_FlaskRequest(request), self.config(), self, self.memberships_url(course))
        result = service.handle_resp(service.handle_get_members)
        if result.code != 200:
            return Response(json.dumps({"message": result.message}), result.code, mimetype="application/json")
        body = dict(result.result)
        body.pop("next", None)  # Moodle names the next page in a Link header, not in the body
        response = Response(json.dumps(body), mimetype=NRPS_MEDIA_TYPE)
        if service.next_from is not None:
            limit = service.limit
            response.headers["Link"] = f'<{self.memberships_url(course)}?limit={limit}&from={service.next_from}>; rel="next"'
        return response

    def _moodle_auth_checks(self, params) -> str | None:
        """auth.php's own checks, before any LTI processing."""
        if params.get("scope") != "openid":
            return "scope"
        if params.get("response_type") != "id_token":
            return "response_type"
        if params.get("response_mode") != "form_post":
            return "response_mode"
        if params.get("prompt") not in (None, "none"):
            return "prompt"
        if params.get("client_id") != self.client_id:
            return "client_id"
        if params.get("redirect_uri") != self.tool_base + "lti/launch":  # exact, as Moodle compares
            return "redirect_uri"
        hint = params.get("lti_message_hint")
        if hint not in self.hints:
            return "lti_message_hint"
        if params.get("login_hint") != self.hints[hint][0]:
            return "login_hint"
        if not params.get("nonce") or not params.get("state"):
            return "nonce/state"
        return None

    def _score(self, course: str, item: str) -> Response:
        started = time.monotonic()
        if request.args.get("type_id") != self.type_id:
            return Response("No handler found", 404)
        if request.mimetype != SCORE_MEDIA_TYPE:
            return Response("No handler found", 400)
        body = request.get_json(silent=True, force=True) or {}
        key = (item, body.get("userId"), body.get("timestamp"))
        with self.lock:
            self.in_flight[key] = self.in_flight.get(key, 0) + 1
            self.max_in_flight_same = max(self.max_in_flight_same, self.in_flight[key])
            fault = self.score_faults.pop(0) if self.score_faults else None
        try:
            if fault is not None:
                response = fault()
                if response is not None:
                    return self._record(course, item, body, response, started)
            service = _Scores(_FlaskRequest(request), self.config(), self, self.lineitems_url(self.links["7"]), self.lineitem_url(self.links["7"]))
            result = service.handle_resp(service.handle_update_score, line_item_id=item)
            response = Response(json.dumps({"message": result.message}), result.code, mimetype="application/json")
            return self._record(course, item, body, response, started)
        finally:
            with self.lock:
                self.in_flight[key] -= 1

    def _record(self, course, item, body, response: Response, started: float) -> Response:
        with self.lock:
            self.scores.append(ScoreCall(request.path, request.query_string.decode(), request.content_type or "", body,
                                         response.status_code, started, time.monotonic()))
        return response

    def accepted(self) -> list[ScoreCall]:
        """Score requests the platform stored (2xx)."""
        return [c for c in self.scores if 200 <= c.status < 300]


class _Scores(AssignmentsGradesService):
    """lti1p3platform's AGS handler (token and scope checks) with Moodle's score rules."""

    def __init__(self, request, platform_config, moodle: FakeMoodle, lineitems_url, lineitem_url):
        super().__init__(request, platform_config, lineitems_url, lineitem_url, allow_creating_lineitems=False)
        self.platform_config.get_registration()
        self.moodle = moodle

    def update_score(self, line_item_id, score):
        for required in ("userId", "timestamp", "gradingProgress", "activityProgress"):
            if required not in score:
                raise LtiServiceException("Incorrect score received", 400)
        if "scoreGiven" in score and "scoreMaximum" not in score:
            raise LtiServiceException("Incorrect score received", 400)
        user = self.moodle.users.get(str(score["userId"]))
        if user is None or not user.gradable:
            raise LtiServiceException("Incorrect score received", 400)
        stamp = datetime.fromisoformat(score["timestamp"]).timestamp()
        with self.moodle.lock:
            current = self.moodle.grades.get((line_item_id, user.id))
            if current is not None and current[0] >= stamp:
                return UpdateScoreStatus.OLD_TIMESTAMP  # 409 "Refusing score with an earlier timestamp"
            self.moodle.grades[(line_item_id, user.id)] = (stamp, score)
        return UpdateScoreStatus.SUCCESS

    def find_lineitems(self, *a, **k):
        raise LtiServiceException("No handler found", 404)

    find_lineitem = create_lineitem = update_lineitem = delete_lineitem = get_results = find_lineitems


class _Members(NamesRoleProvisioningService):
    """lti1p3platform's NRPS handler (bearer token and scope checks) over the fake's users,
    with Moodle's paging: ``limit`` and ``from``, ``role`` filtering."""

    def __init__(self, request, platform_config, moodle: FakeMoodle, url: str):
        super().__init__(request, platform_config, url)
        self.platform_config.get_registration()
        self.moodle = moodle
        self.next_from: int | None = None
        self.limit = 0

    def get_context_by_id(self) -> Context:
        return Context(id="2", label="QSER", title="Q-SER course")

    def get_member_data_page(self, **query):
        members = [self.moodle.users[uid] for uid in self.moodle.member_ids]
        role = query.get("role", "")
        if role:
            role = role if role.startswith("http") else "http://purl.imsglobal.org/vocab/lis/v2/membership#" + role
            members = [u for u in members if role in u.roles]
        limit = min(int(query.get("limit") or 0), self.moodle.nrps_max_page) or self.moodle.nrps_max_page
        start = int(query.get("from") or 0)
        page = members[start:start + limit]
        self.limit = limit
        self.next_from = start + limit if start + limit < len(members) else None
        content = [{"user_id": u.id, "roles": list(u.roles), "name": u.name, "status": "Active"} for u in page]
        return {"content": content, "has_next": self.next_from is not None}


def _registration_to_config(payload: object) -> str | None:
    """registration_helper::registration_to_config's checks, in its order and words."""
    if not isinstance(payload, dict):
        return "invalid json"
    for key in ("response_types", "initiate_login_uri", "redirect_uris", "client_name", "jwks_uri", "token_endpoint_auth_method",
                "https://purl.imsglobal.org/spec/lti-tool-configuration"):
        if not payload.get(key):
            return f"missing required attribute {key}"
    tool_conf = payload["https://purl.imsglobal.org/spec/lti-tool-configuration"]
    domain = tool_conf.get("domain") if isinstance(tool_conf, dict) else None
    if not domain:
        return "missing_domain"
    target = tool_conf.get("target_link_uri") or f"https://{domain}"
    if _domain_of(domain) != _domain_of(target):
        return "domain_targetlinkuri_mismatch"
    if "id_token" not in payload["response_types"]:
        return "invalid_response_types"
    if not isinstance(payload["redirect_uris"], list):
        return "invalid_redirect_uris"
    if payload["token_endpoint_auth_method"] != "private_key_jwt":
        return "invalid_token_endpoint_auth_method"
    if payload.get("application_type") and payload["application_type"] != "web":
        return "invalid_application_type"
    return None


def _domain_of(url: str) -> str | None:
    """Moodle's LTI_URL_DOMAIN_REGEX: host (and port) without scheme and www."""
    import re

    match = re.match(r"(?:https?://)?(?:www\.)?([^/]+)(?:/|$)", url, re.IGNORECASE)
    return match.group(1) if match else None


def _form_post(action: str, fields: dict[str, str]) -> str:
    """The auto-submitting form Moodle answers auth.php with (response_mode=form_post)."""
    inputs = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in fields.items())
    return (f'<!doctype html><html lang="en"><head><title>Launching</title></head><body>'
            f'<form id="lti" method="post" action="{html.escape(action)}">{inputs}<noscript><button>Continue</button></noscript></form>'
            f'<script>document.getElementById("lti").submit()</script></body></html>')


def parse_form_post(page: str) -> tuple[str, dict[str, str]]:
    """Action and fields of a form_post page, as a browser would submit them."""
    import re

    action = html.unescape(re.search(r'<form[^>]*action="([^"]*)"', page).group(1))
    fields = {html.unescape(n): html.unescape(v) for n, v in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)"', page)}
    return action, fields
