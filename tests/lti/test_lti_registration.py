"""Dynamic Registration against a Moodle-like registration endpoint (tests/support/fake_moodle.py
enforces registration_helper's checks), then deep linking and a launch of the activity it
created; and the SSRF defences of the registration fetches: private and reserved
addresses, names resolving to them, issuer mismatch, oversized, slow and redirected
answers, plain http outside the configured loopback."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_network
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import select

from lti_tool.lti.dynamic_registration import DynamicRegistrar, ToolDescription
from lti_tool.lti.errors import LtiError
from lti_tool.lti.safe_http import AddressPolicy, FetchRefused, GuardedClient
from lti_tool.store import invites
from lti_tool.store import tables as T
from lti_tool.web import create_app
from tests.support.fake_moodle import FakeMoodle
from tests.support.fake_moodle_lti1p3 import registration_to_config
from tests.support.lti_flow import ALL_ANSWERS, answer, deep_link_launch, deliver_all, launch, picker_forms

LOOPBACK = "127.0.0.0/8"


@pytest.fixture
def settings(settings):
    """The fake Moodle listens on 127.0.0.1 over plain http: allowed here, explicitly."""
    return replace(settings, registration_allowed_networks=LOOPBACK)


@pytest.fixture
def platform(services):
    moodle = FakeMoodle(services.settings.base_url, tool_jwks=services.keyring.jwks).start()
    yield moodle
    moodle.stop()


@pytest.fixture
def client(services, platform):
    app = create_app(services.settings, services=services, start_worker=False)
    app.testing = True
    return app.test_client()


def register_path(services, moodle: FakeMoodle, token: str | None = None, invite: str | None = None) -> str:
    """What Moodle's dialog opens: our registration URL with the invitation, plus Moodle's parameters."""
    invite = invites.create(services.db, 3600, "test").token if invite is None else invite
    tool_url = f"{services.settings.base_url}lti/register" + (f"?invite={invite}" if invite else "")
    url = moodle.start_registration(tool_url, token)
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def platforms(services):
    with services.db.read() as conn:
        return conn.execute(select(T.platform)).all()


# --- the whole way: register, activate, add the activity, launch it, grade it ------------------


def test_register_then_add_activity_then_launch(client, services, platform):
    page = client.get(register_path(services, platform))
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    assert "pending" in html and 'id="qser-registered"' in html
    # the one step that puts the tool in teachers' activity chooser, in Moodle 4.5's words
    assert "“Tool configuration usage” to “Show in activity chooser and as a preconfigured tool”" in html
    assert "More &gt; LTI External tools" in html
    csp = page.headers["Content-Security-Policy"]
    assert f"frame-ancestors 'self' {platform.issuer}" in csp  # Moodle's dialog may show it
    assert "script-src 'sha256-" in csp and "'unsafe-inline'" not in csp  # only the closing script, by hash

    [tool] = platform.registered.values()
    sent = tool.request
    conf = sent["https://purl.imsglobal.org/spec/lti-tool-configuration"]
    assert (sent["initiate_login_uri"], sent["redirect_uris"], sent["jwks_uri"]) == (
        "http://localhost/lti/login", ["http://localhost/lti/launch"], "http://localhost/lti/jwks.json")
    assert sent["token_endpoint_auth_method"] == "private_key_jwt" and sent["response_types"] == ["id_token"]
    assert (conf["domain"], conf["target_link_uri"]) == ("localhost", "http://localhost/lti/launch")
    assert conf["messages"] == [{"type": "LtiDeepLinkingRequest", "target_link_uri": "http://localhost/lti/deep-link",
                                 "label": "Q-SER case-study screener"}]
    assert set(sent["scope"].split()) == {"https://purl.imsglobal.org/spec/lti-ags/scope/score",
                                          "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"}
    assert "email" not in conf["claims"]
    assert tool.state == "pending"

    [row] = platforms(services)
    assert (row.issuer, row.client_id) == (platform.issuer, tool.client_id)
    assert (row.auth_login_url, row.auth_token_url, row.jwks_url) == (platform.auth_url, platform.token_url, platform.jwks_url)
    assert services.deployment_active(row.id, tool.type_id)
    with services.db.read() as conn:
        assert conn.execute(select(T.invite.c.platform_id)).scalar_one() == row.id

    # the administrator activates it; a teacher adds the screener in Greek
    platform.activate(tool.type_id)
    picker = deep_link_launch(client, platform)
    html = picker.get_data(as_text=True)
    assert picker.status_code == 200, html
    assert f"form-action 'self' {platform.issuer};" in picker.headers["Content-Security-Policy"]  # posts back to Moodle
    forms = picker_forms(html)
    assert [text for _, _, text in forms] == ["Add in Each learner's language", "Add in English", "Add in Ελληνικά", "Cancel"]
    action, greek, _ = forms[2]
    assert action == platform.deep_link_return_url
    returned = requests.post(action, data={"JWT": greek}, timeout=10)
    assert returned.status_code == 200, (returned.text, platform.dl_refusals)
    [done] = platform.dl_returns
    [item] = done.items
    rules = item["custom"].pop("qser_rules")  # the scoring rules the activity is made for
    assert item["custom"] == {"qser_screener": "cases/screener", "qser_lang": "el"} and len(rules) == 16
    assert item["lineItem"] == {"scoreMaximum": 5, "label": "Έλεγχος καταλληλότητας μελέτης περίπτωσης", "resourceId": "cases/screener",
                                "tag": "qser-screener"}
    assert done.claims["iss"] == tool.client_id and done.claims["aud"] == platform.issuer

    # a learner opens the new activity: Greek screener, score into the new grade column
    link = platform.links[done.links[0]]
    launched = launch(client, platform, user="101", link=link.id)
    assert '<html lang="el">' in launched.html
    answer(client, launched, ALL_ANSWERS, ALL_ANSWERS)
    deliver_all(services)
    assert platform.grades[(link.item_id, "101")][1]["scoreGiven"] == 5


def test_invitation_is_single_use_and_survives_a_refusal(client, services, platform):
    created = invites.create(services.db, 3600)
    token = platform.registration_token()
    assert client.get(register_path(services, platform, token, created.token)).status_code == 200
    # the same invitation again: refused before any request to the platform
    again = client.get(register_path(services, platform, invite=created.token))
    assert again.status_code == 403 and "invite_used" in again.get_data(as_text=True)

    # Moodle's registration token is single-use too: the refusal is shown and the invitation kept
    other = invites.create(services.db, 3600)
    reused = client.get(register_path(services, platform, token, other.token))
    body = reused.get_data(as_text=True)
    assert reused.status_code == 502 and "token_already_used" in body
    assert platform.registration_refusals == ["token_already_used"]
    assert client.get(register_path(services, platform, invite=other.token)).status_code == 200
    assert len(platforms(services)) == 2


@pytest.mark.parametrize("case", ["missing", "unknown", "expired", "no_moodle_parameters"])
def test_registration_needs_a_valid_invitation(client, services, platform, case):
    if case == "no_moodle_parameters":
        resp = client.get(f"/lti/register?invite={invites.create(services.db, 60).token}")
        assert resp.status_code == 400 and "registration_incomplete" in resp.get_data(as_text=True)
    else:
        invite = {"missing": "", "unknown": "not-an-invitation", "expired": invites.create(services.db, -60).token}[case]
        resp = client.get(register_path(services, platform, invite=invite))
        assert resp.status_code == 403 and f"invite_{case}" in resp.get_data(as_text=True)
    assert platform.registered == {} and platforms(services) == []


def test_moodle_double_enforces_registration_helper_checks():
    """The test double refuses what Moodle refuses, so a passing registration means something."""
    good = ToolDescription("Q", "d", "https://tool.example:8443/q/lti/login", "https://tool.example:8443/q/lti/launch",
                           "https://tool.example:8443/q/lti/deep-link", "https://tool.example:8443/q/lti/jwks.json").registration_request()
    assert good["https://purl.imsglobal.org/spec/lti-tool-configuration"]["domain"] == "tool.example:8443"  # port included
    assert registration_to_config(good) is None

    conf = "https://purl.imsglobal.org/spec/lti-tool-configuration"

    def changed(key: str, value, in_configuration: bool = False):
        body = json.loads(json.dumps(good))
        target = body[conf] if in_configuration else body
        if value is None:
            target.pop(key)
        else:
            target[key] = value
        return registration_to_config(body)

    assert changed("domain", None, True) == "missing_domain"
    assert changed("domain", "tool.example", True) == "domain_targetlinkuri_mismatch"
    assert changed("target_link_uri", "https://elsewhere.example/lti/launch", True) == "domain_targetlinkuri_mismatch"
    assert changed("token_endpoint_auth_method", "client_secret_basic") == "invalid_token_endpoint_auth_method"
    assert changed("response_types", ["code"]) == "invalid_response_types"
    assert changed("redirect_uris", "https://tool.example:8443/q/lti/launch") == "invalid_redirect_uris"
    assert changed("application_type", "native") == "invalid_application_type"
    assert changed("initiate_login_uri", None) == "missing required attribute initiate_login_uri"
    assert changed("jwks_uri", None) == "missing required attribute jwks_uri"


# --- SSRF: what the registration refuses to fetch -------------------------------------------------


class Answers(BaseHTTPRequestHandler):
    """A configurable web server: ``routes[path] = callable(handler)``."""

    routes: dict = {}

    def do_GET(self):  # noqa: N802
        self.routes[self.path.split("?")[0]](self)

    do_POST = do_GET  # noqa: N815

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def web():
    routes: dict = {}
    handler = type("Handler", (Answers,), {"routes": routes})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", routes
    server.shutdown()
    server.server_close()


def registrar(allowed: str = LOOPBACK, deadline: float = 1.0, resolve=None) -> DynamicRegistrar:
    networks = tuple(ip_network(n) for n in allowed.split(",") if n)
    policy = AddressPolicy(networks, resolve) if resolve else AddressPolicy(networks)
    return DynamicRegistrar(GuardedClient(policy, deadline, 64 * 1024))


def refusal(call) -> LtiError:
    with pytest.raises(LtiError) as caught:
        call()
    return caught.value


@pytest.mark.parametrize("host", ["10.0.0.5", "172.16.3.4", "172.31.255.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
                                  "0.0.0.0", "[fd12:3456::1]", "[fe80::1]", "[::ffff:10.0.0.1]", "127.0.0.1", "[::1]"])
def test_private_and_reserved_addresses_are_never_fetched(host):
    error = refusal(lambda: registrar(allowed="").configuration(f"https://{host}/mod/lti/openid-configuration.php"))
    assert (error.status, error.code) == (400, "registration_blocked_address")


def test_loopback_is_reachable_only_as_configured(web):
    base, routes = web
    routes["/conf"] = lambda h: _json(h, {"issuer": base})
    assert refusal(lambda: registrar(allowed="").configuration(base + "/conf")).code == "registration_not_https"
    assert refusal(lambda: registrar(allowed="::1/128").configuration(base + "/conf")).code == "registration_not_https"
    # allowed: the request is sent (and fails later, on the incomplete configuration)
    assert refusal(lambda: registrar(allowed=LOOPBACK).configuration(base + "/conf")).code == "registration_config_invalid"
    # an allowed private network still never allows plain http to it, nor other private ranges
    policy = AddressPolicy((ip_network("10.0.0.0/8"), ip_network(LOOPBACK)))
    with pytest.raises(FetchRefused) as caught:
        policy.check_url("http://10.1.2.3/mod/lti/openid-configuration.php")
    assert caught.value.code == "not_https"
    with pytest.raises(FetchRefused) as caught:
        policy.addresses("192.168.0.10", 443)
    assert caught.value.code == "blocked_address"
    assert AddressPolicy((ip_network("::1/128"),)).allows(__import__("ipaddress").ip_address("::1"))


def fake_dns(table: dict[str, list[str]]):
    calls = []

    def resolve(host, port):
        calls.append(host)
        if host not in table:
            raise socket.gaierror(f"unknown host {host}")
        return [(socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)) for ip in table[host]]

    return resolve, calls


def test_names_resolving_to_private_addresses_are_refused():
    resolve, _ = fake_dns({"moodle.intranet.example": ["10.20.30.40"], "mixed.example": ["93.184.215.14", "192.168.5.5"],
                           "v6.example": ["fd00::5"], "localhost": ["127.0.0.1", "::1"]})
    for host in ("moodle.intranet.example", "mixed.example", "v6.example", "localhost"):
        error = refusal(lambda: registrar(allowed="", resolve=resolve).configuration(f"https://{host}/mod/lti/openid-configuration.php"))
        assert error.code == "registration_blocked_address", host


def test_the_connection_goes_to_the_address_that_was_checked():
    """No second DNS lookup between the check and the connection (DNS rebinding)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    accepted = []

    def accept():
        conn, _ = listener.accept()
        accepted.append(conn)
        conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    resolve, calls = fake_dns({"moodle.test": ["127.0.0.1"]})  # a name the system cannot resolve
    error = refusal(lambda: registrar(resolve=resolve).configuration(f"https://moodle.test:{port}/conf"))
    thread.join(5)
    listener.close()
    assert calls == ["moodle.test"] and len(accepted) == 1  # reached via the checked address
    assert error.code == "registration_unreachable"  # (no TLS on the listener)


