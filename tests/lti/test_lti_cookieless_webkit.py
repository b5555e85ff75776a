"""WebKit (Debian's WebKitGTK, the engine of every iPhone browser) with its third-party cookie
blocking on (MiniBrowser's default, as Safari's), platform (fake Moodle) on 127.0.0.1 and the
tool on localhost. WebKit keeps no cookie at all in the platform's iframe (partitioned or not,
and no Secure cookie over http) but lets the frame use its own, partitioned localStorage:
the launch goes through the frame-storage proof, for learners and for deep linking."""

from __future__ import annotations

import time

import pytest

from tests.support import webkit
from tests.support.lti_cross_site import start_stack

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def driver():
    reason = webkit.missing()
    if reason:  # make test installs them (scripts/system-deps.sh): a machine without them fails, as without Chromium
        pytest.fail(reason)
    with webkit.webkit() as session:
        yield session


@pytest.fixture(scope="module")
def stack(tmp_path_factory, lti_content):
    running = start_stack(tmp_path_factory.mktemp("webkit-var"), lti_content, bind="localhost", public_host="localhost")
    yield running
    running.close()


def in_tool_frame(driver, url_prefix: str, timeout: float = 20) -> str:
    """Switch into the course page's tool iframe once it shows ``url_prefix``, fully loaded."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By

    deadline, seen = time.monotonic() + timeout, ""
    while time.monotonic() < deadline:
        driver.switch_to.default_content()
        try:
            driver.switch_to.frame(driver.find_element(By.ID, "tool"))
            seen = driver.execute_script("return document.readyState === 'complete' ? location.href : ''") or seen
            if seen.startswith(url_prefix):
                return seen
        except WebDriverException as problem:
            seen = problem.msg or seen
        time.sleep(0.1)
    raise AssertionError(f"the tool frame never showed {url_prefix}; last seen: {seen}")


def click(driver, element) -> None:
    radio = element.get_attribute("type") == "radio"
    element.click()
    if radio:
        assert element.is_selected()


def test_which_cookie_webkit_keeps_in_the_iframe(driver, stack):
    """Finding for the README: none of the probe cookies comes back (plain SameSite=None,
    partitioned, Lax), while the frame's localStorage works."""
    from selenium.webdriver.common.by import By

    driver.get(f"{stack.moodle.issuer}/storage/rogue.html")  # any platform page: the top-level site is the platform's
    for step in ("set", "get"):
        driver.switch_to.default_content()
        driver.execute_script("document.body.innerHTML = arguments[0]",
                              f'<iframe id="tool" title="probe" src="{stack.tool_origin}/_probe/{step}"></iframe>')
        in_tool_frame(driver, f"{stack.tool_origin}/_probe/{step}")
        if step == "set":
            assert driver.execute_script("localStorage.setItem('k', 'v'); return localStorage.getItem('k')") == "v"
    assert driver.find_element(By.ID, "cookies").text == "none"
    driver.switch_to.default_content()


def test_frame_storage_launch_reaches_the_grade_book(driver, stack):
    from selenium.webdriver.common.by import By

    before = len(stack.moodle.accepted())
    driver.get(f"{stack.moodle.issuer}/mod/lti/view.php?id=7&user=101")
    in_tool_frame(driver, stack.tool_origin + "/lti/launch/confirm")  # no cookie came back: the stored proof did
    fieldsets = driver.find_elements(By.CSS_SELECTOR, "fieldset")
    assert len(fieldsets) == 5
    for fieldset, value in zip(fieldsets, ["yes", "yes", "no", "yes", "yes"]):
        click(driver, fieldset.find_element(By.CSS_SELECTOR, f'input[value="{value}"]'))
    click(driver, driver.find_element(By.XPATH, "//button[normalize-space()='Check this case study']"))
    in_tool_frame(driver, stack.tool_origin + "/screener/answers")
    assert "You answered yes to 4 of 5 questions." in driver.find_element(By.TAG_NAME, "main").text
    driver.switch_to.default_content()
    scores = stack.wait_for_scores(before + 1)
    assert len(scores) == before + 1 and scores[-1].body["userId"] == "101" and scores[-1].body["scoreGiven"] == 4


def test_frame_storage_deep_linking_returns_the_activity(driver, stack):
    from selenium.webdriver.common.by import By

    driver.get(f"{stack.moodle.issuer}/course/modedit.php?user=201")
    in_tool_frame(driver, stack.tool_origin + "/lti/launch/confirm")
    click(driver, driver.find_elements(By.CSS_SELECTOR, "form button[type=submit]")[0])  # "Add in: each learner's language"
    in_tool_frame(driver, stack.moodle.issuer + "/mod/lti/contentitem_return.php")
    assert driver.find_element(By.ID, "moodle-dl-done").text == "Content selected."
    driver.switch_to.default_content()
    assert len(stack.moodle.dl_returns) == 1 and stack.moodle.dl_refusals == []
