"""Binding a login's state to the browser that started it when no cookie gets through.

Inside the platform's iframe the state cookie is a third-party cookie, and WebKit (every
browser on an iPhone) refuses it. The binding is then kept where the frame can still write:
its own ``localStorage`` (partitioned by top-level site), or the platform's postMessage
storage (1EdTech "LTI Client Side postMessages", ``lti.put_data``/``lti.get_data``) when the
login request names an ``lti_storage_target``.

What the browser keeps is a *proof*: an HMAC of the signed state under the tool's secret.
Nothing is written on the server at login (as for the cookie); at launch the tool's page reads
the proof back and posts it with the state. The check is exactly as strong as the cookie's:

- single-use: the proof only unlocks the usual launch, whose nonce is consumed atomically;
- bound to the browser: only the frame that ran the login page holds the proof, and the
  post that carries it must come from the tool's own page (``Origin`` checked, so another
  site cannot make a victim's browser submit a proof it learnt in its own browser);
- short-lived: the state carries its expiry, checked before the proof.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import bad_request, forbidden
from .login import State

PROOF_LABEL = b"qser-browser-proof:"
# a frame name (HTML: any string; platforms use short identifiers such as
# "post_message_forwarding") or "_parent"; anything else is refused, not echoed into pages
_TARGET = re.compile(r"_parent|[A-Za-z0-9_.:-]{1,64}")


@dataclass(frozen=True)
class Binding:
    """What the login page stores in the browser for one state."""

    key: str  # storage key (the same per-state name as the cookie's)
    proof: str
    expires: int  # seconds since the epoch; expired entries are purged by the page


def proof_for(secret: bytes, state: State) -> str:
    return hmac.new(secret, PROOF_LABEL + state.value.encode(), hashlib.sha256).hexdigest()


def binding(secret: bytes, state: State) -> Binding:
    return Binding(state.cookie_name, proof_for(secret, state), int(state.expires))


def check_proof(secret: bytes, state: State, proof: str | None) -> None:
    """Refuse unless ``proof`` is the one the login page stored for this very state."""
    if not proof:
        raise forbidden("this browser did not start the launch: no state cookie and no stored launch proof "
                        "(frame storage and platform storage were empty or unavailable)", "state_unbound")
    if not hmac.compare_digest(proof.encode(), proof_for(secret, state).encode()):
        raise forbidden("the launch proof belongs to another login (a state kept by another browser or window)",
                        "state_proof")


def check_origin(origin: str | None, tool_base_url: str) -> None:
    """The proof must be posted by the tool's own launch page: ``Origin`` is required and
    exact (the page sets ``Referrer-Policy: same-origin`` so browsers send it)."""
    if not origin or origin == "null" or _origin(origin) != _origin(tool_base_url):
        raise forbidden("the launch proof was not sent from the screener's own page", "proof_origin")


def storage_target(value: str | None) -> str | None:
    """The login request's ``lti_storage_target``: a frame name of the platform's page."""
    if not value:
        return None
    if not _TARGET.fullmatch(value):
        raise bad_request("lti_storage_target is not a frame name", "storage_target")
    return value


def platform_origin(auth_login_url: str) -> str:
    """postMessage storage answers must come from the origin of the platform's OIDC
    authorization endpoint (the spec's rule), and requests are sent to that origin only."""
    scheme, netloc = _origin(auth_login_url)
    return f"{scheme}://{netloc}"


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()

