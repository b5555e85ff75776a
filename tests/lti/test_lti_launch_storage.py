"""Launches without a third-party cookie (the state proof kept in the browser's storage):
the pure checks, then the HTTP exchange: accepted only with this state's proof, posted by
the tool's own page, once, in time; every refusal names its reason and stores nothing (on
SQLite and PostgreSQL)."""

from __future__ import annotations

import html
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from lti_tool.lti import state_proof
from lti_tool.lti.errors import LtiError
from lti_tool.lti.login import StateCodec

from tests.support.lti_flow import auth_request, authorize, picker_forms, snapshot

TOOL = "http://localhost"
SECRET = b"k" * 32


# --- pure ---------------------------------------------------------------------------------------


def _refusal(call) -> str:
    with pytest.raises(LtiError) as caught:
        call()
    return caught.value.code


def test_proof_belongs_to_one_state_only():
    codec = StateCodec(SECRET, 600)
    mine, other = codec.new(1, TOOL + "/lti/launch"), codec.new(1, TOOL + "/lti/launch")
    bound = state_proof.binding(SECRET, mine)
    assert bound.key == mine.cookie_name and bound.expires == int(mine.expires)
    state_proof.check_proof(SECRET, mine, bound.proof)
    assert _refusal(lambda: state_proof.check_proof(SECRET, other, bound.proof)) == "state_proof"
    assert _refusal(lambda: state_proof.check_proof(SECRET, mine, "")) == "state_unbound"
    assert _refusal(lambda: state_proof.check_proof(SECRET, mine, None)) == "state_unbound"
    # the proof is keyed by the tool's secret: knowing the state is not enough to make one
    assert state_proof.proof_for(b"x" * 32, mine) != bound.proof


def test_expired_state_is_refused_before_any_proof():
    codec = StateCodec(SECRET, 600)
    state = codec.new(1, TOOL + "/lti/launch", now=time.time() - 601)
    assert _refusal(lambda: codec.read(state.value)) == "state_expired"


def test_storage_target_rides_in_the_signed_state():
    codec = StateCodec(SECRET, 600)
    state = codec.new(1, TOOL + "/lti/launch", storage_target="post_message_forwarding")
    assert codec.read(state.value).storage_target == "post_message_forwarding"
    assert codec.read(codec.new(1, TOOL).value).storage_target is None


@pytest.mark.parametrize("origin", [None, "", "null", "http://127.0.0.1", "https://localhost", "http://localhost:8080",
                                    "http://localhost.evil.example"])
def test_proof_must_be_posted_from_the_tool_itself(origin):
    assert _refusal(lambda: state_proof.check_origin(origin, TOOL + "/")) == "proof_origin"


def test_proof_from_the_tool_origin_passes():
    state_proof.check_origin("http://LOCALHOST", TOOL + "/")
    state_proof.check_origin("https://tool.example:8443", "https://tool.example:8443/qser/")


@pytest.mark.parametrize("target", ["_parent", "post_message_forwarding", "lti-storage.1"])
def test_storage_targets_that_are_frame_names(target):
    assert state_proof.storage_target(target) == target


@pytest.mark.parametrize("target", ["javascript:alert(1)", "a b", "<script>", "x" * 65, "_top\n"])
def test_storage_targets_that_are_not_frame_names(target):
    assert _refusal(lambda: state_proof.storage_target(target)) == "storage_target"


def test_platform_origin_is_the_auth_endpoint_origin():
    assert state_proof.platform_origin("https://Moodle.example:8443/mod/lti/auth.php?x=1") == "https://moodle.example:8443"


# --- HTTP -----------------------------------------------------------------------------------------


def _data(page: str, name: str) -> str:
    match = re.search(rf'data-{name}="([^"]*)"', page)
    return html.unescape(match.group(1)) if match else ""


class Browser:
    """One browser that keeps no cookie from the tool's frame (third-party cookies blocked)
    but does keep what the login page's script stores (here: the page's data)."""

    def __init__(self, app, moodle):
        self.client, self.moodle = app.test_client(use_cookies=False), moodle
        self.storage: dict[str, str] = {}

    def login(self, params: dict) -> str:
        resp = self.client.post("/lti/login", data=params)
        page = resp.get_data(as_text=True)
        self.storage[_data(page, "key")] = _data(page, "proof")
        return page

    def launch_page(self, params: dict):
        """Login, the platform's auth answer, and the tool's answer to the form_post."""
        page = self.login(params)
        _, fields = authorize(self.moodle, _data(page, "auth"))
        return fields, self.client.post("/lti/launch", data=fields)

    def confirm(self, fields: dict, proof: str | None, origin: str | None = TOOL):
        data = {**fields, **({"proof": proof} if proof is not None else {})}
        return self.client.post("/lti/launch/confirm", data=data, headers={"Origin": origin} if origin else {})

    def proof_for(self, page: str) -> str:
        return self.storage.get(_data(page, "key"), "")


