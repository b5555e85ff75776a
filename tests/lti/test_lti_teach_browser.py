"""The teacher's pages in headless Chromium, inside Moodle-like pages on another site, at
phone width, in English, Greek and Spanish: axe-core finds no WCAG 2.1 AA violation on the
instructor view (results, review, library), the activity picker (deep linking) and the
registration dialog; the results' charts, their tables open, at 360 px and at desktop width,
with the filters worked from the keyboard; the picker posts back to the platform without a script, and the
registration dialog closes itself with ``org.imsglobal.lti.close`` (its one script allowed by
hash under the CSP)."""

from __future__ import annotations

import shutil
import time
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from lti_tool.config import Settings
from lti_tool.store import invites, tables as T
from lti_tool.web import create_app
from lti_tool.web.services import Services
from tests.support.browser import describe
from tests.support.cohort_data import seed
from tests.support.fake_moodle import FakeMoodle
from tests.support.fake_moodle_lti1p3 import User
from tests.support.lti_browser import PHONE, STALE_FRAME_RETRY, Server, axe, no_horizontal_scroll, tool_frame
from tests.support.lti_flow import ALL_ANSWERS, launch, register, submit

pytestmark = [pytest.mark.browser, STALE_FRAME_RETRY]

SEEDED = [
    ("101", "el-GR", {"f-name": "Ελένη", "f-title": "Διερμηνείς κατόπιν ραντεβού", "f-sector": "Κοινωνική υπηρεσία",
                      "f-background": "Οικογένειες περίμεναν ώρες χωρίς διερμηνέα."}),
    ("102", "es-ES", {"f-name": "Pablo", "f-title": "Citas previas en línea", "f-sector": "Padrón municipal",
                      "f-background": "La oficina del padrón redujo las colas a la mitad."}),
]


@pytest.fixture(scope="module")
def stack(tmp_path_factory, lti_content):
    """Tool on a real socket (three-language course, in-process grade worker) and the fake
    Moodle, which fetches our key set over HTTP and offers its member list."""
    content = tmp_path_factory.mktemp("teach-course") / "content"
    shutil.copytree(lti_content, content)
    course_md = content / "course.md"
    course_md.write_text(course_md.read_text(encoding="utf-8").replace("languages: [en, el]", "languages: [en, el, es]"), encoding="utf-8")
    tool_server = Server("localhost")
    var = tmp_path_factory.mktemp("teach-var")
    settings = Settings(base_url=f"http://localhost:{tool_server.port}/", var_dir=var, content_dir=content,
                        database_url=f"sqlite:///{var / 'lti.sqlite3'}", outbox_inline=True,
                        registration_allowed_networks="127.0.0.0/8")
    services = Services.build(settings)
    moodle = FakeMoodle(settings.base_url).start()
    moodle.links["7"].custom = {"qser_screener": "cases/screener"}
    moodle.links["7"].nrps = True
    moodle.users["103"] = User("103", "Zoe Zeta", ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"])
    moodle.member_ids = ["101", "102", "103", "201"]
    register(services, moodle)
    app = create_app(settings, services=services)
    tool_server.server.app = app
    seeding = app.test_client()
    for user, locale, fields in SEEDED:
        moodle.links["7"].locale = locale
        learner = launch(seeding, moodle, user=user)
        submit(seeding, learner, ALL_ANSWERS, credit="name", **fields)
    seed(services.db, services.token_hash(learner.token), 150, langs=("en", "el", "es"))  # earlier weeks: every chart has data
    moodle.links["7"].locale = "en"
    yield moodle, tool_server, services
    tool_server.close()
    moodle.stop()
    services.close()


def go(frame, press) -> None:
    """Do what submits a form in the frame and wait for the page it leads to."""
    with frame.expect_navigation():
        press()


def clean(frame, where: str) -> None:
    violations = axe(frame)
    assert violations == [], f"{where}: {describe(violations)}"
    assert no_horizontal_scroll(frame), where


@pytest.mark.parametrize("lang, locale, words", [
    ("en", "en-GB", {"review": "Review the case study", "approve": "Save and approve", "library": "Good-practice library",
                     "search": "Search", "read": "Read the case study", "back": "Back to the results", "missing": "Zoe Zeta"}),
    ("el", "el-GR", {"review": "Αξιολόγηση της μελέτης περίπτωσης", "approve": "Αποθήκευση και έγκριση",
                     "library": "Βιβλιοθήκη καλών πρακτικών", "search": "Αναζήτηση", "read": "Διαβάστε τη μελέτη περίπτωσης",
                     "back": "Πίσω στα αποτελέσματα", "missing": "Zoe Zeta"}),
    ("es", "es-ES", {"review": "Revisar el estudio de caso", "approve": "Guardar y aprobar", "library": "Biblioteca de buenas prácticas",
                     "search": "Buscar", "read": "Leer el estudio de caso", "back": "Volver a los resultados", "missing": "Zoe Zeta"}),
])
def test_instructor_pages_on_a_phone(chromium, stack, lang, locale, words):
    moodle, tool, _ = stack
    moodle.links["7"].locale = locale
    context = chromium.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale=locale)
    page = context.new_page()
    try:
        page.goto(f"{moodle.issuer}/mod/lti/view.php?id=7&user=201")
        frame = tool_frame(page, tool.port, "/lti/launch")
        assert frame.get_attribute("html", "lang") == lang
        assert words["missing"] in frame.inner_text("main")  # from the memberships service
        clean(frame, f"results ({lang})")

        frame.get_by_role("button", name=words["review"]).first.focus()
        go(frame, lambda: page.keyboard.press("Enter"))  # the keyboard reaches and activates it
        assert frame.url.endswith("/teach/summary")
        clean(frame, f"review ({lang})")
        go(frame, frame.get_by_role("button", name=words["approve"]).click)
        assert frame.get_by_role("status").count() == 1
        clean(frame, f"approved ({lang})")

        go(frame, frame.get_by_role("button", name=words["library"]).click)
        frame.locator("details > summary").first.click()
        clean(frame, f"library ({lang})")
        frame.get_by_role("searchbox").first.fill("PADRON colas")  # the newest case study, just approved
        go(frame, frame.get_by_role("button", name=words["search"], exact=True).click)
        assert "Citas previas en línea" in frame.inner_text("main")
        clean(frame, f"search ({lang})")
        go(frame, frame.get_by_role("button", name=words["back"]).click)
        assert frame.url.endswith("/teach/") and frame.get_attribute("html", "lang") == lang
    finally:
        moodle.links["7"].locale = "en"
        context.close()


