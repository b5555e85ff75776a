"""The instructor view's filters and charts: the filters come from the page's form (every
teacher form carries them on, so they survive a review or a "send again"), the counts from
the database, the drawings from :mod:`lti_tool.charts`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from packager.i18n import translator as page_text
from packager.render.markdown import plain_text

from ..charts.panels import Chart, ScreenerInfo, library_charts, teacher_charts
from ..store import cohort, library
from ..store.cohort import Filters
from ..store.teaching import Scope
from .services import tool

FILTER_FIELDS = ("from", "to", "lang")


def read_filters(form: Mapping[str, str]) -> tuple[Filters, dict[str, str]]:
    """The filters a teacher chose, and the fields that could not be read (field -> catalog
    key of the message). A field in error filters nothing; "Show all attempts" (``reset``)
    clears them all."""
    problems: dict[str, str] = {}
    if form.get("reset"):
        return Filters(), problems
    days = {}
    for name in ("from", "to"):
        text = form.get(name, "").strip()
        try:
            days[name] = date.fromisoformat(text) if text else None
        except ValueError:
            problems[name], days[name] = "lti_filter_bad_date", None
    if days["from"] and days["to"] and days["from"] > days["to"]:
        problems["to"], days["to"] = "lti_filter_bad_order", None
    lang = form.get("lang", "").strip() or None
    if lang is not None and lang not in tool().catalog.course.languages:
        problems["lang"], lang = "lti_filter_bad_lang", None
    return Filters(days["from"], days["to"], lang), problems


def kept_filters(form: Mapping[str, str]) -> dict[str, str]:
    """The valid filter fields of a request, for the hidden inputs of the next page's forms."""
    filters, _ = read_filters(form)
    return {name: value for name, value in filters.fields().items() if value}


def screener_infos(lang: str) -> dict[str, ScreenerInfo]:
    catalog = tool().catalog
    infos = {}
    for item_id in catalog.screener_ids:
        page = catalog.page(item_id, lang)
        questions = tuple((q.id, plain_text(q.html)) for q in page.rendered.questions)
        infos[item_id] = ScreenerInfo(page.title, page.model.threshold, page.model.max_score, questions)
    return infos


def overview_charts(scope: Scope, filters: Filters, lang: str, first: str | None, review_labels: dict[str, str]) -> list[Chart]:
    infos = screener_infos(lang)
    counted = cohort.cohort(tool().db, scope.where(), filters, {sid: [q for q, _ in info.questions] for sid, info in infos.items()})
    return teacher_charts(counted, infos, page_text(lang), review_labels, first)


def library_page_charts(issuer: str, query: Mapping[str, str], lang: str) -> list[Chart]:
    sectors, courses = library.counts(tool().db, issuer, query["q"], query["title"], query["sector"])
    return library_charts(sectors, courses, page_text(lang))
