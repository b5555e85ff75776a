"""A quiz as a CC 1.1 QTI 1.2.1 assessment (``imsqti_xmlv1p2/imscc_xmlv1p1/assessment``).

The shape follows what the importers actually read, so nothing is lost on the way in:

- ``cc_profile`` says single (``cc.multiple_choice.v0p1``) or multiple answers
  (``cc.multiple_response.v0p1``); ``cc_weighting`` carries the question's points.
- One ``respcondition`` titled "Correct" sets ``SCORE`` to 100. For single-answer questions it
  tests the correct choice and also shows that choice's feedback plus the question's correct
  feedback: Moodle's importer (``backup/cc/entity11.quiz.class.php``) gives a choice the
  feedback of every condition that tests it and scores a choice by the ``setvar`` of the
  last such condition, so the correct choice must be tested by this one condition only.
  For several answers it ANDs the correct choices (``case="Yes"``, as Moodle's correct-answer
  query requires) with NOT of the others.
- Each other choice with feedback has its own condition (``continue="No"``: Moodle would
  treat ``continue="Yes"`` feedback as general feedback shown to everyone).
- Feedback idents: ``correct_fb`` and ``general_incorrect_fb`` for the question, and
  ``choiceN_fb`` per choice. Canvas files feedback whose ident contains "correct",
  "incorrect" or "general_" as question-level comments, so choice idents are positional
  and never derived from an author's choice id.
"""

from __future__ import annotations

from lxml import etree
from lxml.builder import ElementMaker

from ...i18n import translator
from ...render.markdown import plain_text
from ...render import RenderedItem, RenderedQuestion
from .addresses import Addresses
from .xml import XSI, XML_LANG, document

NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
SCHEMA_LOCATION = f"{NS} http://www.imsglobal.org/profile/cc/ccv1p1/ccv1p1_qtiasiv1p2p1_v1p0.xsd"

PROFILE_SINGLE = "cc.multiple_choice.v0p1"
PROFILE_MULTIPLE = "cc.multiple_response.v0p1"
RESPONSE = "response1"
CORRECT_FB = "correct_fb"
INCORRECT_FB = "general_incorrect_fb"
TITLE_LENGTH = 100

Q = ElementMaker(namespace=NS, nsmap={None: NS, "xsi": XSI})


def choice_ident(index: int) -> str:
    return f"choice{index}"


def feedback_ident(index: int) -> str:
    return f"{choice_ident(index)}_fb"


def assessment(item: RenderedItem, lang: str, path: str, addresses: Addresses) -> tuple[bytes, set[str]]:
    """The assessment descriptor of a quiz item stored at ``path``, and the assets it shows."""
    quiz = item.quiz
    used: set[str] = set()
    resolve = addresses.in_descriptor(path, used)
    text_lang = item.text.content_lang if item.text.content_lang != lang else None

    def mattext(fragment: str, content_lang: str | None = text_lang) -> etree._Element:
        element = Q.mattext(addresses.rewrite(fragment, resolve).strip(), texttype="text/html")
        if content_lang:
            element.set(XML_LANG, content_lang)
        return element

    t = translator(lang)
    intro = f'<div lang="{text_lang}">{item.html}</div>' if text_lang and item.html else item.html
    rubric = intro + f"<p>{t('quiz_pass_mark', percent=quiz.model.pass_percent)}</p>"
    root = Q.questestinterop(
        Q.assessment(
            _metadata(
                ("cc_profile", "cc.exam.v0p1"),
                ("qmd_assessmenttype", "Examination"),
                ("qmd_scoretype", "Percentage"),
                ("qmd_feedbackpermitted", "Yes"),
                ("cc_maxattempts", "unlimited"),
            ),
            Q.rubric(Q.material(mattext(rubric, None), label="Summary")),
            Q.section(
                *(_question(item.item.id, q, mattext) for q in quiz.questions),
                ident="root_section",
            ),
            {XML_LANG: lang},
            ident=_ident(item.item.id),
            title=item.text.title,
        ),
        {f"{{{XSI}}}schemaLocation": SCHEMA_LOCATION},
    )
    return document(root), used


