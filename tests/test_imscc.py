"""The Common Cartridge 1.1 target, checked against things we did not write.

- the official CC 1.1 XSDs (tests/schemas/imscc11, Moodle's copies of the IMS files), for the
  manifest and every descriptor (web link, LTI link, QTI);
- Moodle's own CC 1.1 export of the reference course (tests/moodle-reference);
- the rules Moodle's importer applies (detection, QTI scoring and feedback queries), with
  the XPath expressions copied from ``backup/converter/imscc11/lib.php`` and
  ``backup/cc/entity11.quiz.class.php``;
- axe-core in Chromium for the pages.

A synthetic course holds every item type; the shipped course is built as it stands.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner
from lxml import etree
from lxml import html as lxml_html

from packager import lti_contract
from packager.build import build
from packager.cli import main
from packager.diagnostics import CourseError
from packager.i18n import Translator
from packager.source import load_course
from packager.model import ItemKind
from packager.targets.imscc import layout
from tests.support import browser
from tests.support.courses import CONTENT, EVERY_KIND, ROOT, TOOL, make_course

SCHEMA = ROOT / "tests" / "schemas" / "imscc11" / "validate-all.xsd"
MOODLE_EXPORT = ROOT / "tests" / "moodle-reference" / "REF101-moodle-export.imscc"

CP = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
QTI = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
WL = "http://www.imsglobal.org/xsd/imsccv1p1/imswl_v1p1"
LTICC = "http://www.imsglobal.org/xsd/imslticc_v1p0"
BLTI = "http://www.imsglobal.org/xsd/imsbasiclti_v1p0"
LTICM = "http://www.imsglobal.org/xsd/imslticm_v1p0"
LOM = "http://ltsc.ieee.org/xsd/imsccv1p1/LOM/manifest"
NS = {"cp": CP, "q": QTI, "wl": WL, "cc": LTICC, "blti": BLTI, "lticm": LTICM, "lom": LOM}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

DESCRIPTOR_TYPES = {"imswl_xmlv1p1", "imsbasiclti_xmlv1p0", "imsqti_xmlv1p2/imscc_xmlv1p1/assessment"}




def _read(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


@pytest.fixture(scope="module")
def every_source(tmp_path_factory) -> Path:
    return make_course(tmp_path_factory.mktemp("every") / "content", EVERY_KIND)


@pytest.fixture(scope="module")
def every(every_source: Path, tmp_path_factory) -> dict[str, dict[str, bytes]]:
    """The synthetic course's cartridges: language -> archive path -> bytes."""
    out = tmp_path_factory.mktemp("every-out")
    build(every_source, out, ["imscc"])
    return {lang: _read(out / f"every-{lang}.imscc") for lang in ("en", "el")}


@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> dict[str, dict[str, bytes]]:
    out = tmp_path_factory.mktemp("shipped-out")
    written, _ = build(CONTENT, out, ["imscc"])
    course, _ = load_course(CONTENT)
    assert sorted(p.name for p in written) == sorted(f"{course.shortname}-{lang}.imscc" for lang in course.languages)
    return {path.name: _read(path) for path in written}


def _manifest(files: dict[str, bytes]) -> etree._Element:
    return etree.fromstring(files["imsmanifest.xml"])


def _resources(files: dict[str, bytes]) -> dict[str, etree._Element]:
    return {r.get("identifier"): r for r in _manifest(files).iterfind("cp:resources/cp:resource", NS)}


def _resource_of(files: dict[str, bytes], item_identifier: str) -> etree._Element:
    item = _manifest(files).find(f".//cp:item[@identifier='{item_identifier}']", NS)
    return _resources(files)[item.get("identifierref")]


def _descriptor(files: dict[str, bytes], item_identifier: str) -> etree._Element:
    resource = _resource_of(files, item_identifier)
    return etree.fromstring(files[resource.find("cp:file", NS).get("href")])


def _cartridges(every, shipped):
    yield from ((f"every-{lang}", files) for lang, files in every.items())
    yield from shipped.items()


# --- schema validity -----------------------------------------------------------------------


