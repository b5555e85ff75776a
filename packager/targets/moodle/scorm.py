"""A SCORM 1.2 package as a Moodle SCORM activity, ready to launch after restore.

Restore does not read ``imsmanifest.xml`` (``restore_scorm_stepslib``): the activity must
carry the rows Moodle's own parser would have made from it (``scorm_scoes`` and their
``scorm_scoes_data``), the zip in the ``package`` file area and its unpacked files in the
``content`` area. :func:`scoes` is a port of the SCORM 1.2 part of
``mod/scorm/datamodels/scormlib.php::scorm_get_manifest``: expat without namespace
processing, element names matched with their literal prefixes (``adlcp:``) as Moodle does.
"""

from __future__ import annotations

import hashlib
import io
import mimetypes
import zipfile
from dataclasses import dataclass, field
from xml.parsers import expat

from .build import ActivityBody, Build
from .grades import GradeItem
from .plan import Module
from .texts import Version
from .xml import Leaf, Node, leaves, node

MANIFEST = "imsmanifest.xml"
GRADE_HIGHEST = 1  # grademethod: the best score of the package's SCOs
COMPLETED_OR_PASSED = 6  # completionstatusrequired: 2 (passed) + 4 (completed)
HIDE_TOC = 3  # one SCO with its own navigation: no table of contents in the player

# Optional SCO data Moodle stores from an item's child elements (name in manifest -> row name).
_ITEM_DATA = {
    "ADLCP:MAXTIMEALLOWED": "maxtimeallowed",
    "ADLCP:TIMELIMITACTION": "timelimitaction",
    "ADLCP:DATAFROMLMS": "datafromlms",
    "ADLCP:MASTERYSCORE": "masteryscore",
}


@dataclass
class Sco:
    """One ``scorm_scoes`` row and its ``scorm_scoes_data`` rows, in Moodle's order."""

    manifest: str
    organization: str
    parent: str
    identifier: str
    launch: str = ""
    scormtype: str = ""
    title: str = ""
    data: dict[str, str] = field(default_factory=dict)


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


@dataclass(frozen=True)
class Package:
    """A SCORM zip to embed: its file name (Moodle's ``reference``) and bytes."""

    name: str
    data: bytes
    title: str  # the activity name
    lang: str
    mastery: int | None  # passing score in percent, if the package has one

    def files(self) -> list[tuple[str, bytes]]:
        with zipfile.ZipFile(io.BytesIO(self.data)) as archive:
            return [(info.filename, archive.read(info)) for info in archive.infolist() if not info.is_dir()]

    @property
    def manifest(self) -> bytes:
        with zipfile.ZipFile(io.BytesIO(self.data)) as archive:
            return archive.read(MANIFEST)


def scorm(build: Build, module: Module, package: Package) -> ActivityBody:
    """The activity, with the player settings the SCORM packages are written for."""
    area = build.pool.area(module.contextid, "mod_scorm", "package")
    area.add(package.name, package.data, "application/zip")
    content = build.pool.area(module.contextid, "mod_scorm", "content")
    for path, data in package.files():
        content.add(path, data, mimetypes.guess_type(path)[0] or "application/octet-stream")
    rows = scoes(package.manifest)
    launch = next((i for i, row in enumerate(rows, start=1) if row.launch), 0)
    name = build.languages.name([Version(package.lang, package.lang, package.title)])
    element = node(
        "scorm",
        leaves(
            {
                "name": name,
                "scormtype": "local",
                "reference": package.name,
                "intro": "",
                "introformat": 1,
                "version": version(package.manifest),
                "maxgrade": 100,
                "grademethod": GRADE_HIGHEST,
                "whatgrade": 0,
                "maxattempt": 0,
                "forcecompleted": 0,
                "forcenewattempt": 0,
                "lastattemptlock": 0,
                "masteryoverride": 1,
                "displayattemptstatus": 1,
                "displaycoursestructure": 0,
                "updatefreq": 0,
                "sha1hash": hashlib.sha1(package.data).hexdigest(),
                "md5hash": "",
                "revision": 1,
                "launch": launch,
                "skipview": 0,
                "hidebrowse": 0,
                "hidetoc": HIDE_TOC,
                "nav": 0,
                "navpositionleft": -100,
                "navpositiontop": -100,
                "auto": 0,
                "popup": 0,
                "options": "",
                "width": 100,
                "height": 500,
                "timeopen": 0,
                "timeclose": 0,
                "timemodified": build.timestamp,
                "completionstatusrequired": COMPLETED_OR_PASSED,
                "completionscorerequired": None,
                "completionstatusallscos": 0,
                "autocommit": 1,
            }
        ),
        scoes_xml(rows),
        id=module.instance,
    )
    grade = GradeItem(
        id=module.grade_item,
        name=name,
        module="scorm",
        instance=module.instance,
        grademax=100,
        gradepass=package.mastery or 0,
        sortorder=module.grade_item,
        idnumber="",
    )
    return ActivityBody(name, element, (area, content), grade=grade)


def scoes_xml(rows: list[Sco]) -> Node:
    """``<scoes>`` as ``backup_scorm_stepslib`` writes it; ids count from 1 in the activity."""
    data_ids = iter(range(1, 1 + sum(len(row.data) for row in rows)))
    return node("scoes", (_sco(row, sco_id, data_ids) for sco_id, row in enumerate(rows, start=1)))


def _sco(row: Sco, sco_id: int, data_ids) -> Node:
    datas = [node("sco_data", Leaf("name", name), Leaf("value", value), id=next(data_ids)) for name, value in row.data.items()]
    return node(
        "sco",
        leaves(
            {
                "manifest": row.manifest,
                "organization": row.organization,
                "parent": row.parent,
                "identifier": row.identifier,
                "launch": row.launch,
                "scormtype": row.scormtype,
                "title": row.title,
                "sortorder": sco_id,
            }
        ),
        node("sco_datas", datas),
        node("seq_ruleconds"),
        node("seq_rolluprules"),
        node("seq_objectives"),
        node("sco_tracks"),
        id=sco_id,
    )


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
