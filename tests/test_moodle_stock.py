"""What a Moodle with default settings gets by default: one backup per language, with no
multi-language markup anywhere and the course language set, and callouts styled inline so
Moodle's HTML cleaning and its theme leave them looking like callouts."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from packager.build import BuildOptions, build
from tests.support import backup_checks as mc
from tests.support.courses import SYNTHETIC, make_course

MULTILANG_MARKUP = ('class="multilang"', "{mlang")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, Path]:
    root = make_course(tmp_path_factory.mktemp("stock") / "content", SYNTHETIC)
    page = root / "01-intro/01-welcome.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n> [!TIP]\n> Ask the reception desk first.\n", encoding="utf-8")
    written, _ = build(root, root.parent / "out", ["moodle", "imscc"], BuildOptions())
    return {p.name: p for p in written}


def xml_texts(data: bytes):
    """Every text and attribute value of an XML document, as Moodle will read it."""
    tree = etree.fromstring(data)
    for node in tree.iter():
        yield node.text or ""
        yield from node.attrib.values()


def test_default_is_one_backup_per_language_without_multilang_markup(outputs):
    assert sorted(name for name in outputs if name.endswith(".mbz")) == ["synth-el.mbz", "synth-en.mbz"]
    for lang in ("en", "el"):
        backup = mc.Backup.read(outputs[f"synth-{lang}.mbz"])
        mc.check_all(backup)
        assert backup.text("course/course.xml", "lang") == lang
        for name, data in backup.files.items():
            if name.endswith(".xml"):
                for text in xml_texts(data):
                    assert not any(mark in text for mark in MULTILANG_MARKUP), (lang, name, text[:200])
    greek = mc.Backup.read(outputs["synth-el.mbz"])
    assert greek.text("course/course.xml", "fullname") != mc.Backup.read(outputs["synth-en.mbz"]).text("course/course.xml", "fullname")


def test_callouts_are_styled_inline_in_moodle_and_cartridge(outputs):
    backup = mc.Backup.read(outputs["synth-en.mbz"])
    directory = [a["directory"] for a in backup.activities() if a["modulename"] == "page"][0]
    content = backup.text(f"{directory}/page.xml", "page/content")
    assert '<div class="markdown-alert markdown-alert-tip" style="border-left: 4px solid' in content
    assert '<p class="markdown-alert-title" style="font-weight: bold' in content and ">Tip</p>" in content
    with zipfile.ZipFile(io.BytesIO(outputs["synth-en.imscc"].read_bytes())) as cartridge:
        pages = [cartridge.read(n).decode() for n in cartridge.namelist() if n.endswith(".html")]
    assert any('markdown-alert-tip" style="border-left: 4px solid' in page for page in pages)
