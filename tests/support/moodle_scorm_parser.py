"""A port of Moodle's SCORM 1.2 manifest parser, as the oracle for the rows the Moodle
backup writes: ``mod/scorm/datamodels/scormlib.php::scorm_get_manifest``, expat without
namespace processing, element names matched with their literal prefixes (``adlcp:``) as
Moodle does. It agrees exactly with the rows Moodle itself stored for REF101's package.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from xml.parsers import expat

from packager.targets.moodle.scorm import Sco

# Optional SCO data Moodle stores from an item's child elements (name in manifest -> row name).
_ITEM_DATA = {
    "ADLCP:MAXTIMEALLOWED": "maxtimeallowed",
    "ADLCP:TIMELIMITACTION": "timelimitaction",
    "ADLCP:DATAFROMLMS": "datafromlms",
    "ADLCP:MASTERYSCORE": "masteryscore",
}


def manifest(package: bytes) -> bytes:
    """``imsmanifest.xml`` of a SCORM zip."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return archive.read("imsmanifest.xml")


def scoes(manifest: bytes) -> list[Sco]:
    """The rows ``scorm_parse_scorm`` would store for a SCORM 1.2 manifest, in its order."""
    root = _tree(manifest)
    rows: dict[str, dict[str, Sco]] = {}  # organization ('' for organizations) -> identifier -> row
    manifest_id = root.attrs.get("IDENTIFIER", "")
    resources = {
        r.attrs.get("IDENTIFIER", ""): r.attrs
        for block in root.children if block.name == "RESOURCES"
        for r in block.children if r.name == "RESOURCE"
    }

    def visit(blocks: list[_Block], organization: str, parents: list[Sco]) -> None:
        for block in blocks:
            if block.name == "ORGANIZATIONS":
                visit(block.children, organization, parents)
            elif block.name == "ORGANIZATION":
                identifier = block.attrs["IDENTIFIER"]
                row = Sco(manifest_id, "", "/", identifier)
                rows.setdefault("", {})[identifier] = row
                visit(block.children, identifier, [row])
            elif block.name == "ITEM":
                identifier = block.attrs["IDENTIFIER"]
                row = Sco(manifest_id, organization, parents[-1].identifier, identifier)
                row.data["isvisible"] = block.attrs.get("ISVISIBLE", "true")
                row.data["parameters"] = block.attrs.get("PARAMETERS", "")
                ref = block.attrs.get("IDENTIFIERREF")
                if ref is None:
                    row.scormtype = "asset"
                elif ref in resources:
                    row.launch = resources[ref].get("XML:BASE", "") + resources[ref].get("HREF", "")
                    row.scormtype = resources[ref].get("ADLCP:SCORMTYPE") or "asset"
                rows.setdefault(organization, {})[identifier] = row
                visit(block.children, organization, [*parents, row])
            elif block.name == "TITLE" and parents:
                parents[-1].title = block.text
            elif block.name == "ADLCP:PREREQUISITES" and parents and block.attrs.get("TYPE") == "aicc_script":
                parents[-1].data["prerequisites"] = block.text
            elif block.name in _ITEM_DATA and parents:
                parents[-1].data[_ITEM_DATA[block.name]] = block.text

    visit(root.children, "", [])
    return [row for group in rows.values() for row in group.values()]


def version(manifest: bytes) -> str:
    """``SCORM_1.2`` or ``SCORM_1.3``, read from ``<schemaversion>`` as Moodle reads it."""
    for block in _tree(manifest).children:
        if block.name == "METADATA":
            for meta in block.children:
                if meta.name == "SCHEMAVERSION" and meta.text not in ("1.2", ""):
                    return "SCORM_1.3"
    return "SCORM_1.2"


@dataclass
class _Block:
    """An element as PHP's ``xml2Array`` sees it: upper-case qualified name, attributes, text."""

    name: str
    attrs: dict[str, str]
    children: list[_Block] = field(default_factory=list)
    text: str = ""


def _tree(data: bytes) -> _Block:
    stack: list[_Block] = [_Block("#document", {})]
    parser = expat.ParserCreate("UTF-8")  # no namespace processing, like PHP's xml_parser_create

    def start(name: str, attrs: dict[str, str]) -> None:
        block = _Block(name.upper(), {k.upper(): v for k, v in attrs.items()})
        stack[-1].children.append(block)
        stack.append(block)

    def end(_name: str) -> None:
        stack.pop()

    def chars(text: str) -> None:
        if text.strip():  # xml2Array::tagData keeps only non-blank runs
            stack[-1].text += text

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.Parse(data, True)
    return stack[0].children[0]