def _assert_valid(schema: etree.XMLSchema, name: str, files: dict[str, bytes]) -> set[str]:
    """Validate the manifest and every descriptor; returns the descriptor types seen."""
    schema.assertValid(etree.fromstring(files["imsmanifest.xml"]).getroottree())
    seen = set()
    for resource in _resources(files).values():
        if resource.get("type") in DESCRIPTOR_TYPES:
            (file,) = resource.findall("cp:file", NS)
            doc = etree.fromstring(files[file.get("href")]).getroottree()
            assert schema.validate(doc), f"{name}: {file.get('href')}: {schema.error_log}"
            seen.add(resource.get("type"))
    return seen


def test_every_descriptor_of_the_synthetic_course_is_valid(schema, every):
    for lang, files in every.items():
        assert _assert_valid(schema, lang, files) == DESCRIPTOR_TYPES


def test_shipped_course_cartridges_are_valid(schema, shipped):
    course, _ = load_course(CONTENT)
    for name, files in shipped.items():
        seen = _assert_valid(schema, name, files)
        assert "imsbasiclti_xmlv1p0" in seen  # the screener
        if any(item.kind.value == "quiz" for item in course.items):
            assert "imsqti_xmlv1p2/imscc_xmlv1p1/assessment" in seen


def test_shipped_cartridges_speak_their_language(shipped):
    course, _ = load_course(CONTENT)
    for lang in course.languages:
        files = shipped[f"{course.shortname}-{lang}.imscc"]
        home = _manifest(files).find(".//cp:item[@identifier='HOME_PAGE']", NS)
        assert home.findtext("cp:title", namespaces=NS) == Translator(lang).home
        authored = {layout.asset_path(path) for path in course.assets}  # the author's files keep their own lang
        for resource in _resources(files).values():
            href = resource.get("href") or ""
            if href.endswith(".html") and href not in authored:
                assert lxml_html.fromstring(files[href]).get("lang") == lang
        for screener in course.items_of(ItemKind.SCREENER):
            link = _descriptor(files, layout.item_id(screener.id))
            assert link.findtext("blti:title", namespaces=NS) == screener.text(lang).title


def test_validation_catches_broken_documents(schema, every):
    """The schema set really checks: a wrong resource type and a QTI item without ident fail."""
    files = every["en"]
    manifest = _manifest(files)
    manifest.find("cp:resources/cp:resource", NS).set("type", "imsqti_xmlv1p2/imscc_xmlv1p3/assessment")
    assert not schema.validate(manifest.getroottree())
    quiz = _descriptor(files, "I_check_quiz")
    del quiz.find(".//q:item", NS).attrib["ident"]
    assert not schema.validate(quiz.getroottree())
    link = _descriptor(files, "I_check_screener")
    link.remove(link.find("blti:vendor", NS))
    assert not schema.validate(link.getroottree())


def test_the_validation_judges_moodles_own_export(schema):
    """Moodle's export passes, except the LTI link of its 1.3 tool: Moodle leaves launch_url empty."""
    files = _read(MOODLE_EXPORT)
    schema.assertValid(etree.fromstring(files["imsmanifest.xml"]).getroottree())
    for path in ("i_2d45f4df/weblink.xml", "i_26f84411/discussion.xml"):
        schema.assertValid(etree.fromstring(files[path]).getroottree())
    assert not schema.validate(etree.fromstring(files["i_a21d70d9/basiclti.xml"]).getroottree())
    assert "launch_url" in str(schema.error_log) and "minLength" in str(schema.error_log)


def test_descriptors_use_the_namespaces_of_moodles_export(every):
    moodle = _read(MOODLE_EXPORT)
    ours = every["en"]
    for item_identifier, moodle_file in (("I_basics_site", "i_2d45f4df/weblink.xml"), ("I_check_screener", "i_a21d70d9/basiclti.xml")):
        theirs = etree.fromstring(moodle[moodle_file])
        mine = _descriptor(ours, item_identifier)
        assert mine.tag == theirs.tag
        assert mine.nsmap == theirs.nsmap
    assert _manifest(ours).nsmap == _manifest(moodle).nsmap


