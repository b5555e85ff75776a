"""LTI tool speed: complete launches per second with p50/p95 latency at 32 concurrent
clients and the tool's CPU time per launch (against the web stack's floor, :mod:`.lti_floor`),
and the figures of :mod:`.lti_service_bench` (the outbox, the instructor view).

Everything runs on loopback: the tool under uWSGI (its production server, `qser lti serve`) with the
default embedded SQLite database; the platform's part of a launch (signing the id_token)
is done by the load clients, in other processes. No check of the tool is relaxed.
"""

from __future__ import annotations

import html
import http.client
import json
import multiprocessing
import os
import re
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 32
GOAL_RATE = 300.0  # launches/s the goal asks for; latency is also measured at this offered rate
CLIENT_PROCESSES = 2
LAUNCH_SECONDS = 10.0
WARMUP_SECONDS = 2.0
ISSUER_HOST = "127.0.0.1"
CLIENT_ID = "bench-client"
DEPLOYMENT = "1"
SCREENER = "finding-case-studies/screener"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- a platform: its key set, token endpoint and score endpoint ------------------------------------


def _platform_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return key, {**jwk, "kid": "bench-key", "alg": "RS256", "use": "sig"}


class _Platform(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as an LMS behind a proxy would
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall
    jwks: dict = {}
    scores = 0

    def do_GET(self):
        self._send(200, json.dumps(self.jwks).encode(), "application/json")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        self.rfile.read(length)
        if self.path.startswith("/token"):
            body = json.dumps({"access_token": secrets.token_hex(16), "token_type": "bearer", "expires_in": 3600}).encode()
            self._send(200, body, "application/json")
        elif "/scores" in self.path and self.headers.get("Content-Type") == "application/vnd.ims.lis.v1.score+json" \
                and self.headers.get("Authorization", "").startswith("Bearer "):
            type(self).scores += 1
            self._send(200, b"{}", "application/json")
        else:
            self._send(400, b"No handler found", "text/plain")

    def _send(self, status, body, ctype):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _serve_platform(port: int, jwks: dict, ready) -> None:
    _Platform.jwks = jwks
    server = ThreadingHTTPServer((ISSUER_HOST, port), _Platform)
    ready.set()
    server.serve_forever()


# --- the tool ------------------------------------------------------------------------------------


def _environment(var: Path, tool_port: int) -> dict[str, str]:
    return {**os.environ, "QSER_VAR_DIR": str(var), "QSER_BASE_URL": f"http://127.0.0.1:{tool_port}/", "QSER_DATABASE_URL": "",
            "QSER_CONFIG": "", "QSER_CONTENT_DIR": str(ROOT / "content"), "QSER_LOG_LEVEL": "WARNING"}


def _register(env: dict, issuer: str) -> None:
    subprocess.run([sys.executable, "-m", "packager.cli", "lti", "add-platform", "--issuer", issuer, "--client-id", CLIENT_ID,
                    "--auth-url", f"{issuer}/auth", "--token-url", f"{issuer}/token", "--jwks-url", f"{issuer}/jwks",
                    "--deployment", DEPLOYMENT], cwd=ROOT, env=env, check=True, capture_output=True)


def _group_cpu_seconds(pgid: int) -> float:
    """CPU time (user + system) used so far by every process of a process group: what the
    tool costs per launch, whatever else the machine is busy with."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # field 5 of stat: process group
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def _start_tool(env: dict, port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "packager.cli", "lti", "serve", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_until_up(port, "the tool")
    except BaseException:
        proc.kill()
        raise
    return proc


def wait_until_up(port: int, what: str) -> None:
    """Until the server on ``port`` answers ``/healthz`` (a minute at most)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not start")


# --- load clients ----------------------------------------------------------------------------------


def _connection(base: str, ca: str | None) -> http.client.HTTPConnection:
    parts = urlsplit(base)
    if parts.scheme == "https":
        return http.client.HTTPSConnection(parts.hostname, parts.port, timeout=10, context=ssl.create_default_context(cafile=ca))
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)