def test_issuer_must_prefix_the_configuration_address(web, services, platform, client):
    base, routes = web
    routes["/mod/lti/openid-configuration.php"] = lambda h: _json(h, {**platform._configuration(), "issuer": "https://moodle.example.org"})
    error = refusal(lambda: registrar().configuration(base + "/mod/lti/openid-configuration.php"))
    assert error.code == "registration_issuer_mismatch"
    # through the endpoint: refused, nothing registered, the invitation can be used again
    platform.configuration_override = lambda conf: {**conf, "issuer": "http://127.0.0.1:1"}
    created = invites.create(services.db, 3600)
    resp = client.get(register_path(services, platform, invite=created.token))
    assert resp.status_code == 502 and "registration_issuer_mismatch" in resp.get_data(as_text=True)
    assert platform.registered == {} and platforms(services) == []
    platform.configuration_override = None
    assert client.get(register_path(services, platform, invite=created.token)).status_code == 200


def test_endpoints_the_configuration_names_are_checked_too(web):
    base, routes = web
    conf = {"issuer": base, "authorization_endpoint": base + "/auth", "token_endpoint": base + "/token", "jwks_uri": base + "/certs",
            "registration_endpoint": "https://169.254.169.254/latest/meta-data/"}
    routes["/c1"] = lambda h: _json(h, conf)
    assert refusal(lambda: registrar().configuration(base + "/c1")).code == "registration_blocked_address"
    routes["/c2"] = lambda h: _json(h, {**conf, "registration_endpoint": base + "/reg", "jwks_uri": "http://10.0.0.1/certs"})
    assert refusal(lambda: registrar().configuration(base + "/c2")).code == "registration_not_https"
    routes["/c3"] = lambda h: _json(h, {**conf, "registration_endpoint": base + "/reg", "token_endpoint_auth_methods_supported": ["client_secret_basic"]})
    assert refusal(lambda: registrar().configuration(base + "/c3")).code == "registration_config_invalid"


