"""Tagged PDF (PDF/UA-1) handbook per language: ``<shortname>-<lang>.pdf``.

WeasyPrint lays out the book of :mod:`..handbook` with the print stylesheet: cover,
contents with page numbers, one chapter per section, running headers, bookmarks for every
chapter and item, SVG diagrams as vectors, fonts embedded (subsets). The PDF carries the
document language and title and a structure tree, and its dates and file identifier come
from the course, so two builds give the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import Lazy, Target, option, register

PAPERS = ("a4", "letter")


@dataclass(frozen=True)
class PdfOptions:
    paper: str = field(default="a4", metadata=option("Paper size of the PDF handbook.", choices=PAPERS))


register(Target("pdf", "tagged PDF (PDF/UA-1) handbook per language: <shortname>-<lang>.pdf", Lazy("packager.targets.pdf.book:write"), options=PdfOptions, weight=40))
