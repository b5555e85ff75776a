"""The floor of a launch: what the web stack alone costs for the same two requests, measured in
the same run as the tool, as the packager's figures are measured against a bare markdown-it-py.

A Flask app served by the tool's own uWSGI settings (:func:`lti_tool.web.server.arguments`,
as many workers) answers login initiation with a page of the tool's size that sends the
browser on with a state and a nonce, and sets a state cookie with the tool's attributes; the
launch reads the form and the cookie, answers a page of the tool's size and deletes the
cookie. As one node it has as many workers as ``qser lti serve`` by default; as two, the
cluster bench's nginx in front and its workers per node. The load clients are
``lti_bench``'s, signing an RS256 id_token for every launch as they do against the tool, so
the machine is as busy. Nothing is validated, stored, looked up or templated: the difference
between the tool's figure and this one is the tool's own work (id_token validation, the
state's MAC, the nonce and launch stored and committed, the registration, the two pages
filled in, the security headers).
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from flask import Flask, make_response, request

from benchmarks.lti_bench import ROOT, _platform_key, free_port, measure_launches, wait_until_up

LOGIN_PAGE_BYTES = 3226  # the tool's login page and first screener page, as it answered them
LAUNCH_PAGE_BYTES = 6014

application = Flask(__name__)


@application.post("/lti/login")
def _login():
    form = request.form
    if not (form.get("iss") and form.get("login_hint") and form.get("target_link_uri")):
        return "incomplete login", 400
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    page = f'<!doctype html><html lang="en"><p data-auth="https://platform.invalid/auth?state={state}&amp;nonce={nonce}">'
    response = make_response(page.ljust(LOGIN_PAGE_BYTES))
    response.set_cookie("qser-state-" + state[:16], state, max_age=600, path="/lti/", httponly=True, samesite="Lax")
    return response


@application.post("/lti/launch")
def _launch():
    form = request.form
    if not (form.get("id_token") and form.get("state") and request.cookies):
        return "incomplete launch", 400
    response = make_response('<!doctype html><html lang="en"><form><fieldset>'.ljust(LAUNCH_PAGE_BYTES))
    response.delete_cookie("qser-state-" + form["state"][:16], path="/lti/", samesite="Lax")
    return response


@application.get("/healthz")
def _healthz():
    return "ok"


def bench_floor() -> dict:
    """The floor app as one node under ``lti_bench``'s load: launches/s, latencies, CPU per launch."""
    key, _ = _platform_key()
    port = free_port()
    server = _start(port, (os.cpu_count() or 1) + 1)  # `qser lti serve`'s default workers
    try:
        return measure_launches(f"http://127.0.0.1:{port}/", "https://platform.invalid", key, [server.pid])
    finally:
        _stop(server)


def bench_floor_two_nodes(var: Path, workers: int) -> dict:
    """The floor app as two nodes behind the cluster bench's nginx (HTTPS, round robin)."""
    from tests.support.cluster import Nginx

    key, _ = _platform_key()
    ports = [free_port(), free_port()]
    servers = [_start(port, workers) for port in ports]
    nginx = Nginx(var / "nginx-floor", ports)
    try:
        nginx.start()
        return measure_launches(nginx.url, "https://platform.invalid", key, [s.pid for s in servers], ca=str(nginx.cert))
    finally:
        nginx.stop()
        for server in servers:
            _stop(server)


def _start(port: int, workers: int) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-m", "benchmarks.lti_floor", str(port), str(workers)],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_until_up(port, "the floor app")
    except BaseException:
        _stop(server)
        raise
    return server


def _stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(30)


def bench_floor_inprocess() -> dict:
    """The floor app's two requests handed to it in this process as ``lti_inprocess`` hands
    the tool's (best of its rounds, CPU ms per launch): the tool's figure less this one is its
    own work with no server, no sockets and no other process on the cores."""
    import gc
    from urllib.parse import urlencode

    from benchmarks.lti_inprocess import LAUNCHES, ROUNDS, _call, _environ

    login = urlencode({"iss": "https://platform.invalid", "login_hint": "42", "target_link_uri": "http://127.0.0.1/lti/launch",
                       "lti_message_hint": "m", "client_id": "bench", "lti_deployment_id": "1"}).encode()

    def one() -> float:
        """CPU time of the two requests alone, as ``lti_inprocess`` counts the tool's."""
        began = time.process_time()
        status, headers, _ = _call(application, _environ(80, "/lti/login", login))
        login_cpu = time.process_time() - began
        if not status.startswith("200"):
            raise RuntimeError(f"the floor app answered {status} to the login")
        cookie = next(v for k, v in headers if k == "Set-Cookie").split(";", 1)[0]
        environ = _environ(80, "/lti/launch", urlencode({"id_token": "x" * 900, "state": cookie.split("=", 1)[1]}).encode(), cookie)
        began = time.process_time()
        status, _, page = _call(application, environ)
        launch_cpu = time.process_time() - began
        if not status.startswith("200") or b"<fieldset" not in page:
            raise RuntimeError(f"the floor app answered {status} to the launch")
        return login_cpu + launch_cpu

    gc.collect()
    gc.freeze()
    for _ in range(20):
        one()
    best = min(sum(one() for _ in range(LAUNCHES)) / LAUNCHES for _ in range(ROUNDS))
    return {"cpu_ms": 1000 * best}


def _serve(port: int, workers: int) -> None:
    import pyuwsgi

    from lti_tool.web.server import arguments

    options = arguments("127.0.0.1", port, workers)
    options[options.index("--module") + 1] = "benchmarks.lti_floor:application"
    pyuwsgi.run(options)


if __name__ == "__main__":
    _serve(int(sys.argv[1]), int(sys.argv[2]))