def test_oversized_slow_and_redirected_answers(web):
    base, routes = web
    routes["/big"] = lambda h: _json(h, {"issuer": base, "pad": "x" * 200_000})
    routes["/big-chunked"] = _chunked_big
    routes["/slow"] = _trickle
    routes["/silent"] = lambda h: time.sleep(3)
    routes["/redirect"] = _redirect
    routes["/text"] = lambda h: _send(h, 200, b"<html>not json</html>", "text/html")
    routes["/gone"] = lambda h: _send(h, 404, b"no", "text/plain")
    assert refusal(lambda: registrar().configuration(base + "/big")).code == "registration_too_large"
    assert refusal(lambda: registrar().configuration(base + "/big-chunked")).code == "registration_too_large"
    started = time.monotonic()
    assert refusal(lambda: registrar(deadline=0.6).configuration(base + "/slow")).code == "registration_timeout"
    assert refusal(lambda: registrar(deadline=0.6).configuration(base + "/silent")).code == "registration_timeout"
    assert time.monotonic() - started < 6  # each cut off at its deadline (at most twice it), not when the server ends
    assert refusal(lambda: registrar().configuration(base + "/redirect")).code == "registration_redirect"
    assert refusal(lambda: registrar().configuration(base + "/text")).code == "registration_config_invalid"
    assert refusal(lambda: registrar().configuration(base + "/gone")).code == "registration_config_unavailable"


