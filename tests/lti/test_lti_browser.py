"""The screener in headless Chromium, the way a learner meets it: inside an iframe of the
course page on another site (platform on 127.0.0.1, tool on localhost), third-party
cookies blocked, phone-sized screen; axe-core finds no WCAG 2.1 AA violation."""

from __future__ import annotations

import time

import pytest
from flask import Flask, make_response, request

from lti_tool.config import Settings
from lti_tool.web import create_app
from lti_tool.web.services import Services
from tests.support.browser import describe
from tests.support.fake_moodle import FakeMoodle
from tests.support.lti_browser import PHONE, STALE_FRAME_RETRY, Server, axe, no_horizontal_scroll, tool_frame
from tests.support.lti_flow import register

pytestmark = [pytest.mark.browser, STALE_FRAME_RETRY]


@pytest.fixture(scope="module")
def stack(tmp_path_factory, lti_content):
    """Tool (like `qser lti serve`: real socket, in-process grade worker) + fake Moodle fetching our JWKS."""
    tool_server = Server("localhost")
    var = tmp_path_factory.mktemp("browser-var")
    settings = Settings(base_url=f"http://localhost:{tool_server.port}/", var_dir=var, content_dir=lti_content,
                        database_url=f"sqlite:///{var / 'lti.sqlite3'}", outbox_inline=True)
    services = Services.build(settings)
    moodle = FakeMoodle(settings.base_url).start()  # fetches our key set over HTTP
    moodle.links["7"].custom = {"qser_screener": "cases/screener"}
    register(services, moodle)
    tool_server.server.app = create_app(settings, services=services)
    probe = _cookie_probe()
    tool_server.server.app.wsgi_app = _mount(tool_server.server.app.wsgi_app, probe)
    yield moodle, tool_server, services
    tool_server.close()
    moodle.stop()
    services.close()


def _cookie_probe() -> Flask:
    """Control: proves the browser blocks ordinary third-party cookies in this iframe."""
    app = Flask("probe")

    @app.get("/_probe/set")
    def set_cookie():
        resp = make_response('<!doctype html><html lang="en"><title>set</title><body>set</body></html>')
        resp.set_cookie("plain", "1", secure=True, samesite="None")
        return resp

    @app.get("/_probe/get")
    def get_cookie():
        return f'<!doctype html><html lang="en"><title>get</title><body>{",".join(sorted(request.cookies)) or "none"}</body></html>'

    return app


def _mount(tool_app, probe):
    def dispatch(environ, start_response):
        if environ.get("PATH_INFO", "").startswith("/_probe/"):
            return probe.wsgi_app(environ, start_response)
        return tool_app(environ, start_response)
    return dispatch


