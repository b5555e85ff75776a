"""The built SCORM packages running in headless Chromium with scorm-again as the LMS.

Every assertion reads scorm-again's CMI data or the commits it sent to the test server,
never the state of our own scripts.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from packager.build import build
from packager.source import load_course
from tests.support import browser
from tests.support.courses import CONTENT
from tests.support.courses import oversized_summary_course, quiz_course
from tests.support.scorm_lms import LmsServer, extract

pytestmark = pytest.mark.browser

VERSIONS = ("1.2", "2004")
TARGET = {"1.2": "scorm12", "2004": "scorm2004"}
SCREENER = ["recurring", "recordable", "other-departments", "service-change", "mutual-benefit"]


@pytest.fixture(scope="module")
def roots(tmp_path_factory) -> dict[tuple[str, str], Path]:
    """Extracted English packages: (course, version) -> folder."""
    base = tmp_path_factory.mktemp("scorm-runtime")
    synthetic = quiz_course(base / "quiz-content")
    oversized = oversized_summary_course(base / "oversized-content")
    found = {}
    for course, source, short in (("shipped", CONTENT, "qser"), ("synthetic", synthetic, "quizzes"), ("oversized", oversized, "qser")):
        out = base / f"{course}-build"
        build(source, out, tuple(TARGET.values()))
        for version, target in TARGET.items():
            found[(course, version)] = extract(out / f"{short}-en-{target}.zip", base / f"{course}-{target}")
    return found


@pytest.fixture(scope="module")
def server(roots):
    with LmsServer(next(iter(roots.values()))) as running:
        yield running


class Learner:
    """Drives one browser page through the test LMS."""

    def __init__(self, page, server: LmsServer, roots):
        self.page = page
        self.server = server
        self.roots = roots
        self.version = "1.2"
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    @property
    def content(self):
        return self.page.frame_locator("#scorm_object").frame_locator("#qser-frame")

    def launch(self, course: str, version: str, initial: dict | None = None) -> None:
        self.version = version
        self.server.lms.reset(self.roots[(course, version)], version, initial)
        self.page.goto(self.server.url())
        self.recorded()

    def follow(self, *titles: str, where: str = "main") -> None:
        for title in titles:
            self.content.locator(f"{where} a", has_text=title).first.click()
            self.content.locator("h1", has_text=title).wait_for()
            self.recorded()

    def recorded(self) -> None:
        """Wait until the LMS's bookmark names the page on show: the runtime has recorded the view."""
        key = self.content.locator("body[data-qser-page]").get_attribute("data-qser-page")
        deadline = time.monotonic() + 10
        while status(self.cmi(), self.version)["location"] != key:
            assert time.monotonic() < deadline, f"the view of {key} was not recorded"
            time.sleep(0.05)

    def cmi(self) -> dict:
        api = "API" if self.version == "1.2" else "API_1484_11"
        return self.page.evaluate(f"() => JSON.parse(JSON.stringify(window.{api}.cmi))")

    def leave(self) -> dict:
        """Close the course as a learner does; returns the last commit (sent from the SCO's pagehide)."""
        before = len(self.server.lms.commits)
        self.page.goto("about:blank")
        deadline = time.monotonic() + 10
        while len(self.server.lms.commits) == before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.server.lms.commits) > before, "no commit on leaving"
        return self.server.lms.last_commit()

    def screener(self, yes: int) -> None:
        for index, question in enumerate(SCREENER):
            self.content.locator(f"#qser-q-{question}-{'yes' if index < yes else 'no'}").check()
        self.content.get_by_role("button", name="Show the result").click()
        self.content.locator(".qser-result:not([hidden])").wait_for()

    def frame(self, suffix: str):
        return next(f for f in self.page.frames if f.url.endswith(suffix))


@pytest.fixture
def learner(chromium, server, roots):
    context = chromium.new_context()
    page = context.new_page()
    person = Learner(page, server, roots)
    yield person
    context.close()
    assert person.errors == [], person.errors


def status(cmi: dict, version: str) -> dict:
    """The elements the issue names, from either data model."""
    if version == "1.2":
        core = cmi["core"]
        return {"status": core["lesson_status"], "raw": core["score"]["raw"], "min": core["score"]["min"],
                "max": core["score"]["max"], "location": core["lesson_location"]}
    return {"completion": cmi["completion_status"], "success": cmi["success_status"], "raw": cmi["score"]["raw"],
            "min": cmi["score"]["min"], "max": cmi["score"]["max"], "scaled": cmi["score"]["scaled"],
            "progress": cmi["progress_measure"], "location": cmi["location"]}


def objectives(cmi: dict) -> dict[str, dict]:
    return {o["id"]: o for o in cmi["objectives"].values()} if isinstance(cmi["objectives"], dict) else {o["id"]: o for o in cmi["objectives"]}


def interactions(cmi: dict) -> list[dict]:
    found = cmi["interactions"]
    return list(found.values()) if isinstance(found, dict) else list(found)


def pattern(interaction: dict) -> str:
    responses = interaction["correct_responses"]
    first = responses["0"] if isinstance(responses, dict) else responses[0]
    return first["pattern"]


