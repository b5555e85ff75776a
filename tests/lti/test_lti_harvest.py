"""``qser harvest``: approved case studies become course pages that ``qser check --strict``
accepts and that build into every target; each is credited as its author chose, personal
data removed, the learner's text taken literally, shown in the language it was written in."""

from __future__ import annotations

import re
import shutil
import zipfile

import pytest
from click.testing import CliRunner
from hypothesis import given, settings as hsettings
from hypothesis import strategies as st

from lti_tool.harvest import markdown_text
from lti_tool.scrub import scrub
from packager.cli import main
from packager.render.markdown import plain_text, render_block
from tests.support.lti_flow import launch, staff_post, submit, summaries

GREEK = {
    "f-name": "Ελένη Παπαδοπούλου",
    "f-title": "Διερμηνείς *κατόπιν* ραντεβού",
    "f-sector": "Κοινωνική υπηρεσία",
    "f-background": "# Όχι τίτλος\nΗ Ελένη απαντούσε στο 2101234567 ή eleni@dimos.example.gr.\n\n![](x.png) [σύνδεσμος](../nowhere.md) <b>έντονα</b> | a | b |",
    "f-source": "1. Συνέντευξη 12.03.2024 με 30% λιγότερες επισκέψεις",
}
ENGLISH = {"f-name": "Pablo Ruiz", "f-title": "Plain-language letters", "f-background": "Letters were hard to read.\n- call +34 912 345 678"}


@pytest.fixture
def db_url(tmp_path):
    """Harvest writes files; the database part is covered on both backends elsewhere."""
    return f"sqlite:///{tmp_path / 'lti.sqlite3'}"


@pytest.fixture
def course(tmp_path, lti_content):
    """The test course, with summary fields short enough for a strict SCORM 1.2 build."""
    root = tmp_path / "course"
    shutil.copytree(lti_content, root)
    screener = root / "02-cases" / "01-screener.md"
    text = screener.read_text(encoding="utf-8")
    for field in ("name", "title", "background", "source"):
        text = text.replace(f"  - id: {field}\n", f"  - id: {field}\n    max_length: 600\n", 1)
    screener.write_text(text, encoding="utf-8")
    return root


def approved_cases(client, moodle, services):
    moodle.links["7"].locale = "el-GR"
    submit(client, launch(client, moodle, user="101"), credit="name", **GREEK)
    moodle.links["7"].locale = "en"
    submit(client, launch(client, moodle, user="102"), credit="organisation", **{"credit-org": "Ayuntamiento de Getafe"}, **ENGLISH)
    submit(client, launch(client, moodle, user="102"), **{**ENGLISH, "f-title": "Never approved"})
    teacher = launch(client, moodle, user="201")
    for row in summaries(services)[:2]:
        fields = {f"f-{k}": v for k, v in row.fields.items()}
        assert staff_post(client, teacher, "/teach/review", summary=row.id, action="approve", **fields).status_code == 200
    return teacher


def run(args, services, course):
    env = {"QSER_DATABASE_URL": services.settings.db_url, "QSER_VAR_DIR": str(services.settings.var_dir),
           "QSER_CONTENT_DIR": str(services.settings.content_dir), "QSER_BASE_URL": "https://tool.example.org/", "QSER_CONFIG": ""}
    return CliRunner().invoke(main, args, env=env, catch_exceptions=False)


