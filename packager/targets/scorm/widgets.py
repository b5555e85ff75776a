"""Data for the screener and quiz widgets (``qser-widgets.js``), embedded in their pages.

The widgets enhance the static markup of ``screener.html`` and ``quiz.html``; what that
markup does not carry (ids, thresholds, correct choices, feedback, summary fields, interface
strings) comes from here, through :attr:`SiteOptions.page_data`. HTML texts were sanitised
by the renderer; their links are rewritten for the page they are embedded in.
"""

from __future__ import annotations

from collections.abc import Callable

from ... import links
from ...i18n import translator
from ...render import RenderedQuiz, RenderedScreener

# Interface strings the widgets use: keys of packager/locales/*.json; "widget_" is dropped
# in the page data, so the script reads s.quiz_check for "widget_quiz_check".
STRINGS = (
    "yes",
    "no",
    "question_n",
    "screener_questions",
    "screener_intro",
    "summary_required",
    "summary_optional",
    "widget_screener_show_result",
    "widget_screener_answer_all",
    "widget_screener_unanswered",
    "widget_screener_result_heading",
    "widget_screener_score",
    "widget_screener_suitable",
    "widget_screener_unsuitable",
    "widget_screener_again",
    "widget_summary_heading",
    "widget_summary_intro",
    "widget_summary_saved",
    "widget_summary_not_saved",
    "widget_summary_full",
    "widget_summary_chars_left",
    "widget_summary_print",
    "widget_summary_download",
    "widget_summary_missing",
    "widget_summary_file_title",
    "widget_quiz_instructions",
    "widget_quiz_check",
    "widget_quiz_answer_all",
    "widget_quiz_correct",
    "widget_quiz_incorrect",
    "widget_quiz_result_heading",
    "widget_quiz_score",
    "widget_quiz_passed",
    "widget_quiz_failed",
    "widget_quiz_again",
)


def page_data_for(lang: str) -> Callable[[dict, links.Resolver], dict | None]:
    """The :class:`SiteOptions` hook for one language's pages."""
    t = translator(lang)
    strings = {key.removeprefix("widget_"): t(key) for key in STRINGS}

    def page_data(page: dict, resolve: links.Resolver) -> dict | None:
        common = {"lang": lang, "content_lang": page.get("content_lang", lang), "title": page["title"], "strings": strings}
        if page["kind"] == "screener" and page.get("screener"):
            model = page["screener"].model
            rule = t("screener_rule", threshold=model.threshold, count=model.max_score)
            common["strings"] = {**strings, "screener_rule": rule}
            return {"widget": "screener", "item": page["item"].id, **common, **screener_data(page["screener"], resolve)}
        if page["kind"] == "quiz" and page.get("quiz"):
            return {"widget": "quiz", "item": page["item"].id, **common, **quiz_data(page["quiz"], resolve)}
        return None

    return page_data


def screener_data(screener: RenderedScreener, resolve: links.Resolver) -> dict:
    html = lambda text: links.rewrite(text, resolve)  # noqa: E731
    return {
        "threshold": screener.model.threshold,
        "questions": [{"id": q.id, "html": html(q.html), "help": html(q.help_html)} for q in screener.questions],
        "suitable": html(screener.suitable_html),
        "unsuitable": html(screener.unsuitable_html),
        "fields": [
            {"id": f.id, "label": f.label, "kind": f.kind, "required": f.required, "help": html(f.help_html), "max": f.max_length}
            for f in screener.fields
        ],
    }


def quiz_data(quiz: RenderedQuiz, resolve: links.Resolver) -> dict:
    html = lambda text: links.rewrite(text, resolve)  # noqa: E731
    return {
        "pass": quiz.model.pass_percent,
        "questions": [
            {
                "id": q.id,
                "kind": q.kind,
                "points": q.points,
                "choices": [{"id": c.id, "correct": c.correct, "feedback": html(c.feedback_html)} for c in q.choices],
                "correct": html(q.feedback_correct_html),
                "incorrect": html(q.feedback_incorrect_html),
            }
            for q in quiz.questions
        ],
    }
