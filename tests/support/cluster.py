"""The tool as an institution runs it, on one machine: tool nodes (``qser lti serve`` and a
grade worker each, one process group per node so ``kill -9`` takes a whole node down) on one
PostgreSQL, and Debian's nginx in front over HTTPS with a self-signed certificate, as its
own master process with a generated configuration (never the system service).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .postgres import free_port

ROOT = Path(__file__).resolve().parents[2]


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for localhost and 127.0.0.1; the clients trust exactly this one."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "tls.crt", folder / "tls.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    os.chmod(key_path, 0o600)
    return cert_path, key_path


NGINX_CONF = """
worker_processes 1;
{user}
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    upstream qser {{
{servers}
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name localhost;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        location / {{
            proxy_pass http://qser;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host:$server_port;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_next_upstream error timeout http_502 http_503;
            proxy_connect_timeout 2s;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


class Nginx:
    def __init__(self, root: Path, upstream_ports: list[int]):
        self.root = root
        self.port = free_port()
        root.mkdir(parents=True, exist_ok=True)
        self.cert, key = self_signed(root)
        self.key = key
        self.conf = root / "nginx.conf"
        self._write(upstream_ports)
        self.proc: subprocess.Popen | None = None

    def _write(self, upstream_ports: list[int]) -> None:
        servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=30s;" for p in upstream_ports)
        user = "user root root;" if os.geteuid() == 0 else ""
        self.conf.write_text(NGINX_CONF.format(root=self.root, servers=servers, port=self.port, cert=self.cert, key=self.key, user=user))

    def route_to(self, upstream_ports: list[int], drain_seconds: float = 1.0) -> None:
        """Send new requests to these nodes only (``nginx -s reload``: the old nginx workers
        finish the requests they have), then give those requests ``drain_seconds`` to end."""
        self._write(upstream_ports)
        os.kill(self.proc.pid, signal.SIGHUP)
        time.sleep(drain_seconds)

    @property
    def url(self) -> str:
        return f"https://localhost:{self.port}/"

    def start(self) -> Nginx:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        self.proc = subprocess.Popen([binary, "-p", str(self.root), "-c", str(self.conf), "-g", "daemon off;"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        wait_until(lambda: self.proc.poll() is None and _answers(self.url + "healthz", self.cert), 30,
                   lambda: (self.root / "error.log").read_text() if (self.root / "error.log").exists() else "nginx did not start")
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(20)


class Node:
    """``qser lti serve`` with its grade worker, in one process group of their own."""

    def __init__(self, name: str, port: int, env: dict[str, str], workers: int = 2, source: Path = ROOT):
        self.name = name
        self.port = port
        self.env = env
        self.workers = workers
        self.source = source  # the release it runs: this tree, or another (see previous_release)
        self.log_path = Path(env["QSER_VAR_DIR"] + f"-{name}.log")
        self.proc: subprocess.Popen | None = None

    def start(self) -> Node:
        qser = shlex.join([sys.executable, "-m", "packager.cli", "lti"])
        script = f"{qser} worker & exec {qser} serve --port {self.port} --workers {self.workers}"
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen(["bash", "-c", script], cwd=self.source, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        wait_until(lambda: self.proc.poll() is None and _answers(f"http://127.0.0.1:{self.port}/readyz"), 60,
                   lambda: self.log_path.read_text())
        return self

    def kill(self) -> None:
        """``kill -9`` of the whole node: the server's master, its workers and the grade worker."""
        self._signal_group(signal.SIGKILL)

    def stop(self) -> None:
        if self.proc is not None:
            self._signal_group(signal.SIGTERM)

    def _signal_group(self, sig: int) -> None:
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            return
        self.proc.wait(30)
        wait_until(lambda: not _group_alive(self.proc.pid), 30, lambda: f"node {self.name} did not stop")


def previous_release(folder: Path, newest_migration: str) -> Path:
    """This tree's Python packages without their newest migration: the release before it, as
    far as the schema goes (``python -m packager.cli`` run in ``folder`` imports this copy)."""
    ignore = shutil.ignore_patterns("__pycache__")
    for package in ("lti_tool", "packager"):
        shutil.copytree(ROOT / package, folder / package, ignore=ignore)
    (folder / "lti_tool/store/migrations/versions" / newest_migration).unlink()
    return folder


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def _answers(url: str, verify: Path | bool = True) -> bool:
    try:
        return requests.get(url, timeout=2, verify=str(verify) if isinstance(verify, Path) else verify).status_code == 200
    except requests.RequestException:
        return False


def wait_until(ready, seconds: float, why) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > deadline:
            raise RuntimeError(why())
        time.sleep(0.2)