def test_login_page_sets_the_cookie_and_keeps_the_proof(client, moodle, services):
    resp = client.post("/lti/login", data=moodle.login_params())
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Set-Cookie" in resp.headers
    state = services.states.read(auth_request(resp)["state"])
    assert _data(page, "proof") == state_proof.proof_for(services.secret, state)
    assert _data(page, "key") == state.cookie_name
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src http://localhost/static/tool/launch.js;" in csp  # the tool's own file, nothing inline
    assert re.findall(r"<script\b[^>]*>", page) == ['<script src="http://localhost/static/tool/launch.js" defer>']
    assert '<meta http-equiv="refresh" content="0; url=' in page  # without JavaScript: on to the platform at once
    assert client.get("/static/tool/launch.js").status_code == 200


def test_login_page_filled_in_per_login_carries_what_the_platform_sent(client, moodle):
    """The login page is rendered once per language and filled in per login (web/page_cache.py):
    each login gets its own state and proof, and the platform's hint comes back as it was sent."""
    pages = []
    for hint in ('"><script>alert(1)</script>', "\x00auth_url\x00&<", "plain"):
        page = client.post("/lti/login", data=moodle.login_params(login_hint=hint)).get_data(as_text=True)
        assert "<script>alert" not in page and "\x00" not in page
        window = html.unescape(re.search(r'<a class="button" href="([^"]*)" target="_blank"', page).group(1))
        assert parse_qs(urlsplit(window).query)["login_hint"] == [hint]
        assert parse_qs(urlsplit(_data(page, "auth")).query)["login_hint"] == [hint]
        pages.append(page)
    assert len({_data(p, "proof") for p in pages}) == 3


def test_filled_pages_escape_each_value_once(app):
    from markupsafe import escape

    from packager.i18n import translator

    from lti_tool.web.page_cache import render_filled

    cache, marked = {}, '"><script>alert(1)</script>'
    values = {"auth_url": marked, "binding_key": "\x00auth_url\x00", "binding_proof": "p&q", "binding_expires": 7,
              "storage_target": "", "platform_origin": "https://lms.example", "window_url": "w"}
    with app.test_request_context("/lti/login"):
        for _ in range(2):  # rendered, then from the cache
            page = render_filled(cache, ("en",), "launch_login.html", values, t=translator("en"), lang="en", script="s.js",
                                 cookie="c=1", wait_ms=1)
            assert marked not in page and page.count(str(escape(marked))) == 3  # as Jinja escapes, in its three places
            assert 'data-key="\x00auth_url\x00"' in page and 'data-proof="p&amp;q"' in page  # filled once, not again
    assert len(cache) == 1


def test_cookieless_launch_with_the_proof_runs_the_screener(app, moodle, services):
    browser = Browser(app, moodle)
    fields, waiting = browser.launch_page(moodle.login_params())
    page = waiting.get_data(as_text=True)
    assert waiting.status_code == 200 and 'id="qser-confirm"' in page
    assert waiting.headers["Referrer-Policy"] == "same-origin"  # so the confirm post carries its Origin
    assert snapshot(services)["launch"] == 0  # nothing is stored before the proof
    key = _data(page, "key")
    resp = browser.confirm(fields, browser.storage[key])
    assert resp.status_code == 200, resp.get_data(as_text=True)[:2000]
    assert 'name="launch"' in resp.get_data(as_text=True) and snapshot(services)["launch"] == 1


def test_cookieless_deep_linking_shows_the_picker(app, moodle, services):
    browser = Browser(app, moodle)
    fields, waiting = browser.launch_page(moodle.deep_link_params())
    resp = browser.confirm(fields, browser.proof_for(waiting.get_data(as_text=True)))
    assert resp.status_code == 200
    assert picker_forms(resp.get_data(as_text=True))  # the teacher's choices, each a signed response


