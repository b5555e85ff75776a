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

Three modules: this one (the server, its launch, token and score endpoints),
:mod:`.fake_moodle_lti1p3` (lti1p3platform's handlers set up as Moodle, and the records) and
:mod:`.fake_moodle_advantage` (Dynamic Registration, deep linking, memberships).
"""

from __future__ import annotations

import html
import json
import secrets
import threading
import time
from collections.abc import Callable
from urllib.parse import quote

import jwt
from flask import Flask, Response, request
from lti1p3platform.exceptions import PreflightRequestValidationException
from lti1p3platform.registration import Registration
from werkzeug.serving import make_server

from .fake_moodle_advantage import MoodleAdvantage
from .fake_moodle_lti1p3 import (
    DEEP_LINK, INSTRUCTOR, LEARNER, SCORE_MEDIA_TYPE, DeepLinkReturn, FlaskRequest, Link, MoodleConfig, MoodleLaunch,
    MoodleScores, RegisteredTool, ScoreCall, User, form_post, platform_keys,
)


class FakeMoodle(MoodleAdvantage):
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

    def config(self) -> MoodleConfig:
        return MoodleConfig(moodle=self)

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
            launch = MoodleLaunch(FlaskRequest(request), config, m, m.users[user_id], None if link_id == DEEP_LINK else m.links[link_id])
            try:
                data = launch.lti_launch()
            except PreflightRequestValidationException:
                return Response("Invalid request", 400)
            return Response(form_post(data["launch_url"], {"id_token": data["id_token"], "state": data["state"]}), mimetype="text/html")

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
            return Response(form_post(m.tool_base + "lti/login", params), mimetype="text/html")

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
            return Response(form_post(m.tool_base + "lti/login", m.deep_link_params(request.args["user"])), mimetype="text/html")

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
            service = MoodleScores(FlaskRequest(request), self.config(), self, self.lineitems_url(self.links["7"]), self.lineitem_url(self.links["7"]))
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