def test_screener_in_a_cross_site_iframe_on_a_phone(chromium, stack):
    moodle, tool, services = stack
    context = chromium.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    platform = moodle.issuer

    # control: an ordinary SameSite=None cookie set in the iframe does not come back
    page.goto(f"{platform}/mod/lti/view.php?id=7&user=101")
    page.set_content(f'<iframe src="http://localhost:{tool.port}/_probe/set"></iframe>')
    page.wait_for_timeout(200)
    page.set_content(f'<iframe src="http://localhost:{tool.port}/_probe/get"></iframe>')
    probe = tool_frame(page, tool.port, "/_probe/get")
    assert probe.inner_text("body") == "none", "third-party cookies are not blocked in this browser"

    page.goto(f"{platform}/mod/lti/view.php?id=7&user=101")
    frame = tool_frame(page, tool.port, "/lti/launch")
    assert frame.get_attribute("html", "lang") == "en"
    assert frame.locator("fieldset").count() == 5
    assert no_horizontal_scroll(frame)
    violations = axe(frame)
    assert violations == [], describe(violations)

    # keyboard: Space selects a focused radio, arrows move within the group
    frame.get_by_role("radio", name="Yes").first.focus()
    page.keyboard.press("Space")
    answers = ["yes", "yes", "no", "yes", "yes"]
    for index, value in enumerate(answers):
        frame.locator(f"fieldset >> nth={index}").get_by_role("radio", name=value.capitalize()).check()
    frame.get_by_role("button", name="Check this case study").click()
    frame = tool_frame(page, tool.port, "/screener/answers")
    assert "You answered yes to 4 of 5 questions." in frame.inner_text("main")
    assert no_horizontal_scroll(frame)
    violations = axe(frame)
    assert violations == [], describe(violations)

    frame.get_by_role("button", name="Save the summary").click()  # nothing filled in
    frame = tool_frame(page, tool.port, "/screener/summary")
    assert frame.get_by_role("alert").count() == 1
    assert frame.locator("[aria-invalid=true]").count() == 3
    violations = axe(frame)
    assert violations == [], describe(violations)

    frame.get_by_role("textbox", name="Name").fill("Eleni")  # (the credit choice "With my name" is a radio)
    frame.get_by_label("Case study title").fill("Interpreters on call")
    frame.get_by_label("Problem background").fill("Families waited for hours without an interpreter.")
    frame.get_by_role("button", name="Save the summary").click()
    frame = tool_frame(page, tool.port, "/screener/summary")
    frame.get_by_text("your case-study summary is saved").wait_for()
    violations = axe(frame)
    assert violations == [], describe(violations)

    deadline = time.monotonic() + 15  # the in-process worker delivers without being asked
    while len(moodle.accepted()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [c.body["activityProgress"] for c in moodle.accepted()] == ["Submitted", "Completed"]
    assert moodle.grades[("11", "101")][1]["scoreGiven"] == 4
    context.close()


def test_screener_in_greek(chromium, stack):
    moodle, tool, _ = stack
    moodle.links["7"].locale = "el-GR"
    context = chromium.new_context(viewport=PHONE, locale="el-GR")
    page = context.new_page()
    try:
        page.goto(f"{moodle.issuer}/mod/lti/view.php?id=7&user=102")
        frame = tool_frame(page, tool.port, "/lti/launch")
        assert frame.get_attribute("html", "lang") == "el"
        assert frame.get_by_role("radio", name="Ναι").count() == 5
        violations = axe(frame)
        assert violations == [], describe(violations)
    finally:
        moodle.links["7"].locale = "en"
        context.close()


def test_unregistered_site_cannot_frame_the_tool(chromium, stack):
    moodle, tool, _ = stack
    evil = Server("127.0.0.2")
    evil.server.app.add_url_rule("/", "page", lambda: f'<!doctype html><html lang="en"><title>x</title>'
                                 f'<iframe src="http://localhost:{tool.port}/healthz"></iframe></html>')
    context = chromium.new_context()
    page = context.new_page()
    try:
        page.goto(f"http://127.0.0.2:{evil.port}/")
        page.wait_for_timeout(500)
        child = page.frames[1]
        assert child.url.startswith("chrome-error://")  # Chromium refused the frame (CSP frame-ancestors)
        page.goto(f"{moodle.issuer}/mod/lti/view.php?id=7&user=101")
        page.set_content(f'<iframe src="http://localhost:{tool.port}/healthz"></iframe>')
        frame = tool_frame(page, tool.port, "/healthz")
        assert frame.inner_text("body").strip() == "ok"  # the registered platform may frame it
    finally:
        context.close()
        evil.close()


@pytest.mark.parametrize("locale", ["en-GB", "el-GR", "es-ES"])
def test_administrator_page_on_a_phone(chromium, stack, locale):
    _, tool, _ = stack
    context = chromium.new_context(viewport=PHONE, locale=locale)
    page = context.new_page()
    try:
        page.goto(f"http://localhost:{tool.port}/")
        assert page.get_attribute("html", "lang") == locale[:2]
        assert f"http://localhost:{tool.port}/lti/jwks.json" in page.inner_text("main")
        assert no_horizontal_scroll(page)
        violations = axe(page)
        assert violations == [], describe(violations)
    finally:
        context.close()