def _ident(*parts: str) -> str:
    return "_".join(part.replace("/", "_") for part in parts)


def _metadata(*fields: tuple[str, str]) -> etree._Element:
    return Q.qtimetadata(*(Q.qtimetadatafield(Q.fieldlabel(label), Q.fieldentry(entry)) for label, entry in fields))


def _question(item_id: str, q: RenderedQuestion, mattext) -> etree._Element:
    multiple = q.kind == "multiple"
    title = plain_text(q.prompt_html)
    if len(title) > TITLE_LENGTH:
        title = title[: TITLE_LENGTH - 1].rstrip() + "…"
    return Q.item(
        Q.itemmetadata(
            _metadata(
                ("cc_profile", PROFILE_MULTIPLE if multiple else PROFILE_SINGLE),
                ("cc_weighting", str(q.points)),
                ("qmd_computerscored", "Yes"),
            )
        ),
        Q.presentation(
            Q.material(mattext(q.prompt_html)),
            Q.response_lid(
                Q.render_choice(
                    *(
                        Q.response_label(Q.material(mattext(choice.html)), ident=choice_ident(index))
                        for index, choice in enumerate(q.choices, 1)
                    ),
                    shuffle="No",
                ),
                ident=RESPONSE,
                rcardinality="Multiple" if multiple else "Single",
            ),
        ),
        Q.resprocessing(
            Q.outcomes(Q.decvar(varname="SCORE", vartype="Decimal", minvalue="0", maxvalue="100")),
            *(_multiple_conditions(q) if multiple else _single_conditions(q)),
        ),
        *_feedback(q, mattext),
        ident=_ident(item_id, q.id),
        title=title,
    )


def _varequal(index: int) -> etree._Element:
    return Q.varequal(choice_ident(index), respident=RESPONSE, case="Yes")


def _condition(title: str, test: etree._Element, feedback: list[str], score: str | None = None) -> etree._Element:
    children = [Q.conditionvar(test)]
    if score is not None:
        children.append(Q.setvar(score, varname="SCORE", action="Set"))
    children += [Q.displayfeedback(feedbacktype="Response", linkrefid=ident) for ident in feedback]
    return Q.respcondition(*children, title=title, **{"continue": "No"})


def _single_conditions(q: RenderedQuestion) -> list[etree._Element]:
    correct = next(index for index, choice in enumerate(q.choices, 1) if choice.correct)
    shown = [feedback_ident(correct)] if q.choices[correct - 1].feedback_html else []
    if q.feedback_correct_html:
        shown.append(CORRECT_FB)
    conditions = [_condition("Correct", _varequal(correct), shown, "100")]
    for index, choice in enumerate(q.choices, 1):
        if index == correct:
            continue
        shown = [feedback_ident(index)] if choice.feedback_html else []
        if q.feedback_incorrect_html:
            shown.append(INCORRECT_FB)
        if shown:
            conditions.append(_condition("Incorrect", _varequal(index), shown))
    return conditions


def _multiple_conditions(q: RenderedQuestion) -> list[etree._Element]:
    tests = [_varequal(index) if choice.correct else getattr(Q, "not")(_varequal(index)) for index, choice in enumerate(q.choices, 1)]
    conditions = [_condition("Correct", getattr(Q, "and")(*tests), [CORRECT_FB] if q.feedback_correct_html else [], "100")]
    for index, choice in enumerate(q.choices, 1):
        if choice.feedback_html:
            conditions.append(_condition("Choice feedback", _varequal(index), [feedback_ident(index)]))
    if q.feedback_incorrect_html:
        conditions.append(_condition("Incorrect", Q.other(), [INCORRECT_FB]))
    return conditions


def _feedback(q: RenderedQuestion, mattext) -> list[etree._Element]:
    blocks = [(feedback_ident(index), choice.feedback_html) for index, choice in enumerate(q.choices, 1)]
    blocks += [(CORRECT_FB, q.feedback_correct_html), (INCORRECT_FB, q.feedback_incorrect_html)]
    return [Q.itemfeedback(Q.flow_mat(Q.material(mattext(html))), ident=ident) for ident, html in blocks if html]
