"""The tool's own RSA signing keys: created on first start, published as a JWKS, rotated
with an overlap window so platforms that cache our JWKS keep verifying old signatures.

Private keys live in ``<var>/keys/<kid>.pem`` (mode 0600); ``keys.json`` lists them with
their creation and retirement times. The newest key signs; a retired key is published
until its ``retire_at`` and then removed.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

KEY_BITS = 2048
MANIFEST = "keys.json"


@dataclass(frozen=True)
class ToolKey:
    kid: str
    created: float
    retire_at: float | None  # None: current; otherwise published until this time
    private_key: rsa.RSAPrivateKey

    def public_jwk(self) -> dict:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return {**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}


class ToolKeyring:
    """Reads the key folder; reloads when ``keys.json`` changes (rotation by another process)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._keys: tuple[ToolKey, ...] = ()

    # --- reading --------------------------------------------------------------------

    def signing_key(self) -> ToolKey:
        keys = [k for k in self._load() if k.retire_at is None]
        if not keys:
            raise RuntimeError(f"no current tool key in {self.folder}; run `qser lti rotate-keys`")
        return max(keys, key=lambda k: k.created)

    def jwks(self, at: float | None = None) -> dict:
        at = time.time() if at is None else at
        return {"keys": [k.public_jwk() for k in self._load() if k.retire_at is None or k.retire_at > at]}

    def sign(self, claims: dict, headers: dict | None = None) -> str:
        key = self.signing_key()
        return jwt.encode(claims, key.private_key, algorithm="RS256", headers={**(headers or {}), "kid": key.kid})

    def _load(self) -> tuple[ToolKey, ...]:
        manifest = self.folder / MANIFEST
        try:
            st = manifest.stat()
        except FileNotFoundError:
            return ()
        stamp = (st.st_mtime_ns, st.st_size)
        with self._lock:
            if stamp != self._stamp:
                self._keys = tuple(self._read(manifest))
                self._stamp = stamp
            return self._keys

    def _read(self, manifest: Path):
        for entry in json.loads(manifest.read_text(encoding="utf-8"))["keys"]:
            pem = (self.folder / f"{entry['kid']}.pem").read_bytes()
            private = serialization.load_pem_private_key(pem, password=None)
            yield ToolKey(entry["kid"], entry["created"], entry.get("retire_at"), private)

    # --- writing --------------------------------------------------------------------

    def ensure(self) -> ToolKey:
        """First start: create the folder and a key; later starts: do nothing."""
        with self._exclusive():
            if not any(k.retire_at is None for k in self._load()):
                return self._rotate(0, time.time())
        return self.signing_key()

    def rotate(self, overlap_seconds: float, now: float | None = None) -> ToolKey:
        """Add a new signing key; current keys retire after ``overlap_seconds``.

        Expired keys are deleted from the manifest and disk.
        """
        with self._exclusive():
            return self._rotate(overlap_seconds, time.time() if now is None else now)

    def _exclusive(self):
        """A file lock, so processes starting together create one key, not one each."""
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)
        return _FileLock(self.folder / ".lock")

    def _rotate(self, overlap_seconds: float, now: float) -> ToolKey:
        entries = []
        for key in self._load():
            retire_at = key.retire_at if key.retire_at is not None else now + overlap_seconds
            if retire_at > now:
                entries.append({"kid": key.kid, "created": key.created, "retire_at": retire_at})
            else:
                (self.folder / f"{key.kid}.pem").unlink(missing_ok=True)
        kid = secrets.token_urlsafe(12)
        private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
        pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        _write_private(self.folder / f"{kid}.pem", pem)
        entries.append({"kid": kid, "created": now, "retire_at": None})
        _write_atomic(self.folder / MANIFEST, json.dumps({"keys": entries}, indent=2).encode())
        return self.signing_key()


class _FileLock:
    def __init__(self, path: Path):
        self.path = path

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def secret_file(path: Path, nbytes: int = 32) -> bytes:
    """A random secret kept in a 0600 file, created on first use (e.g. the state-signing key)."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        _write_private(path, secrets.token_bytes(nbytes))
    except FileExistsError:  # another process won the race: use its secret
        pass
    return path.read_bytes()