LOGIN_PAGE_AUTH = re.compile(r'data-auth="([^"]*)"')  # where the login page sends the browser on


def signed_id_token(issuer: str, target: str, nonce: str, key) -> str:
    """The platform's part of a launch: a learner's resource-link id_token, signed RS256."""
    now = int(time.time())
    claims = {
        "iss": issuer, "aud": CLIENT_ID, "sub": f"user-{secrets.randbelow(10**6)}", "iat": now, "exp": now + 60, "nonce": nonce,
        "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiResourceLinkRequest",
        "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
        "https://purl.imsglobal.org/spec/lti/claim/deployment_id": DEPLOYMENT,
        "https://purl.imsglobal.org/spec/lti/claim/target_link_uri": target,
        "https://purl.imsglobal.org/spec/lti/claim/resource_link": {"id": "7"},
        "https://purl.imsglobal.org/spec/lti/claim/roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
        "https://purl.imsglobal.org/spec/lti/claim/custom": {"qser_screener": SCREENER},
        "https://purl.imsglobal.org/spec/lti/claim/launch_presentation": {"locale": "el-GR"},
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "bench-key"})


def _one_launch(base: str, issuer: str, key, ca: str | None = None) -> None:
    target = base + "lti/launch"
    conn = _connection(base, ca)
    form = urlencode({"iss": issuer, "login_hint": "42", "target_link_uri": target, "lti_message_hint": "m", "client_id": CLIENT_ID,
                      "lti_deployment_id": DEPLOYMENT})
    conn.request("POST", "/lti/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
    resp = conn.getresponse()
    page = resp.read().decode()
    auth = LOGIN_PAGE_AUTH.search(page)
    if resp.status != 200 or not auth:
        raise RuntimeError(f"login answered {resp.status}")
    query = parse_qs(urlsplit(html.unescape(auth.group(1))).query)
    cookie = resp.getheader("Set-Cookie").split(";", 1)[0]
    id_token = signed_id_token(issuer, target, query["nonce"][0], key)
    conn = _connection(base, ca)
    conn.request("POST", "/lti/launch", urlencode({"id_token": id_token, "state": query["state"][0]}),
                 {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    resp = conn.getresponse()
    page = resp.read()
    if resp.status != 200 or b"<fieldset" not in page:
        raise RuntimeError(f"launch answered {resp.status}")


def _client_process(base: str, issuer: str, key_pem: bytes, threads: int, start_at: float, stop_at: float, out,
                    period: float | None = None, ca: str | None = None) -> None:
    """``threads`` clients launching back to back, or, with ``period``, each starting a launch
    every ``period`` seconds (a steady offered rate; a late launch starts the next at once)."""
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(key_pem, password=None)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def loop(offset: float):
        mine = []
        next_at = time.time() + offset
        while time.time() < stop_at:
            if period is not None:
                time.sleep(max(0.0, next_at - time.time()))
                next_at += period
            began = time.perf_counter()
            try:
                _one_launch(base, issuer, key, ca)
            except Exception:
                with lock:
                    errors[0] += 1
                continue
            if time.time() >= start_at:
                mine.append(time.perf_counter() - began)
        with lock:
            latencies.extend(mine)

    workers = [threading.Thread(target=loop, args=((period or 0) * i / threads,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    out.put((latencies, errors[0]))


def bench_launches(var: Path, rate: float | None = None) -> dict:
    """Launches by CLIENTS clients to one node: as fast as they go, or at ``rate`` launches/s in all."""
    key, jwk = _platform_key()
    platform_port, tool_port = free_port(), free_port()
    issuer = f"http://{ISSUER_HOST}:{platform_port}"
    ready = multiprocessing.Event()
    platform = multiprocessing.Process(target=_serve_platform, args=(platform_port, {"keys": [jwk]}, ready), daemon=True)
    platform.start()
    ready.wait(10)
    env = _environment(var, tool_port)
    _register(env, issuer)
    tool = _start_tool(env, tool_port)
    try:
        return measure_launches(f"http://127.0.0.1:{tool_port}/", issuer, key, [tool.pid], rate)
    finally:
        os.killpg(tool.pid, signal.SIGTERM)
        tool.wait(30)
        platform.terminate()


def measure_launches(base: str, issuer: str, key, process_groups: list[int], rate: float | None = None, ca: str | None = None) -> dict:
    """CLIENTS clients in CLIENT_PROCESSES processes launching at ``base``; the tool's CPU time
    is that of the ``process_groups`` (every process of every node)."""
    from cryptography.hazmat.primitives import serialization

    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    start_at = time.time() + WARMUP_SECONDS
    stop_at = start_at + LAUNCH_SECONDS
    out = multiprocessing.Queue()
    per = CLIENTS // CLIENT_PROCESSES
    period = CLIENTS / rate if rate else None
    clients = [multiprocessing.Process(target=_client_process, args=(base, issuer, pem, per, start_at, stop_at, out, period, ca))
               for _ in range(CLIENT_PROCESSES)]
    for c in clients:
        c.start()
    time.sleep(max(0.0, start_at - time.time()))
    cpu_before = sum(_group_cpu_seconds(g) for g in process_groups)
    time.sleep(max(0.0, stop_at - time.time()))
    cpu_used = sum(_group_cpu_seconds(g) for g in process_groups) - cpu_before
    results = [out.get(timeout=LAUNCH_SECONDS + WARMUP_SECONDS + 60) for _ in clients]
    for c in clients:
        c.join()
    latencies = sorted(x for lat, _ in results for x in lat)
    errors = sum(e for _, e in results)
    return {
        "launches": len(latencies), "errors": errors, "per_second": len(latencies) / LAUNCH_SECONDS,
        "cpu_ms": 1000 * cpu_used / max(1, len(latencies)),
        "p50_ms": 1000 * latencies[len(latencies) // 2] if latencies else float("nan"),
        "p95_ms": 1000 * latencies[int(len(latencies) * 0.95)] if latencies else float("nan"),
    }


def main() -> None:
    console = Console()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="qser-lti-bench-") as tmp:
        launches = bench_launches(Path(tmp) / "tool")
        from benchmarks.lti_floor import bench_floor

        floor = bench_floor()
        paced = bench_launches(Path(tmp) / "paced", rate=GOAL_RATE)
        from benchmarks.lti_cluster_bench import NODE_WORKERS, bench_two_nodes

        two = bench_two_nodes(Path(tmp) / "cluster")
        from benchmarks.lti_floor import bench_floor_two_nodes

        two_floor = bench_floor_two_nodes(Path(tmp), NODE_WORKERS)
        from benchmarks.lti_inprocess import LAUNCHES, ROUNDS, bench_inprocess

        alone = bench_inprocess()
        from benchmarks.lti_floor import bench_floor_inprocess

        alone_floor = bench_floor_inprocess()
        from benchmarks.lti_service_bench import SCORES, TEACH_ATTEMPTS, bench_outbox, bench_teacher

        outbox = bench_outbox(Path(tmp))
        teacher = bench_teacher(Path(tmp))
    table = Table(title=f"LTI tool on {os.cpu_count()} cores (uWSGI, SQLite WAL, loopback)")
    for column in ("measure", "result", "goal"):
        table.add_column(column)
    table.add_row(f"complete launches/s ({CLIENTS} concurrent clients, {LAUNCH_SECONDS:.0f} s)",
                  f"{launches['per_second']:.0f}  ({launches['launches']} ok, {launches['errors']} errors)", ">= 300")
    table.add_row("launch latency p50 / p95", f"{launches['p50_ms']:.1f} ms / {launches['p95_ms']:.1f} ms", "p95 < 50 ms")
    table.add_row(f"the same {CLIENTS} clients offering {GOAL_RATE:.0f} launches/s: achieved", f"{paced['per_second']:.0f}  ({paced['errors']} errors)", f">= {GOAL_RATE:.0f}")
    table.add_row("  latency p50 / p95 at that rate", f"{paced['p50_ms']:.1f} ms / {paced['p95_ms']:.1f} ms", "p95 < 50 ms")
    table.add_row("tool CPU time per launch (every process of the server)", f"{launches['cpu_ms']:.1f} ms", "<= 2 ms")
    table.add_row("  floor: the web stack alone, the same requests and load (Flask under the same uWSGI, no tool work)",
                  f"{floor['cpu_ms']:.2f} ms ({floor['per_second']:.0f}/s, {floor['errors']} errors); the tool {launches['cpu_ms'] / floor['cpu_ms']:.2f} x", "")
    table.add_row(f"  the same launch in-process, no server or sockets (best of {ROUNDS} x {LAUNCHES}): login + launch",
                  f"{alone['cpu_ms']:.2f} ms ({alone['login_ms']:.2f} + {alone['launch_ms']:.2f})", "")
    table.add_row("  the floor's two requests in-process, the same way", f"{alone_floor['cpu_ms']:.2f} ms; the tool's own work "
                  f"{alone['cpu_ms'] - alone_floor['cpu_ms']:.2f} ms", "")
    table.add_row(f"two nodes ({NODE_WORKERS} workers each, PostgreSQL) behind nginx, HTTPS: complete launches/s",
                  f"{two['per_second']:.0f}  ({two['launches']} ok, {two['errors']} errors)", "")
    table.add_row("  latency p50 / p95", f"{two['p50_ms']:.1f} ms / {two['p95_ms']:.1f} ms", "")
    table.add_row("  tool CPU time per launch (both nodes)", f"{two['cpu_ms']:.1f} ms", "<= 2 ms")
    table.add_row("  floor: the web stack alone as two nodes behind the same nginx, the same requests and load",
                  f"{two_floor['cpu_ms']:.2f} ms ({two_floor['per_second']:.0f}/s, {two_floor['errors']} errors); the tool {two['cpu_ms'] / two_floor['cpu_ms']:.2f} x", "")
    table.add_row(f"outbox scores delivered/s ({SCORES} scores, 1 worker)", f"{outbox['per_second']:.0f}  ({outbox['scores']} in {outbox['seconds']:.2f} s)", ">= 200")
    table.add_row("worker CPU time per score", f"{outbox['cpu_ms']:.2f} ms", "")
    table.add_row(f"instructor results page with its charts ({TEACH_ATTEMPTS} attempts, newest 500 listed)",
                  f"{teacher['overview']:.0f} ms (CPU {teacher['overview_cpu']:.0f} ms)", "< 300 ms")
    table.add_row("  of which the 6 charts (counted in SQL, drawn as SVG)", f"{teacher['charts']:.0f} ms (CPU {teacher['charts_cpu']:.0f} ms)", "")
    table.add_row(f"CSV export ({TEACH_ATTEMPTS} attempts with summaries)", f"{teacher['csv']:.0f} ms", "< 2000 ms")
    table.add_row(f"library search (2 criteria, {TEACH_ATTEMPTS} approved case studies)", f"{teacher['search']:.0f} ms", "< 500 ms")
    console.print(table)
    load = os.getloadavg()[0]
    console.print(f"Load average before: {load_before:.1f}; when done: {load:.1f} on {os.cpu_count()} cores (other work on the machine slows every figure "
                  "but the CPU times).")
    console.print("A launch = login initiation (page) + id_token validation + launch stored + the first screener page; "
                  "the load clients sign the platform's id_tokens in their own processes.")


if __name__ == "__main__":
    main()
