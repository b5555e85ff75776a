"""The tool's own cost of a launch without a server: the same two requests as the load clients
send (login initiation, then the launch with a real RS256 id_token, state cookie and nonce),
handed to the WSGI application in this process as the server would hand them, one after the
other. What this leaves out of the figure `lti_bench` measures through the server (uWSGI) is the server's
and the kernel's share (sockets, HTTP parsing, process switches), and the contention of 32
clients on two cores; the id_token is signed outside the clock, as the platform signs it.
"""

from __future__ import annotations

import gc
import html
import io
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from benchmarks.lti_bench import CLIENT_ID, DEPLOYMENT, ISSUER_HOST, LOGIN_PAGE_AUTH, _environment, _platform_key, _register, \
    _serve_platform, free_port, signed_id_token

ROUNDS = 5
LAUNCHES = 200  # per round; the best round is reported (the least disturbed by other work)


def _environ(port: int, path: str, body: bytes, cookie: str | None = None) -> dict:
    environ = {"REQUEST_METHOD": "POST", "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
               "SERVER_PORT": str(port), "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": f"127.0.0.1:{port}", "REMOTE_ADDR": "127.0.0.1",
               "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body),
               "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": True,
               "wsgi.run_once": False, "wsgi.version": (1, 0)}
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    return environ


def _call(app, environ: dict) -> tuple[str, list, bytes]:
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, headers

    body = b"".join(app(environ, start_response))
    return answer["status"], answer["headers"], body


def bench_inprocess() -> dict:
    """Best of ROUNDS rounds of LAUNCHES launches: CPU ms per launch, login and launch apart."""
    key, jwk = _platform_key()
    platform_port, tool_port = free_port(), free_port()
    issuer = f"http://{ISSUER_HOST}:{platform_port}"
    ready = threading.Event()
    threading.Thread(target=_serve_platform, args=(platform_port, {"keys": [jwk]}, ready), daemon=True).start()
    ready.wait(10)
    with tempfile.TemporaryDirectory(prefix="qser-lti-inprocess-") as tmp:
        env = _environment(Path(tmp), tool_port)
        _register(env, issuer)
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            from lti_tool.config import load_settings
            from lti_tool.web import create_app

            settings = load_settings()
            app = create_app(settings, migrate=False)
            gc.collect()
            gc.freeze()  # as the server's master does before it forks the workers (lti_tool.web.server_app)
            target = settings.base_url + "lti/launch"
            login_form = urlencode({"iss": issuer, "login_hint": "42", "target_link_uri": target, "lti_message_hint": "m",
                                    "client_id": CLIENT_ID, "lti_deployment_id": DEPLOYMENT}).encode()

            def one() -> tuple[float, float]:
                began = time.process_time()
                status, headers, page = _call(app, _environ(tool_port, "/lti/login", login_form))
                login_cpu = time.process_time() - began
                auth = LOGIN_PAGE_AUTH.search(page.decode())
                if not status.startswith("200") or not auth:
                    raise RuntimeError(f"login answered {status}")
                query = parse_qs(urlsplit(html.unescape(auth.group(1))).query)
                cookie = next(v for k, v in headers if k == "Set-Cookie").split(";", 1)[0]
                body = urlencode({"id_token": signed_id_token(issuer, target, query["nonce"][0], key), "state": query["state"][0]}).encode()
                environ = _environ(tool_port, "/lti/launch", body, cookie)
                began = time.process_time()
                status, _, page = _call(app, environ)
                launch_cpu = time.process_time() - began
                if not status.startswith("200") or b"<fieldset" not in page:
                    raise RuntimeError(f"launch answered {status}")
                return login_cpu, launch_cpu

            for _ in range(20):  # caches filled, as in a worker that has served a few
                one()
            rounds = []
            for _ in range(ROUNDS):
                times = [one() for _ in range(LAUNCHES)]
                rounds.append((sum(a for a, _ in times) / LAUNCHES, sum(b for _, b in times) / LAUNCHES))
            app.extensions["qser"].close()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    login, launch = min(rounds, key=sum)
    return {"login_ms": 1000 * login, "launch_ms": 1000 * launch, "cpu_ms": 1000 * (login + launch)}
