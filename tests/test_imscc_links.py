"""Links inside cartridge pages, held to what Moodle's Common Cartridge importer keeps.

Moodle (4.5 and 5.0 alike, ``backup/cc``) turns every web page of a cartridge into a Page and
carries a relative link only when its target is a file of the cartridge that is not itself a
web page (``entities11::get_all_files`` copies no ``.html``/``.htm``/``.xhtml`` file into the
course files; ``moodle1_converter::migrate_referenced_files`` then fails on them and the link
is dead). :func:`moodle_kept` ports that rule; every page must pass it, and links to places
in the course must say where to go instead. The real import is ``make acceptance``.
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from lxml import etree
from lxml import html as lxml_html

from packager.build import build
from tests.support.courses import CONTENT, make_course
from tests.support.courses.every_kind import SVG

COURSE = {
    "course.md": """
        ---
        title: Worksheet course
        shortname: sheets
        languages: [en, es]
        version: "1.0"
        license: CC-BY-4.0
        date: 2026-03-01
        ---
        ![Logo](assets/logo.svg) Start with [the task](01-work/01-task.md).
        """,
    "01-work/index.md": """
        ---
        title: Work
        ---
        """,
    "01-work/01-task.md": """
        ---
        title: The task
        ---
        Print [the worksheet](../assets/sheet.html#en) and read [the notes](../assets/notes.html).
        """,
    "01-work/02-sheet.md": """
        ---
        type: file
        title: Printable worksheet
        file: ../assets/sheet.html
        ---
        The worksheet to print.
        """,
    "01-work/01-task.es.md": """
        ---
        title: La tarea
        ---
        Imprima [la hoja](../assets/sheet.html#es).
        """,
    "01-work/02-sheet.es.md": """
        ---
        title: Hoja para imprimir
        ---
        """,
    "assets/logo.svg": SVG,
    "assets/sheet.html": '<!doctype html><html lang="en"><head><title>Sheet</title></head><body><h1 id="en">Sheet</h1></body></html>\n',
    "assets/notes.html": '<!doctype html><html lang="en"><head><title>Notes</title></head><body><p>Notes</p></body></html>\n',
}
PAGE_SUFFIXES = (".html", ".htm", ".xhtml")
CP = "{http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1}"


def cartridge(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def resources(files: dict[str, bytes]) -> dict[str, etree._Element]:
    """The manifest's resources by identifier, and each organisation item's resource by the item's."""
    manifest = etree.fromstring(files["imsmanifest.xml"])
    by_id = {r.get("identifier"): r for r in manifest.iter(f"{CP}resource")}
    items = {i.get("identifier"): by_id[i.get("identifierref")] for i in manifest.iter(f"{CP}item") if i.get("identifierref")}
    return {**by_id, **items}


def moodle_kept(files: dict[str, bytes], page: str, url: str) -> bool:
    """Whether Moodle's importer keeps a relative ``url`` of ``page`` working (see the module text)."""
    target = posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(urlsplit(url).path)))
    return target in files and not target.lower().endswith(PAGE_SUFFIXES)


def relative_links(files: dict[str, bytes]):
    """(page, attribute value) of every relative href/src in the cartridge's web pages."""
    for page in sorted({r.get("href") or "" for r in resources(files).values()}):
        if not page.endswith(".html"):
            continue
        doc = lxml_html.fromstring(files[page])
        for element in doc.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value and "://" not in value and not value.startswith(("#", "mailto:")):
                    yield page, value


@pytest.fixture(scope="module")
def sheets(tmp_path_factory) -> dict[str, dict[str, bytes]]:
    root = make_course(tmp_path_factory.mktemp("sheets") / "content", COURSE)
    out = tmp_path_factory.mktemp("sheets-out")
    build(root, out, ["imscc"])
    return {lang: cartridge(out / f"sheets-{lang}.imscc") for lang in ("en", "es")}


def test_the_worksheet_link_says_where_the_worksheet_is(sheets):
    files = sheets["en"]
    page = resources(files)["I_work_task"].get("href")
    doc = lxml_html.fromstring(files[page])
    assert doc.xpath("//a") == []
    text = " ".join(doc.text_content().split())
    assert "Print the worksheet (in the section “Work”: “Printable worksheet”)" in text
    assert "read the notes." in text  # an HTML file no item presents: no link, nowhere to send the learner
    # the worksheet itself is the file item's web page, which Moodle imports as a Page
    assert resources(files)["I_work_sheet"].get("href") == "web_resources/assets/sheet.html"
    es = lxml_html.fromstring(sheets["es"][page])
    assert "Imprima la hoja (en la sección «Work»: «Hoja para imprimir»)" in " ".join(es.text_content().split())


def test_home_page_links_its_image_from_the_cartridge_root(sheets):
    files = sheets["en"]
    home = lxml_html.fromstring(files["index.html"])
    assert [img.get("src") for img in home.iter("img")] == ["web_resources/assets/logo.svg"]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_relative_link_survives_moodles_importer(sheets, lang):
    links = list(relative_links(sheets[lang]))
    assert links, "the course has images"
    for page, url in links:
        assert moodle_kept(sheets[lang], page, url), f"{page}: {url}"


def test_shipped_cartridges_only_link_what_moodle_keeps(tmp_path):
    written, _ = build(CONTENT, tmp_path, ["imscc"])
    for path in written:
        files = cartridge(path)
        for page, url in relative_links(files):
            assert moodle_kept(files, page, url), f"{path.name} {page}: {url}"


def test_the_rule_catches_a_link_to_another_page():
    files = {"a/page.html": b"", "b/page.html": b"", "web_resources/x.pdf": b""}
    assert not moodle_kept(files, "a/page.html", "../b/page.html")
    assert not moodle_kept(files, "index.html", "../b/page.html")  # outside the cartridge
    assert moodle_kept(files, "a/page.html", "../web_resources/x.pdf")