# --- packaging -------------------------------------------------------------------------------


def _is_safe(path: str) -> bool:
    return (
        path.isascii()
        and not path.startswith("/")
        and "\\" not in path
        and not urlsplit(path).scheme
        and all(part not in ("", ".", "..") for part in path.split("/"))
    )


def test_every_file_is_listed_and_every_listed_file_exists(every, shipped):
    for name, files in _cartridges(every, shipped):
        manifest = _manifest(files)
        listed = [f.get("href") for f in manifest.iterfind("cp:resources/cp:resource/cp:file", NS)]
        hrefs = [r.get("href") for r in manifest.iterfind("cp:resources/cp:resource[@href]", NS)]
        assert all(_is_safe(path) for path in listed + hrefs), name
        assert len(listed) == len(set(listed)), f"{name}: a file belongs to two resources"
        assert set(listed) | {"imsmanifest.xml"} == set(files), name
        assert set(hrefs) <= set(listed), name
        ids = set(_resources(files))
        refs = [e.get("identifierref") for e in manifest.iter(f"{{{CP}}}item", f"{{{CP}}}dependency") if e.get("identifierref")]
        assert set(refs) <= ids, name


def test_builds_are_byte_identical(every_source, every, tmp_path):
    build(every_source, tmp_path, ["imscc"])
    for lang in ("en", "el"):
        data = (tmp_path / f"every-{lang}.imscc").read_bytes()
        assert _read(tmp_path / f"every-{lang}.imscc") == every[lang]
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert archive.namelist()[0] == "imsmanifest.xml"
            assert {info.date_time for info in archive.infolist()} == {(2026, 3, 1, 0, 0, 0)}
    first = (tmp_path / "every-en.imscc").read_bytes()
    build(every_source, tmp_path, ["imscc"])
    assert (tmp_path / "every-en.imscc").read_bytes() == first


def test_moodle_recognises_a_cc11_cartridge(every, shipped):
    """Moodle's detection (backup/converter/imscc11/lib.php): the default namespace in the first 500 bytes."""
    for name, files in _cartridges(every, shipped):
        snippet = files["imsmanifest.xml"][:500].decode("utf-8", "ignore").lower()
        snippet = re.sub(r"\s*", "", snippet).replace("'", "").replace('"', "")
        assert "xmlns=http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1" in snippet, name
        assert files["imsmanifest.xml"].startswith(b'<?xml version="1.0" encoding="UTF-8"?>')


def test_metadata_names_the_course_in_its_language(every):
    lom = _manifest(every["el"]).find("cp:metadata/lom:lom/lom:general", NS)
    assert lom.findtext("lom:title/lom:string", namespaces=NS) == "Μάθημα όλων των ειδών"
    assert lom.find("lom:title/lom:string", NS).get("language") == "el"
    assert lom.findtext("lom:language", namespaces=NS) == "el"
    assert lom.findtext("lom:description/lom:string", namespaces=NS) == "Ένα μάθημα με κάθε είδος στοιχείου."
    manifest = _manifest(every["el"])
    assert manifest.findtext("cp:metadata/cp:schemaversion", namespaces=NS) == "1.1.0"
    entities = [e.text for e in manifest.iterfind(".//lom:lifeCycle/lom:contribute/lom:entity", NS)]
    assert entities == ["Ada Author", "Q-SER consortium"]


def test_organization_mirrors_sections_and_items(every):
    root = _manifest(every["en"]).find("cp:organizations/cp:organization/cp:item", NS)

    def tree(element):
        return [(child.get("identifier"), child.findtext("cp:title", namespaces=NS), tree(child)) for child in element.iterfind("cp:item", NS)]

    assert tree(root) == [
        ("HOME", "Every kind course", [("HOME_PAGE", "Course home", [])]),
        ("S_basics", "Basics", [
            ("I_basics", "Basics", []),
            ("I_basics_first", "First page", []),
            ("I_basics_second", "Second page", []),
            ("I_basics_note", "A note", []),
            ("I_basics_site", "External site", []),
            ("I_basics_handout", "Handout", []),
        ]),
        ("S_check", "Check", [("I_check_quiz", "Knowledge check", []), ("I_check_screener", "Case-study screener", [])]),
    ]
    greek = _manifest(every["el"]).find(".//cp:item[@identifier='I_check_screener']", NS)
    assert greek.findtext("cp:title", namespaces=NS) == "Εργαλείο αξιολόγησης"
    kinds = {key: _resource_of(every["en"], key).get("type") for key in ("I_basics_first", "I_basics_note", "I_basics_handout")}
    assert kinds == dict.fromkeys(kinds, "webcontent")