def open_all_details(frame) -> None:
    """Open every disclosure (the charts' tables) so that axe checks what is inside too."""
    frame.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("lang, locale, words", [
    ("en", "en-GB", ("Language of the launch", "Show these attempts", "Attempts: {n}")),
    ("el", "el-GR", ("Γλώσσα εκκίνησης", "Εμφάνιση αυτών των προσπαθειών", "Προσπάθειες: {n}")),
    ("es", "es-ES", ("Idioma de acceso", "Mostrar estos intentos", "Intentos: {n}")),
])
def test_charts_in_every_language_and_width(chromium, stack, lang, locale, words, width):
    moodle, tool, services = stack
    label, apply, count = words
    moodle.links["7"].locale = locale
    context = chromium.new_context(viewport={"width": width, "height": 800}, locale=locale)
    page = context.new_page()
    try:
        page.goto(f"{moodle.issuer}/mod/lti/view.php?id=7&user=201")
        frame = tool_frame(page, tool.port, "/lti/launch")
        assert frame.locator("svg[role=img]").count() >= 6 and frame.locator("script").count() == 0
        open_all_details(frame)
        clean(frame, f"charts ({lang}, {width} px)")
        # the keyboard chooses a language and applies the filter
        chooser = frame.get_by_label(label)
        chooser.focus()
        page.keyboard.press("ArrowDown")  # the first language after "all languages"
        chosen = chooser.input_value()
        assert chosen == "en"
        frame.get_by_role("button", name=apply).focus()
        go(frame, lambda: page.keyboard.press("Enter"))
        assert frame.get_by_label(label).input_value() == chosen
        with services.db.read() as conn:
            expected = conn.execute(select(func.count()).select_from(T.attempt.join(T.launch))
                                    .where(T.launch.c.lang == chosen, T.launch.c.context_id == "2")).scalar_one()
        assert count.format(n=expected) in frame.inner_text(".lti-stats")
        open_all_details(frame)
        clean(frame, f"charts filtered ({lang}, {width} px)")
    finally:
        moodle.links["7"].locale = "en"
        context.close()


def test_csv_download_from_the_frame(chromium, stack):
    moodle, tool, _ = stack
    context = chromium.new_context(accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(f"{moodle.issuer}/mod/lti/view.php?id=7&user=201")
        frame = tool_frame(page, tool.port, "/lti/launch")
        with page.expect_download() as download:
            frame.get_by_role("button", name="Download as CSV").click()
        text = open(download.value.path(), encoding="utf-8-sig").read()
        assert "Διερμηνείς κατόπιν ραντεβού" in text and "Citas previas en línea" in text
    finally:
        context.close()


@pytest.mark.parametrize("locale, choice, lang", [("en", "Español", "es"), ("el-GR", "Ελληνικά", "el")])
def test_activity_picker_posts_back_to_the_platform(chromium, stack, locale, choice, lang):
    moodle, tool, _ = stack
    moodle.dl_locale = locale
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(f"{moodle.issuer}/course/modedit.php?add=lti&user=201")
        frame = tool_frame(page, tool.port, "/lti/launch")
        assert frame.locator("script").count() == 0
        clean(frame, f"activity picker ({locale})")
        returns = len(moodle.dl_returns)
        frame.get_by_role("button", name=choice).click()  # a plain form post to Moodle: no script involved
        deadline = time.monotonic() + 10
        while len(moodle.dl_returns) == returns and time.monotonic() < deadline:
            page.wait_for_timeout(50)
        assert moodle.dl_refusals == [] and len(moodle.dl_returns) == returns + 1
        [item] = moodle.dl_returns[-1].items
        rules = item["custom"].pop("qser_rules")  # the scoring rules the activity is made for
        assert item["custom"] == {"qser_screener": "cases/screener", "qser_lang": lang} and len(rules) == 16
        assert item["lineItem"]["scoreMaximum"] == 5
    finally:
        moodle.dl_locale = "en"
        context.close()


def test_registration_dialog_closes_itself(chromium, stack):
    moodle, tool, services = stack
    invite = invites.create(services.db, 3600, "browser").token
    context = chromium.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        url = quote(f"http://localhost:{tool.port}/lti/register?invite={invite}", safe="")
        page.goto(f"{moodle.issuer}/admin/tool-registration?url={url}")
        frame = tool_frame(page, tool.port, "/lti/register")
        # Moodle's listener saw the message, sent by the tool's page
        page.locator("#closed").get_by_text(f"closed by http://localhost:{tool.port}").wait_for(timeout=10000)
        assert len(moodle.registered) == 1
        clean(frame, "registered")
    finally:
        context.close()

