"""The Moodle backup target, checked against Moodle's own reference backup and code.

No Moodle runs here, so nothing is restored; instead every archive built in these tests
goes through :func:`tests.support.backup_checks.check_all` (the structure of REF101, Moodle's tar
reader, format detection, link decoder and inforef rules), and the tests below pin the
behaviour each item type must have after a restore.
"""

from __future__ import annotations

import hashlib
import io
import re
import tarfile
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from packager import lti_contract
from packager.archive import entry_date, tgz_bytes
from packager.build import BuildOptions, build, check
from packager.cli import main
from packager.model import ItemKind
from packager.targets.moodle.backup import entries
from packager.targets.moodle.common import activity_extras, inforef, php_array
from packager.targets.moodle.files import FilePool
from packager.targets.moodle.grades import GradeItem, activity_grades
from packager.targets.moodle.scorm import Embedded, scoes, scoes_xml
from packager.targets.scorm import package as scorm_package
from packager.targets.scorm.versions import SCORM12
from packager.targets.moodle.texts import Languages, Version
from packager.targets.moodle.versions import STAMPS
from packager.targets.moodle.target import MoodleOptions
from packager.targets.moodle.xml import document
from tests.support import backup_checks as mc
from tests.support import moodle_scorm_parser as moodle_parser
from tests.support.courses import CONTENT, SYNTHETIC, TOOL, make_course


def make_synthetic(root: Path) -> Path:
    return make_course(root, SYNTHETIC)


def build_one(source: Path, out: Path, languages: tuple[str, ...] = (), **options) -> list[Path]:
    written, _ = build(source, out, ["moodle"], BuildOptions(languages=languages, targets={"moodle": MoodleOptions(**options)}))
    return written


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    return make_synthetic(tmp_path_factory.mktemp("synthetic") / "content")


@pytest.fixture(scope="module")
def multilang(synthetic, tmp_path_factory) -> mc.Backup:
    out = tmp_path_factory.mktemp("multilang")
    (path,) = build_one(synthetic, out, multilang=True)
    assert path.name == "synth.mbz"
    return mc.Backup.read(path)


@pytest.fixture(scope="module")
def per_language(synthetic, tmp_path_factory) -> dict[str, mc.Backup]:
    out = tmp_path_factory.mktemp("perlang")
    written = build_one(synthetic, out)  # the default
    assert sorted(p.name for p in written) == ["synth-el.mbz", "synth-en.mbz"]
    return {p.stem.split("-")[-1]: mc.Backup.read(p) for p in written}


@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> mc.Backup:
    out = tmp_path_factory.mktemp("shipped")
    written = build_one(CONTENT, out, multilang=True)
    assert [p.name for p in written] == [f"{check(CONTENT).course.shortname}.mbz"]
    return mc.Backup.read(written[0])


def module_dir(backup: mc.Backup, modname: str, index: int = 0) -> str:
    return [a["directory"] for a in backup.activities() if a["modulename"] == modname][index]


# --- the structure, against Moodle's reference backup -----------------------------------


def test_multilingual_backup_has_moodles_structure(multilang):
    mc.check_all(multilang)


@pytest.mark.parametrize("lang", ["en", "el"])
def test_per_language_backups_have_moodles_structure(per_language, lang):
    mc.check_all(per_language[lang])


def test_shipped_course_backup_has_moodles_structure(shipped):
    mc.check_all(shipped)
    screeners = [a for a in shipped.activities() if a["modulename"] == "lti"]
    assert screeners, "the shipped course's screener must become an External tool activity"


def test_reference_backup_passes_the_same_checks():
    """The checks describe Moodle's format, so Moodle's own backup must pass them too."""
    reference = mc.Backup.read(mc.REFERENCE.parent / "REF101.mbz")
    mc.check_xml(reference)
    mc.check_ids(reference)
    mc.check_files(reference)
    mc.check_questions(reference)
    assert {name for name, _, _ in mc.tgz_members(reference.data) if not name.endswith("/")} >= set(reference.files)


EMPTY_INFOREF = b'<?xml version="1.0" encoding="UTF-8"?>\n<inforef>\n</inforef>'

