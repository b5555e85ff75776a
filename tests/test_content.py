"""The shipped Q-SER course in content/: complete in three languages, faithful to the method.

The checks live in small helpers that return the problems they find, so each one is also run
against a deliberately broken copy of the course: a check that cannot fail proves nothing.
"""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from packager.build import check
from packager.cli import main
from packager.source import load_course
from packager.model import Course, ItemKind
from packager.render import RenderedCourse, render_course
from packager.build import BuildOptions
from packager.render.site import SiteBuilder
from tests.support import browser
from tests.support.courses import CONTENT

LANGUAGES = ("en", "el", "es")
GREEK = re.compile(r"[\u0370-\u03ff]")
IMG = re.compile(r"<img\b[^>]*>")
ATTR = re.compile(r'\b(alt|src)="([^"]*)"')
LICENCE_DEED = "https://creativecommons.org/licenses/by/4.0/"

# The method's own wording (Q-SER IO3, step 6), which the course must keep in English.
SCREENER_QUESTIONS = {
    "recurring": "Is this a reoccurring issue within the department?",
    "recordable": "Can this issue be recorded, and a written solution be provided / be distributed?",
    "other-departments": "Is this issue identified in other departments?",
    "service-change": "If this issue is resolved, will it bring about a change in how customer service is provided?",
    "mutual-benefit": "Does the case-study bring benefits for both the staff member and the organisation?",
}
SUMMARY_FIELDS = {
    "name": "Name",
    "number": "Case study number",
    "title": "Case study title / issue identified",
    "sector": "Sector / department",
    "background": "Problem background",
    "addressed": "How was it addressed?",
    "benefits": "Resulting benefits",
    "source": "Source / reference / comments",
}


# --- fixtures ---------------------------------------------------------------------------


def _load(root: Path) -> tuple[Course, RenderedCourse]:
    course, diagnostics = load_course(root)
    assert course is not None, [d.format() for d in diagnostics.items]
    rendered, _ = render_course(course)
    return course, rendered


@pytest.fixture(scope="module")
def shipped() -> tuple[Course, RenderedCourse]:
    return _load(CONTENT)


@pytest.fixture(scope="module")
def course(shipped) -> Course:
    return shipped[0]


