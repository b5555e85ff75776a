"""``imsmanifest.xml`` in the CC 1.1 namespaces: LOM metadata, organisation, resources.

Moodle recognises a CC 1.1 cartridge by finding the default namespace declaration
``xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"`` in the manifest's first 500
bytes (``backup/converter/imscc11/lib.php``), so it is the root element's first attribute
and nothing (no comment) precedes the root.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree
from lxml.builder import ElementMaker

from ...model import Course
from . import layout
from .xml import XSI, document

NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
LOM_MANIFEST_NS = "http://ltsc.ieee.org/xsd/imsccv1p1/LOM/manifest"
LOM_RESOURCE_NS = "http://ltsc.ieee.org/xsd/imsccv1p1/LOM/resource"
SCHEMA_LOCATION = " ".join(
    (
        NS, "http://www.imsglobal.org/profile/cc/ccv1p1/ccv1p1_imscp_v1p2_v1p0.xsd",
        LOM_MANIFEST_NS, "http://www.imsglobal.org/profile/cc/ccv1p1/LOM/ccv1p1_lommanifest_v1p0.xsd",
        LOM_RESOURCE_NS, "http://www.imsglobal.org/profile/cc/ccv1p1/LOM/ccv1p1_lomresource_v1p0.xsd",
    )
)

WEBCONTENT = "webcontent"
WEBLINK = "imswl_xmlv1p1"
BASIC_LTI = "imsbasiclti_xmlv1p0"
ASSESSMENT = "imsqti_xmlv1p2/imscc_xmlv1p1/assessment"

_NSMAP = {None: NS, "lomimscc": LOM_MANIFEST_NS, "lom": LOM_RESOURCE_NS, "xsi": XSI}
M = ElementMaker(namespace=NS, nsmap=_NSMAP)
L = ElementMaker(namespace=LOM_MANIFEST_NS, nsmap=_NSMAP)


@dataclass(frozen=True)
class Resource:
    identifier: str
    type: str
    files: tuple[str, ...]
    href: str | None = None  # the launchable file of web content
    dependencies: tuple[str, ...] = ()


@dataclass(frozen=True)
class OrgItem:
    identifier: str
    title: str
    ref: str | None = None  # resource identifier; None for a group (section)
    children: tuple[OrgItem, ...] = field(default=())


@dataclass(frozen=True)
class Metadata:
    title: str
    lang: str
    description: str


def manifest(course: Course, lang: str, meta: Metadata, organization: tuple[OrgItem, ...], resources: list[Resource]) -> bytes:
    root = M.manifest(
        M.metadata(M.schema("IMS Common Cartridge"), M.schemaversion("1.1.0"), _lom(course, meta)),
        M.organizations(
            M.organization(
                M.item(*(_item(entry) for entry in organization), identifier=layout.ROOT_ITEM_ID),
                identifier=layout.ORGANIZATION_ID,
                structure="rooted-hierarchy",
            )
        ),
        M.resources(*(_resource(resource) for resource in resources)),
        identifier=layout.manifest_id(course.shortname, lang),
    )
    root.set(f"{{{XSI}}}schemaLocation", SCHEMA_LOCATION)
    return document(root)


def _lang_string(tag: str, text: str, lang: str) -> etree._Element:
    return getattr(L, tag)(L.string(text, language=lang))


def _lom(course: Course, meta: Metadata) -> etree._Element:
    general = [
        L.identifier(L.catalog("qser"), L.entry(course.shortname)),
        _lang_string("title", meta.title, meta.lang),
        L.language(meta.lang),
    ]
    if meta.description:
        general.append(_lang_string("description", meta.description, meta.lang))
    parts = [L.general(*general)]
    if course.authors or course.date:
        contribute = [L.role(L.value("author"))] + [L.entity(author) for author in course.authors]
        if course.date:
            contribute.append(L.date(L.dateTime(course.date)))
        parts.append(L.lifeCycle(L.contribute(*contribute)))
    parts.append(
        L.rights(L.copyrightAndOtherRestrictions(L.value("yes")), _lang_string("description", course.license, meta.lang))
    )
    return L.lom(*parts)


def _item(entry: OrgItem) -> etree._Element:
    element = M.item(M.title(entry.title), *(_item(child) for child in entry.children), identifier=entry.identifier)
    if entry.ref:
        element.set("identifierref", entry.ref)
    return element


def _resource(resource: Resource) -> etree._Element:
    element = M.resource(
        *(M.file(href=path) for path in resource.files),
        *(M.dependency(identifierref=ref) for ref in resource.dependencies),
        identifier=resource.identifier,
        type=resource.type,
    )
    if resource.href:
        element.set("href", resource.href)
    return element