BREAKAGES = {
    "single-quoted declaration": (
        lambda b: {"moodle_backup.xml": b.files["moodle_backup.xml"].replace(b'"1.0" encoding="UTF-8"', b"'1.0' encoding='UTF-8'", 1)},
        mc.check_xml,
    ),
    "page file missing from inforef": (lambda b: {f"{module_dir(b, 'page')}/inforef.xml": EMPTY_INFOREF}, mc.check_files),
    "tampered blob": (lambda b: {next(n for n in b.files if n.startswith("files/")): b"changed"}, mc.check_files),
    "wrong section sequence": (
        lambda b: {"sections/section_2/section.xml": b.files["sections/section_2/section.xml"].replace(b"<sequence>1,", b"<sequence>9,")},
        mc.check_ids,
    ),
    "question bank not in course inforef": (lambda b: {"course/inforef.xml": EMPTY_INFOREF}, mc.check_questions),
    "link to a missing module": (
        lambda b: {f"{module_dir(b, 'page')}/page.xml": b.files[f"{module_dir(b, 'page')}/page.xml"].replace(b"QUIZVIEWBYID*6", b"QUIZVIEWBYID*1")},
        mc.check_links,
    ),
    "name longer than Moodle's column": (
        lambda b: {"course/course.xml": re.sub(rb"<fullname>[^<]*</fullname>", b"<fullname>" + b"x" * 255 + b"</fullname>", b.files["course/course.xml"])},
        mc.check_lengths,
    ),
    "element Moodle does not write": (
        lambda b: {f"{module_dir(b, 'url')}/url.xml": b.files[f"{module_dir(b, 'url')}/url.xml"].replace(b"<display>", b"<colour>red</colour>\n    <display>")},
        mc.check_against_reference,
    ),
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_checks_catch_broken_backups(multilang, breakage):
    """A checker that cannot fail proves nothing: break a copy the way restore would notice."""
    change, checker = BREAKAGES[breakage]
    checker(multilang)  # the intact backup passes ...
    with pytest.raises(AssertionError):  # ... the broken one does not
        checker(mc.Backup(multilang.data, {**multilang.files, **change(multilang)}))


def test_archive_check_rejects_pax_headers(multilang, tmp_path):
    """Python's default tar format adds PAX headers for non-ASCII names, which Moodle misreads."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as tar:  # default format: PAX
        for name, data in multilang.files.items():
            info = tarfile.TarInfo(name if name != "users.xml" else "usérs.xml")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with pytest.raises(AssertionError, match="type flags other than file/directory"):
        mc.check_archive(mc.Backup(raw.getvalue(), multilang.files))


# --- archive details Moodle's readers depend on ------------------------------------------


def test_builds_are_byte_identical(synthetic, tmp_path, multilang):
    (again,) = build_one(synthetic, tmp_path, multilang=True)
    assert again.read_bytes() == multilang.data


def test_version_stamps(synthetic):
    checked = check(synthetic)
    for release, stamp in STAMPS.items():
        files = entries(checked.rendered, Languages(("en", "el"), True), stamp, TOOL, "synth.mbz")
        backup = mc.Backup(b"", files)
        info = backup.manifest.find("information")
        assert info.findtext("moodle_version") == stamp.moodle_version
        assert info.findtext("backup_release") == release
        assert int(info.findtext("backup_version")) == stamp.backup_version
        versions = {backup.xml(f"{a['directory']}/module.xml").get("version") for a in backup.activities()}
        assert versions == {str(stamp.module_version)}


def test_timestamps_come_from_the_course_date(multilang):
    expected = "1772323200"  # 2026-03-01T00:00:00Z
    assert multilang.text("moodle_backup.xml", "information/backup_date") == expected
    assert {m.findtext("added") for m in (multilang.xml(f"{a['directory']}/module.xml") for a in multilang.activities())} == {expected}


# --- items become native activities ------------------------------------------------------


def test_every_item_becomes_its_native_module(multilang, synthetic):
    course = check(synthetic).course
    kinds = [a["modulename"] for a in multilang.activities()]
    assert kinds == ["page", "label", "url", "resource", "lti", "quiz"]
    assert len(kinds) == len(course.items)
    names = [s["title"] for s in multilang.sections()]
    assert names[0] == "0"  # Moodle's "General" section, holding the course description
    assert "Introduction" in names[1] and "Εισαγωγή" in names[1]


def test_page_html_images_and_links(multilang):
    directory, page = multilang.activity("page")
    content = page.findtext("page/content")
    english = mc.multilang_filter(content, "en")
    assert '<img src="@@PLUGINFILE@@/assets/pic.png" alt="A red dot">' in english
    assert "@@PLUGINFILE@@/assets/%C3%A9t%C3%A9%20plan.png" in english
    cmids = {a["modulename"]: a["moduleid"] for a in multilang.activities()}
    assert f'href="$@QUIZVIEWBYID*{cmids["quiz"]}@$"' in english
    assert 'href="$@COURSEVIEWBYID*2@$&amp;section=2#start"' in english  # section link keeps its anchor
    assert 'href="$@COURSEVIEWBYID*2@$&amp;section=1"' in english  # a label is shown in its section
    assert 'href="$@RESOURCEVIEWBYID' not in english and "@@PLUGINFILE@@/assets/handout.pdf" in english
    assert 'href="$@COURSEVIEWBYID*2@$"' in english
    files = multilang.xml("files.xml")
    stored = {(f.findtext("filepath"), f.findtext("filename"), f.findtext("filearea"), f.findtext("mimetype"))
              for f in files.iterfind("file") if f.findtext("contextid") == page.get("contextid")}
    assert ("/assets/", "pic.png", "content", "image/png") in stored
    assert ("/assets/", "été plan.png", "content", "image/png") in stored
    assert ("/assets/", "handout.pdf", "content", "application/pdf") in stored
    assert {("/", ".", "content", mc.NULL), ("/assets/", ".", "content", mc.NULL)} <= stored  # Moodle's directory rows
    module = multilang.xml(f"{directory}/module.xml")
    assert module.findtext("completion") == "2" and module.findtext("completionview") == "1"
    assert module.findtext("showdescription") == "1"  # the summary under the link on the course page
    assert module.findtext("idnumber") == "intro/welcome"


def test_multilang_filter_shows_each_reader_their_language(multilang):
    _, page = multilang.activity("page")
    content = page.findtext("page/content")
    greek = mc.multilang_filter(content, "el")
    english = mc.multilang_filter(content, "en")
    assert greek.startswith('<div lang="el">') and "Καλώς ήρθατε" in greek and "Welcome" not in greek
    assert english.startswith('<div lang="en">') and "Welcome" in english and "Καλώς" not in english
    assert mc.multilang_filter(content, "fr") == english  # no French version: the first (default) one
    # the author's inner <span> survived the filter's lazy </span> match intact
    assert '<span lang="fr">bonjour</span >' in english
    name = page.findtext("page/name")
    assert mc.multilang_filter(name, "el") == "Σελίδα καλωσορίσματος"
    assert mc.multilang_filter(name, "en") == "Welcome page"


def test_untranslated_text_is_not_repeated_and_keeps_its_language(multilang):
    _, label = multilang.activity("label")
    intro = label.findtext("label/intro")
    assert "multilang" not in intro, "a label with no translation needs no language versions"
    assert intro.startswith('<div lang="en">')  # Greek readers see English, marked as English
    assert mc.multilang_filter(label.findtext("label/name"), "el") == "A note"


def test_label(multilang):
    directory, label = multilang.activity("label")
    module = multilang.xml(f"{directory}/module.xml")
    assert module.findtext("completion") == "0" and module.findtext("idnumber") == ""
    assert "Remember to take notes." in label.findtext("label/intro")


def test_url(multilang):
    directory, url = multilang.activity("url")
    assert url.findtext("url/externalurl") == "https://example.org/q-ser?lang=en&x=1"
    assert "&amp;x=1" in multilang.files[f"{directory}/url.xml"].decode()
    intro = mc.multilang_filter(url.findtext("url/intro"), "en")
    assert "The project&#x27;s public website." in intro or "The project's public website." in intro
    assert "Opens the project website." in intro
    assert url.findtext("url/displayoptions") == 'a:1:{s:10:"printintro";i:1;}'


def test_file_resource(multilang, synthetic):
    directory, resource = multilang.activity("resource")
    # REF101 has no File activity: its fields are those of mod/resource/backup/moodle2/backup_resource_stepslib.php
    assert [child.tag for child in resource.find("resource")] == [
        "name", "intro", "introformat", "tobemigrated", "legacyfiles", "legacyfileslast",
        "display", "displayoptions", "filterfiles", "revision", "timemodified",
    ]
    files = multilang.xml("files.xml")
    content = [f for f in files.iterfind("file")
               if f.findtext("contextid") == resource.get("contextid") and f.findtext("filearea") == "content" and f.findtext("filename") != "."]
    assert len(content) == 1
    main_file = content[0]
    data = (synthetic / "assets/handout.pdf").read_bytes()
    assert main_file.findtext("filename") == "handout.pdf" and main_file.findtext("sortorder") == "1"
    assert main_file.findtext("contenthash") == hashlib.sha1(data).hexdigest()
    assert main_file.findtext("component") == "mod_resource" and main_file.findtext("mimetype") == "application/pdf"
    refs = {i.text for i in multilang.xml(f"{directory}/inforef.xml").iterfind("fileref/file/id")}
    assert main_file.get("id") in refs


def test_screener_is_an_lti_activity_bound_to_the_qser_tool(multilang):
    directory, lti = multilang.activity("lti")
    assert lti.findtext("lti/typeid") == "0"  # restore binds by URL to the site tool
    assert lti.findtext("lti/toolurl") == lti_contract.tool_url(TOOL, lti_contract.LAUNCH_PATH) == "https://tool.example.org/qser/lti/launch"
    custom = _custom(lti)
    assert custom == {"qser_screener": "practice/screener", "qser_rules": custom["qser_rules"]}
    assert re.fullmatch(r"[0-9a-f]{16}", custom["qser_rules"])  # the scoring rules the activity was built with
    assert lti.findtext("lti/grade") == "3" and lti.findtext("lti/instructorchoiceacceptgrades") == "1"
    assert lti.find("lti/ltitype") is None  # site tools are never carried in a backup
    lineitem = lti.find("lti/subplugin_ltiservice_gradebookservices_lti/lineitems/lineitem")
    grade = multilang.xml(f"{directory}/grades.xml").find("grade_items/grade_item")
    assert lineitem.findtext("gradeitemid") == grade.get("id")
    assert lineitem.findtext("baseurl") == lti.findtext("lti/toolurl")
    assert lineitem.findtext("ltilinkid") == lti.find("lti").get("id")
    assert (grade.findtext("grademax"), grade.findtext("gradepass")) == ("3.00000", "2.00000")
    assert grade.findtext("itemmodule") == "lti" and grade.findtext("idnumber") == "practice/screener"
    module = multilang.xml(f"{directory}/module.xml")
    assert (module.findtext("completion"), module.findtext("completiongradeitemnumber"), module.findtext("completionpassgrade")) == ("2", "0", "1")


def test_shipped_screener_grade_is_five_with_pass_four(shipped):
    directory, lti = shipped.activity("lti")
    grade = shipped.xml(f"{directory}/grades.xml").find("grade_items/grade_item")
    assert (grade.findtext("grademax"), grade.findtext("gradepass")) == ("5.00000", "4.00000")
    item_id = check(CONTENT).course.items_of(ItemKind.SCREENER)[0].id
    custom = _custom(lti)
    assert custom[lti_contract.CUSTOM_SCREENER] == item_id and set(custom) == {lti_contract.CUSTOM_SCREENER, lti_contract.CUSTOM_RULES}


def _custom(lti) -> dict[str, str]:
    return dict(line.split("=", 1) for line in lti.findtext("lti/instructorcustomparameters").splitlines())


def test_quiz_and_its_questions(multilang):
    directory, quiz = multilang.activity("quiz")
    assert quiz.findtext("quiz/sumgrades") == "3.00000" and quiz.findtext("quiz/grade") == "100.00000"
    grade = multilang.xml(f"{directory}/grades.xml").find("grade_items/grade_item")
    assert (grade.findtext("grademax"), grade.findtext("gradepass")) == ("100.00000", "60.00000")
    questions = multilang.xml("questions.xml")
    category = [c for c in questions.iterfind("question_category") if c.findtext("parent") != "0"]
    assert len(category) == 1 and "Check your understanding" in category[0].findtext("name")
    qs = category[0].findall(".//question")
    assert [q.findtext("qtype") for q in qs] == ["multichoice", "multichoice"]
    single, multiple = qs
    assert single.findtext("plugin_qtype_multichoice_question/multichoice/single") == "1"
    fractions = [a.findtext("fraction") for a in single.iterfind(".//answer")]
    assert fractions == ["1.0000000", "0.0000000"]
    feedback = [mc.multilang_filter(a.findtext("feedback"), "el") for a in single.iterfind(".//answer")]
    assert "Ναι." in feedback[0] and "Όχι." in feedback[1]
    options = single.find("plugin_qtype_multichoice_question/multichoice")
    assert "Well done." in mc.multilang_filter(options.findtext("correctfeedback"), "en")
    assert "Δείτε την εικόνα." in mc.multilang_filter(options.findtext("incorrectfeedback"), "el")
    assert "@@PLUGINFILE@@/assets/pic.png" in single.findtext("questiontext")
    assert multiple.findtext("plugin_qtype_multichoice_question/multichoice/single") == "0"
    fractions = [a.findtext("fraction") for a in multiple.iterfind(".//answer")]
    assert fractions == ["0.3333333", "0.3333333", "-1.0000000", "0.3333333"]
    assert multiple.findtext("defaultmark") == "2.0000000"
    marks = [i.findtext("maxmark") for i in quiz.iterfind("quiz/question_instances/question_instance")]
    assert marks == ["1.0000000", "2.0000000"]
    entry_ids = [e.findtext("idnumber") for e in category[0].iterfind(".//question_bank_entry")]
    assert entry_ids == ["single-one", "many"]
    answer_text = multiple.find(".//answer").findtext("answertext")
    assert mc.multilang_filter(answer_text, "el") == '<span lang="el">2</span >' or answer_text == '<span lang="en">2</span>'
    module = multilang.xml(f"{directory}/module.xml")
    assert (module.findtext("completion"), module.findtext("completiongradeitemnumber"), module.findtext("completionpassgrade")) == ("2", "0", "1")


def test_course_record(multilang):
    course = multilang.xml("course/course.xml")
    assert course.findtext("shortname") == "synth" and course.findtext("format") == "topics"
    assert course.findtext("enablecompletion") == "1" and course.findtext("lang") == ""
    assert "Ένα μάθημα με όλα τα χαρακτηριστικά." in mc.multilang_filter(course.findtext("summary"), "el")
    section0 = multilang.xml("sections/section_1/section.xml")
    assert "Welcome." in mc.multilang_filter(section0.findtext("summary"), "en")
    assert "<p>Έκδοση 2.0 · " in mc.multilang_filter(section0.findtext("summary"), "el")
    assert "CC-BY-4.0 · " in mc.multilang_filter(section0.findtext("summary"), "el")
    assert "Test Author</p>" in mc.multilang_filter(section0.findtext("summary"), "en")
    assert section0.findtext("name") == mc.NULL
    section1 = multilang.xml("sections/section_2/section.xml")
    assert "@@PLUGINFILE@@/assets/map.png" in section1.findtext("summary")
    gradebook = multilang.xml("gradebook.xml")
    assert gradebook.findtext("grade_items/grade_item/grademax") == "103.00000"


def test_per_language_courses(per_language):
    greek = per_language["el"]
    course = greek.xml("course/course.xml")
    assert course.findtext("shortname") == "synth-el" and course.findtext("lang") == "el"
    assert course.findtext("fullname") == "Συνθετικό μάθημα"
    for name, data in greek.files.items():
        assert b'class="multilang"' not in data, f"{name}: a per-language course needs no multilang markup"
    _, lti = greek.activity("lti")
    custom = _custom(lti)
    assert (custom["qser_screener"], custom["qser_lang"]) == ("practice/screener", "el") and "qser_rules" in custom
    _, label = greek.activity("label")
    assert label.findtext("label/intro").startswith('<div lang="en">')  # untranslated: marked as English
    _, page = greek.activity("page")
    assert page.findtext("page/content").startswith('<div lang="el">')


def test_long_multilingual_names_fit_moodles_columns():
    languages = Languages(("en", "el", "es"), True)
    versions = [Version("en", "en", "Short"), Version("el", "el", "Ω" * 200), Version("es", "es", "ñ" * 200)]
    name = languages.name(versions, 254)
    assert len(name) <= 254
    assert mc.multilang_filter(name, "en") == "Short"  # short versions are never cut
    assert mc.multilang_filter(name, "el").endswith("…")


def test_lang_option_limits_the_languages(synthetic, tmp_path):
    (path,) = build_one(synthetic, tmp_path, languages=("el",))
    backup = mc.Backup.read(path)
    mc.check_all(backup)
    assert b'lang="en" class="multilang"' not in backup.files[f"{module_dir(backup, 'page')}/page.xml"]


# --- command line and errors ----------------------------------------------------------------


def test_cli_builds_per_language_backups_for_another_release(synthetic, tmp_path):
    result = CliRunner().invoke(
        main,
        ["build", str(synthetic), "--out", str(tmp_path), "--target", "moodle", "--moodle-per-language",
         "--moodle-version", "5.1", "--lti-url", "https://other.example.net/tool/"],
    )
    assert result.exit_code == 0, result.output
    backup = mc.Backup.read(tmp_path / "synth-en.mbz")
    assert backup.text("moodle_backup.xml", "information/backup_release") == "5.1"
    _, lti = backup.activity("lti")
    assert lti.findtext("lti/toolurl") == "https://other.example.net/tool/lti/launch"


def test_screener_without_tool_url_is_a_clear_error(synthetic, tmp_path):
    source = tmp_path / "content"
    make_synthetic(source)
    course_md = (source / "course.md").read_text().replace("lti:\n  url: https://tool.example.org/qser/\n", "")
    (source / "course.md").write_text(course_md)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(source), "--out", str(out), "--target", "moodle"])
    assert result.exit_code == 1
    assert "02-practice/01-screener.md:1: error:" in result.output and "--lti-url" in result.output
    assert not list(out.glob("*.mbz"))  # nothing written


def test_completion_follows_the_items_setting(tmp_path):
    source = make_synthetic(tmp_path / "content")
    for rel, setting in (("02-practice/02-check.md", "grade"), ("02-practice/01-screener.md", "view")):
        path = source / rel
        path.write_text(path.read_text().replace("---\n", f"---\ncompletion: {setting}\n", 1))
    (path,) = build_one(source, tmp_path / "out", multilang=True)
    backup = mc.Backup.read(path)
    mc.check_all(backup)
    quiz = backup.xml(f"{module_dir(backup, 'quiz')}/module.xml")
    assert (quiz.findtext("completiongradeitemnumber"), quiz.findtext("completionpassgrade"), quiz.findtext("completionview")) == ("0", "0", "0")
    lti = backup.xml(f"{module_dir(backup, 'lti')}/module.xml")
    assert (lti.findtext("completiongradeitemnumber"), lti.findtext("completionpassgrade"), lti.findtext("completionview")) == (mc.NULL, "0", "1")


def test_completion_by_grade_on_an_ungraded_item_is_an_error(tmp_path):
    source = make_synthetic(tmp_path / "content")
    page = source / "01-intro/01-welcome.md"
    page.write_text(page.read_text().replace("title: Welcome page\n", "title: Welcome page\ncompletion: pass\n"))
    result = CliRunner().invoke(main, ["check", str(source)])
    assert result.exit_code == 1
    assert "01-intro/01-welcome.md:3: error: completion 'pass' needs a score" in result.output


# --- the writers produce Moodle's own bytes -------------------------------------------------


def test_empty_activity_files_are_byte_identical_to_moodles():
    for name, data in activity_extras().items():
        assert data == (mc.REFERENCE / "activities/page_2" / name).read_bytes(), name


def test_inforef_is_byte_identical_to_moodles():
    assert inforef(files=[6, 7]) == (mc.REFERENCE / "activities/page_2/inforef.xml").read_bytes()
    assert inforef(grade_items=[4], question_categories=[1, 2]) == (mc.REFERENCE / "activities/quiz_7/inforef.xml").read_bytes()
    assert inforef() == (mc.REFERENCE / "activities/url_4/inforef.xml").read_bytes()


def test_display_options_are_serialised_like_moodle():
    page = mc.reference().xml("activities/page_2/page.xml")
    url = mc.reference().xml("activities/url_4/url.xml")
    assert php_array({"printintro": 0, "printlastmodified": 1}) == page.findtext("page/displayoptions")
    assert php_array({"printintro": 0}) == url.findtext("url/displayoptions")
    assert php_array({}) == url.findtext("url/parameters")


def test_files_xml_rows_match_moodles():
    blob = (mc.REFERENCE / "files/f6/f675cd548cfa86fd62d794988b0d387f215a623d").read_bytes()
    pool = FilePool(timestamp=1795372243)
    url = pool.area(15, "mod_page", "content").add("red2x2.png", blob, "image/png")
    assert url == "@@PLUGINFILE@@/red2x2.png"
    ours = etree.fromstring(pool.xml()).findall("file")
    theirs = mc.reference().xml("files.xml").findall("file")[:2]
    for row in (*ours, *theirs):
        row.tail = None
        del row.attrib["id"]  # REF101's rows are ids 6 and 7
    assert [etree.tostring(row) for row in ours] == [etree.tostring(row) for row in theirs]
    assert pool.entries() == {"files/f6/f675cd548cfa86fd62d794988b0d387f215a623d": blob}


def test_activity_grades_are_byte_identical_to_moodles():
    quiz = GradeItem(id=4, name="Reference quiz", module="quiz", instance=1, grademax=10, gradepass=0, sortorder=4, idnumber="")
    # REF101's course total is 111 (LTI 100 + SCORM 1 + quiz 10): the quiz weighs 10/111
    assert activity_grades(quiz, 111, 1795372244) == (mc.REFERENCE / "activities/quiz_7/grades.xml").read_bytes()
    assert activity_grades(None, 111, 0) == (mc.REFERENCE / "activities/page_2/grades.xml").read_bytes()


def test_course_without_grades_or_questions(mini_course, tmp_path):
    (path,) = build_one(mini_course, tmp_path, multilang=True)
    backup = mc.Backup.read(path)
    mc.check_all(backup)
    assert backup.xml("questions.xml").find("question_category") is None
    assert backup.xml("course/inforef.xml").find("question_categoryref") is None
    assert backup.text("gradebook.xml", "grade_items/grade_item/grademax") == "100.00000"
    assert [a["modulename"] for a in backup.activities()] == ["page", "label"]


# --- SCORM packages as SCORM activities -------------------------------------------------------

REF_ZIP = mc.REFERENCE / "files/c8/c8841766426ab41d2eae765edaa25fccb9145a6b"  # REF101's SCORM 1.2 package


def test_the_parser_port_makes_the_rows_moodle_made_from_the_same_manifest():
    """Moodle parsed this package into REF101's scorm_scoes rows; the port must agree exactly."""
    manifest = moodle_parser.manifest(REF_ZIP.read_bytes())
    ours = etree.fromstring(document(scoes_xml(moodle_parser.scoes(manifest))))
    theirs = mc.reference().xml("activities/scorm_5/scorm.xml").find("scorm/scoes")
    canonical = lambda e: re.sub(rb">\s+<", b"><", etree.tostring(e, method="c14n"))  # noqa: E731
    assert canonical(ours) == canonical(theirs)
    assert moodle_parser.version(manifest) == mc.reference().text("activities/scorm_5/scorm.xml", "scorm/version")


@pytest.mark.parametrize("mastery", [80, None])
def test_rows_from_the_package_description_are_what_moodle_parses_from_its_manifest(synthetic, mastery):
    """The backup writes the rows from the description the manifest is written from; Moodle's
    parser (ported) must read the same rows from the manifest itself. (Moodle's parser drops
    white space standing alone between two entities, "a &amp; &lt;b&gt;" -> "a &<b>"; the
    description keeps the title as written.)"""
    built = scorm_package.build(check(synthetic).rendered, "el", SCORM12)
    info = replace(built.info, mastery=mastery, title="Τίτλος «δοκιμή» & πράξη <1>")
    rows = scoes(info)
    assert rows == moodle_parser.scoes(scorm_package.manifest.scorm12(info))
    assert ("masteryscore" in rows[1].data) == (mastery is not None)
    assert moodle_parser.version(moodle_parser.manifest(built.data)) == "SCORM_1.2"


@pytest.fixture(scope="module")
def with_scorm(synthetic) -> mc.Backup:
    checked = check(synthetic)
    packages = [Embedded(scorm_package.build(checked.rendered, lang, SCORM12), f"Package {lang}") for lang in ("en", "el")]
    files = entries(checked.rendered, Languages(("en", "el"), True), STAMPS["4.5"], TOOL, "synth.mbz", packages)
    return mc.Backup(tgz_bytes(files, first=(".ARCHIVE_INDEX", "moodle_backup.xml"), date=entry_date("2026-03-01"), directories=True), files)


def test_scorm_activities_have_moodles_structure(with_scorm):
    mc.check_all(with_scorm)
    assert [a["modulename"] for a in with_scorm.activities()][:2] == ["scorm", "scorm"]
    assert with_scorm.xml("sections/section_1/section.xml").findtext("sequence") == "1,2"


def test_scorm_activity_carries_its_package(with_scorm, synthetic):
    directory, scorm = with_scorm.activity("scorm", 1)
    built = scorm_package.build(check(synthetic).rendered, "el", SCORM12)
    data = built.data
    assert scorm.findtext("scorm/reference") == "synth-el-scorm12.zip"
    assert scorm.findtext("scorm/sha1hash") == hashlib.sha1(data).hexdigest()
    assert scorm.findtext("scorm/version") == "SCORM_1.2"
    sco = {s.get("id"): s for s in scorm.iterfind("scorm/scoes/sco")}
    assert sco[scorm.findtext("scorm/launch")].findtext("launch") == "index.html"
    files = [f for f in with_scorm.xml("files.xml").iterfind("file") if f.findtext("contextid") == scorm.get("contextid")]
    named = {(f.findtext("filearea"), f.findtext("filename")) for f in files}
    assert {("package", "synth-el-scorm12.zip"), ("content", "imsmanifest.xml"), ("content", "index.html")} <= named
    grade = with_scorm.xml(f"{directory}/grades.xml").find("grade_items/grade_item")
    assert (grade.findtext("grademax"), grade.findtext("gradepass"), grade.findtext("itemmodule")) == ("100.00000", f"{built.info.mastery}.00000", "scorm")
    module = with_scorm.xml(f"{directory}/module.xml")
    assert module.findtext("lang") == "el"  # the player's language is the package's
    assert (module.findtext("completion"), module.findtext("completionview")) == ("2", "0")
    assert scorm.findtext("scorm/completionstatusrequired") == "6"  # passed or completed
    assert scorm.findtext("scorm/hidetoc") == "3" and scorm.findtext("scorm/popup") == "0"


def test_moodle_scorm_option_embeds_the_scorm_12_packages(tmp_path):
    source = make_synthetic(tmp_path / "content")
    # the SCORM target only packages ASCII file names (zip_bytes refuses others)
    (source / "assets/été plan.png").rename(source / "assets/plan.png")
    page = source / "01-intro/01-welcome.md"
    page.write_text(page.read_text().replace("<../assets/été plan.png>", "../assets/plan.png"))
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(source), "--out", str(out), "--target", "moodle", "--target", "scorm12", "--moodle-scorm", "--moodle-multilang"])
    assert result.exit_code == 0, result.output
    backup = mc.Backup.read(out / "synth.mbz")
    mc.check_all(backup)
    files = backup.xml("files.xml")
    for index, lang in enumerate(("en", "el")):
        directory, scorm = backup.activity("scorm", index)
        package = (out / f"synth-{lang}-scorm12.zip").read_bytes()  # the stand-alone SCORM 1.2 target's zip
        assert scorm.findtext("scorm/reference") == f"synth-{lang}-scorm12.zip"
        assert scorm.findtext("scorm/sha1hash") == hashlib.sha1(package).hexdigest()
        assert backup.files[f"files/{hashlib.sha1(package).hexdigest()[:2]}/{hashlib.sha1(package).hexdigest()}"] == package
        assert backup.xml(f"{directory}/module.xml").findtext("lang") == lang
        launch = {s.get("id"): s.findtext("launch") for s in scorm.iterfind("scorm/scoes/sco")}[scorm.findtext("scorm/launch")]
        content = {
            (f.findtext("filepath") + f.findtext("filename")).lstrip("/")
            for f in files.iterfind("file")
            if f.findtext("contextid") == scorm.get("contextid") and f.findtext("filearea") == "content" and f.findtext("filename") != "."
        }
        with zipfile.ZipFile(io.BytesIO(package)) as archive:
            assert content == {name for name in archive.namelist() if not name.endswith("/")}
        assert launch in content and "imsmanifest.xml" in content
        name = scorm.findtext("scorm/name")
        assert name.endswith(f"(SCORM, {'English' if lang == 'en' else 'Ελληνικά'})")


def test_xml_text_drops_exactly_what_xml_forbids():
    """Leaf text loses the characters XML 1.0 forbids (as Moodle's xml_safe_utf8() does) and
    keeps every other one, unprintable ones included, in short values and long ones."""
    from packager.targets.moodle.xml import text

    kept = "a\t\n\r\x7f\x85\u00a0\u00ad\u2028\ud7ff\ue000\ufffd\U0001f600é"
    forbidden = "".join(map(chr, [*range(0, 9), 11, 12, *range(14, 32), 0xFFFE, 0xFFFF]))
    for value in (kept, kept * 500, kept + forbidden, forbidden + "<&>" * 2000):
        expected = "".join(c for c in value if c not in forbidden).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert text(value) == expected
