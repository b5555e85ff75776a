"""LTI Dynamic Registration (IMS LTI DR 1.0), as Moodle runs it: read the platform's OpenID
configuration, send it our tool configuration with its one-time registration token, and
read back the client id and deployment Moodle created (in *pending* state).

All network access goes through :class:`~lti_tool.lti.safe_http.GuardedClient`; this module
checks what the answers say: the configuration must name an issuer its own address starts
with, offer ``private_key_jwt`` and RS256, and every endpoint must be an address the policy
accepts, because the tool will later fetch keys from it and post tokens to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from . import claims as C
from .errors import LtiError
from .safe_http import FetchRefused, GuardedClient

MAX_ANSWER_BYTES = 64 * 1024  # Moodle's configuration is about 3 KB
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
SCOPES = (C.AGS_SCOPE_SCORE, C.NRPS_SCOPE)
CLAIMS = ("iss", "sub", "name", "given_name", "family_name")  # names for the instructor view; no e-mail


def refused(code: str, reason: str, status: int = 502) -> LtiError:
    return LtiError(status, reason, f"registration_{code}")


@dataclass(frozen=True)
class PlatformConfiguration:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    registration_endpoint: str
    product: str = ""  # e.g. "moodle 4.5"


@dataclass(frozen=True)
class ToolDescription:
    """What we tell the platform about ourselves."""

    name: str
    description: str
    login_url: str
    launch_url: str
    deep_link_url: str
    jwks_url: str

    @property
    def domain(self) -> str:
        """Moodle compares it with the target link URI's host, port included."""
        return urlsplit(self.launch_url).netloc

    def registration_request(self) -> dict:
        return {
            "application_type": "web",
            "response_types": ["id_token"],
            "grant_types": ["implicit", "client_credentials"],
            "initiate_login_uri": self.login_url,
            "redirect_uris": [self.launch_url],
            "client_name": self.name,
            "jwks_uri": self.jwks_url,
            "token_endpoint_auth_method": "private_key_jwt",
            "scope": " ".join(SCOPES),
            TOOL_CONFIGURATION: {
                "domain": self.domain,
                "description": self.description,
                "target_link_uri": self.launch_url,
                "claims": list(CLAIMS),
                "messages": [{"type": C.DEEP_LINKING_REQUEST, "target_link_uri": self.deep_link_url, "label": self.name}],
            },
        }


@dataclass(frozen=True)
class Registered:
    client_id: str
    deployment_id: str


class DynamicRegistrar:
    """The tool's side of Dynamic Registration: read the platform's configuration, then register."""

    def __init__(self, client: GuardedClient):
        self.client = client

    def configuration(self, url: str) -> PlatformConfiguration:
        answer = self._call("GET", url, headers={"Accept": "application/json"})
        if answer.status != 200:
            raise refused("config_unavailable", f"the platform's configuration address answered HTTP {answer.status}")
        data = answer.json()
        if not isinstance(data, dict):
            raise refused("config_invalid", "the platform's configuration is not a JSON object")
        issuer = data.get("issuer")
        if not isinstance(issuer, str) or not issuer:
            raise refused("config_invalid", "the platform's configuration names no issuer")
        if not url.startswith(issuer):
            raise refused("issuer_mismatch", f"the configuration at {url} names the issuer {issuer}, "
                                             "but its address must start with its issuer")
        endpoints = {}
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint"):
            value = data.get(name)
            if not isinstance(value, str) or not value:
                raise refused("config_invalid", f"the platform's configuration has no {name}")
            self._check_endpoint(name, value)
            endpoints[name] = value
        self._check_endpoint("issuer", issuer)
        methods = data.get("token_endpoint_auth_methods_supported")
        if isinstance(methods, list) and "private_key_jwt" not in methods:
            raise refused("config_invalid", "the platform does not accept private_key_jwt at its token endpoint")
        algorithms = data.get("id_token_signing_alg_values_supported")
        if isinstance(algorithms, list) and "RS256" not in algorithms:
            raise refused("config_invalid", "the platform does not sign with RS256")
        platform = data.get(PLATFORM_CONFIGURATION) if isinstance(data.get(PLATFORM_CONFIGURATION), dict) else {}
        product = " ".join(str(platform.get(k)) for k in ("product_family_code", "version") if platform.get(k))
        return PlatformConfiguration(issuer=issuer, product=product, **endpoints)  # exactly as id_tokens will carry it

    def register(self, config: PlatformConfiguration, registration_token: str, tool: ToolDescription) -> Registered:
        answer = self._call("POST", config.registration_endpoint, json=tool.registration_request(),
                            headers={"Authorization": f"Bearer {registration_token}", "Accept": "application/json"})
        data = answer.json()
        if answer.status not in (200, 201):
            said = " ".join(answer.body.decode("utf-8", "replace").split())[:300]
            raise refused("rejected", f"the platform refused the registration (HTTP {answer.status}): {said or 'no reason given'}")
        if not isinstance(data, dict) or not isinstance(data.get("client_id"), str) or not data["client_id"]:
            raise refused("answer_invalid", "the platform's answer to the registration has no client_id")
        tool_config = data.get(TOOL_CONFIGURATION) if isinstance(data.get(TOOL_CONFIGURATION), dict) else {}
        deployment = tool_config.get("deployment_id")
        if deployment is None or str(deployment) == "":
            raise refused("answer_invalid", "the platform's answer to the registration has no deployment_id")
        return Registered(data["client_id"], str(deployment))

    def _check_endpoint(self, name: str, url: str) -> None:
        try:
            self.client.policy.check_url(url)
            parts = urlsplit(url)
            self.client.policy.addresses(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
        except FetchRefused as exc:
            raise refused(exc.code, f"the platform's {name} is not acceptable: {exc.reason}") from None

    def _call(self, method: str, url: str, **kwargs):
        try:
            return self.client.request(method, url, **kwargs)
        except FetchRefused as exc:
            raise refused(exc.code, exc.reason, 400 if exc.code in ("not_https", "blocked_address") else 502) from None