@pytest.mark.parametrize("version", VERSIONS)
def test_opening_an_item_records_its_completion(learner, version):
    learner.launch("synthetic", version)
    before = status(learner.cmi(), version)
    assert before["location"] == "home"
    learner.follow("Basics", "First page")
    cmi = learner.cmi()
    now = status(cmi, version)
    assert now["location"] == "item/basics/first"
    objective = objectives(cmi)["basics/first"]
    if version == "1.2":
        assert objective["status"] == "completed"
        assert now["status"] == "incomplete"  # four more items to go
    else:
        assert objective["completion_status"] == "completed"
        assert now["completion"] == "incomplete"
        assert float(now["progress"]) == pytest.approx(0.2)  # 1 of 5 tracked items (labels are not)
    assert learner.server.lms.commits, "the view was committed"


@pytest.mark.parametrize("version", VERSIONS)
def test_screener_with_four_yes_passes_with_80_of_100(learner, version):
    learner.launch("shipped", version)
    learner.follow("Finding and documenting case studies", "Case-study screener")
    learner.screener(yes=4)
    cmi = learner.cmi()
    now = status(cmi, version)
    assert (now["raw"], now["min"], now["max"]) == ("80", "0", "100")
    if version == "1.2":
        assert now["status"] == "passed"
        assert objectives(cmi)["finding-case-studies/screener"]["status"] == "passed"
    else:
        assert now["success"] == "passed"
        assert float(now["scaled"]) == pytest.approx(0.8)
        assert objectives(cmi)["finding-case-studies/screener"]["success_status"] == "passed"
    answers = interactions(cmi)
    assert [a["id"] for a in answers] == [f"finding-case-studies/screener/{q}" for q in SCREENER]
    assert {a["type"] for a in answers} == {"true-false"}
    committed = learner.server.lms.last_commit()["cmi"]
    assert status(committed, version)["raw"] == "80"  # reached the LMS, not only the runtime
    learner.content.locator("#qser-f-name").wait_for()  # suitable: the summary form follows


@pytest.mark.parametrize("version", VERSIONS)
def test_screener_with_two_yes_fails_and_asks_for_another_case(learner, version):
    learner.launch("shipped", version)
    learner.follow("Finding and documenting case studies", "Case-study screener")
    learner.screener(yes=2)
    now = status(learner.cmi(), version)
    assert now["raw"] == "40"
    assert (now["status"] if version == "1.2" else now["success"]) == "failed"
    assert learner.content.get_by_role("button", name="Answer again for another case study").is_visible()
    assert learner.content.locator(".qser-summary").is_hidden()


@pytest.mark.parametrize("version", VERSIONS)
def test_reload_restores_bookmark_and_summary_from_suspend_data(learner, version):
    learner.launch("shipped", version)
    learner.follow("Finding and documenting case studies", "Case-study screener")
    learner.screener(yes=5)
    learner.content.locator("#qser-f-name").fill("Μαρία")
    learner.content.locator("#qser-f-background").fill('Queues at the front desk.\nTwo "urgent" cases a day.')
    committed = learner.leave()["cmi"]
    exit_element = committed["core"]["exit"] if version == "1.2" else committed["exit"]
    assert exit_element == "suspend"

    resumed = {key: value for key, value in committed.items() if key not in ("exit", "session_time", "total_time")}
    if version == "1.2":
        resumed["core"] = {k: v for k, v in committed["core"].items() if k not in ("exit", "session_time", "total_time")}
        resumed["core"]["entry"] = "resume"
    else:
        resumed["entry"] = "resume"
    learner.launch("shipped", version, initial=resumed)
    learner.content.locator("h1", has_text="Case-study screener").wait_for()  # straight to the bookmark
    assert learner.content.locator("#qser-f-name").input_value() == "Μαρία"
    assert learner.content.locator("#qser-f-background").input_value() == 'Queues at the front desk.\nTwo "urgent" cases a day.'
    assert learner.content.locator("#qser-q-mutual-benefit-yes").is_checked()
    assert learner.content.locator(".qser-result").is_visible()