@pytest.fixture(scope="module")
def rendered(shipped) -> RenderedCourse:
    return shipped[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The HTML site of the shipped course, written once for the browser checks."""
    out = tmp_path_factory.mktemp("site")
    rendered = check(CONTENT, BuildOptions(strict=True)).rendered
    for path, data in SiteBuilder(rendered).files():
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return out


# --- checks (each returns the problems it found) ----------------------------------------


def _texts(course: Course):
    """(what, Text) for the course, every section and every item, in every language."""
    for lang in course.languages:
        yield f"course [{lang}]", course.text(lang)
        for section in course.sections:
            yield f"section {section.slug} [{lang}]", section.text(lang)
            for item in section.items:
                yield f"item {item.id} [{lang}]", item.text(lang)


def _strings(text) -> dict[str, str]:
    """Every translatable string of one text, keyed by where it sits."""
    found = {"title": text.title, "summary": text.summary, "body": text.body}
    if text.screener:
        s = text.screener
        found |= {"suitable": s.suitable, "unsuitable": s.unsuitable}
        for q in s.questions:
            found |= {f"question {q.id}": q.text, f"question {q.id} help": q.help}
        for f in s.summary_fields:
            found |= {f"field {f.id}": f.label, f"field {f.id} help": f.help}
    if text.quiz:
        for q in text.quiz.questions:
            found |= {
                f"{q.id} prompt": q.prompt,
                f"{q.id} feedback correct": q.feedback_correct,
                f"{q.id} feedback incorrect": q.feedback_incorrect,
            }
            for c in q.choices:
                found |= {f"{q.id}/{c.id} text": c.text, f"{q.id}/{c.id} feedback": c.feedback}
    return found


def untranslated(course: Course) -> list[str]:
    """Texts a learner would meet in the wrong language.

    A whole missing file shows as ``content_lang``; a missing key inside a translation (a
    question's help, a choice's feedback) silently keeps the English string, so every string
    is compared with its English original as well.
    """
    problems = []
    default = course.default_language
    english = {what.replace(f"[{default}]", ""): _strings(text) for what, text in _texts(course) if what.endswith(f"[{default}]")}
    for what, text in _texts(course):
        lang = text.lang
        if text.content_lang != lang:
            problems.append(f"{what}: shown in {text.content_lang}")
            continue
        if lang == default:
            continue
        if lang == "el" and not GREEK.search(text.title + text.body):
            problems.append(f"{what}: no Greek letters in the title or body")
        original = english[what.replace(f"[{lang}]", "")]
        for key, value in _strings(text).items():
            if original[key].strip() and value.strip() == original[key].strip():
                problems.append(f"{what}: {key} is the {default} text")
    for what, text in _texts(course):
        for key, value in _strings(text).items():
            if key in ("title", "body") and not value.strip():
                problems.append(f"{what}: empty {key}")
    return problems


def images(rendered: RenderedCourse):
    """(lang, page, alt, src) of every image on every page of every language."""
    for lang, language in rendered.languages.items():
        pages = [("home", language.html)]
        for section in language.sections:
            pages.append((section.section.slug, section.html))
            pages.extend((item.item.id, item.html) for item in section.items)
        for page, fragment in pages:
            for tag in IMG.findall(fragment):
                attrs = dict(ATTR.findall(tag))
                yield lang, page, html_lib.unescape(attrs.get("alt", "")), attrs.get("src", "")


def images_without_alt(rendered: RenderedCourse) -> list[str]:
    return [f"{page} [{lang}]: {src}" for lang, page, alt, src in images(rendered) if len(alt.strip()) < 20]


# --- the shipped course -----------------------------------------------------------------


def test_check_strict_passes_with_no_warnings():
    result = CliRunner().invoke(main, ["check", str(CONTENT), "--strict"])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output and "error" not in result.output, result.output


def test_every_target_builds_strictly_without_a_warning(tmp_path):
    result = CliRunner().invoke(main, ["build", str(CONTENT), "--out", str(tmp_path), "--strict"])
    assert result.exit_code == 0, result.output
    assert result.output == ""
    for lang in LANGUAGES:
        assert (tmp_path / "html" / lang / "index.html").is_file()


def test_course_is_big_enough(course):
    assert course.languages == LANGUAGES
    assert len(course.sections) >= 6
    assert len(course.items) >= 18
    kinds = {kind: len(course.items_of(kind)) for kind in ItemKind}
    assert kinds[ItemKind.QUIZ] >= 3
    assert kinds[ItemKind.SCREENER] == 1
    assert kinds[ItemKind.LABEL] >= 1 and kinds[ItemKind.URL] >= 1 and kinds[ItemKind.FILE] >= 1


def test_every_item_exists_in_every_language(course):
    for section in course.sections:
        for item in section.items:
            for lang in LANGUAGES:
                assert item.text(lang).content_lang == lang, f"{item.id} has no {lang} translation"
                if lang != course.default_language:
                    assert item.text(lang).source.path.endswith(f".{lang}.md")
    assert untranslated(course) == []


def test_screener_matches_the_method_in_every_language(course):
    (screener_item,) = course.items_of(ItemKind.SCREENER)
    assert screener_item.id == "finding-case-studies/screener"
    for lang in LANGUAGES:
        screener = screener_item.text(lang).screener
        assert screener.threshold == 4
        assert [q.id for q in screener.questions] == list(SCREENER_QUESTIONS)
        assert [f.id for f in screener.summary_fields] == list(SUMMARY_FIELDS)
        assert all(q.text.strip() for q in screener.questions)
        assert screener.suitable.strip() and screener.unsuitable.strip()
        answers = dict.fromkeys(SCREENER_QUESTIONS, True)
        assert screener.is_suitable(screener.score(answers))
        assert screener.is_suitable(screener.score(answers | {"recurring": False}))
        assert not screener.is_suitable(screener.score(answers | {"recurring": False, "recordable": False}))
    english = screener_item.text("en").screener
    assert {q.id: q.text for q in english.questions} == SCREENER_QUESTIONS
    assert {f.id: f.label for f in english.summary_fields} == SUMMARY_FIELDS
    assert "another case study" in english.unsuitable


def test_quizzes_give_feedback_for_every_choice_in_every_language(course):
    quizzes = course.items_of(ItemKind.QUIZ)
    kinds = {q.kind for item in quizzes for q in item.text("en").quiz.questions}
    assert kinds == {"single", "multiple"}
    for item in quizzes:
        for lang in LANGUAGES:
            quiz = item.text(lang).quiz
            assert 50 <= quiz.pass_percent <= 100
            for question in quiz.questions:
                assert question.feedback_correct and question.feedback_incorrect, f"{item.id} {question.id} [{lang}]"
                assert all(choice.feedback for choice in question.choices), f"{item.id} {question.id} [{lang}]"


def test_every_image_has_alt_text_and_a_diagram_in_its_own_language(course, rendered):
    found = list(images(rendered))
    assert len({src for _, _, _, src in found}) >= 9  # three diagrams, each drawn in three languages
    assert images_without_alt(rendered) == []
    for lang, page, _alt, src in found:
        assert src.endswith(f".{lang}.svg"), f"{page} [{lang}] shows {src}"
    for path in course.assets:
        if path.endswith(".svg"):
            svg = etree.parse(str(CONTENT / path)).getroot()
            lang = path.rsplit(".", 2)[-2]
            assert svg.get("lang") == lang and svg.get("role") == "img", path
            assert svg.findtext("{http://www.w3.org/2000/svg}title", "").strip(), path


def test_credits_name_the_consortium_the_asap_project_and_the_licence(course):
    credits = course.item("reference/credits")
    names = {"en": "Q-SER consortium", "el": "κοινοπραξία Q-SER", "es": "consorcio Q-SER"}
    for lang in LANGUAGES:
        for text in (credits.text(lang), course.text(lang)):
            assert names[lang] in text.body, f"{text.source.path}"
            assert "ASAP" in text.body and "CC BY 4.0" in text.body, f"{text.source.path}"
        assert "2017-1-EL01-KA204-036335" in credits.text(lang).body
    assert course.license == "CC-BY-4.0"
    licence = course.item("reference/licence")
    assert licence.kind is ItemKind.URL and licence.url == LICENCE_DEED


def test_printable_worksheet_repeats_the_screener_in_each_language(course):
    (file_item,) = course.items_of(ItemKind.FILE)
    asset = course.assets[file_item.file]
    assert asset.media_type == "text/html" and asset.size < 200_000
    page = etree.parse(str(CONTENT / asset.path), etree.HTMLParser(encoding="utf-8"))
    screener = course.item("finding-case-studies/screener")
    for lang in LANGUAGES:
        (sheet,) = page.xpath(f'//section[@id="{lang}" and @lang="{lang}"]')
        questions = [" ".join(th.xpath("string()").split()) for th in sheet.xpath('.//table[@class="answers"]/tbody/tr/th')][:5]
        labels = [" ".join(th.xpath("string()").split()) for th in sheet.xpath('.//table[@class="summary"]//th')]
        model = screener.text(lang).screener
        assert [q.split(". ", 1)[1] for q in questions] == [q.text for q in model.questions]
        assert labels == [f.label for f in model.summary_fields]


def test_assets_are_small_and_all_used(course, rendered):
    assert all(asset.size < 200_000 for asset in course.assets.values())
    assert set(course.assets) == set(rendered.assets)


def test_the_home_page_link_to_a_label_leads_to_its_section(site):
    for lang in LANGUAGES:
        home = (site / lang / "index.html").read_text(encoding="utf-8")
        assert '<a href="local-challenge/index.html">' in home, lang


# --- the checks can fail ----------------------------------------------------------------


def test_untranslated_detects_a_missing_file_and_a_silently_kept_string(shipped_course):
    (shipped_course / "03-communication/01-principle-1.el.md").unlink()
    quiz = shipped_course / "03-communication/06-check.es.md"
    text = quiz.read_text(encoding="utf-8")
    feedback = "        feedback: Correcto. El principio 1 trata de cómo se comunica el personal con grupos concretos.\n"
    assert feedback in text
    quiz.write_text(text.replace(feedback, ""), encoding="utf-8")
    course, _ = _load(shipped_course)
    problems = untranslated(course)
    assert "item communication/principle-1 [el]: shown in en" in problems
    assert "item communication/check [es]: principle-1/a feedback is the en text" in problems


def test_untranslated_detects_english_left_in_a_greek_file(shipped_course):
    greek = shipped_course / "07-reference/03-licence.el.md"
    english = (shipped_course / "07-reference/03-licence.md").read_text(encoding="utf-8")
    greek.write_text(english.replace("type: url\n", "").replace(f"url: {LICENCE_DEED}\n", ""), encoding="utf-8")
    course, _ = _load(shipped_course)
    problems = untranslated(course)
    assert "item reference/licence [el]: no Greek letters in the title or body" in problems
    assert "item reference/licence [el]: title is the en text" in problems


def test_images_without_alt_finds_an_empty_description(shipped_course):
    page = shipped_course / "05-circular-models/02-mentoring-cycle.es.md"
    text = page.read_text(encoding="utf-8")
    page.write_text(re.sub(r"!\[[^\]]*\]\(", "![](", text), encoding="utf-8")
    _, rendered = _load(shipped_course)
    assert images_without_alt(rendered) == ["circular-models/mentoring-cycle [es]: qser:asset/assets/mentoring-cycle.es.svg"]


# --- in a browser, on a phone -----------------------------------------------------------


@pytest.mark.browser
def test_every_page_is_accessible_and_fits_a_phone(site, chromium):
    """axe-core finds nothing and nothing scrolls sideways at 360 px, in every language."""
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 3 * 30
    context = chromium.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    problems = {}
    try:
        for path in pages:
            page.goto(path.as_uri())
            violations = browser.axe_violations(page)
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            if violations or overflow > 0:
                problems[str(path.relative_to(site))] = f"overflow {overflow}px; {browser.describe(violations)}"
    finally:
        context.close()
    assert problems == {}, browser.dump(problems)


@pytest.mark.browser
def test_worksheet_shows_only_the_chosen_language(site, chromium):
    page = chromium.new_page()
    try:
        sheet = next(site.rglob("case-study-summary-template.html"))
        page.goto(sheet.as_uri() + "#el")
        visible = page.eval_on_selector_all("section.sheet", "els => els.filter(e => e.offsetParent).map(e => e.lang)")
        assert visible == ["el"]
        page.goto(sheet.as_uri())
        visible = page.eval_on_selector_all("section.sheet", "els => els.filter(e => e.offsetParent).map(e => e.lang)")
        assert visible == list(LANGUAGES)
    finally:
        page.close()
