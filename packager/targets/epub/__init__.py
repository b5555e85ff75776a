"""EPUB 3 handbook per language: ``<shortname>-<lang>.epub``.

The same book as the PDF (:mod:`..handbook`), one XHTML file per chapter: a title page,
the navigation document (table of contents and landmarks), the introduction, the sections,
the promising practices and the answer key, in that reading order. The package document
carries the EPUB Accessibility 1.1 metadata. Everything in it comes from the course,
``dcterms:modified`` included (the course's date, never the clock), so rebuilds give the
same bytes.
"""

from .. import Lazy, Target, register

register(Target("epub", "EPUB 3 handbook per language: <shortname>-<lang>.epub", Lazy("packager.targets.epub.book:write"), weight=10))
