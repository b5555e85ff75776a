"""The course's question bank activity (``mod_qbank``), for Moodle 5.0 and later.

Moodle 5 keeps questions only in module contexts: a course's own questions sit in a
question bank activity that it adds, hidden, to section 0 (``question_bank_helper::
create_default_open_instance``). A 5.x backup writes it like any activity
(``mod/qbank/backup/moodle2``: ``qbank.xml`` with name, intro and ``type``), and its
``inforef.xml`` lists the bank's categories. Restoring it gives the quizzes their questions
in a bank of the course, with no precheck warning.
"""

from __future__ import annotations

from ...i18n import translator
from .build import ActivityBody, Build
from .course import shortname
from .texts import Version
from .xml import leaves, node

STANDARD = "standard"  # question_bank_helper::TYPE_STANDARD: a bank the course's teachers own
NAME_MAX = 255  # question_bank_helper::BANK_NAME_MAX_LENGTH


def bank_name(build: Build) -> str:
    """"<shortname> course question bank", after Moodle's own name for a course's default bank
    (the short name, as Moodle's 5.0 upgrade names banks: full names would not fit three languages)."""
    versions = []
    for lang in build.languages.codes:
        rl = build.rendered.language(lang)
        versions.append(Version(rl.lang, rl.text.content_lang, translator(lang)("question_bank", course=shortname(build))))
    return build.languages.name(versions, NAME_MAX)


def qbank(build: Build, module) -> ActivityBody:
    name = bank_name(build)
    element = node(
        "qbank",
        leaves(
            {
                "name": name,
                "timecreated": build.timestamp,
                "timemodified": build.timestamp,
                "intro": "",
                "introformat": 1,
                "type": STANDARD,
            }
        ),
        id=module.instance,
    )
    return ActivityBody(name, element, uses_bank=True)
