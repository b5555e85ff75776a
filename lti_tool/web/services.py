"""Everything a request handler needs, built once per process and shared by all threads."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property

import requests
from flask import current_app

from packager import lti_contract

from ..config import Settings
from ..lti.jwks import JwksCache
from ..lti.keys import ToolKeyring
from ..lti.launch import LaunchValidator
from ..lti.service_token import ServiceTokens
from ..lti.login import StateCodec, own_urls
from ..lti.dynamic_registration import MAX_ANSWER_BYTES, DynamicRegistrar
from ..lti.safe_http import AddressPolicy, GuardedClient
from ..outbox import InlineWorker, OutboxWorker
from ..screener import ScreenerCatalog
from ..store import Database, connect, registry, upgrade
from ..store.tool_keys import open_tool_secrets

ORIGINS_TTL = 30.0
REGISTRY_TTL = 5.0  # registrations and deployments are re-read this often (CLI changes apply within it)
EXTENSION = "qser"  # where create_app keeps the Services of its app


def tool() -> Services:
    """The one way request handlers reach the tool's services (built once per app)."""
    return current_app.extensions[EXTENSION]


@dataclass
class Services:
    settings: Settings
    db: Database
    keyring: ToolKeyring
    secret: bytes
    catalog: ScreenerCatalog
    jwks: JwksCache
    states: StateCodec
    validator: LaunchValidator
    http: requests.Session = field(default_factory=requests.Session)  # service calls made for a page (NRPS)
    tokens: ServiceTokens | None = None
    worker: InlineWorker | None = None
    _origins: tuple[float, tuple[str, ...]] = (0.0, ())
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _registry: dict = field(default_factory=dict)
    page_cache: dict = field(default_factory=dict)  # pages rendered once, filled in per request (.page_cache)

    @classmethod
    def build(cls, settings: Settings, *, migrate: bool = True, http: requests.Session | None = None,
              catalog: ScreenerCatalog | None = None) -> Services:
        """``catalog``: the course as the caller loaded it already (else loaded here)."""
        db = connect(settings.db_url)
        if migrate:
            upgrade(db)
        keyring, secret = open_tool_secrets(db, settings.key_encryption_key, settings.var_dir)
        jwks = JwksCache(http, timeout=settings.http_timeout_seconds, default_ttl=settings.jwks_cache_seconds,
                         min_refetch=settings.jwks_refetch_seconds)
        session = requests.Session()
        return cls(
            settings=settings, db=db, keyring=keyring, secret=secret,
            catalog=catalog or ScreenerCatalog.load(settings.content_dir), jwks=jwks,
            states=StateCodec(secret, settings.state_ttl_seconds),
            validator=LaunchValidator(jwks, settings.clock_leeway_seconds),
            http=session, tokens=ServiceTokens(keyring, session, settings.http_timeout_seconds),
        )

    # --- URLs ----------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return lti_contract.tool_url(self.settings.base_url, path)

    @property
    def launch_url(self) -> str:
        return self.url(lti_contract.LAUNCH_PATH)

    @property
    def deep_link_url(self) -> str:
        return self.url(lti_contract.DEEP_LINK_PATH)

    @cached_property
    def targets(self) -> frozenset[str]:
        """Where a platform may send users: resource links launch here, deep linking (adding
        an activity) targets its own address."""
        return own_urls(self.launch_url, self.deep_link_url)

    def dynamic_registrar(self) -> DynamicRegistrar:
        """Dynamic Registration's client: guarded against requests to private addresses."""
        policy = AddressPolicy(self.settings.allowed_networks)
        return DynamicRegistrar(GuardedClient(policy, self.settings.http_timeout_seconds, MAX_ANSWER_BYTES))

    # --- tokens carried by the screener's forms ----------------------------------------

    @staticmethod
    def token_hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def csrf_token(self, token_hash: str) -> str:
        return hmac.new(self.secret, b"qser-csrf:" + token_hash.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, token_hash: str, value: str | None) -> bool:
        return bool(value) and hmac.compare_digest(self.csrf_token(token_hash), value)

    # --- registrations, read through a short cache (every launch needs them) ------------

    def _known(self, key: tuple, load):
        """Positive answers only are cached: what a request names but does not exist always
        goes to the database, so requests cannot grow the cache."""
        hit = self._registry.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        value = load()
        if value:
            self._registry[key] = (time.monotonic() + REGISTRY_TTL, value)
        return value

    def find_registration(self, issuer: str, client_id: str | None):
        return self._known(("find", issuer, client_id), lambda: registry.find_registration(self.db, issuer, client_id))

    def registration(self, platform_id: int):
        return self._known(("id", platform_id), lambda: registry.registration(self.db, platform_id))

    def deployment_active(self, platform_id: int, deployment_id: str) -> bool:
        return self._known(("deployment", platform_id, deployment_id), lambda: registry.deployment_active(self.db, platform_id, deployment_id))

    def forget_registrations(self) -> None:
        self._registry.clear()
        self.forget_origins()

    # --- frame-ancestors ---------------------------------------------------------------

    def frame_origins(self) -> tuple[str, ...]:
        stamp, origins = self._origins
        if time.monotonic() - stamp > ORIGINS_TTL:
            origins = registry.platform_origins(self.db)
            self._origins = (time.monotonic(), origins)
        return origins

    def forget_origins(self) -> None:
        self._origins = (0.0, ())

    # --- grade worker -------------------------------------------------------------------

    def start_inline_worker(self) -> None:
        with self._lock:
            if self.worker is None:
                self.worker = InlineWorker(OutboxWorker(self.db, self.settings, self.keyring)).start()

    def scores_queued(self) -> None:
        if self.worker is not None:
            self.worker.notify()

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()
            self.worker = None
        self.db.engine.dispose()
