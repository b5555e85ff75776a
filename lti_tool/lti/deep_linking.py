"""The deep-linking response: the resource links a teacher picked, signed with the tool key.

Moodle checks the signature against our key set and requires ``iss`` = the client id it gave
this tool; ``aud`` is the platform's issuer, the deployment and the request's ``data`` come
back unchanged. A ``lineItem`` in the link makes Moodle create the grade-book column (without
it no column appears and no score can be stored).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from . import claims as C
from .errors import bad_request
from .keys import ToolKeyring
from .messages import DeepLinking
from .registrations import Registration

RESOURCE_LINK = "ltiResourceLink"
RESPONSE_LIFETIME = 15 * 60  # the teacher picks within this time; Moodle checks exp
LINE_ITEM_TAG = "qser-screener"


@dataclass(frozen=True)
class ResourceLink:
    """One activity for the platform to create."""

    title: str
    url: str
    custom: dict[str, str]
    resource_id: str  # stable id of what the link runs (the screener's item id)
    score_maximum: int
    text: str = ""

    def as_json(self) -> dict:
        item = {
            "type": RESOURCE_LINK,
            "title": self.title,
            "url": self.url,
            "custom": dict(self.custom),
            "lineItem": {"scoreMaximum": self.score_maximum, "label": self.title, "resourceId": self.resource_id, "tag": LINE_ITEM_TAG},
        }
        if self.text:
            item["text"] = self.text
        return item


def check_accepts_links(settings: DeepLinking) -> None:
    """Refuse early, with a clear reason, a platform that cannot take resource links."""
    if settings.accept_types and RESOURCE_LINK not in settings.accept_types:
        raise bad_request(f"the platform accepts only {', '.join(settings.accept_types)} here, not LTI resource links", "deep_link_unsupported")


def response_jwt(keyring: ToolKeyring, registration: Registration, deployment_id: str, settings: DeepLinking,
                 links: list[ResourceLink], message: str = "", now: float | None = None) -> str:
    """The signed ``LtiDeepLinkingResponse``; no links answers "nothing picked" (cancel)."""
    issued = int(time.time() if now is None else now)
    claims = {
        "iss": registration.client_id,
        "aud": registration.issuer,
        "iat": issued,
        "exp": issued + RESPONSE_LIFETIME,
        "nonce": secrets.token_urlsafe(24),
        C.MESSAGE_TYPE: C.DEEP_LINKING_RESPONSE,
        C.VERSION: C.LTI_VERSION,
        C.DEPLOYMENT_ID: deployment_id,
        C.DL_CONTENT_ITEMS: [link.as_json() for link in links],
    }
    if settings.data is not None:
        claims[C.DL_DATA] = settings.data
    if message:
        claims[C.DL_MSG] = message
    return keyring.sign(claims)
