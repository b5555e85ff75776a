"""The EPUB of one language: its files (:func:`epub_files`), then the zip."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from importlib import resources
from xml.sax.saxutils import escape

from lxml import etree
from lxml import html as lxml_html
from markupsafe import Markup

from ... import links
from ...archive import entry_date, zip_bytes
from ...i18n import translator
from ...render import RenderedCourse
from ..handbook import book as handbook
from .. import one_file_per_language

MIMETYPE = b"application/epub+zip"
ROOT = "EPUB/"
FEATURES = ("structuralNavigation", "tableOfContents", "readingOrder", "displayTransformability")


@dataclass(frozen=True)
class ManifestItem:
    id: str
    href: str
    media_type: str
    properties: str = ""


def write(rendered: RenderedCourse, stage, _options) -> list[str]:
    """The target's writer (registered in the package): one EPUB per built language."""
    return one_file_per_language(rendered, stage, "epub", lambda lang: epub(rendered, lang))


def epub(rendered: RenderedCourse, lang: str) -> bytes:
    files = epub_files(rendered, lang)
    return zip_bytes(files, first=("mimetype", "META-INF/container.xml"), stored=("mimetype",),
                     date=entry_date(rendered.course.date))


def epub_files(rendered: RenderedCourse, lang: str) -> dict[str, bytes]:
    """Every file of one language's EPUB, by archive path."""
    course = rendered.course
    book = handbook.book(rendered, lang, href=lambda chapter, anchor: f"{chapter}.xhtml#{anchor}",
                         image=lambda path: "images/" + links.portable_path(path))
    env = handbook.environment()
    t = translator(lang)
    files: dict[str, bytes] = {"mimetype": MIMETYPE, "META-INF/container.xml": _template("container.xml")}
    manifest = [ManifestItem("nav", "nav.xhtml", "application/xhtml+xml", "nav"), ManifestItem("css", "epub.css", "text/css")]
    spine = ["title", "nav"]
    title = env.get_template("title.html").render(book=book, t=t, epub=True)
    files[ROOT + "title.xhtml"] = _page(lang, book.title, title)
    nav = env.get_template("nav.xhtml").render(chapters=book.chapters, lang=lang, t=t, title=book.title)
    files[ROOT + "nav.xhtml"] = _page(lang, t.contents, nav)
    manifest.append(ManifestItem("title", "title.xhtml", "application/xhtml+xml"))
    for chapter in book.chapters:
        files[ROOT + f"{chapter.name}.xhtml"] = _page(lang, chapter.entry.title, xhtml(chapter.html))
        manifest.append(ManifestItem(chapter.name, f"{chapter.name}.xhtml", "application/xhtml+xml"))
        spine.append(chapter.name)
    files[ROOT + "epub.css"] = _template("epub.css")
    for number, path in enumerate(sorted(book.images), start=1):
        href = "images/" + links.portable_path(path)
        files[ROOT + href] = (course.root / path).read_bytes()
        manifest.append(ManifestItem(f"img{number}", href, course.assets[path].media_type))
    features = FEATURES + (("alternativeText",) if book.images else ())
    files[ROOT + "package.opf"] = env.get_template("package.opf").render(
        book=book, t=t, identifier=identifier(course.shortname, lang), modified=modified(course.date),
        manifest=manifest, spine=spine, features=features,
    ).encode("utf-8")
    return files


def identifier(shortname: str, lang: str) -> str:
    """The same publication keeps its identifier from version to version (dcterms:modified
    tells the versions apart); each language is a publication of its own."""
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"qser:{shortname}:{lang}"))


def modified(date: str) -> str:
    day = "{:04d}-{:02d}-{:02d}".format(*entry_date(date)[:3])
    return f"{day}T00:00:00Z"


def xhtml(fragment: str) -> str:
    """An HTML fragment (the renderer writes HTML) as well-formed XHTML."""
    wrapper = lxml_html.fragment_fromstring(fragment, create_parent="div")
    parts = [escape(wrapper.text or "")]
    parts += [etree.tostring(child, method="xml", encoding="unicode") for child in wrapper]
    return "".join(parts)


def _page(lang: str, title: str, body: str) -> bytes:
    page = handbook.environment().get_template("page.xhtml").render(lang=lang, title=title, body=Markup(body))
    return page.encode("utf-8")


def _template(name: str) -> bytes:
    return (resources.files("packager") / "templates" / "handbook" / name).read_bytes()

