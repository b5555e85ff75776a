"""A qser quiz as a native Moodle quiz, its questions in the course question bank.

The quiz is graded out of 100 so its pass grade is ``pass_percent`` itself, the same scale
the SCORM packages report. Each slot refers to its question through a
``question_reference`` (``usingcontextid`` = the quiz's context, ``version`` null = always
the latest), as Moodle 4.0+ writes it; ``sumgrades`` is the sum of the slot marks.
"""

from __future__ import annotations

from .build import ActivityBody, Build
from .grades import GradeItem
from .plan import Module
from .questions import QuestionBank
from .resources import description
from .xml import Leaf, leaves, node

QUIZ_GRADE = 100
REVIEW_ALWAYS = 69904  # every review option on, during and after the attempt (Moodle's default)
REVIEW_OVERALL = 4368  # overall feedback: after the attempt only (Moodle's default)


def quiz(build: Build, module: Module, bank: QuestionBank) -> ActivityBody:
    parts, area, intro = description(build, module, "mod_quiz")
    model = parts[0].quiz.model
    category = bank.category(parts)
    instances = []
    for slot, question in enumerate(model.questions, start=1):
        entry = bank.add(category, parts, slot - 1)
        instances.append(
            node(
                "question_instance",
                leaves(
                    {
                        "quizid": module.instance,
                        "slot": slot,
                        "page": slot,
                        "displaynumber": None,
                        "requireprevious": 0,
                        "maxmark": f"{question.points:.7f}",
                        "quizgradeitemid": None,
                    }
                ),
                node(
                    "question_reference",
                    leaves(
                        {
                            "usingcontextid": module.contextid,
                            "component": "mod_quiz",
                            "questionarea": "slot",
                            "questionbankentryid": entry,
                            "version": None,
                        }
                    ),
                    id=entry,
                ),
                id=entry,
            )
        )
    name = build.name(parts)
    review = {
        name: REVIEW_ALWAYS
        for name in (
            "reviewattempt",
            "reviewcorrectness",
            "reviewmaxmarks",
            "reviewmarks",
            "reviewspecificfeedback",
            "reviewgeneralfeedback",
            "reviewrightanswer",
        )
    }
    element = node(
        "quiz",
        leaves(
            {
                "name": name,
                "intro": intro,
                "introformat": 1,
                "timeopen": 0,
                "timeclose": 0,
                "timelimit": 0,
                "overduehandling": "autosubmit",
                "graceperiod": 86400,
                "preferredbehaviour": "deferredfeedback",
                "canredoquestions": 0,
                "attempts_number": 0,
                "attemptonlast": 0,
                "grademethod": 1,
                "decimalpoints": 2,
                "questiondecimalpoints": -1,
                **review,
                "reviewoverallfeedback": REVIEW_OVERALL,
                "questionsperpage": 1,
                "navmethod": "free",
                "shuffleanswers": 1,
                "sumgrades": f"{model.max_points:.5f}",
                "grade": f"{QUIZ_GRADE:.5f}",
                "timecreated": build.timestamp,
                "timemodified": build.timestamp,
                "password": "",
                "subnet": "",
                "browsersecurity": "",
                "delay1": 0,
                "delay2": 0,
                "showuserpicture": 0,
                "showblocks": 0,
                "completionattemptsexhausted": 0,
                "completionminattempts": 0,
                "allowofflineattempts": 0,
            }
        ),
        node("subplugin_quizaccess_seb_quiz"),
        node("quiz_grade_items"),
        node("question_instances", instances),
        node("sections", node("section", Leaf("firstslot", 1), Leaf("heading", ""), Leaf("shufflequestions", 0), id=module.instance)),
        node("feedbacks"),
        node("overrides"),
        node("grades"),
        node("attempts"),
        id=module.instance,
    )
    grade = GradeItem(
        id=module.grade_item,
        name=name,
        module="quiz",
        instance=module.instance,
        grademax=QUIZ_GRADE,
        gradepass=QUIZ_GRADE * model.pass_percent / 100,
        sortorder=module.grade_item,
        idnumber=module.item.id,
    )
    return ActivityBody(name, element, (area,), grade=grade, uses_bank=True)
