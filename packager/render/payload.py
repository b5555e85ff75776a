"""Rendered texts as plain data, for the build cache (:mod:`packager.cache`).

A cached entry holds only what rendering produced (HTML strings, the problems it found,
the assets it used); the model objects come from the course being built, so an entry can
never bring back a stale title or setting. Its key (:func:`key`) covers everything the
rendering read: the qser code, the text itself (body, front matter, file and line), its
language and kind, and the course's link targets (pages, assets, unloaded files).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..cache import code_digest, digest
from ..diagnostics import Diagnostic, Diagnostics, Severity
from ..model import Course, Text
from .types import (
    RenderedChoice,
    RenderedField,
    RenderedQuestion,
    RenderedQuiz,
    RenderedScreener,
    RenderedScreenerQuestion,
)


def link_targets_digest(course: Course, pages: dict[str, str]) -> str:
    """What a link in any text is resolved against: a new, removed or renamed page or asset
    changes it (and every key)."""
    return digest(sorted(pages.items()), sorted(course.assets), sorted(course.unloaded))


def key(links_digest: str, lang: str, kind: str, text: Text, known: Mapping[tuple[str, str], str] | None = None) -> str:
    """``known``: texts' own digests (of their ``repr``) by (source path, language), kept by
    the build cache with the items they belong to (:attr:`packager.source.reuse.LoadedItems.texts`):
    the same key, without turning a text of a few kilobytes into a string again."""
    known_digest = known.get((text.source.path, lang)) if known else None
    return digest(code_digest(), links_digest, lang, kind, ("text", known_digest or digest(text)))


def dump(html: str, diagnostics: Diagnostics, assets: set[str], screener: RenderedScreener | None = None,
         quiz: RenderedQuiz | None = None) -> dict:
    entry = {
        "html": html,
        "diag": [(d.path, d.line, d.severity.value, d.message) for d in diagnostics.items],
        "assets": sorted(assets),
    }
    if screener is not None:
        entry["screener"] = (
            [(q.id, q.html, q.help_html) for q in screener.questions],
            screener.suitable_html,
            screener.unsuitable_html,
            [(f.id, f.label, f.kind, f.required, f.help_html, f.max_length) for f in screener.fields],
        )
    if quiz is not None:
        entry["quiz"] = [
            (q.id, q.kind, q.prompt_html, [(c.id, c.html, c.correct, c.feedback_html) for c in q.choices],
             q.feedback_correct_html, q.feedback_incorrect_html, q.points)
            for q in quiz.questions
        ]
    return entry


def diagnostics(entry: dict) -> Diagnostics:
    result = Diagnostics()
    for path, line, severity, message in entry["diag"]:
        result.add(Diagnostic(path, line, Severity(severity), message))
    return result


def screener(entry: dict, text: Text) -> RenderedScreener | None:
    if "screener" not in entry:
        return None
    questions, suitable, unsuitable, fields = entry["screener"]
    return RenderedScreener(
        model=text.screener,
        questions=tuple(RenderedScreenerQuestion(*q) for q in questions),
        suitable_html=suitable,
        unsuitable_html=unsuitable,
        fields=tuple(RenderedField(*f) for f in fields),
    )


def quiz(entry: dict, text: Text) -> RenderedQuiz | None:
    if "quiz" not in entry:
        return None
    return RenderedQuiz(
        model=text.quiz,
        questions=tuple(
            RenderedQuestion(qid, kind, prompt, tuple(RenderedChoice(*c) for c in choices), correct, incorrect, points)
            for qid, kind, prompt, choices, correct, incorrect, points in entry["quiz"]
        ),
    )
