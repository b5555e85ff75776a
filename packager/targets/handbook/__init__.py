"""The course as a book, shared by the ``pdf`` and ``epub`` targets.

A handbook reads front to back, so it is laid out differently from the site: a title page,
an introduction (the course home), one chapter per section with its items one after the
other, a part "Promising practices" holding the case studies ``qser harvest`` wrote into the
section ``case-studies`` (so the handbook grows with the good-practice library), and the
answer key of every knowledge check at the end. The screener is the printable worksheet
with the one-page case-study summary template.

Pages become parts of chapters, so every id inside a page is prefixed with the page's
anchor (two pages may both have a heading "overview") and internal links go to anchors.
Where a chapter ends up (one PDF document, or one EPUB file per chapter) is the caller's
business: it passes ``href(chapter, anchor)``. The code is in :mod:`.book`, so that listing
the targets does not import it.
"""
