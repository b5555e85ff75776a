"""The tool's own RSA signing keys: published as a JWKS, rotated with an overlap window so
platforms that cache our JWKS keep verifying old signatures.

The keys live wherever a :class:`KeySource` keeps them (the database, see
``lti_tool.store.tool_keys``), so every node of a cluster signs with and publishes the same
keys and a rotation on one node is seen by all on their next read: nothing here caches which
keys exist, only the parsed form of each key (parsing and decrypting cost milliseconds).
Private keys are sealed with Fernet (AES-128-CBC + HMAC-SHA256) when a key encryption key is
configured. Before 0004 the keys were files in ``<var>/keys``; :func:`read_key_folder` and
:func:`read_secret_file` read them once, for the import.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import jwt
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

KEY_BITS = 2048
MANIFEST = "keys.json"


class KeyEncryptionError(RuntimeError):
    """The stored keys cannot be opened with the configured key encryption key (or none is set)."""


class KeySeal:
    """Encrypts secrets at rest when ``key`` (a Fernet key) is given; otherwise stores them as they are."""

    def __init__(self, key: str = ""):
        try:
            self._fernet = Fernet(key.encode()) if key else None
        except ValueError:
            raise KeyEncryptionError("key_encryption_key (QSER_KEY_ENCRYPTION_KEY) is not a Fernet key: 32 bytes in "
                                     "url-safe base64; make one with `qser lti new-encryption-key`") from None

    @property
    def active(self) -> bool:
        return self._fernet is not None

    def seal(self, data: bytes) -> tuple[bytes, bool]:
        return (self._fernet.encrypt(data), True) if self._fernet else (data, False)

    def open(self, data: bytes, sealed: bool) -> bytes:
        if not sealed:
            return data
        if self._fernet is None:
            raise KeyEncryptionError("the tool's keys in the database are encrypted: set key_encryption_key "
                                     "(QSER_KEY_ENCRYPTION_KEY) to the key they were encrypted with")
        try:
            return self._fernet.decrypt(data)
        except InvalidToken:
            raise KeyEncryptionError("key_encryption_key (QSER_KEY_ENCRYPTION_KEY) does not open the tool's keys in "
                                     "the database: it is not the key they were encrypted with") from None


@dataclass(frozen=True)
class KeyRow:
    """A stored key: ``data`` is the PKCS#8 PEM, sealed when ``sealed``."""

    kid: str
    created: float
    retire_at: float | None  # None: current; otherwise published until this time
    data: bytes
    sealed: bool


class KeySource(Protocol):
    def rows(self) -> list[KeyRow]: ...

    def rotate(self, new: KeyRow, overlap_seconds: float, now: float, only_if_none_current: bool) -> bool:
        """Atomically (one node at a time): drop keys retired before ``now``, retire current keys
        at ``now + overlap_seconds``, add ``new``. With ``only_if_none_current`` do nothing when a
        current key exists. True when ``new`` was added."""
        ...


@dataclass(frozen=True)
class ToolKey:
    kid: str
    created: float
    retire_at: float | None
    private_key: rsa.RSAPrivateKey

    def public_jwk(self) -> dict:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return {**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}


class ToolKeyring:
    def __init__(self, source: KeySource, seal: KeySeal | None = None):
        self.source = source
        self.seal = seal or KeySeal()
        self._lock = threading.Lock()
        self._parsed: dict[str, tuple[rsa.RSAPrivateKey, dict]] = {}

    # --- reading --------------------------------------------------------------------

    def keys(self) -> list[ToolKey]:
        return [ToolKey(row.kid, row.created, row.retire_at, self._private(row)[0]) for row in self.source.rows()]

    def signing_key(self) -> ToolKey:
        keys = [k for k in self.keys() if k.retire_at is None]
        if not keys:
            raise RuntimeError("the tool has no current signing key; run `qser lti rotate-keys`")
        return max(keys, key=lambda k: k.created)

    def jwks(self, at: float | None = None) -> dict:
        at = time.time() if at is None else at
        return {"keys": [self._private(row)[1] for row in self.source.rows() if row.retire_at is None or row.retire_at > at]}

    def sign(self, claims: dict, headers: dict | None = None) -> str:
        key = self.signing_key()
        return jwt.encode(claims, key.private_key, algorithm="RS256", headers={**(headers or {}), "kid": key.kid})

    def check_readable(self) -> None:
        """Open every stored key now, so a missing or wrong key encryption key stops the start."""
        for row in self.source.rows():
            self._private(row)

    def _private(self, row: KeyRow) -> tuple[rsa.RSAPrivateKey, dict]:
        hit = self._parsed.get(row.kid)
        if hit is None:
            private = serialization.load_pem_private_key(self.seal.open(row.data, row.sealed), password=None)
            public = ToolKey(row.kid, row.created, row.retire_at, private).public_jwk()
            with self._lock:
                hit = self._parsed.setdefault(row.kid, (private, public))
        return hit

    # --- writing --------------------------------------------------------------------

    def ensure(self) -> None:
        """First start: create a key; later starts (on any node): do nothing."""
        self.source.rotate(self._new_row(time.time()), 0, time.time(), only_if_none_current=True)

    def rotate(self, overlap_seconds: float, now: float | None = None) -> ToolKey:
        """Add a new signing key; current keys retire after ``overlap_seconds``; expired keys are removed."""
        now = time.time() if now is None else now
        self.source.rotate(self._new_row(now), overlap_seconds, now, only_if_none_current=False)
        return self.signing_key()

    def _new_row(self, now: float) -> KeyRow:
        private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
        pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        data, sealed = self.seal.seal(pem)
        return KeyRow(secrets.token_urlsafe(12), now, None, data, sealed)


def read_key_folder(folder: Path) -> list[KeyRow]:
    """The keys of a var folder from before 0004 (``keys.json`` and ``<kid>.pem``), unsealed; none when absent."""
    manifest = Path(folder) / MANIFEST
    if not manifest.exists():
        return []
    rows = []
    for entry in json.loads(manifest.read_text(encoding="utf-8"))["keys"]:
        pem = (Path(folder) / f"{entry['kid']}.pem").read_bytes()
        rows.append(KeyRow(entry["kid"], entry["created"], entry.get("retire_at"), pem, False))
    return rows


def read_secret_file(path: Path) -> bytes | None:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        return None