# --- pages -----------------------------------------------------------------------------------


def _page(files: dict[str, bytes], item_identifier: str) -> tuple[str, lxml_html.HtmlElement]:
    path = _resource_of(files, item_identifier).get("href")
    return path, lxml_html.fromstring(files[path])


def _target(page_path: str, url: str) -> str:
    return posixpath.normpath(posixpath.join(posixpath.dirname(page_path), unquote(urlsplit(url).path)))


def test_page_links_and_images_point_into_the_cartridge(every):
    files = every["en"]
    path, doc = _page(files, "I_basics_first")
    assert doc.get("lang") == "en"
    assert doc.findtext(".//title") == "First page"
    assert doc.findtext(".//h1") == "First page"
    (image,) = doc.iterfind(".//img")
    assert image.get("alt") == "A blue circle"
    assert files[_target(path, image.get("src"))].startswith(b"<svg")
    hrefs = {a.text_content().strip(): a.get("href") for a in doc.iterfind(".//a")}
    assert hrefs["external site"] == "https://example.org/guide?lang=en&part=1"
    for text in ("handout", "slides"):  # files other than web pages are carried by every importer
        assert _target(path, hrefs[text]) in files, text
    assert files[_target(path, hrefs["handout"])] == EVERY_KIND["assets/handout.pdf"]
    assert files[_target(path, hrefs["slides"])] == EVERY_KIND["assets/Präsentation 1.pdf"]
    # places in the course (pages, the label, the section, the home page, the quiz, the screener)
    # have no link Moodle's importer keeps: the text says where to go instead
    assert set(hrefs) == {"external site", "handout", "slides"}
    text = " ".join(doc.text_content().split())
    for expected in (
        "Read the second page (in the section “Basics”: “Second page”), the note (in the section “Basics”: “A note”)",
        "take the quiz (in the section “Check”: “Knowledge check”)",
        "use the screener (in the section “Check”: “Case-study screener”)",
        "Back to the course (“Course home”, at the start of the course) or this section (the section “Basics”).",
    ):
        assert expected in text, expected


def test_pages_depend_on_the_assets_they_show(every):
    files = every["en"]
    resources = _resources(files)
    page = _resource_of(files, "I_basics_first")
    deps = {resources[d.get("identifierref")].get("href") for d in page.iterfind("cp:dependency", NS)}
    assert deps == {"web_resources/assets/circle.svg", "web_resources/assets/handout.pdf", next(p for p in files if "prasentation" in p)}
    assert "web_resources/assets/unused.txt" not in files


@pytest.mark.parametrize(
    "content_path,pattern",
    [
        ("assets/circle.svg", r"web_resources/assets/circle\.svg"),
        ("01-basics/img.png", r"web_resources/01-basics/img\.png"),
        ("assets/Logo.PNG", r"web_resources/assets/logo-[0-9a-f]{8}\.png"),
        ("Bilder/ελληνικά.png", r"web_resources/bilder/file-[0-9a-f]{8}\.png"),
        ("a b/README", r"web_resources/a-b/readme-[0-9a-f]{8}"),
    ],
)
def test_asset_archive_names_are_lower_case_ascii_and_keep_their_extension(content_path, pattern):
    assert re.fullmatch(pattern, layout.asset_path(content_path))


def test_asset_names_are_ascii(every):
    (slides,) = [p for p in every["en"] if p.startswith("web_resources/assets/pr")]
    assert re.fullmatch(r"web_resources/assets/prasentation-1-[0-9a-f]{8}\.pdf", slides)


