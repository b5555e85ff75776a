"""Platform registrations and their deployments: the records every launch, service call and
deep-linking response is checked against (django-lti keeps them first-class too).

A registration is one (issuer, client_id) pair with the platform's endpoints; a platform
may create several deployments of the tool under it, each active or not. The queries live
in :mod:`lti_tool.store.registry`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Registration:
    """What the core needs to know about a platform registration."""

    id: int
    issuer: str
    client_id: str
    jwks_url: str
    auth_login_url: str = ""
    auth_token_url: str = ""
    token_audience: str | None = None


@dataclass(frozen=True)
class PlatformRecord:
    """A registration with its deployments, as the administrator lists them."""

    registration: Registration
    name: str
    deployments: tuple[tuple[str, bool], ...]  # (deployment_id, active)