def test_environment_proxies_are_ignored(web, monkeypatch):
    """A proxy would hide the real peer from the address check."""
    base, routes = web
    routes["/conf"] = lambda h: _json(h, {"issuer": base})
    monkeypatch.setenv("HTTP_PROXY", "http://10.9.9.9:3128")
    monkeypatch.setenv("HTTPS_PROXY", "http://10.9.9.9:3128")
    assert refusal(lambda: registrar().configuration(base + "/conf")).code == "registration_config_invalid"  # reached directly


def test_registration_answer_without_client_id_is_refused(web, services):
    base, routes = web
    conf = {"issuer": base, "authorization_endpoint": base + "/auth", "token_endpoint": base + "/token", "jwks_uri": base + "/certs",
            "registration_endpoint": base + "/reg"}
    routes["/conf"] = lambda h: _json(h, conf)
    routes["/reg"] = lambda h: _json(h, {"https://purl.imsglobal.org/spec/lti-tool-configuration": {"deployment_id": "4"}})
    tool = ToolDescription("Q", "d", "http://localhost/lti/login", "http://localhost/lti/launch", "http://localhost/lti/deep-link",
                           "http://localhost/lti/jwks.json")
    r = registrar()
    error = refusal(lambda: r.register(r.configuration(base + "/conf"), "token", tool))
    assert error.code == "registration_answer_invalid"


# --- helpers of the web server ------------------------------------------------------------------------


def _send(handler, status: int, body: bytes, media: str, headers: dict | None = None) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", media)
    handler.send_header("Content-Length", str(len(body)))
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.end_headers()
    handler.wfile.write(body)


def _json(handler, data) -> None:
    _send(handler, 200, json.dumps(data).encode(), "application/json")


def _chunked_big(handler) -> None:
    handler.protocol_version = "HTTP/1.1"
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    chunk = b"x" * 16384
    try:
        for _ in range(20):
            handler.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        handler.wfile.write(b"0\r\n\r\n")
    except OSError:
        pass  # the client hung up once it had read enough


def _trickle(handler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", "100")
    handler.end_headers()
    try:
        for _ in range(100):
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(0.1)
    except OSError:
        pass


def _redirect(handler) -> None:
    _send(handler, 302, b"", "text/plain", {"Location": "http://169.254.169.254/latest/meta-data/"})