def test_no_placeholder_survives(every, shipped):
    for name, files in _cartridges(every, shipped):
        for path, data in files.items():
            assert b"qser:" not in data and b"qser-unlinked" not in data, f"{name}: {path}"


def test_label_and_section_text_arrive_whole(every):
    _, label = _page(every["en"], "I_basics_note")
    assert "Remember to take notes while you read." in " ".join(label.text_content().split())
    assert label.find(".//strong").text == "take notes"
    _, section = _page(every["en"], "I_basics")
    assert section.findtext(".//h1") == "Basics"
    # a section without text gets no introduction page
    assert _manifest(every["en"]).find(".//cp:item[@identifier='I_check']", NS) is None


def test_home_page_carries_the_course_facts(every):
    _, home = _page(every["el"], "HOME_PAGE")
    assert home.get("lang") == "el"
    assert home.findtext(".//h1") == "Μάθημα όλων των ειδών"
    facts = " ".join(home.find(".//footer").text_content().split())
    assert "2.1" in facts and "CC-BY-4.0" in facts and "Ada Author" in facts


def test_untranslated_text_is_marked_with_its_language(every):
    _, page = _page(every["el"], "I_basics_second")
    assert page.get("lang") == "el"
    article = page.find(".//article")
    assert article.get("lang") == "en"
    note = article.find("p[@class='note']")
    assert note.get("lang") == "el"


def test_file_item_points_at_its_file(every):
    resource = _resource_of(every["en"], "I_basics_handout")
    assert resource.get("href") == "web_resources/assets/handout.pdf"
    assert every["en"][resource.get("href")] == EVERY_KIND["assets/handout.pdf"]


# --- web link and LTI link -------------------------------------------------------------------------


def test_url_item_is_a_web_link(every):
    link = _descriptor(every["en"], "I_basics_site")
    assert link.findtext("wl:title", namespaces=NS) == "External site"
    assert link.find("wl:url", NS).get("href") == "https://example.org/guide?lang=en&part=1"
    assert _resource_of(every["en"], "I_basics_site").get("href") is None


@pytest.mark.parametrize(
    "lang,title,description",
    [
        ("en", "Case-study screener", "Think of one situation from your own service."),
        ("el", "Εργαλείο αξιολόγησης", "Σκεφτείτε μια κατάσταση από την υπηρεσία σας."),
    ],
)
def test_screener_is_an_lti_link_to_the_tool(every, lang, title, description):
    link = _descriptor(every[lang], "I_check_screener")
    launch = lti_contract.tool_url(TOOL, lti_contract.LAUNCH_PATH)
    assert launch == "https://tool.example.org/qser/lti/launch"
    assert link.findtext("blti:title", namespaces=NS) == title
    assert link.findtext("blti:launch_url", namespaces=NS) == launch
    assert link.findtext("blti:secure_launch_url", namespaces=NS) == launch
    custom = {p.get("name"): p.text for p in link.iterfind("blti:custom/lticm:property", NS)}
    rules = custom.pop(lti_contract.CUSTOM_RULES)  # the scoring rules the link was built with
    assert custom == lti_contract.custom_parameters("check/screener", lang) and len(rules) == 16
    assert link.findtext("blti:vendor/lticp:name", namespaces={"lticp": "http://www.imsglobal.org/xsd/imslticp_v1p0", **NS}) == "Test screener tool"
    assert link.findtext("blti:description", namespaces=NS) == description


def test_a_screener_without_a_tool_url_stops_the_build(tmp_path):
    tool = f"\n        lti:\n          url: {TOOL}\n          name: Test screener tool"
    assert tool in EVERY_KIND["course.md"]
    files = {**EVERY_KIND, "course.md": EVERY_KIND["course.md"].replace(tool, "")}
    source = make_course(tmp_path / "content", files)
    out = tmp_path / "out"
    with pytest.raises(CourseError) as caught:
        build(source, out, ["imscc"])
    (problem,) = caught.value.diagnostics.errors
    assert problem.path == "02-check/02-screener.md" and "lti.url" in problem.message
    result = CliRunner().invoke(main, ["build", str(source), "--out", str(out), "--target", "imscc"])
    assert result.exit_code == 1
    assert "02-check/02-screener.md:1: error:" in result.output
    assert not list(out.glob("*.imscc"))
    result = CliRunner().invoke(main, ["build", str(source), "--out", str(out), "--target", "imscc", "--lang", "el", "--lti-url", TOOL])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("*.imscc")) == ["every-el.imscc"]


