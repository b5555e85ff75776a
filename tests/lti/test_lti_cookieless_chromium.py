"""Chromium (Debian's, via Playwright) with third-party cookies blocked, the platform (fake
Moodle) on 127.0.0.1 and the tool on another site. Chromium keeps the partitioned (CHIPS)
state cookie in the platform's iframe but refuses the frame's localStorage, so:

- tool on ``localhost`` (a secure context, like production's https): the cookie carries the
  launch, for learners and for deep linking;
- tool on ``qser-tool.test`` (mapped to 127.0.0.1 by ``--host-resolver-rules``; plain http, so
  its state cookie is SameSite=Lax and never comes back): the platform's postMessage storage
  carries the launch when the platform offers it, and otherwise the new-window offer does.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, describe
from tests.support.lti_browser import PHONE, STALE_FRAME_RETRY, axe
from tests.support.lti_cross_site import start_stack

pytestmark = [pytest.mark.browser, STALE_FRAME_RETRY]

TOOL_HOST = "qser-tool.test"
ROGUE_HOST = "other-platform.test"


@pytest.fixture(scope="module")
def engine(chromium):
    """A second Chromium from the session's Playwright, resolving the test host names."""
    browser = chromium.browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + [
        f"--host-resolver-rules=MAP {TOOL_HOST} 127.0.0.1, MAP {ROGUE_HOST} 127.0.0.1",
    ])
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, lti_content):
    """No cookie can carry the launch to this tool (http, not localhost)."""
    running = start_stack(tmp_path_factory.mktemp("chromium-var"), lti_content, bind="127.0.0.1", public_host=TOOL_HOST,
                          rogue_host=ROGUE_HOST)
    yield running
    running.close()


@pytest.fixture(scope="module")
def secure_stack(tmp_path_factory, lti_content):
    """The tool on localhost: Secure cookies work, as on https."""
    running = start_stack(tmp_path_factory.mktemp("chromium-secure-var"), lti_content, bind="127.0.0.1", public_host="localhost",
                          rogue_host=ROGUE_HOST)
    yield running
    running.close()


