"""What LTI Advantage adds to :class:`~tests.support.fake_moodle.FakeMoodle`, as Moodle does
it: Dynamic Registration (startltiadvregistration.php, openid-configuration.php,
openid-registration.php with ``registration_helper``'s checks), the deep-linking return
(contentitem_return.php) and the paged memberships service."""

from __future__ import annotations

import json
import secrets
import time
from urllib.parse import urlencode

import jwt
from flask import Response, request

from .fake_moodle_lti1p3 import (
    NRPS_MEDIA_TYPE, REGISTRATION_SCOPES, DeepLinkReturn, FlaskRequest, Link, MoodleMembers, RegisteredTool, platform_keys,
    registration_to_config,
)


class MoodleAdvantage:
    """Mixed into FakeMoodle; uses its state (``registered``, ``links``, ``dl_*``, ``member_ids``)."""

    # --- Dynamic Registration: what startltiadvregistration.php does --------------------------

    def registration_token(self, client_id: str | None = None, scope: str = "reg", lifetime: int = 3600) -> str:
        now = int(time.time())
        return self.sign({"sub": client_id or secrets.token_urlsafe(11), "scope": scope, "iat": now, "exp": now + lifetime})

    def start_registration(self, tool_url: str, token: str | None = None) -> str:
        """The address Moodle opens in its dialog: the tool URL plus openid_configuration and
        registration_token (moodle_url keeps the tool URL's own query, e.g. the invitation)."""
        separator = "&" if "?" in tool_url else "?"
        return tool_url + separator + urlencode({"openid_configuration": self.configuration_url,
                                                 "registration_token": token or self.registration_token()})

    def activate(self, type_id: str) -> None:
        """The administrator activates the pending tool: launches now use its client id and type."""
        tool = self.registered[type_id]
        tool.state = "configured"
        self.client_id, self.deployment_id, self.type_id = tool.client_id, type_id, type_id

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
        refusal = registration_to_config(payload)
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
        service = MoodleMembers(FlaskRequest(request), self.config(), self, self.memberships_url(course))
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
