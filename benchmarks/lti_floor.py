"""The floor of a launch: what the web stack alone costs for the same two requests, measured in
the same run as the tool, as the packager's figures are measured against a bare markdown-it-py.

A Flask app served by the tool's own uWSGI settings (:func:`lti_tool.web.server.arguments`,
as many workers) answers login initiation with a page of the tool's size that sends the
browser on with a state and a nonce, and sets a state cookie with the tool's attributes; the
launch reads the form and the cookie, answers a page of the tool's size and deletes the
cookie. The load clients are ``lti_bench``'s, signing an RS256 id_token for every launch as
they do against the tool, so the machine is as busy. Nothing is validated, stored, looked up
or templated: the difference between the tool's figure and this one is the tool's own work
(id_token validation, the state's MAC, the nonce and launch stored and committed, the
registration, the two pages filled in, the security headers).
"""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import subprocess
import sys
import time

from flask import Flask, make_response, request

from benchmarks.lti_bench import ROOT, _platform_key, free_port, measure_launches

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
    """The floor app under ``lti_bench``'s load: launches/s, latencies and CPU per launch."""
    key, _ = _platform_key()
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "benchmarks.lti_floor", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_until_up(port)
        return measure_launches(f"http://127.0.0.1:{port}/", "https://platform.invalid", key, [server.pid])
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)


def _wait_until_up(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the floor app did not start")


def _serve(port: int) -> None:
    import pyuwsgi

    from lti_tool.web.server import arguments

    options = arguments("127.0.0.1", port, (os.cpu_count() or 1) + 1)  # `qser lti serve`'s default workers
    options[options.index("--module") + 1] = "benchmarks.lti_floor:application"
    pyuwsgi.run(options)


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
