"""Serialising the cartridge's XML documents the same way every time."""

from __future__ import annotations

from lxml import etree

XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# lxml writes the declaration with single quotes; importers that sniff the first bytes
# (as Moodle does for backups) expect the conventional double-quoted form.
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def document(root: etree._Element) -> bytes:
    return DECLARATION + etree.tostring(root, encoding="UTF-8", pretty_print=True)
