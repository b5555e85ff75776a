"""``--moodle-version 5.0|5.1``: the questions in the course's question bank activity.

Moodle 5 keeps questions only in module contexts. The backup for 5.x writes what Moodle 5
writes for a course with quizzes (checked rule by rule against Moodle 5.0's backup code in
:func:`tests.support.backup_checks.check_module_banks`), so a 5.x restore has nothing to move and no
precheck warning; the 4.5 backup keeps the course bank 4.5 needs. Restoring into real Moodle
sites is the acceptance target's job (``make acceptance``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from packager.build import BuildOptions, build
from packager.targets.moodle.target import MoodleOptions
from packager.targets.moodle.versions import STAMPS
from tests.support import backup_checks as mc
from tests.support.courses import CONTENT, SYNTHETIC, make_course


def build_one(source: Path, out: Path, **options) -> list[Path]:
    written, _ = build(source, out, ["moodle"], BuildOptions(targets={"moodle": MoodleOptions(**options)}))
    return written


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    return make_course(tmp_path_factory.mktemp("synthetic5") / "content", SYNTHETIC)


@pytest.mark.parametrize("release", ["5.0", "5.1"])
def test_backup_for_moodle_5_has_a_question_bank_activity(synthetic, tmp_path, release):
    (path,) = build_one(synthetic, tmp_path, version=release, multilang=True)
    backup = mc.Backup.read(path)
    mc.check_all(backup)
    mc.check_module_banks(backup)
    assert backup.text("moodle_backup.xml", "information/backup_release") == release
    _, bank = backup.activity("qbank")
    assert "synth course question bank" in bank.findtext("qbank/name")
    assert "Τράπεζα ερωτήσεων του μαθήματος synth" in bank.findtext("qbank/name")
    directory = [a["directory"] for a in backup.activities() if a["modulename"] == "qbank"][0]
    assert int(backup.xml(f"{directory}/module.xml").get("version")) == STAMPS[release].module_version


def test_per_language_backups_for_moodle_5(synthetic, tmp_path):
    paths = build_one(synthetic, tmp_path, version="5.0", multilang=False)
    for path in paths:
        backup = mc.Backup.read(path)
        mc.check_all(backup)
        mc.check_module_banks(backup)


def test_moodle_45_backup_keeps_the_course_bank(synthetic, tmp_path):
    (path,) = build_one(synthetic, tmp_path, multilang=True)
    backup = mc.Backup.read(path)
    assert not [a for a in backup.activities() if a["modulename"] == "qbank"]
    levels = {c.findtext("contextlevel") for c in backup.xml("questions.xml").iterfind("question_category")}
    assert levels == {"50"}
    with pytest.raises(AssertionError, match="one question bank activity"):
        mc.check_module_banks(backup)


def test_shipped_course_for_moodle_5_every_quiz_keeps_its_questions(tmp_path):
    """Count as Moodle does after restore: quiz slots -> question references -> bank entries."""
    (path,) = build_one(CONTENT, tmp_path, version="5.0", multilang=True)
    backup = mc.Backup.read(path)
    mc.check_all(backup)
    mc.check_module_banks(backup)
    questions = backup.xml("questions.xml")
    entries = {e.get("id"): c for c in questions.iterfind("question_category") for e in c.iterfind(".//question_bank_entry")}
    counts = []
    for activity in backup.activities():
        if activity["modulename"] != "quiz":
            continue
        quiz = backup.xml(f"{activity['directory']}/quiz.xml")
        refs = [r.findtext("questionbankentryid") for r in quiz.iterfind(".//question_reference")]
        assert refs and all(entries[r].findtext("contextlevel") == mc.MODULE_LEVEL for r in refs)
        counts.append(len(refs))
    assert len(counts) == 4 and sum(counts) == 15  # the shipped course: 4 quizzes, 15 questions


def test_a_course_without_quizzes_gets_no_bank(mini_course, tmp_path):
    (path,) = build_one(mini_course, tmp_path, version="5.0", multilang=True)
    backup = mc.Backup.read(path)
    assert not [a for a in backup.activities() if a["modulename"] == "qbank"]
    assert backup.xml("questions.xml").find("question_category") is None


REFERENCE = mc.REFERENCE.parent / "MOODLE50"


def test_bank_is_written_as_moodle_50_writes_its_own(tmp_path):
    """Against a backup Moodle 5.0 made of a course whose bank it had created itself."""
    (path,) = build_one(CONTENT, tmp_path, version="5.0", multilang=True)
    ours = mc.Backup.read(path)
    theirs = mc.Backup(b"", {str(p.relative_to(REFERENCE)): p.read_bytes() for p in REFERENCE.rglob("*.xml")})
    (bank,) = [a["directory"] for a in ours.activities() if a["modulename"] == "qbank"]
    assert {n.split("/")[-1] for n in ours.files if n.startswith(bank + "/")} == {
        n.split("/")[-1] for n in theirs.files if n.startswith("activities/qbank_32/")}
    mine, moodles = ours.xml(f"{bank}/module.xml"), theirs.xml("activities/qbank_32/module.xml")
    for field in ("modulename", "sectionnumber", "visible", "visibleoncoursepage", "visibleold", "completion", "indent"):
        assert mine.findtext(field) == moodles.findtext(field), field
    assert mine.get("version") == moodles.get("version")
    shape = lambda root: [child.tag for child in root[0]]  # noqa: E731
    assert shape(ours.xml(f"{bank}/qbank.xml")) == shape(theirs.xml("activities/qbank_32/qbank.xml"))
    assert ours.files[f"{bank}/grades.xml"] == theirs.files["activities/qbank_32/grades.xml"]
    roots = lambda backup: {s.findtext("name") for s in backup.manifest.iterfind("information/settings/setting")  # noqa: E731
                            if s.findtext("level") == "root"}
    assert roots(ours) == roots(theirs)
    # inforef: the bank and each quiz list all the bank's categories, the course none
    listed = lambda backup, name: len(backup.xml(name).findall("question_categoryref/question_category"))  # noqa: E731
    categories = len(ours.xml("questions.xml").findall("question_category"))
    assert listed(theirs, "activities/qbank_32/inforef.xml") == listed(theirs, "activities/quiz_45/inforef.xml") == 5
    assert listed(ours, f"{bank}/inforef.xml") == categories == 5
    assert listed(theirs, "course/inforef.xml") == listed(ours, "course/inforef.xml") == 0
