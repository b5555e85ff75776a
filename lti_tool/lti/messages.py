"""One validator per LTI message type, as pylti1p3 has: what a resource-link launch and a
deep-linking request must carry beyond the checks every id_token gets (:mod:`.launch`).

Each runs only on a payload whose signature, audience and nonce have already been verified.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from . import claims as C
from .errors import bad_request


@dataclass(frozen=True)
class DeepLinking:
    """The parts of a deep-linking request's settings the response depends on."""

    return_url: str
    accept_types: tuple[str, ...]
    data: Any = None  # opaque to the tool; echoed back unchanged when present

    def as_json(self) -> dict:
        return {"return_url": self.return_url, "accept_types": list(self.accept_types), "data": self.data}

    @classmethod
    def from_json(cls, value: Mapping | None) -> DeepLinking | None:
        if not value:
            return None
        return cls(str(value["return_url"]), tuple(value.get("accept_types") or ()), value.get("data"))


class MessageValidator(Protocol):
    message_type: str

    def check(self, payload: dict) -> None:
        """Raise :class:`~.errors.LtiError` when a claim this message type needs is missing."""

    def deep_linking(self, payload: dict) -> DeepLinking | None:
        """The deep-linking settings the tool answers to, for a checked payload."""


class ResourceLinkRequest:
    """A learner or instructor opening an activity: the link must name itself."""

    message_type = C.RESOURCE_LINK_REQUEST

    @staticmethod
    def check(payload: dict) -> None:
        link = payload.get(C.RESOURCE_LINK)
        if not isinstance(link, dict) or not link.get("id"):
            raise bad_request(f"the id_token lacks the required claim {C.RESOURCE_LINK!r}", "claim_missing")

    @staticmethod
    def deep_linking(payload: dict) -> DeepLinking | None:
        return None


class DeepLinkingRequest:
    """An instructor adding an activity: the response goes back to the platform's return URL."""

    message_type = C.DEEP_LINKING_REQUEST

    @staticmethod
    def check(payload: dict) -> None:
        settings = payload.get(C.DL_SETTINGS)
        return_url = settings.get("deep_link_return_url") if isinstance(settings, dict) else None
        if not isinstance(return_url, str) or not return_url.startswith(("https://", "http://")):
            raise bad_request(f"the deep-linking request lacks {C.DL_SETTINGS!r} with a deep_link_return_url", "claim_missing")

    @staticmethod
    def deep_linking(payload: dict) -> DeepLinking | None:
        settings = payload[C.DL_SETTINGS]
        types = settings.get("accept_types")
        accept = tuple(t for t in types if isinstance(t, str)) if isinstance(types, list) else ()
        return DeepLinking(settings["deep_link_return_url"], accept, settings.get("data"))


VALIDATORS: dict[str, MessageValidator] = {v.message_type: v for v in (ResourceLinkRequest(), DeepLinkingRequest())}


def validator_for(payload: dict) -> MessageValidator:
    kind = payload.get(C.MESSAGE_TYPE)
    validator = VALIDATORS.get(kind) if isinstance(kind, str) else None
    if validator is None:
        raise bad_request(f"unsupported LTI message type {kind!r}", "wrong_message_type")
    return validator