# --- QTI, read the way Moodle's importer reads it -------------------------------------------------


def _moodle_question(assessment: etree._Element, ident: str) -> dict:
    """What backup/cc/entity11.quiz.class.php extracts from one item (same XPath queries)."""
    ns = {"xmlns": QTI}
    item = assessment.xpath(f'//xmlns:item[@ident="{ident}"]', namespaces=ns)[0]
    profile = item.xpath("xmlns:itemmetadata/xmlns:qtimetadata/xmlns:qtimetadatafield[xmlns:fieldlabel='cc_profile']/xmlns:fieldentry", namespaces=ns)[0].text
    weighting = item.xpath("xmlns:itemmetadata//xmlns:qtimetadatafield[xmlns:fieldlabel='cc_weighting']/xmlns:fieldentry", namespaces=ns)
    conditions = item.xpath("xmlns:resprocessing/xmlns:respcondition", namespaces=ns)

    def feedback_text(refs):
        texts = [item.xpath(f'xmlns:itemfeedback[@ident="{r}"]/xmlns:flow_mat/xmlns:material/xmlns:mattext', namespaces=ns) for r in refs]
        return [t[0].text for t in texts if t]

    general = [d.get("linkrefid") for c in conditions if (c.get("continue") or "").lower() == "yes" for d in c.xpath("xmlns:displayfeedback", namespaces=ns)]
    correct_multi = {
        v.text for v in item.xpath("//xmlns:item[@ident='%s']//xmlns:setvar[@varname='SCORE'][.=100]/../xmlns:conditionvar//xmlns:varequal[@case='Yes'][not(parent::xmlns:not)]" % ident, namespaces=ns)
    }
    answers = []
    for label in item.xpath("xmlns:presentation/xmlns:response_lid/xmlns:render_choice/xmlns:response_label", namespaces=ns):
        answer_id = label.get("ident")
        refs, score = [], ""
        for condition in conditions:
            first = condition.xpath("xmlns:conditionvar/xmlns:varequal", namespaces=ns)
            if first and first[0].text.lower() == answer_id.lower():
                refs += [d.get("linkrefid") for d in condition.xpath("xmlns:displayfeedback", namespaces=ns)]
                setvar = condition.xpath("xmlns:setvar", namespaces=ns)
                score = setvar[0].text if setvar else ""
        if profile == "cc.multiple_response.v0p1":
            correct = answer_id in correct_multi
        else:
            correct = score not in ("", "0")
        answers.append({
            "text": label.xpath("xmlns:material/xmlns:mattext", namespaces=ns)[0].text,
            "correct": correct,
            "feedback": feedback_text(refs),
        })
    return {
        "profile": profile,
        "weight": int(weighting[0].text) if weighting else 1,
        "text": item.xpath("xmlns:presentation/xmlns:material/xmlns:mattext", namespaces=ns)[0].text,
        "general": general,
        "answers": answers,
        "feedback_ids": [f.get("ident") for f in item.iterfind(f"{{{QTI}}}itemfeedback")],
    }