def test_harvested_pages_check_strictly_and_build_into_every_target(client, moodle, services, course, tmp_path):
    teacher = approved_cases(client, moodle, services)
    out = course / "case-studies"
    result = run(["harvest", "--out", str(out)], services, course)
    assert result.exit_code == 0, result.output
    assert "2 approved case studies" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["0001-case-1.md", "0002-case-2.md", "index.el.md", "index.md"]

    greek = (out / "0001-case-1.md").read_text(encoding="utf-8")
    assert "title: Διερμηνείς *κατόπιν* ραντεβού" in greek and "slug: case-1" in greek and "lang: el" in greek
    assert "summary: Κοινωνική υπηρεσία" in greek
    assert "2101234567" not in greek and "eleni@dimos" not in greek and "Παπαδοπούλου" not in greek.split("Τη μελέτη")[0]
    assert "Η \\[…\\] απαντούσε στο \\[…\\] ή \\[…\\]." in greek  # the markers, literally
    assert "12.03.2024" in greek and "30%" in greek  # dates and figures stay
    assert "Τη μελέτη περίπτωσης μοιράστηκε: Ελένη Παπαδοπούλου." in greek  # credited by name, as chosen
    assert "## Ιστορικό του προβλήματος" in greek  # field labels in the case's language
    english = (out / "0002-case-2.md").read_text(encoding="utf-8")
    assert "lang: en" in english and "Case study shared by Ayuntamiento de Getafe." in english
    assert "+34 912 345 678" not in english and "Pablo" not in english and "Ruiz" not in english

    check = run(["check", "--strict", str(course)], services, course)
    assert check.exit_code == 0, check.output  # no missing translation, no bad link or image, no stray heading

    build = tmp_path / "build"
    built = run(["build", "--strict", "--out", str(build), str(course)], services, course)
    assert built.exit_code == 0, built.output
    site_en = (build / "html" / "en" / "case-studies" / "case-1.html").read_text(encoding="utf-8")
    site_el = (build / "html" / "el" / "case-studies" / "case-1.html").read_text(encoding="utf-8")
    assert '<article class="content" lang="el">' in site_en and "not been translated yet" in site_en
    assert "&lt;b&gt;έντονα&lt;/b&gt;" in site_en and "<b>έντονα" not in site_en  # the learner's text, literally
    assert '<article class="content">' in site_el and "δεν έχει μεταφραστεί" not in site_el
    outputs = sorted(p.name for p in build.iterdir())
    assert {"html", "mini-en.mbz", "mini-el.mbz", "mini-en-scorm12.zip", "mini-el-scorm2004.zip", "mini-en.imscc", "mini-el.imscc"} <= set(outputs)
    with zipfile.ZipFile(build / "mini-el.imscc") as cartridge:
        assert any("Διερμηνείς" in cartridge.read(n).decode("utf-8", "replace") for n in cartridge.namelist() if n.endswith(".html"))

    # a second harvest keeps files an author may have edited; --update rewrites them
    (out / "0002-case-2.md").write_text(english.replace("Plain-language letters", "Letters in plain language"), encoding="utf-8")
    again = run(["harvest", "--out", str(out)], services, course)
    assert "kept" in again.output and "Letters in plain language" in (out / "0002-case-2.md").read_text(encoding="utf-8")
    assert "Plain-language letters" in (run(["harvest", "--out", str(out), "--update"], services, course).output and
                                        (out / "0002-case-2.md").read_text(encoding="utf-8"))

    # a case study withdrawn from the library: its page is reported, not deleted
    row = summaries(services)[1]
    staff_post(client, teacher, "/teach/review", summary=row.id, action="reject", **{f"f-{k}": v for k, v in row.fields.items()})
    withdrawn = run(["harvest", "--out", str(out)], services, course)
    assert "0002-case-2.md: its case study is no longer approved" in withdrawn.output
    assert (out / "0002-case-2.md").exists()


def test_harvest_needs_a_course_folder(services, tmp_path):
    result = run(["harvest", "--out", str(tmp_path / "nowhere" / "case-studies")], services, tmp_path)
    assert result.exit_code == 1 and "course.md" in result.output


def test_lang_marker_is_checked(course, services):
    (course / "02-cases" / "02-note.md").write_text("---\ntitle: Nota\nlang: es\n---\nUna nota.\n", encoding="utf-8")
    result = run(["check", "--strict", str(course)], services, course)
    assert result.exit_code == 1 and "'lang' must be one of the course languages (en, el)" in result.output
    (course / "02-cases" / "02-note.md").write_text("---\ntitle: Σημείωση\nlang: el\n---\nΜια σημείωση.\n", encoding="utf-8")
    assert run(["check", "--strict", str(course)], services, course).exit_code == 0  # one language, no warning


# --- the pieces on their own ---------------------------------------------------------------------

_TEXT = st.text(alphabet=st.characters(categories=("L", "N", "P", "S", "Zs"), include_characters="\n\t"), max_size=200)


@hsettings(max_examples=300, deadline=None)
@given(_TEXT)
def test_learner_text_renders_literally(text):
    """Whatever a learner types comes out as that text: no markup, heading, list, link or HTML."""
    rendered = render_block(markdown_text(text))
    assert plain_text(rendered) == " ".join(text.split())
    assert not re.search(r"<(h\d|ul|ol|a|img|table|code|em|strong|blockquote|del|hr|pre|dl|b)\b", rendered)


def test_scrub_removes_contact_details_and_the_authors_name():
    text = ("Call Eleni Papadopoulou at +30 210 123 4567, (210) 555-0199 or eleni.p@dimos.gr; "
            "ELENI said 2,500 families in 2019 (30%) on 12/03/2024 and 2024-03-12. Helena and Elenis are other people.")
    out = scrub(text, ["Eleni Papadopoulou"])
    assert out == ("Call […] at […], […] or […]; […] said 2,500 families in 2019 (30%) on 12/03/2024 and 2024-03-12. "
                   "Helena and Elenis are other people.")
    assert scrub("Η Ελένη είπε", ["Ελένη Π."]) == "Η […] είπε"
    assert scrub("Jo was here", ["Jo"]) == "[…] was here" and scrub("Joanna", ["Jo"]) == "Joanna"
