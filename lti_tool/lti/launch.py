"""id_token validation for a resource-link or deep-linking launch: a fixed chain of small
checks, read top to bottom in :meth:`LaunchValidator.validate` (as pylti1p3's
``MessageLaunch.validate``), ending with the validator of the token's message type
(:mod:`.messages`).

Before it runs, the web shell has checked the state (signed, unexpired, bound to this
browser's cookie) and looked up the registration the state names. The order matters: nothing
about the token is trusted, and nothing is written, before the signature has been verified
with the platform's key (selected by ``kid``, algorithm pinned to RS256). The caller consumes
the nonce afterwards, in the same transaction that stores the launch.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt
from jwt.api_jws import PyJWS
from jwt.utils import base64url_decode, base64url_encode

from . import claims as C
from .errors import bad_request, forbidden
from .jwks import JwksCache
from .login import State, normalize_url
from .messages import DeepLinking, MessageValidator, validator_for
from .registrations import Registration

MAX_TOKEN_LENGTH = 64 * 1024
_SEGMENT = re.compile(rb"[A-Za-z0-9_-]*={0,2}")


class _Jws(PyJWS):
    """PyJWT's JWS decoding with its base64url rules checked by one regular expression: the
    same rules (alphabet, at most two ``=`` and only on a whole quantum, canonical trailing
    bits), the same error; PyJWT 2.15 tests the alphabet one character at a time in Python,
    which was most of the cost of verifying an id_token (a test holds the two to the same answers)."""

    @staticmethod
    def _decode_base64url_segment(segment: bytes, name: str) -> bytes:
        stripped = segment.rstrip(b"=")
        if _SEGMENT.fullmatch(segment) is None or (stripped != segment and len(segment) % 4) or len(stripped) % 4 == 1:
            raise jwt.exceptions.DecodeError(f"Invalid {name} padding")
        decoded = base64url_decode(stripped)
        if base64url_encode(decoded) != stripped:
            raise jwt.exceptions.DecodeError(f"Invalid {name} padding")
        return decoded


def _decoder() -> jwt.PyJWT:
    decoder = jwt.PyJWT()
    decoder._jws = _Jws(options=decoder._get_sig_options())
    return decoder


_DECODER = _decoder()


@dataclass(frozen=True)
class Launch:
    """A validated launch: only the values the tool acts on."""

    platform_id: int
    deployment_id: str
    sub: str
    name: str
    roles: tuple[str, ...]
    resource_link_id: str
    resource_link_title: str | None
    context_id: str | None
    context_title: str | None
    custom: Mapping[str, str]
    locale: str | None
    return_url: str | None
    lineitem_url: str | None
    ags_scopes: tuple[str, ...]
    nonce: str
    expires_at: int
    claims: Mapping[str, Any] = field(repr=False, default_factory=dict)
    message_type: str = C.RESOURCE_LINK_REQUEST
    deep_linking: DeepLinking | None = None
    nrps_url: str | None = None  # the course's member list, when the platform offers it

    @property
    def can_send_scores(self) -> bool:
        return bool(self.lineitem_url) and C.AGS_SCOPE_SCORE in self.ags_scopes

    @property
    def is_deep_linking(self) -> bool:
        return self.message_type == C.DEEP_LINKING_REQUEST


class LaunchValidator:
    def __init__(self, jwks: JwksCache, leeway_seconds: int = 10):
        self.jwks = jwks
        self.leeway = leeway_seconds

    def validate(self, id_token: str | None, state: State, registration: Registration,
                 deployment_active: Callable[[str], bool]) -> Launch:
        header = self._jwt_format(id_token)                        # a JWT, not too large, RS256
        payload = self._signature(id_token, header, registration)  # the registration's key; iss, aud, exp, iat
        self._authorized_party(payload, registration)              # azp
        self._nonce(payload, state)                                # the login's nonce
        message = self._message_type(payload)                      # LTI 1.3, a type we handle
        message.check(payload)                                     # that type's own claims
        self._roles(payload)
        deployment = self._deployment(payload, deployment_active)  # registered and active
        self._target(payload, state)                               # the login's target_link_uri
        return self._launch(payload, registration, deployment, message)

    # --- the checks, in order ----------------------------------------------------------

    @staticmethod
    def _jwt_format(id_token: str | None) -> dict:
        if not id_token:
            raise bad_request("the launch has no id_token", "token_missing")
        if len(id_token) > MAX_TOKEN_LENGTH:
            raise bad_request("the id_token is too large", "token_too_large")
        header = _header_of(id_token)
        if header.get("alg") != "RS256":
            raise forbidden(f"the id_token must be signed with RS256, not {header.get('alg')!r}", "bad_alg")
        return header

    def _signature(self, id_token: str, header: dict, registration: Registration) -> dict:
        key = self.jwks.key(registration.jwks_url, header.get("kid"))
        try:
            return _DECODER.decode(
                id_token,
                key,
                algorithms=["RS256"],
                issuer=registration.issuer,
                audience=registration.client_id,
                leeway=self.leeway,
                options={"require": ["iss", "aud", "exp", "iat", "nonce", "sub"], "verify_iat": True},
            )
        except jwt.exceptions.MissingRequiredClaimError as exc:
            raise bad_request(f"the id_token lacks the required claim {exc.claim!r}", "claim_missing") from None
        except jwt.exceptions.InvalidSignatureError:
            raise forbidden("the id_token signature does not verify with the platform's key", "bad_signature") from None
        except jwt.exceptions.ExpiredSignatureError:
            raise forbidden("the id_token has expired (check the server clocks)", "expired") from None
        except jwt.exceptions.ImmatureSignatureError:
            raise forbidden("the id_token is not valid yet (check the server clocks)", "not_yet_valid") from None
        except jwt.exceptions.InvalidIssuerError:
            raise forbidden("the id_token comes from another issuer than the launch started with", "wrong_iss") from None
        except jwt.exceptions.InvalidAudienceError:
            raise forbidden("the id_token is not addressed to this tool's client_id", "wrong_aud") from None
        except jwt.exceptions.PyJWTError as exc:
            raise forbidden(f"the id_token is invalid: {type(exc).__name__}", "token_invalid") from None

    @staticmethod
    def _authorized_party(payload: dict, registration: Registration) -> None:
        aud = payload["aud"]
        azp = payload.get("azp")
        if isinstance(aud, list) and len(aud) > 1 and azp is None:
            raise forbidden("the id_token has several audiences but no azp", "azp_missing")
        if azp is not None and azp != registration.client_id:
            raise forbidden("the id_token's azp is not this tool's client_id", "wrong_azp")

    @staticmethod
    def _nonce(payload: dict, state: State) -> None:
        if payload["nonce"] != state.nonce:
            raise forbidden("the id_token was issued for another login (nonce mismatch)", "nonce_mismatch")

    @staticmethod
    def _message_type(payload: dict) -> MessageValidator:
        if payload.get(C.VERSION) != C.LTI_VERSION:
            raise bad_request(f"unsupported LTI version {payload.get(C.VERSION)!r}", "wrong_version")
        return validator_for(payload)

    @staticmethod
    def _roles(payload: dict) -> None:
        roles = payload.get(C.ROLES)
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise bad_request(f"the id_token lacks the required claim {C.ROLES!r}", "claim_missing")

    @staticmethod
    def _deployment(payload: dict, deployment_active: Callable[[str], bool]) -> str:
        deployment = payload.get(C.DEPLOYMENT_ID)
        if not isinstance(deployment, str) or not deployment:
            raise bad_request(f"the id_token lacks the required claim {C.DEPLOYMENT_ID!r}", "claim_missing")
        if not deployment_active(deployment):
            raise forbidden(f"deployment {deployment!r} is not registered or not active for this platform", "unknown_deployment")
        return deployment

    @staticmethod
    def _target(payload: dict, state: State) -> None:
        target = payload.get(C.TARGET_LINK_URI)
        if not isinstance(target, str) or normalize_url(target) != state.target:
            raise forbidden("the id_token's target_link_uri differs from the one the login started with", "target_mismatch")

    # --- result --------------------------------------------------------------------------

    @staticmethod
    def _launch(payload: dict, registration: Registration, deployment: str, message: MessageValidator) -> Launch:
        link = payload.get(C.RESOURCE_LINK) if isinstance(payload.get(C.RESOURCE_LINK), dict) else {}
        context = payload.get(C.CONTEXT) if isinstance(payload.get(C.CONTEXT), dict) else {}
        custom = payload.get(C.CUSTOM) if isinstance(payload.get(C.CUSTOM), dict) else {}
        presentation = payload.get(C.LAUNCH_PRESENTATION) if isinstance(payload.get(C.LAUNCH_PRESENTATION), dict) else {}
        ags = payload.get(C.AGS_ENDPOINT) if isinstance(payload.get(C.AGS_ENDPOINT), dict) else {}
        name = payload.get("name") or " ".join(p for p in (payload.get("given_name"), payload.get("family_name")) if p)
        lineitem = ags.get("lineitem") if isinstance(ags.get("lineitem"), str) else None
        scopes = tuple(s for s in ags.get("scope", []) if isinstance(s, str)) if isinstance(ags.get("scope"), list) else ()
        return Launch(
            platform_id=registration.id,
            deployment_id=deployment,
            sub=str(payload["sub"]),
            name=str(name or ""),
            roles=tuple(payload[C.ROLES]),
            resource_link_id=str(link.get("id") or ""),
            resource_link_title=_opt(link.get("title")),
            context_id=_opt(context.get("id")),
            context_title=_opt(context.get("title")),
            custom={str(k): str(v) for k, v in custom.items()},
            locale=_opt(presentation.get("locale")),
            return_url=_opt(presentation.get("return_url")),
            lineitem_url=lineitem,
            ags_scopes=scopes,
            nonce=payload["nonce"],
            expires_at=int(payload["exp"]),
            claims=payload,
            message_type=payload[C.MESSAGE_TYPE],
            deep_linking=message.deep_linking(payload),
            nrps_url=_nrps_url(payload),
        )


def _nrps_url(payload: dict) -> str | None:
    claim = payload.get(C.NRPS)
    if not isinstance(claim, dict):
        return None
    url, versions = claim.get("context_memberships_url"), claim.get("service_versions")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        return None
    if isinstance(versions, list) and "2.0" not in versions:
        return None
    return url


def _header_of(token: str) -> dict:
    """The JOSE header alone (PyJWT's helper decodes the whole token; ``decode`` does that
    once, after the key is known)."""
    head = token.split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (ValueError, TypeError):
        raise bad_request("the id_token is not a JWT", "token_malformed") from None
    if not isinstance(header, dict) or token.count(".") != 2:
        raise bad_request("the id_token is not a JWT", "token_malformed")
    return header


def _opt(value: object) -> str | None:
    return None if value is None else str(value)
