"""The screener as the tool runs it: definitions from the course, answers parsed, summary
fields checked. Pure: no web, no database.

Scoring is :meth:`packager.model.Screener.score` / ``is_suitable``, the same rule the
packages use, so the LMS and a SCORM package can never disagree on a learner's score.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from packager import i18n
from packager.source import load_course
from packager.model import Course, ItemKind
from packager.render import RenderedScreener, render_course

YES, NO = "yes", "no"


class CourseUnavailable(RuntimeError):
    """The content folder has errors; the message lists them (file:line)."""


@dataclass(frozen=True)
class ScreenerPage:
    """One screener in one language, ready for the templates."""

    item_id: str
    lang: str  # language of the page (the learner's)
    content_lang: str  # language the texts are in (differs when a translation is missing)
    title: str
    intro_html: str
    rendered: RenderedScreener

    @property
    def model(self):
        return self.rendered.model


class ScreenerCatalog:
    """Every screener of the course, in every course language, rendered once at start-up."""

    def __init__(self, course: Course, pages: Mapping[tuple[str, str], ScreenerPage]):
        self.course = course
        self._pages = dict(pages)

    @classmethod
    def load(cls, content_dir: Path) -> ScreenerCatalog:
        course, diagnostics = load_course(content_dir)
        if course is None:
            problems = "\n".join(d.format(str(content_dir)) for d in diagnostics.sorted())
            raise CourseUnavailable(f"cannot load the course in {content_dir}:\n{problems}")
        rendered, _ = render_course(course, workers=1)
        pages = {}
        for lang, language in rendered.languages.items():
            for item in language.items:
                if item.item.kind is ItemKind.SCREENER and item.screener is not None:
                    pages[(item.item.id, lang)] = ScreenerPage(item.item.id, lang, item.text.content_lang, item.text.title, item.html, item.screener)
        return cls(course, pages)

    @property
    def screener_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.course.items_of(ItemKind.SCREENER))

    def has(self, item_id: str) -> bool:
        return item_id in self.screener_ids

    def page(self, item_id: str, lang: str) -> ScreenerPage:
        return self._pages[(item_id, lang)]

    def language(self, preferred: str | None = None, locale: str | None = None) -> str:
        """First usable of: ``qser_lang``, the launch locale (``el-GR`` -> ``el``), English,
        the course's default language."""
        langs = self.course.languages
        candidates = [preferred, _primary(locale), i18n.FALLBACK, self.course.default_language]
        return next(c for c in candidates if c and c in langs)


def _primary(locale: str | None) -> str | None:
    if not locale:
        return None
    return locale.replace("_", "-").split("-", 1)[0].lower() or None


class FormProblem(ValueError):
    """Input the learner must correct; ``fields`` maps field ids to i18n message keys."""

    def __init__(self, fields: Mapping[str, str]):
        super().__init__(", ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = dict(fields)


def parse_answers(form: Mapping[str, str], page: ScreenerPage) -> dict[str, bool]:
    """``q-<id>`` = yes|no for every question; anything else is ignored, never scored."""
    answers, problems = {}, {}
    for question in page.model.questions:
        value = form.get(f"q-{question.id}")
        if value not in (YES, NO):
            problems[question.id] = "lti_answer_required"
        else:
            answers[question.id] = value == YES
    if problems:
        raise FormProblem(problems)
    return answers


def parse_summary(form: Mapping[str, str], page: ScreenerPage) -> dict[str, str]:
    values, problems = {}, {}
    for field in page.rendered.fields:
        value = (form.get(f"f-{field.id}") or "").replace("\r\n", "\n").strip()
        if field.kind == "text":
            value = " ".join(value.split())
        if field.required and not value:
            problems[field.id] = "lti_field_required"
        elif len(value) > field.max_length:
            problems[field.id] = "lti_field_too_long"
        values[field.id] = value
    if problems:
        raise FormProblem(problems)
    return values


CREDITS = ("anonymous", "name", "organisation")
CREDIT_DEFAULT = "anonymous"  # the most private choice is the one made for the learner
CREDIT_ORG_MAX = 200


def parse_credit(form: Mapping[str, str]) -> tuple[str, str | None]:
    """How the author wants to be credited if the case study is published: by name,
    anonymously, or by organisation (whose name they give)."""
    credit = form.get("credit") or CREDIT_DEFAULT
    if credit not in CREDITS:
        raise FormProblem({"credit": "lti_credit_required"})
    if credit != "organisation":
        return credit, None
    organisation = " ".join((form.get("credit-org") or "").split())
    if not organisation:
        raise FormProblem({"credit-org": "lti_credit_org_required"})
    if len(organisation) > CREDIT_ORG_MAX:
        raise FormProblem({"credit-org": "lti_field_too_long"})
    return credit, organisation
