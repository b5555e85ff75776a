"""``questions.xml``: the course's questions, where the target Moodle keeps them.

One ``top`` category for the bank's context (restore refuses two) with one child category
per quiz; each question is a bank entry with one ready version (Moodle 4.0+ layout). For
4.5 the bank is the course context; from 5.0 on it is the module context of the course's
question bank activity (``mod_qbank``, contextlevel 70), as Moodle 5 writes it: restoring
course-level categories into 5.x works only by moving them, with one precheck warning each.
Stamps are stable (built from the course and the ids), not random, so rebuilding gives
the same file and restoring twice into one course reuses instead of duplicating.

Multiple-answer questions: Moodle's multichoice sums the fractions of the chosen answers.
Each correct answer is worth an equal share and every wrong one -100%, so choosing any
wrong answer scores 0 and only the complete correct set scores full marks, as in qser's
own rule; a partial correct set earns partial credit, which Moodle cannot switch off.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...render.markdown import plain_text
from ...render import RenderedItem
from .build import Build
from .files import FileArea
from .plan import COURSE_CONTEXT, COURSE_ID
from .texts import Version
from .xml import Leaf, Node, Raw, document, fragment, leaves, node

COURSE_LEVEL = 50  # CONTEXT_COURSE
MODULE_LEVEL = 70  # CONTEXT_MODULE

NOTHING = "0.0000000"
WRONG = "-1.0000000"  # a chosen wrong answer cancels the whole question
# question_categories > question_category > question_bank_entries > question_bank_entry >
# question_version > question_versions > questions > question
QUESTION_DEPTH = 7


def share(correct: int) -> str:
    """An equal share of full marks, spelled like Moodle's grade menu (1/3 -> 0.3333333)."""
    return f"{1 / correct:.7f}"


@dataclass
class _Question:
    id: int
    entry: int
    idnumber: str  # the author's question id: unique in its quiz, so in its category
    element: Raw  # written once, where questions.xml holds it


@dataclass
class _Category:
    id: int
    name: str
    info: str
    stamp: str
    parent: int
    sortorder: int
    questions: list[_Question] = field(default_factory=list)


