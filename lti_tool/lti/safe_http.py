"""Outgoing requests to an address a request told us about (Dynamic Registration), with
the protections a server-side fetch needs against SSRF.

- Only ``https://``; plain ``http://`` only to a loopback address that the configuration
  allows (local development and tests).
- Every address the host name resolves to must be public (``ipaddress.is_global``: not
  10/8, 172.16/12, 192.168/16, 169.254/16, 127/8, 100.64/10, ::1, fc00::/7, fe80::/10 ...)
  or inside a network the configuration allows. The check runs when the connection is made,
  and the socket connects to the very address that was checked, so a DNS answer that changes
  between a check and the connection (DNS rebinding) cannot slip through.
- No proxies from the environment, no redirects, no compressed bodies; a size limit and a
  deadline for the whole answer (a server trickling bytes is cut off too).
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[tuple]]  # socket.getaddrinfo's shape


class FetchRefused(Exception):
    """The request was not sent or its answer not accepted; ``code`` names why."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


def _resolve(host: str, port: int) -> Sequence[tuple]:
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)


@dataclass(frozen=True)
class AddressPolicy:
    allowed: tuple[Network, ...] = ()  # non-public networks that may be reached anyway
    resolve: Resolver = field(default=_resolve, compare=False)

    def allows(self, address: Address) -> bool:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(address.version == net.version and address in net for net in self.allowed):
            return True
        return address.is_global and not address.is_multicast

    def check_url(self, url: str) -> None:
        """The address's form: scheme, no credentials, plain http only to allowed loopback."""
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise FetchRefused("not_https", f"{url!r} is not an https:// address")
        if parts.username or parts.password:
            raise FetchRefused("not_https", "addresses with a user name or password are not accepted")
        if parts.scheme == "http" and not self._allowed_loopback(parts.hostname):
            raise FetchRefused("not_https", f"{parts.scheme}://{parts.hostname} is not https:// (plain http is allowed only to a "
                                            "loopback address listed in registration_allowed_networks)")

    def _allowed_loopback(self, host: str) -> bool:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False  # a name: its answer could change; plain http needs a literal address
        return address.is_loopback and self.allows(address)

    def addresses(self, host: str, port: int) -> list[tuple]:
        """The resolved socket addresses, all allowed, or a refusal naming the first that is not."""
        try:
            infos = list(self.resolve(host, port))
        except (socket.gaierror, UnicodeError) as exc:
            raise FetchRefused("unreachable", f"cannot resolve {host}: {exc}") from None
        if not infos:
            raise FetchRefused("unreachable", f"{host} has no address")
        for info in infos:
            address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
            if not self.allows(address):
                raise FetchRefused("blocked_address", f"{host} resolves to {address}, a private or reserved address "
                                                      "(allow its network in registration_allowed_networks if it is yours)")
        return infos


def _guarded(policy: AddressPolicy, base: type) -> type:
    class Guarded(base):
        def _new_conn(self) -> socket.socket:
            last: OSError | None = None
            for family, kind, proto, _, sockaddr in policy.addresses(self._dns_host, self.port):
                sock = socket.socket(family, kind, proto)
                try:
                    for option in self.socket_options or ():
                        sock.setsockopt(*option)
                    sock.settimeout(self.timeout)
                    sock.connect(sockaddr)  # the address that was checked, not a fresh lookup
                    return sock
                except OSError as exc:
                    sock.close()
                    last = exc
            raise NewConnectionError(self, f"Failed to establish a new connection: {last}")

    return Guarded


class _GuardedAdapter(HTTPAdapter):
    def __init__(self, policy: AddressPolicy):
        self.policy = policy
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        http = type("GuardedPool", (HTTPConnectionPool,), {"ConnectionCls": _guarded(self.policy, HTTPConnection)})
        https = type("GuardedTlsPool", (HTTPSConnectionPool,), {"ConnectionCls": _guarded(self.policy, HTTPSConnection)})
        self.poolmanager.pool_classes_by_scheme = {"http": http, "https": https}


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        import json

        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return None


class GuardedClient:
    """One client per policy; ``request`` sends and reads an answer within the limits."""

    def __init__(self, policy: AddressPolicy, deadline_seconds: float, max_bytes: int):
        self.policy = policy
        self.deadline_seconds = deadline_seconds
        self.max_bytes = max_bytes
        self.session = requests.Session()
        self.session.trust_env = False  # no HTTP(S)_PROXY: the guard must see the real peer
        adapter = _GuardedAdapter(policy)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def request(self, method: str, url: str, *, headers: dict[str, str] | None = None, json: object = None) -> Answer:
        self.policy.check_url(url)
        started = time.monotonic()
        deadline = started + self.deadline_seconds
        sent_headers = {"Accept-Encoding": "identity", **(headers or {})}
        try:
            resp = self.session.request(method, url, headers=sent_headers, json=json, stream=True, allow_redirects=False,
                                        timeout=(self.deadline_seconds, self.deadline_seconds))
        except FetchRefused:
            raise
        except requests.Timeout:
            raise FetchRefused("timeout", f"{_origin(url)} did not answer within {self.deadline_seconds:g} s") from None
        except requests.RequestException as exc:
            raise FetchRefused("unreachable", f"cannot reach {_origin(url)}: {type(exc).__name__}") from None
        try:
            if 300 <= resp.status_code < 400:
                raise FetchRefused("redirect", f"{_origin(url)} answered with a redirect (HTTP {resp.status_code}); "
                                               "redirects are not followed")
            declared = resp.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > self.max_bytes:
                raise FetchRefused("too_large", f"the answer of {_origin(url)} is larger than {self.max_bytes} bytes")
            body = self._read(resp, deadline, url)
        finally:
            resp.close()
        return Answer(resp.status_code, dict(resp.headers), body)

    def _read(self, resp: requests.Response, deadline: float, url: str) -> bytes:
        chunks, size = [], 0
        try:
            while True:
                if time.monotonic() > deadline:
                    raise FetchRefused("timeout", f"{_origin(url)} did not finish its answer within {self.deadline_seconds:g} s")
                chunk = resp.raw.read1(16384)  # one receive: a trickling server meets the deadline check
                if not chunk:
                    return b"".join(chunks)
                size += len(chunk)
                if size > self.max_bytes:
                    raise FetchRefused("too_large", f"the answer of {_origin(url)} is larger than {self.max_bytes} bytes")
                chunks.append(chunk)
        except FetchRefused:
            raise
        except Exception as exc:  # urllib3 read errors and socket timeouts mid-body
            raise FetchRefused("timeout" if "timed out" in str(exc).lower() else "unreachable",
                               f"reading the answer of {_origin(url)} failed: {type(exc).__name__}") from None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