@pytest.mark.parametrize("version", VERSIONS)
def test_quizzes_report_scores_and_interactions_with_correct_responses(learner, version):
    course, _ = load_course(learner.roots[("synthetic", version)].parent / "quiz-content")
    quiz = course.item("basics/check").text("en").quiz
    learner.launch("synthetic", version)
    learner.follow("Basics", "First check")
    page = learner.content
    page.get_by_label("Blue").check()
    page.get_by_label("Two").check()
    page.get_by_label("Three").check()
    page.get_by_label("Athens").check()
    page.get_by_role("button", name="Check my answers").click()
    page.locator(".qser-result:not([hidden])").wait_for()

    expected = quiz.percent({"colour": {"a"}, "numbers": {"a", "b"}, "city-choice": {"athens-gr"}})
    assert expected == 67
    cmi = learner.cmi()
    objective = objectives(cmi)["basics/check"]
    assert objective["score"]["raw"] == "67"
    assert (objective["status"] if version == "1.2" else objective["success_status"]) == "passed"
    recorded = {a["id"]: a for a in interactions(cmi)}
    assert set(recorded) == {"basics/check/colour", "basics/check/numbers", "basics/check/city-choice"}
    colour, numbers, city = (recorded[f"basics/check/{q}"] for q in ("colour", "numbers", "city-choice"))
    assert {a["type"] for a in recorded.values()} == {"choice"}
    if version == "1.2":
        assert (pattern(colour), pattern(numbers), pattern(city)) == ("a", "a,c", "a")
        assert (numbers["student_response"], numbers["result"]) == ("a,b", "wrong")
        assert (colour["result"], city["result"]) == ("correct", "correct")
    else:
        assert (pattern(colour), pattern(numbers), pattern(city)) == ("a", "a[,]c", "athens_gr")
        assert (numbers["learner_response"], numbers["result"]) == ("a[,]b", "incorrect")
        assert (colour["result"], city["result"]) == ("correct", "correct")
    assert status(cmi, version)["raw"] == ""  # the course score waits for the second graded quiz

    learner.follow("More", where="nav.toc")
    learner.follow("A useful site")
    learner.follow("Handout", "Final check", where="nav.toc")
    page.get_by_label("Madrid").check()
    page.get_by_role("button", name="Check my answers").click()
    page.locator(".qser-result:not([hidden])").wait_for()
    now = status(learner.cmi(), version)
    assert now["raw"] == "84"  # mean of 67 and 100, rounded half to even; pass mark 62
    if version == "1.2":
        assert now["status"] == "passed"
    else:
        assert (now["success"], float(now["scaled"])) == ("passed", pytest.approx(0.84))
        assert (now["completion"], float(now["progress"])) == ("incomplete", pytest.approx(0.8))  # "First page" unseen
        learner.follow("Basics", where="nav.toc")
        learner.follow("First page")
        now = status(learner.cmi(), version)
        assert (now["completion"], float(now["progress"])) == ("completed", 1)


def test_pages_and_widgets_are_accessible(learner):
    learner.launch("shipped", "2004")
    # axe tests frames it is loaded in, so the launch page is judged with the page it shows
    learner.frame("/en/index.html").add_script_tag(content=browser.AXE_JS.read_text(encoding="utf-8"))
    launch_violations = browser.axe_violations(learner.frame("/package/index.html"))
    assert launch_violations == [], browser.describe(launch_violations)
    learner.follow("Finding and documenting case studies", "Case-study screener")
    learner.content.get_by_role("button", name="Show the result").click()  # errors shown
    learner.screener(yes=4)
    violations = browser.axe_violations(learner.frame("screener.html"), browser.WCAG_TAGS)
    assert violations == [], browser.describe(violations)

    learner.launch("synthetic", "1.2")
    learner.follow("Basics", "First check")
    learner.content.get_by_label("Blue").check()
    learner.content.get_by_role("button", name="Check my answers").click()  # errors shown
    violations = browser.axe_violations(learner.frame("check.html"), browser.WCAG_TAGS)
    assert violations == [], browser.describe(violations)


def test_package_opened_from_disk_works_without_an_lms(chromium, roots):
    context = chromium.new_context(accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((roots[("shipped", "1.2")] / "index.html").as_uri())
    content = page.frame_locator("#qser-frame")
    content.locator("main a", has_text="Finding and documenting case studies").first.click()
    content.locator("main a", has_text="Case-study screener").first.click()
    for index, question in enumerate(SCREENER):
        content.locator(f"#qser-q-{question}-{'yes' if index < 4 else 'no'}").check()
    content.get_by_role("button", name="Show the result").click()
    content.locator("#qser-f-name").fill("Ana")
    assert "not connected to a learning platform" in content.locator(".qser-summary").inner_text()
    for field in ("title", "sector", "background", "addressed", "benefits"):
        content.locator(f"#qser-f-{field}").fill(f"{field} text")
    with page.expect_download() as download:
        content.get_by_role("button", name="Download the summary").click()
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Ana" in saved and "background text" in saved and '<html lang="en">' in saved
    context.close()
    assert errors == [], errors


def test_summary_never_outgrows_scorm12_suspend_data(learner):
    """A summary allowing 16000 characters, where SCORM 1.2 stores 4096: the form keeps to the limit."""
    learner.launch("oversized", "1.2")
    learner.follow("Finding and documenting case studies", "Case-study screener")
    learner.screener(yes=4)
    learner.content.locator("#qser-f-background").fill("b" * 2000)
    learner.content.locator("#qser-f-addressed").fill("a" * 2000)
    kept = learner.content.locator("#qser-f-addressed").input_value()
    stored = learner.cmi()["suspend_data"]
    assert len(stored) <= 4096
    assert "b" * 2000 in stored and 0 < len(kept) < 2000 and kept in stored  # what the field shows is what is stored
    assert learner.content.locator("#qser-f-addressed-count").inner_text().startswith("0 ")
    learner.content.locator("#qser-f-benefits").press_sequentially('"more"')
    assert learner.cmi()["suspend_data"] == stored
    assert learner.content.locator("#qser-f-benefits").input_value() == ""