def _another_browsers_proof(app, moodle):
    mine, theirs = Browser(app, moodle), Browser(app, moodle)
    fields, _ = mine.launch_page(moodle.login_params())
    theirs.launch_page(moodle.login_params("102"))
    return lambda: mine.confirm(fields, next(iter(theirs.storage.values())))


def _replayed(app, moodle):
    browser = Browser(app, moodle)
    fields, waiting = browser.launch_page(moodle.login_params())
    proof = browser.proof_for(waiting.get_data(as_text=True))
    assert browser.confirm(fields, proof).status_code == 200
    return lambda: browser.confirm(fields, proof)


def _missing_proof(app, moodle):
    browser = Browser(app, moodle)
    fields, _ = browser.launch_page(moodle.login_params())
    return lambda: browser.confirm(fields, None)


def _missing_state(app, moodle):
    browser = Browser(app, moodle)
    fields, waiting = browser.launch_page(moodle.login_params())
    proof = browser.proof_for(waiting.get_data(as_text=True))
    return lambda: browser.confirm({"id_token": fields["id_token"]}, proof)


def _origin(origin):
    def attack(app, moodle):
        browser = Browser(app, moodle)
        fields, waiting = browser.launch_page(moodle.login_params())
        proof = browser.proof_for(waiting.get_data(as_text=True))
        return lambda: browser.confirm(fields, proof, origin=origin)
    attack.__name__ = f"_origin_{origin}"
    return attack


def _expired(app, moodle, monkeypatch):
    browser = Browser(app, moodle)
    fields, waiting = browser.launch_page(moodle.login_params())
    proof = browser.proof_for(waiting.get_data(as_text=True))
    later = time.time() + app.extensions["qser"].settings.state_ttl_seconds + 1
    monkeypatch.setattr("lti_tool.lti.login.time.time", lambda: later)
    return lambda: browser.confirm(fields, proof)


REFUSED = [
    (_another_browsers_proof, 403, "state_proof"),
    (_replayed, 403, "replay"),
    (_missing_proof, 403, "state_unbound"),
    (_missing_state, 400, "state_missing"),
    (_origin("http://127.0.0.1"), 403, "proof_origin"),  # a form on another site (the login-CSRF route)
    (_origin("null"), 403, "proof_origin"),
    (_origin(None), 403, "proof_origin"),
    (_expired, 403, "state_expired"),
]


@pytest.mark.parametrize(("attack", "status", "code"), REFUSED, ids=[a.__name__.strip("_") for a, _, _ in REFUSED])
def test_cookieless_launch_refusals_store_nothing(attack, status, code, app, moodle, services, monkeypatch, caplog):
    send = attack(app, moodle, monkeypatch) if attack is _expired else attack(app, moodle)
    before = snapshot(services)
    resp = send()
    page = resp.get_data(as_text=True)
    assert resp.status_code == status, page[:2000]
    assert f'<code class="lti-error-code">{code}</code>' in page  # shown to the learner
    assert f"({code})" in caplog.text  # and logged
    assert snapshot(services) == before


def test_login_refuses_a_storage_target_that_is_not_a_frame_name(client, moodle):
    resp = client.post("/lti/login", data=moodle.login_params(lti_storage_target="javascript:alert(1)"))
    assert resp.status_code == 400 and '<code class="lti-error-code">storage_target</code>' in resp.get_data(as_text=True)


def test_platform_storage_target_reaches_the_launch_page(app, moodle):
    browser = Browser(app, moodle)
    page = browser.login(moodle.login_params(lti_storage_target="post_message_forwarding"))
    assert _data(page, "storage-target") == "post_message_forwarding"
    assert _data(page, "platform-origin") == moodle.issuer  # answers are accepted from the auth endpoint's origin only
    _, fields = authorize(moodle, _data(page, "auth"))
    waiting = browser.client.post("/lti/launch", data=fields).get_data(as_text=True)
    assert _data(waiting, "storage-target") == "post_message_forwarding"
    assert _data(waiting, "platform-origin") == moodle.issuer


def test_cookieless_instructor_launch_opens_the_results(app, moodle, services):
    browser = Browser(app, moodle)
    fields, waiting = browser.launch_page(moodle.login_params("201"))
    resp = browser.confirm(fields, browser.proof_for(waiting.get_data(as_text=True)))
    assert resp.status_code == 200
    assert "Screener results" in resp.get_data(as_text=True)  # the instructor view, its forms carry the launch token
