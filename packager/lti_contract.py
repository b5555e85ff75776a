"""The URLs and launch parameters the packages and the LTI tool agree on.

Packages (Moodle backup, Common Cartridge) point screener activities at the tool with these
paths and custom parameters; ``lti_tool`` serves exactly these routes. Keeping them here,
on the packager side, lets the tool import them without the packager knowing the tool.
"""

from __future__ import annotations

import functools
import hashlib
import json
from urllib.parse import urljoin

LOGIN_PATH = "lti/login"  # OIDC login initiation (GET and POST)
LAUNCH_PATH = "lti/launch"  # redirect_uri and target_link_uri of resource links
JWKS_PATH = "lti/jwks.json"  # the tool's public keys
REGISTER_PATH = "lti/register"  # Dynamic Registration start (Moodle's "tool URL")
DEEP_LINK_PATH = "lti/deep-link"  # deep-linking target_link_uri

CUSTOM_SCREENER = "qser_screener"  # custom parameter: the screener's item id
CUSTOM_LANG = "qser_lang"  # custom parameter: preferred language (optional)
# custom parameter: fingerprint of the screener's scoring rules when the package was built, so
# the tool never scores with other rules than the activity was made for (optional)
CUSTOM_RULES = "qser_rules"


@functools.lru_cache(maxsize=64)
def tool_url(base: str, path: str) -> str:
    """Absolute URL of ``path`` under the tool's base URL (which may live in a sub-folder).
    Cached: the tool asks for the same few URLs several times per launch."""
    return urljoin(base if base.endswith("/") else base + "/", path)


def rules_fingerprint(screener) -> str:
    """What scores a screener: its question ids in order and the threshold. Rewording a
    question or translating it keeps the fingerprint; adding, removing, reordering questions
    or changing the threshold changes it. ``screener``: a ``packager.model.Screener``."""
    rules = {"questions": [q.id for q in screener.questions], "threshold": screener.threshold}
    return hashlib.sha256(json.dumps(rules, separators=(",", ":")).encode()).hexdigest()[:16]


def custom_parameters(item_id: str, lang: str | None = None, screener=None) -> dict[str, str]:
    params = {CUSTOM_SCREENER: item_id}
    if lang:
        params[CUSTOM_LANG] = lang
    if screener is not None:
        params[CUSTOM_RULES] = rules_fingerprint(screener)
    return params