def test_quiz_reads_back_as_moodle_imports_it(every):
    quiz = _descriptor(every["en"], "I_check_quiz")
    assessment = quiz.find("q:assessment", NS)
    assert assessment.get("title") == "Knowledge check"
    single = _moodle_question(quiz, "check_quiz_principle")
    assert single["profile"] == "cc.multiple_choice.v0p1" and single["weight"] == 1
    assert single["general"] == []
    assert [(a["text"], a["correct"], a["feedback"]) for a in single["answers"]] == [
        ("Principle 1", True, ["<p>Yes, principle 1 is about communicating.</p>", "<p>Well done.</p>"]),
        ("Principle 2", False, ["<p>No, principle 2 is about the organisation.</p>", "<p>Look again at the two principles.</p>"]),
        ("Neither", False, ["<p>Look again at the two principles.</p>"]),
    ]
    multiple = _moodle_question(quiz, "check_quiz_benefits")
    assert multiple["profile"] == "cc.multiple_response.v0p1" and multiple["weight"] == 2
    assert multiple["general"] == []
    assert [(a["text"], a["correct"], a["feedback"]) for a in multiple["answers"]] == [
        ("Staff learn", True, ["<p>Right, staff learn.</p>"]),
        ("The service improves", True, []),
        ("Nothing changes", False, ["<p>Something always changes.</p>"]),
    ]
    assert set(multiple["feedback_ids"]) >= {"correct_fb", "general_incorrect_fb"}
    cardinality = [r.get("rcardinality") for r in quiz.iterfind(".//q:response_lid", NS)]
    assert cardinality == ["Single", "Multiple"]


def test_choice_feedback_is_never_taken_for_question_feedback_by_canvas(every):
    """Canvas files itemfeedback whose ident matches these patterns as question-level comments."""
    quiz = _descriptor(every["en"], "I_check_quiz")
    for feedback in quiz.iterfind(".//q:itemfeedback", NS):
        ident = feedback.get("ident")
        if ident in ("correct_fb", "general_incorrect_fb"):
            continue
        assert not re.search(r"wrong|incorrect|_IC$|correct|_C$|solution|general_|_all", ident, re.I), ident


def test_quiz_images_use_the_cc_file_base(every):
    files = every["en"]
    resource = _resource_of(files, "I_check_quiz")
    path = resource.find("cp:file", NS).get("href")
    quiz = etree.fromstring(files[path])
    prompt = _moodle_question(quiz, "check_quiz_principle")["text"]
    (src,) = re.findall(r'src="([^"]+)"', prompt)
    assert src.startswith("$IMS-CC-FILEBASE$")
    # resolved as Moodle's update_sources() does: relative to the descriptor's folder
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), src.replace("$IMS-CC-FILEBASE$", "")))
    assert files[resolved] == EVERY_KIND["assets/square.svg"].encode()
    deps = {_resources(files)[d.get("identifierref")].get("href") for d in resource.iterfind("cp:dependency", NS)}
    assert deps == {resolved}


def test_quiz_metadata_and_language(every):
    quiz = _descriptor(every["el"], "I_check_quiz")
    assessment = quiz.find("q:assessment", NS)
    assert assessment.get(XML_LANG) == "el"
    fields = {f.findtext("q:fieldlabel", namespaces=NS): f.findtext("q:fieldentry", namespaces=NS) for f in assessment.iterfind("q:qtimetadata/q:qtimetadatafield", NS)}
    assert fields["cc_profile"] == "cc.exam.v0p1" and fields["cc_maxattempts"] == "unlimited"
    # the quiz has no Greek translation: its texts are marked as English
    prompts = quiz.iterfind(".//q:presentation/q:material/q:mattext", NS)
    assert {p.get(XML_LANG) for p in prompts} == {"en"}
    rubric = assessment.findtext("q:rubric/q:material/q:mattext", namespaces=NS)
    assert "60%" in rubric and 'lang="en"' in rubric


# --- accessibility -----------------------------------------------------------------------------------


@pytest.mark.browser
def test_pages_pass_axe_on_a_phone(chromium, every, tmp_path):
    for lang, files in every.items():
        root = tmp_path / lang
        for path, data in files.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        pages = [r.get("href") for r in _resources(files).values() if (r.get("href") or "").endswith(".html")]
        assert len(pages) == 5  # home, one section introduction, two pages, one label
        context = chromium.new_context(viewport={"width": 375, "height": 740})
        try:
            page = context.new_page()
            for path in pages:
                page.goto((root / path).as_uri())
                violations = browser.axe_violations(page)
                assert not violations, f"{lang} {path}: {browser.describe(violations)}"
                assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{path} scrolls sideways"
        finally:
            context.close()
