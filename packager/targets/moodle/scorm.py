"""A SCORM 1.2 package of ours as a Moodle SCORM activity, ready to launch after restore.

Restore does not read ``imsmanifest.xml`` (``restore_scorm_stepslib``): the activity must
carry the rows Moodle's own parser (``mod/scorm/datamodels/scormlib.php::scorm_get_manifest``)
would have made from it (``scorm_scoes`` and their ``scorm_scoes_data``), the zip in the
``package`` file area and its unpacked files in the ``content`` area. The package is one the
SCORM target built, so the rows come from the description its manifest is written from; the
tests parse that manifest with a port of Moodle's parser and compare.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .build import ActivityBody, Build
from .grades import GradeItem
from .plan import Module
from .texts import Version
from .xml import Leaf, Node, leaves, node

if TYPE_CHECKING:  # a backup without SCORM packages (the usual one) needs neither Jinja nor lxml
    from ..scorm.manifest import PackageInfo
    from ..scorm.package import Package

SCORM_VERSION = "SCORM_1.2"  # what Moodle reads from the <schemaversion> of a SCORM 1.2 manifest
GRADE_HIGHEST = 1  # grademethod: the best score of the package's SCOs
COMPLETED_OR_PASSED = 6  # completionstatusrequired: 2 (passed) + 4 (completed)
HIDE_TOC = 3  # one SCO with its own navigation: no table of contents in the player


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


@dataclass(frozen=True)
class Embedded:
    """A SCORM 1.2 package and the name its activity gets in the course."""

    package: Package
    title: str

    @property
    def lang(self) -> str:
        return self.package.info.lang


def scoes(info: PackageInfo) -> list[Sco]:
    """The rows Moodle stores for the manifest written from ``info``: the organization, then
    its one item, which launches the SCO (``manifest.scorm12`` writes exactly these)."""
    ids = info.ids
    organization = Sco(ids.manifest, "", "/", ids.organization, title=info.title)
    data = {"isvisible": "true", "parameters": ""}
    if info.mastery:  # the manifest carries no mastery score of 0
        data["masteryscore"] = str(info.mastery)
    item = Sco(ids.manifest, ids.organization, ids.organization, ids.item, info.launch, "sco", info.title, data)
    return [organization, item]


def scorm(build: Build, module: Module, embedded: Embedded) -> ActivityBody:
    """The activity, with the player settings the SCORM packages are written for."""
    package, info = embedded.package, embedded.package.info
    area = build.pool.area(module.contextid, "mod_scorm", "package")
    area.add(package.name, package.data, "application/zip")
    content = build.pool.area(module.contextid, "mod_scorm", "content")
    for path, data in package.entries.items():
        content.add(path, data, mimetypes.guess_type(path)[0] or "application/octet-stream")
    rows = scoes(info)
    launch = next((i for i, row in enumerate(rows, start=1) if row.launch), 0)
    name = build.languages.name([Version(info.lang, info.lang, embedded.title)])
    element = node(
        "scorm",
        leaves(
            {
                "name": name,
                "scormtype": "local",
                "reference": package.name,
                "intro": "",
                "introformat": 1,
                "version": SCORM_VERSION,
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
        gradepass=info.mastery or 0,
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
