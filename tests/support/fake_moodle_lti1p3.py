"""lti1p3platform (an LTI 1.3 platform implementation from PyPI, not written here) set up the
way Moodle runs it, for :class:`~tests.support.fake_moodle.FakeMoodle`: the platform's keys,
its records (users, activities, registered tools, score calls), lti1p3platform's
configuration, launch, AGS and NRPS handlers with Moodle's rules, and Moodle's own checks
and pages around them (``registration_helper``'s checks, the form_post page)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lti1p3platform.exceptions import LtiServiceException
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.membership import Context
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request
from lti1p3platform.score import UpdateScoreStatus
from lti1p3platform.service_connector import AssignmentsGradesService, NamesRoleProvisioningService

if TYPE_CHECKING:
    from .fake_moodle import FakeMoodle

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


class LoadedKeyRegistration(Registration):
    """lti1p3platform parses the platform's PEM twice per id_token it signs (with the RSA
    consistency check, 0.4 s each on a busy 2-core machine); Moodle keeps its key loaded,
    and so does this double. What is signed, and how, is lti1p3platform's."""

    def get_kid(self):
        if not _LOADED:
            _LOADED.append((serialization.load_pem_private_key(self.get_platform_private_key().encode(), password=None),
                            super().get_kid()))
        return _LOADED[0][1]

    def platform_encode_and_sign(self, payload, expiration=None) -> str:
        kid = self.get_kid()
        return Registration.encode_and_sign(payload, _LOADED[0][0], {"kid": kid}, expiration=expiration)


_LOADED: list = []  # (private key, kid) of platform_keys(), once per process


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


class MoodleConfig(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs):
        self.moodle: FakeMoodle = kwargs["moodle"]

    def get_registration_by_params(self, **kwargs) -> Registration:
        m = self.moodle
        private, public = platform_keys()
        reg = (
            LoadedKeyRegistration()
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


class FlaskRequest(Request):
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


class MoodleLaunch(LTIAdvantageMessageLaunchAbstract):
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


class MoodleScores(AssignmentsGradesService):
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


class MoodleMembers(NamesRoleProvisioningService):
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


def registration_to_config(payload: object) -> str | None:
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
    match = re.match(r"(?:https?://)?(?:www\.)?([^/]+)(?:/|$)", url, re.IGNORECASE)
    return match.group(1) if match else None


def form_post(action: str, fields: dict[str, str]) -> str:
    """The auto-submitting form Moodle answers auth.php with (response_mode=form_post)."""
    inputs = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in fields.items())
    return (f'<!doctype html><html lang="en"><head><title>Launching</title></head><body>'
            f'<form id="lti" method="post" action="{html.escape(action)}">{inputs}<noscript><button>Continue</button></noscript></form>'
            f'<script>document.getElementById("lti").submit()</script></body></html>')


def parse_form_post(page: str) -> tuple[str, dict[str, str]]:
    """Action and fields of a form_post page, as a browser would submit them."""
    action = html.unescape(re.search(r'<form[^>]*action="([^"]*)"', page).group(1))
    fields = {html.unescape(n): html.unescape(v) for n, v in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)"', page)}
    return action, fields
