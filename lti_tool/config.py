"""Settings for the tool: built-in defaults, then an optional TOML file, then environment.

One frozen value is built at start-up and handed to every part, so nothing reads the
environment behind the caller's back and tests can build settings directly.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(ValueError):
    """Unusable configuration; the message names the setting and the source."""


@dataclass(frozen=True)
class Settings:
    base_url: str = "http://127.0.0.1:9001/"  # the tool's public base URL (Moodle's "Tool URL")
    var_dir: Path = REPO_ROOT / "var"  # the default SQLite database (keys and secrets before 0003, imported once)
    content_dir: Path = REPO_ROOT / "content"  # course whose screeners the tool runs
    database_url: str = ""  # empty: sqlite:///<var_dir>/lti.sqlite3
    max_body_bytes: int = 256 * 1024  # request size limit (an id_token is a few KB)
    clock_leeway_seconds: int = 10  # tolerated clock skew on iat/exp/nbf (Moodle tokens live 60 s)
    state_ttl_seconds: int = 600  # login initiation -> launch must happen within this
    launch_ttl_seconds: int = 8 * 3600  # how long a screener page keeps working after a launch
    jwks_cache_seconds: int = 300  # platform key cache when the platform sends no max-age
    jwks_refetch_seconds: int = 10  # minimum gap between refetches for an unknown kid
    http_timeout_seconds: float = 10.0  # outgoing calls (JWKS, token, scores)
    outbox_inline: bool | None = None  # run the grade worker inside the web process (None: only on SQLite)
    outbox_batch: int = 20  # scores claimed per round
    outbox_lease_seconds: int = 60  # a claimed score is retried by others after this (killed worker)
    outbox_max_age_seconds: int = 7 * 24 * 3600  # keep retrying a score this long, then give up
    outbox_backoff_base_seconds: float = 2.0
    outbox_backoff_cap_seconds: float = 3600.0
    key_overlap_seconds: int = 24 * 3600  # old tool keys stay published this long after rotation
    # Dynamic Registration fetches an address the request names: only public addresses over
    # HTTPS, unless these networks (comma-separated CIDRs) are allowed; plain http only to
    # loopback addresses allowed here (local development, tests)
    registration_allowed_networks: str = ""
    nrps_max_pages: int = 50  # member-list pages read per instructor page (a page holds up to 100)
    # Fernet key (url-safe base64 of 32 bytes) that encrypts the private keys and secrets in the
    # database; best given as QSER_KEY_ENCRYPTION_KEY from a root-only file, never logged
    key_encryption_key: str = field(default="", repr=False)
    # reverse proxies in front of the tool whose X-Forwarded-For/-Proto/-Host/-Prefix are
    # believed (0: none, the tool is reached directly; 1: one nginx in front)
    trusted_proxies: int = 0
    log_level: str = "INFO"
    access_log: bool = False  # a line per request, tokens redacted (the reverse proxy usually keeps one)
    # where base_url comes from: QSER_BASE_URL, the QSER_CONFIG file, or derived from the
    # address the tool listens on (not a setting itself: load_settings fills it in)
    base_url_source: str = field(default="derived", compare=False)

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'lti.sqlite3'}"

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.startswith("sqlite")

    @property
    def run_inline_worker(self) -> bool:
        return self.is_sqlite if self.outbox_inline is None else self.outbox_inline

    @property
    def allowed_networks(self) -> tuple:
        from ipaddress import ip_network

        return tuple(ip_network(part.strip(), strict=False) for part in self.registration_allowed_networks.split(",") if part.strip())

    @cached_property
    def secure_cookies(self) -> bool:
        """Browsers accept ``Secure`` cookies over http only on localhost (asked several times per launch)."""
        return self.base_url.startswith("https://") or _is_local(self.base_url)


def _is_local(url: str) -> bool:
    from urllib.parse import urlsplit

    return (urlsplit(url).hostname or "") in ("localhost", "127.0.0.1", "::1")


_INTERNAL = frozenset({"base_url_source"})
# environment variable -> setting name
ENV = {f"QSER_{f.name.upper()}": f.name for f in fields(Settings) if f.name not in _INTERNAL}
DEFAULT_LISTEN = ("127.0.0.1", 9001)


def derived_base_url(host: str, port: int) -> str:
    """The address a tool listening on ``host:port`` advertises when no base URL is configured.

    A wildcard address (``0.0.0.0``, ``::``) is no address a browser can open, so the
    loopback one is advertised instead; other machines need ``QSER_BASE_URL``.
    """
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def load_settings(environ: dict[str, str] | None = None, listen: tuple[str, int] = DEFAULT_LISTEN, **overrides) -> Settings:
    """Defaults < ``$QSER_CONFIG`` TOML file (``[lti]`` table or top level) < environment < overrides.

    Without a configured base URL the tool advertises the address it listens on (``listen``),
    so ``qser lti serve --port N`` hands out links that reach it.
    """
    environ = dict(os.environ if environ is None else environ)
    values: dict[str, object] = {}
    config_file = environ.get("QSER_CONFIG")
    source = "derived"
    if config_file:
        values.update(_read_toml(Path(config_file)))
        if "base_url" in values:
            source = f"base_url in {config_file}"
    for var, name in ENV.items():
        if var in environ and environ[var] != "":
            values[name] = environ[var]
    if environ.get("QSER_BASE_URL"):
        source = "QSER_BASE_URL"
    values.update({k: v for k, v in overrides.items() if v is not None})
    if overrides.get("base_url"):
        source = "the caller"
    if "base_url" not in values:
        values["base_url"] = derived_base_url(*listen)
    settings = _coerce(values, source=config_file or "environment")
    return replace(settings, base_url_source=source)


def _read_toml(path: Path) -> dict[str, object]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found (QSER_CONFIG)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    table = data.get("lti", data)
    known = {f.name for f in fields(Settings)} - _INTERNAL
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return dict(table)


def _coerce(values: dict[str, object], source: str) -> Settings:
    settings = Settings()
    types = {f.name: f.type for f in fields(Settings)}
    converted = {}
    for name, raw in values.items():
        kind = types[name]
        try:
            converted[name] = _convert(kind, raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{source}: setting '{name}' (QSER_{name.upper()}) has a bad value {raw!r}: expected {kind}") from None
    settings = replace(settings, **converted)
    if not settings.base_url.startswith(("http://", "https://")):
        raise ConfigError(f"{source}: base_url must be an http(s):// address, got {settings.base_url!r}")
    try:
        settings.allowed_networks
    except ValueError as exc:
        raise ConfigError(f"{source}: registration_allowed_networks must list networks such as 10.0.0.0/8, ::1/128: {exc}") from None
    if not settings.base_url.endswith("/"):
        settings = replace(settings, base_url=settings.base_url + "/")
    return settings


def _convert(kind: str, raw: object) -> object:
    if kind == "Path":
        return Path(str(raw)).expanduser()
    if kind == "int":
        return int(raw)
    if kind == "float":
        return float(raw)
    if kind in ("bool", "bool | None"):
        if isinstance(raw, bool) or raw is None:
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        if text == "auto" and kind == "bool | None":
            return None
        raise ValueError(raw)
    return str(raw)