@dataclass
class QuestionBank:
    """Categories and questions of one backup; ids are handed out as quizzes add questions."""

    build: Build
    categories: list[_Category] = field(default_factory=list)
    _answers: int = 0
    _questions: int = 0

    def __post_init__(self) -> None:
        bank = self.build.plan.bank
        # (context id, context level, instance id) of the bank's context
        self.context = (bank.contextid, MODULE_LEVEL, bank.cmid) if bank else (COURSE_CONTEXT, COURSE_LEVEL, COURSE_ID)
        self.categories.append(_Category(1, "top", "", self._stamp("top"), parent=0, sortorder=0))

    @property
    def ids(self) -> tuple[int, ...]:
        """Every category: Moodle lists the whole bank in the ``inforef.xml`` of each user of it."""
        return tuple(category.id for category in self.categories)

    @property
    def top(self) -> int:
        return self.categories[0].id

    def _stamp(self, *parts: str) -> str:
        variant = self.build.shortname + ("" if self.build.languages.multilang else f"-{self.build.languages.codes[0]}")
        return "+".join(("qser", variant, *parts))

    def category(self, quiz: list[RenderedItem]) -> int:
        """A category for one quiz's questions, named after the quiz."""
        category = _Category(
            id=len(self.categories) + 1,
            name=self.build.name(quiz),
            info="",
            stamp=self._stamp(quiz[0].item.id),
            parent=self.top,
            sortorder=999,
        )
        self.categories.append(category)
        return category.id

    def add(self, category_id: int, quiz: list[RenderedItem], index: int) -> int:
        """Add question ``index`` of ``quiz`` (all its language versions); returns its bank entry id."""
        build = self.build
        versions = [part.quiz.questions[index] for part in quiz]
        model = quiz[0].quiz.model.questions[index]
        self._questions += 1
        qid = self._questions

        def text(area: FileArea | None, value, inline: bool = False) -> str:
            """One field from every language version of the question."""
            merged = [Version(p.text.lang, p.text.content_lang, value(q)) for p, q in zip(quiz, versions)]
            return build.content.inline(area, merged) if inline else build.content.block(area, merged)

        def area(filearea: str, itemid: int) -> FileArea:
            return build.pool.area(self.context[0], "question", filearea, itemid)

        correct = [choice for choice in model.choices if choice.correct]
        single = model.kind == "single"
        answers = []
        for position, choice in enumerate(model.choices):
            self._answers += 1
            if choice.correct:
                value = share(1 if single else len(correct))
            else:
                value = NOTHING if single else WRONG
            answers.append(
                node(
                    "answer",
                    leaves(
                        {
                            "answertext": text(area("answer", self._answers), lambda q: q.choices[position].html, inline=True),
                            "answerformat": 1,
                            "fraction": value,
                            "feedback": text(area("answerfeedback", self._answers), lambda q: q.choices[position].feedback_html),
                            "feedbackformat": 1,
                        }
                    ),
                    id=self._answers,
                )
            )
        options = node(
            "multichoice",
            leaves(
                {
                    "layout": 0,
                    "single": int(single),
                    "shuffleanswers": 0,  # authors order choices on purpose ("all of the above")
                    "correctfeedback": text(area("correctfeedback", qid), lambda q: q.feedback_correct_html),
                    "correctfeedbackformat": 1,
                    # qser has no partial credit of its own: a partial answer is an incorrect one
                    "partiallycorrectfeedback": text(area("partiallycorrectfeedback", qid), lambda q: q.feedback_incorrect_html),
                    "partiallycorrectfeedbackformat": 1,
                    "incorrectfeedback": text(area("incorrectfeedback", qid), lambda q: q.feedback_incorrect_html),
                    "incorrectfeedbackformat": 1,
                    "answernumbering": "abc",
                    "shownumcorrect": int(not single),
                    "showstandardinstruction": 1,
                }
            ),
            id=qid,
        )
        question = node(
            "question",
            leaves(
                {
                    "parent": 0,
                    "name": build.languages.name(
                        [Version(p.text.lang, p.text.content_lang, plain_text(q.prompt_html)) for p, q in zip(quiz, versions)]
                    ),
                    "questiontext": text(area("questiontext", qid), lambda q: f"<p>{q.prompt_html}</p>"),
                    "questiontextformat": 1,
                    "generalfeedback": "",
                    "generalfeedbackformat": 1,
                    "defaultmark": f"{model.points:.7f}",
                    "penalty": "0.3333333",
                    "qtype": "multichoice",
                    "length": 1,
                    "stamp": self._stamp(quiz[0].item.id, model.id),
                    "timecreated": build.timestamp,
                    "timemodified": build.timestamp,
                    "createdby": None,
                    "modifiedby": None,
                }
            ),
            node("plugin_qtype_multichoice_question", node("answers", answers), options),
            node("plugin_qbank_comment_question", node("comments")),
            node("plugin_qbank_customfields_question", node("customfields")),
            node("question_hints"),
            node("tags"),
            id=qid,
        )
        category = self.categories[category_id - 1]
        category.questions.append(_Question(qid, qid, model.id, fragment(question, QUESTION_DEPTH)))
        return qid

    # --- the build cache replays what an activity added (see :mod:`.reuse`) ---------------

    def mark(self) -> tuple[int, int, int]:
        """The next free ids, as counts: categories, questions, answers."""
        return len(self.categories), self._questions, self._answers

    def since(self, mark: tuple[int, int, int]) -> tuple | None:
        """What was added after ``mark``, as plain data; None if a question went into an
        older category (quizzes only fill their own)."""
        added = self.categories[mark[0]:]
        if sum(len(c.questions) for c in added) != self._questions - mark[1]:
            return None
        categories = tuple(
            (c.id, c.name, c.info, c.stamp, c.parent, c.sortorder,
             tuple((q.id, q.entry, q.idnumber, q.element.text) for q in c.questions))
            for c in added
        )
        return categories, self._questions, self._answers

    def replay(self, added: tuple) -> None:
        """Adds again what :meth:`since` recorded, at the same ids."""
        categories, self._questions, self._answers = added
        for *fields, questions in categories:
            category = _Category(*fields)
            category.questions = [_Question(*q, Raw(text, QUESTION_DEPTH)) for *q, text in questions]
            self.categories.append(category)

    def xml(self) -> bytes:
        return document(node("question_categories", (self._category(c) for c in self.categories)))

    def _category(self, category: _Category) -> Node:
        entries = []
        for question in category.questions:
            entries.append(
                node(
                    "question_bank_entry",
                    Leaf("questioncategoryid", category.id),
                    Leaf("idnumber", question.idnumber),
                    Leaf("ownerid", None),
                    node(
                        "question_version",
                        node(
                            "question_versions",
                            Leaf("version", 1),
                            Leaf("status", "ready"),
                            node("questions", question.element),
                            id=question.entry,
                        ),
                    ),
                    id=question.entry,
                )
            )
        return node(
            "question_category",
            leaves(
                {
                    "name": category.name,
                    "contextid": self.context[0],
                    "contextlevel": self.context[1],
                    "contextinstanceid": self.context[2],
                    "info": category.info,
                    "infoformat": 0,
                    "stamp": category.stamp,
                    "parent": category.parent,
                    "sortorder": category.sortorder,
                    "idnumber": None,
                }
            ),
            node("question_bank_entries", entries),
            id=category.id,
        )