def tool_frame(page, stack, path: str, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in page.frames:
            if frame.url.startswith(stack.tool_origin + path):
                frame.wait_for_load_state()
                return frame
        page.wait_for_timeout(50)
    raise AssertionError(f"tool frame {path} never loaded; frames: {[f.url for f in page.frames]}")


def answer_and_check(frame, stack, page):
    for index, value in enumerate(["yes", "yes", "no", "yes", "yes"]):
        frame.locator(f"fieldset >> nth={index}").get_by_role("radio", name=value.capitalize()).check()
    frame.get_by_role("button", name="Check this case study").click()
    frame = tool_frame(page, stack, "/screener/answers")
    assert "You answered yes to 4 of 5 questions." in frame.inner_text("main")


def test_partitioned_cookie_launch_reaches_the_grade_book(engine, secure_stack):
    stack = secure_stack
    context = engine.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    confirms = []
    page.on("request", lambda r: confirms.append(r.url) if r.url.endswith("/lti/launch/confirm") else None)
    try:
        page.goto(f"{stack.moodle.issuer}/mod/lti/view.php?id=7&user=101")
        frame = tool_frame(page, stack, "/lti/launch")
        frame.locator("fieldset").first.wait_for()
        assert confirms == []  # the state cookie came back: no proof needed
        answer_and_check(frame, stack, page)
        scores = stack.wait_for_scores(1)
        assert scores and scores[-1].body["userId"] == "101" and scores[-1].body["scoreGiven"] == 4
    finally:
        context.close()


@pytest.mark.parametrize(("which", "course_page", "path"), [
    ("secure_stack", "/course/modedit.php?user=201", "/lti/launch"),  # the partitioned cookie
    ("stack", "/storage/view.php?id=dl&user=201", "/lti/launch/confirm"),  # the platform's postMessage storage
], ids=["cookie", "platform-storage"])
def test_deep_linking_returns_the_activity(engine, request, which, course_page, path):
    stack = request.getfixturevalue(which)
    context = engine.new_context()
    page = context.new_page()
    returned = len(stack.moodle.dl_returns)
    try:
        page.goto(stack.moodle.issuer + course_page)
        frame = tool_frame(page, stack, path)
        frame.get_by_role("button", name="Add in").first.click()
        page.frame_locator("#tool").locator("#moodle-dl-done").wait_for()
        assert len(stack.moodle.dl_returns) == returned + 1 and stack.moodle.dl_refusals == []
    finally:
        context.close()


def test_platform_postmessage_storage_launch_reaches_the_grade_book(engine, stack):
    context = engine.new_context()
    page = context.new_page()
    origins = []
    page.on("request", lambda r: origins.append(r.headers.get("origin")) if r.url.endswith("/lti/launch/confirm") else None)
    try:
        page.goto(f"{stack.moodle.issuer}/storage/view.php?id=7&user=102")
        frame = tool_frame(page, stack, "/lti/launch/confirm")  # no cookie came back: the proof did
        assert origins == [stack.tool_origin]  # posted by the tool's own page, with its Origin
        answer_and_check(frame, stack, page)
        scores = stack.wait_for_scores(1)
        assert scores and scores[-1].body["userId"] == "102"
    finally:
        context.close()


@pytest.mark.parametrize("mode", ["wrong-origin", "wrong-window"])
def test_postmessage_answer_from_another_sender_is_ignored(engine, stack, mode):
    """The genuine answer (right message id and proof) handed to another origin or window:
    the page does not take it, the launch is refused with its reason, nothing is stored."""
    page = (context := engine.new_context()).new_page()
    before = stack.launches()
    try:
        page.goto(f"{stack.moodle.issuer}/storage/view.php?id=7&user=101&mode={mode}")
        frame = tool_frame(page, stack, "/lti/launch/confirm")
        assert frame.locator(".lti-error-code").inner_text() == "state_unbound"
        assert stack.launches() == before
    finally:
        context.close()


@pytest.mark.parametrize(("locale", "lang", "button"), [
    ("en-GB", "en", "Open the screener in a new window"),
    ("el-GR", "el", "Άνοιγμα του ελέγχου καταλληλότητας σε νέο παράθυρο"),
    ("es-ES", "es", "Abrir el cribado en una ventana nueva"),
])
def test_new_window_offer_and_waiting_pages_are_accessible(engine, stack, locale, lang, button):
    context = engine.new_context(viewport=PHONE, locale=locale)
    page = context.new_page()
    try:
        page.goto(f"{stack.moodle.issuer}/mod/lti/view.php?id=7&user=101")
        frame = tool_frame(page, stack, "/lti/login")
        link = frame.get_by_role("link", name=button)
        link.wait_for()
        assert frame.get_attribute("html", "lang") == lang
        assert frame.evaluate("document.activeElement.target") == "_blank"  # focus moved to the one action
        violations = axe(frame)
        assert violations == [], describe(violations)
        # the waiting pages, held on screen by serving them no script
        for path in ("/lti/login", "/lti/launch"):
            held = context.new_page()
            held.route("**/launch.js", lambda route: route.fulfill(body="", content_type="text/javascript")
                       if route.request.frame.url.startswith(stack.tool_origin + path) else route.continue_())
            held.goto(f"{stack.moodle.issuer}/mod/lti/view.php?id=7&user=101")
            if path == "/lti/launch":  # the login page found nowhere to keep the proof: go on by hand
                login = tool_frame(held, stack, "/lti/login")
                login.evaluate("location.replace(document.getElementById('qser-launch').dataset.auth)")
            waiting = tool_frame(held, stack, path)
            waiting.get_by_role("heading", level=1).wait_for()
            assert waiting.get_attribute("html", "lang") == lang
            violations = axe(waiting)
            assert violations == [], f"{path}: " + describe(violations)
            held.close()
    finally:
        context.close()


def test_new_window_completes_the_launch_first_party(engine, stack):
    context = engine.new_context()
    page = context.new_page()
    try:
        page.goto(f"{stack.moodle.issuer}/mod/lti/view.php?id=7&user=101")
        frame = tool_frame(page, stack, "/lti/login")
        with context.expect_page() as opened:
            frame.get_by_role("link", name="Open the screener in a new window").click()
        window = opened.value
        window.wait_for_url(stack.tool_origin + "/lti/launch**")
        window.locator("fieldset").first.wait_for()
        assert window.locator("fieldset").count() == 5
        answer_and_check(window.main_frame, stack, window)
    finally:
        context.close()


def test_which_cookie_chromium_keeps_in_the_iframe(engine, secure_stack):
    """Finding for the README: of the probe cookies set by the tool inside the platform's page
    (tool on localhost, a secure context like production's https), only the partitioned one
    (CHIPS) comes back, and the frame may not use localStorage at all."""
    page = engine.new_context().new_page()
    tool = secure_stack.tool_origin
    stack = secure_stack
    page.goto(f"{stack.moodle.issuer}/storage/rogue.html")  # any platform page: the top-level site is the platform's
    page.set_content(f'<iframe src="{tool}/_probe/set"></iframe>')
    setter = tool_frame_at(page, tool + "/_probe/set")
    refusal = setter.evaluate("() => { try { return localStorage.length && ''; } catch (e) { return e.name; } }")
    assert refusal == "SecurityError"
    page.set_content(f'<iframe src="{tool}/_probe/get"></iframe>')
    assert tool_frame_at(page, tool + "/_probe/get").inner_text("#cookies") == "partitioned"
    page.context.close()


def tool_frame_at(page, url: str):
    for _ in range(200):
        for frame in page.frames:
            if frame.url.startswith(url):
                frame.wait_for_load_state()
                return frame
        page.wait_for_timeout(50)
    raise AssertionError(f"{url} never loaded")


def test_without_javascript_the_cookie_path_still_works(chromium, secure_stack):
    """JavaScript off: the login page goes on by its <noscript> refresh, the partitioned
    cookie carries the launch, and the screener is plain forms (Moodle's own auto-submitting
    forms need a click without JavaScript, as in Moodle).

    Scripting is off in the browser's settings from the start: Playwright's per-context switch
    reaches a cross-site frame's renderer only once the frame is attached, and now and then
    after its page was parsed with scripting on (its <noscript> read as text, its script never
    run), which no browser with JavaScript off does."""
    stack = secure_stack
    browser = chromium.browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + [
        f"--host-resolver-rules=MAP {TOOL_HOST} 127.0.0.1, MAP {ROGUE_HOST} 127.0.0.1", "--blink-settings=scriptEnabled=false",
    ])
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{stack.moodle.issuer}/mod/lti/view.php?id=7&user=102")
        page.frame_locator("#tool").get_by_role("button", name="Continue").click()  # Moodle's login form
        # Our login page has a "Continue" too (for browsers that ignore the refresh): click
        # Moodle's form_post only once the refresh has reached it.
        auth = _frame_at(page, "/mod/lti/auth.php")
        auth.wait_for_load_state()  # a click before the form is ready can be lost
        auth.get_by_role("button", name="Continue").click()
        frame = tool_frame(page, stack, "/lti/launch")
        frame.locator("fieldset").first.wait_for()
        answer_and_check(frame, stack, page)
    finally:
        context.close()
        browser.close()


def _frame_at(page, path: str, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while True:
        frame = next((f for f in page.frames if urlsplit(f.url).path == path), None)
        if frame is not None:
            return frame
        assert time.monotonic() < deadline, f"no frame reached {path}; frames: {[f.url for f in page.frames]}"
        page.wait_for_timeout(100)
