"""The handbook targets, judged by tools we did not write: Debian's epubcheck for the EPUB,
poppler (pdfinfo, pdffonts, pdftotext) and pypdf for the PDF.

PDF rendering is slow, so the shipped course is built once per session (every language)
and the synthetic course (every item type, a harvested case study) is small.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from lti_tool.harvest import harvest
from lti_tool.store.library import CaseStudy
from packager.build import BuildOptions, build, check
from packager.i18n import translator
from packager.model import ItemKind
from packager.targets.epub.book import epub_files
from packager.targets.pdf import PdfOptions
from packager.targets.pdf.book import document
from tests.support.courses import CONTENT, EVERY_KIND, make_course

EPUBCHECK = Path("/usr/share/java/epubcheck.jar")  # Debian's epubcheck (its /usr/bin wrapper needs binfmt_misc)
EPUBCHECK_ALL = Path(__file__).parent / "support" / "EpubCheckAll.java"
OPF = "http://www.idpf.org/2007/opf"
CASE_FIELDS = {
    "name": "Maria Example",
    "title": "Interpreters booked with the appointment",
    "sector": "Social services",
    "background": "Families came back three times because nobody spoke their language.",
    "addressed": "The appointment letter now asks which language the family speaks.",
    "benefits": "Fewer repeat visits.",
}


def _case_studies(root: Path) -> None:
    """What ``qser harvest`` writes for one approved case study, by the harvest code itself."""
    when = datetime(2026, 2, 1, tzinfo=timezone.utc)
    case = CaseStudy(7, CASE_FIELDS, "en", "organisation", "Town of Example", "Maria Example", "02-check/02-screener",
                     "Every kind course", "https://lms.example.org", when, when)
    labels = {"background": "Problem background", "addressed": "How was it addressed?", "benefits": "Resulting benefits",
              "sector": "Sector / department"}
    harvest([case], root / "case-studies", lambda _case: labels)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    root = make_course(tmp_path_factory.mktemp("every") / "content", EVERY_KIND)
    _case_studies(root)
    return root


@pytest.fixture(scope="module")
def synthetic_build(synthetic, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("every-out")
    build(synthetic, out, ["pdf", "epub"])
    return out


@pytest.fixture(scope="module")
def shipped_build(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("shipped-out")
    build(CONTENT, out, ["pdf", "epub"])
    return out


def _run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def _outline(reader: PdfReader) -> list[tuple[str, list[str]]]:
    """Top-level bookmarks with the titles of their children."""
    entries: list[tuple[str, list[str]]] = []
    for node in reader.outline:
        if isinstance(node, list):
            entries[-1][1].extend(child.title for child in node if not isinstance(child, list))
        else:
            entries.append((node.title, []))
    return entries


# --- EPUB ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def epubcheck(shipped_build, synthetic, synthetic_build, tmp_path_factory) -> dict[str, str]:
    """epubcheck's report on every EPUB of these tests, from one Java VM, by file name.

    ``broken.epub`` is the synthetic course without a language: the validator must see it."""
    files = epub_files(check(synthetic).rendered, "en")
    files["EPUB/package.opf"] = re.sub(rb"<dc:language>.*?</dc:language>", b"", files["EPUB/package.opf"])
    broken = tmp_path_factory.mktemp("broken") / "broken.epub"
    with zipfile.ZipFile(broken, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data, compress_type=zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED)
    paths = [*(shipped_build / f"qser-{lang}.epub" for lang in ("en", "el", "es")), synthetic_build / "every-en.epub",
             synthetic_build / "every-el.epub", broken]
    result = subprocess.run(["java", "-cp", str(EPUBCHECK), str(EPUBCHECK_ALL), *map(str, paths)],
                            capture_output=True, text=True, timeout=600)
    reports = re.split(r"^=== (.+)$", result.stdout + result.stderr, flags=re.M)[1:]
    return {Path(path).name: report for path, report in zip(reports[::2], reports[1::2])}


@pytest.mark.parametrize("name", ["qser-en.epub", "qser-el.epub", "qser-es.epub", "every-en.epub", "every-el.epub"])
def test_epubcheck_reports_no_error_and_no_warning(epubcheck, name):
    """The shipped course in every language, and the synthetic one with every item type."""
    assert "Messages: 0 fatals / 0 errors / 0 warnings" in epubcheck[name], epubcheck[name]


def test_epubcheck_catches_a_broken_epub(epubcheck):
    assert "ERROR" in epubcheck["broken.epub"] and "0 errors" not in epubcheck["broken.epub"]


def test_epub_package_metadata(synthetic_build):
    with zipfile.ZipFile(synthetic_build / "every-el.epub") as archive:
        first = archive.infolist()[0]
        assert (first.filename, first.compress_type, archive.read(first)) == ("mimetype", zipfile.ZIP_STORED, b"application/epub+zip")
        opf = etree.fromstring(archive.read("EPUB/package.opf"))
        names = archive.namelist()
    meta = {}
    for element in opf.iterfind(f"{{{OPF}}}metadata/{{{OPF}}}meta"):
        meta.setdefault(element.get("property"), []).append(element.text)
    dc = {el.tag.split("}")[1]: el.text for el in opf.find(f"{{{OPF}}}metadata") if "purl.org/dc" in el.tag}
    assert dc["language"] == "el" and dc["title"] == "Μάθημα όλων των ειδών"
    assert meta["dcterms:modified"] == ["2026-03-01T00:00:00Z"]  # the course's date, not the clock
    assert meta["dcterms:conformsTo"] == ["EPUB Accessibility 1.1 - WCAG 2.1 Level AA"]
    assert set(meta["schema:accessMode"]) == {"textual", "visual"}
    assert "textual" in meta["schema:accessModeSufficient"]
    assert {"structuralNavigation", "tableOfContents", "alternativeText"} <= set(meta["schema:accessibilityFeature"])
    assert meta["schema:accessibilityHazard"] == ["none"] and meta["schema:accessibilitySummary"][0]
    assert "EPUB/images/assets/circle.svg" in names


def test_epub_images_keep_their_alt_text(synthetic_build):
    with zipfile.ZipFile(synthetic_build / "every-en.epub") as archive:
        chapters = [archive.read(n) for n in archive.namelist() if n.endswith(".xhtml")]
    images = [img for data in chapters for img in etree.fromstring(data).iter("{http://www.w3.org/1999/xhtml}img")]
    assert images and all(img.get("alt") for img in images)
    assert "A blue circle" in {img.get("alt") for img in images}


# --- PDF -------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "el", "es"])
def test_pdf_is_tagged_titled_and_embeds_its_fonts(shipped_build, lang):
    path = shipped_build / f"qser-{lang}.pdf"
    info = _run("pdfinfo", str(path))
    title = check(CONTENT, BuildOptions(languages=(lang,))).rendered.language(lang).text.title
    assert re.search(r"^Tagged:\s+yes$", info, re.M)
    assert re.search(rf"^Title:\s+{re.escape(title)}$", info, re.M)
    assert "(A4)" in info
    fonts = _run("pdffonts", str(path)).splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts  # the "emb" column


@pytest.mark.parametrize("lang, sentence", [
    ("el", "Το πώς θα πάνε αυτές οι επισκέψεις επηρεάζει το αν οι νεοαφιχθέντες θα μπορέσουν να ριζώσουν στον τόπο."),
    ("el", "Αυτό το μάθημα σάς βοηθά να εξυπηρετείτε μετανάστες και πρόσφυγες ισότιμα και αποτελεσματικά, σύμφωνα με τις ανάγκες τους."),
    ("es", "Cómo salgan esas visitas influye en que las personas recién llegadas puedan echar raíces."),
])
def test_pdf_text_comes_back_intact(shipped_build, lang, sentence):
    text = " ".join(_run("pdftotext", str(shipped_build / f"qser-{lang}.pdf"), "-").split())
    assert sentence in text


@pytest.mark.parametrize("lang", ["en", "el", "es"])
def test_pdf_outline_has_one_entry_per_section_and_item(shipped_build, lang):
    rl = check(CONTENT, BuildOptions(languages=(lang,))).rendered.language(lang)
    t = translator(lang)
    quizzes = [item.text.title for item in rl.items if item.item.kind is ItemKind.QUIZ]
    expected = [(t.contents, []), (rl.text.title, [])]
    expected += [(s.text.title, [i.text.title for i in s.items if i.item.kind is not ItemKind.LABEL]) for s in rl.sections]
    expected.append((t.handbook_answer_key, quizzes))
    assert _outline(PdfReader(shipped_build / f"qser-{lang}.pdf")) == expected


def test_pdf_internal_links_resolve(shipped_build):
    reader = PdfReader(shipped_build / "qser-en.pdf")
    destinations = set(reader.named_destinations)
    internal, external = [], []
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            action = annotation.get("/A")
            if action is not None and action.get("/S") == "/URI":
                external.append(action["/URI"])
            elif annotation.get("/Subtype") == "/Link":
                internal.append(annotation.get("/Dest", action.get("/D") if action else None))
    assert len(internal) > 50 and all(dest in destinations for dest in internal)
    assert "https://creativecommons.org/licenses/by/4.0/" in external


def test_every_internal_link_of_the_book_has_its_anchor(synthetic):
    """Links between pages, to a heading of another page, to a label, to a file item: all
    land on an id of the one document (WeasyPrint drops a link whose anchor is missing)."""
    rendered = check(synthetic).rendered
    for lang in ("en", "el"):
        html = document(rendered, lang)
        ids = set(re.findall(r'\bid="([^"]+)"', html))
        hrefs = re.findall(r'\bhref="#([^"]*)"', html)
        assert hrefs and [h for h in hrefs if h not in ids] == []
    html = document(rendered, "en")
    assert 'href="#i.basics.second.details"' in html  # 02-second.md#details
    assert 'href="#i.basics.note"' in html and 'id="i.basics.note"' in html  # a label
    assert "<a>slides</a>" in html  # a file the book does not carry: the words stay, the link goes


def test_promising_practices_part_holds_the_harvested_case(synthetic, synthetic_build):
    for lang, part in (("en", "Promising practices"), ("el", translator("el").handbook_practices)):
        outline = _outline(PdfReader(synthetic_build / f"every-{lang}.pdf"))
        assert (part, [CASE_FIELDS["title"]]) in outline
        with zipfile.ZipFile(synthetic_build / f"every-{lang}.epub") as archive:
            practices = archive.read("EPUB/practices.xhtml").decode()
            nav = archive.read("EPUB/nav.xhtml").decode()
        assert part in practices and CASE_FIELDS["benefits"] in practices and part in nav
    titles = [title for title, _ in outline]
    assert titles.index(part) < titles.index(translator("el").handbook_answer_key)


def test_worksheet_and_answer_key(synthetic_build):
    text = " ".join(_run("pdftotext", str(synthetic_build / "every-en.pdf"), "-").split())
    worksheet = text[text.index("Is this a recurring issue?"):]
    assert "Case-study summary template" in worksheet and "Problem background" in worksheet
    key = text[text.rindex("Answer key Knowledge check"):]
    assert "Principle 1" in key and "Yes, principle 1 is about communicating." in key
    assert "Nothing changes" not in key  # only correct answers are in the key


def test_letter_paper(synthetic, tmp_path):
    build(synthetic, tmp_path, ["pdf"], BuildOptions(languages=("en",), targets={"pdf": PdfOptions(paper="letter")}))
    assert "(letter)" in _run("pdfinfo", str(tmp_path / "every-en.pdf"))


def test_builds_are_byte_identical(synthetic, synthetic_build, tmp_path):
    copy = shutil.copytree(synthetic, tmp_path / "elsewhere")  # another folder: no path leaks in
    build(copy, tmp_path / "out", ["pdf", "epub"])
    for name in ("every-en.pdf", "every-el.pdf", "every-en.epub", "every-el.epub"):
        assert (tmp_path / "out" / name).read_bytes() == (synthetic_build / name).read_bytes(), name


@pytest.mark.parametrize("lang", ["en", "el", "es"])
def test_the_case_study_summary_is_one_page(shipped_build, lang):
    """The printable template: every field of the screener's summary on the same sheet."""
    rl = check(CONTENT, BuildOptions(languages=(lang,))).rendered.language(lang)
    screener = next(item.screener for item in rl.items if item.screener)
    pages = _run("pdftotext", str(shipped_build / f"qser-{lang}.pdf"), "-").split("\f")
    sheet = " ".join(next(page for page in pages if translator(lang).handbook_summary_caption in page).split())
    assert all(" ".join(field.label.split()) in sheet for field in screener.fields)


def test_pdf_structure_tree_carries_alt_text_headings_and_table_headers(shipped_build):
    reader = PdfReader(shipped_build / "qser-en.pdf")
    catalog = reader.trailer["/Root"]
    kinds: dict[str, list] = {}

    def walk(node) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            if "/S" in node:
                kinds.setdefault(node["/S"], []).append(node)
            if "/K" in node:
                walk(node["/K"])

    walk(catalog["/StructTreeRoot"])
    assert catalog["/Lang"] == "en" and catalog["/ViewerPreferences"]["/DisplayDocTitle"]
    figures = [figure.get("/Alt") for figure in kinds["/Figure"]]
    assert len(figures) == 3 and all(figures)  # the three diagrams, each with its alt text, drawn in vectors
    assert {"/H1", "/H2", "/Table", "/TH", "/L", "/Link"} <= set(kinds)


def test_diagrams_are_drawn_as_vectors(shipped_build):
    """The SVG diagrams stay vector graphics: the PDF holds no raster image at all."""
    listing = _run("pdfimages", "-list", str(shipped_build / "qser-el.pdf")).splitlines()
    assert listing[0].split()[:3] == ["page", "num", "type"] and listing[2:] == []
