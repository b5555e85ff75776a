"""``imsmanifest.xml`` for SCORM 1.2 and SCORM 2004 4th edition.

Both describe the same structure: one organization whose single item launches the course's
one SCO, a resource listing every file of the package, and inline LOM metadata (title,
description, language, version, authors, date, licence). Written for Moodle's parser as much
as for the schemas: unprefixed IMS CP elements, the literal prefixes ``adlcp:``, ``imsss:``,
``adlnav:``, an exact ``<schemaversion>``, identifiers that depend only on the course's short
name so tracks survive a re-upload.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

CP12 = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP12 = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
IMSMD = "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"

CP = "http://www.imsglobal.org/xsd/imscp_v1p1"
ADLCP = "http://www.adlnet.org/xsd/adlcp_v1p3"
ADLSEQ = "http://www.adlnet.org/xsd/adlseq_v1p3"
ADLNAV = "http://www.adlnet.org/xsd/adlnav_v1p3"
IMSSS = "http://www.imsglobal.org/xsd/imsss"
LOM = "http://ltsc.ieee.org/xsd/LOM"


@dataclass(frozen=True)
class Identifiers:
    """Stable across builds and languages: Moodle keeps a SCO's tracks only if its id is unchanged."""

    manifest: str
    organization: str
    item: str
    resource: str
    objective: str

    @classmethod
    def for_course(cls, shortname: str, lang: str) -> Identifiers:
        return cls(
            manifest=f"MANIFEST-{shortname}-{lang}",
            organization=f"ORG-{shortname}",
            item=f"ITEM-{shortname}",
            resource=f"RES-{shortname}",
            objective=f"urn:qser:{shortname}:course",
        )


@dataclass(frozen=True)
class PackageInfo:
    ids: Identifiers
    title: str
    lang: str
    description: str
    version: str
    authors: tuple[str, ...]
    date: str  # ISO date or ""
    license: str
    launch: str  # href of the SCO
    mastery: int | None  # percent
    files: tuple[str, ...]  # every file of the SCO, sorted


def scorm12(info: PackageInfo) -> bytes:
    manifest = etree.Element(
        f"{{{CP12}}}manifest",
        identifier=info.ids.manifest,
        version=info.version[:20],  # IMS CP 1.1.2 allows 20 characters
        nsmap={None: CP12, "adlcp": ADLCP12, "imsmd": IMSMD, "xsi": XSI},
    )
    manifest.set(
        f"{{{XSI}}}schemaLocation",
        f"{CP12} imscp_rootv1p1p2.xsd {IMSMD} imsmd_rootv1p2p1.xsd {ADLCP12} adlcp_rootv1p2.xsd",
    )
    metadata = _sub(manifest, CP12, "metadata")
    _sub(metadata, CP12, "schema", "ADL SCORM")
    _sub(metadata, CP12, "schemaversion", "1.2")
    metadata.append(_imsmd(info))
    organizations = _sub(manifest, CP12, "organizations", default=info.ids.organization)
    organization = _sub(organizations, CP12, "organization", identifier=info.ids.organization)
    _sub(organization, CP12, "title", info.title)
    item = _sub(organization, CP12, "item", identifier=info.ids.item, identifierref=info.ids.resource)
    _sub(item, CP12, "title", info.title)
    if info.mastery:  # Moodle drops a mastery score of 0, and with it nothing would be failed anyway
        _sub(item, ADLCP12, "masteryscore", str(info.mastery))
    resources = _sub(manifest, CP12, "resources")
    resource = _sub(resources, CP12, "resource", identifier=info.ids.resource, type="webcontent", href=info.launch)
    resource.set(f"{{{ADLCP12}}}scormtype", "sco")
    for name in info.files:
        _sub(resource, CP12, "file", href=name)
    return _serialise(manifest)


def scorm2004(info: PackageInfo) -> bytes:
    manifest = etree.Element(
        f"{{{CP}}}manifest",
        identifier=info.ids.manifest,
        version=info.version,
        nsmap={None: CP, "adlcp": ADLCP, "adlseq": ADLSEQ, "adlnav": ADLNAV, "imsss": IMSSS, "lom": LOM, "xsi": XSI},
    )
    manifest.set(
        f"{{{XSI}}}schemaLocation",
        f"{CP} imscp_v1p1.xsd {ADLCP} adlcp_v1p3.xsd {ADLSEQ} adlseq_v1p3.xsd {ADLNAV} adlnav_v1p3.xsd "
        f"{IMSSS} imsss_v1p0.xsd {LOM} lom.xsd",
    )
    metadata = _sub(manifest, CP, "metadata")
    _sub(metadata, CP, "schema", "ADL SCORM")
    _sub(metadata, CP, "schemaversion", "2004 4th Edition")
    metadata.append(_lom(info))
    organizations = _sub(manifest, CP, "organizations", default=info.ids.organization)
    organization = _sub(organizations, CP, "organization", identifier=info.ids.organization)
    _sub(organization, CP, "title", info.title)
    item = _sub(organization, CP, "item", identifier=info.ids.item, identifierref=info.ids.resource)
    _sub(item, CP, "title", info.title)
    sequencing = _sub(item, IMSSS, "sequencing")
    if info.mastery is not None:
        # Moodle turns minNormalizedMeasure into cmi.scaled_passing_score; sequencing LMSs
        # judge the objective by it (satisfiedByMeasure), on the same rule the SCO applies.
        objectives = _sub(sequencing, IMSSS, "objectives")
        primary = _sub(objectives, IMSSS, "primaryObjective", objectiveID=info.ids.objective, satisfiedByMeasure="true")
        _sub(primary, IMSSS, "minNormalizedMeasure", _scaled(info.mastery))
    # The SCO reports completion and success itself; no LMS should assume either on exit.
    _sub(sequencing, IMSSS, "deliveryControls", completionSetByContent="true", objectiveSetByContent="true")
    presentation = _sub(item, ADLNAV, "presentation")
    interface = _sub(presentation, ADLNAV, "navigationInterface")
    for hidden in ("continue", "previous"):  # one SCO: the course has its own page navigation
        _sub(interface, ADLNAV, "hideLMSUI", hidden)
    org_sequencing = _sub(organization, IMSSS, "sequencing")
    _sub(org_sequencing, IMSSS, "controlMode", choice="true", flow="true")
    resources = _sub(manifest, CP, "resources")
    resource = _sub(resources, CP, "resource", identifier=info.ids.resource, type="webcontent", href=info.launch)
    resource.set(f"{{{ADLCP}}}scormType", "sco")
    for name in info.files:
        _sub(resource, CP, "file", href=name)
    return _serialise(manifest)


# --- metadata --------------------------------------------------------------------------


def _imsmd(info: PackageInfo) -> etree._Element:
    """IMS Metadata 1.2.1, the LOM binding SCORM 1.2 uses."""
    lom = etree.Element(f"{{{IMSMD}}}lom")
    general = _sub(lom, IMSMD, "general")
    _langstring(_sub(general, IMSMD, "title"), info.title, info.lang)
    _sub(general, IMSMD, "language", info.lang)
    if info.description:
        _langstring(_sub(general, IMSMD, "description"), info.description, info.lang)
    lifecycle = _sub(lom, IMSMD, "lifecycle")
    _langstring(_sub(lifecycle, IMSMD, "version"), info.version, "x-none")
    for author in info.authors:
        contribute = _sub(lifecycle, IMSMD, "contribute")
        role = _sub(contribute, IMSMD, "role")
        _langstring(_sub(role, IMSMD, "source"), "LOMv1.0", "x-none")
        _langstring(_sub(role, IMSMD, "value"), "Author", "x-none")
        _sub(_sub(contribute, IMSMD, "centity"), IMSMD, "vcard", _vcard(author))
        if info.date:
            _sub(_sub(contribute, IMSMD, "date"), IMSMD, "datetime", info.date)
    metametadata = _sub(lom, IMSMD, "metametadata")
    _sub(metametadata, IMSMD, "metadatascheme", "ADL SCORM 1.2")
    technical = _sub(lom, IMSMD, "technical")
    _sub(technical, IMSMD, "format", "text/html")
    rights = _sub(lom, IMSMD, "rights")
    restrictions = _sub(rights, IMSMD, "copyrightandotherrestrictions")
    _langstring(_sub(restrictions, IMSMD, "source"), "LOMv1.0", "x-none")
    _langstring(_sub(restrictions, IMSMD, "value"), "yes", "x-none")
    _langstring(_sub(rights, IMSMD, "description"), info.license, "x-none")
    return lom


def _langstring(parent: etree._Element, text: str, lang: str) -> None:
    _sub(parent, IMSMD, "langstring", text).set(XML_LANG, lang)


def _lom(info: PackageInfo) -> etree._Element:
    """IEEE LOM as SCORM 2004 profiles it, valid against the strict LOM schema."""
    lom = etree.Element(f"{{{LOM}}}lom")
    general = _sub(lom, LOM, "general")
    identifier = _sub(general, LOM, "identifier")
    _sub(identifier, LOM, "catalog", "qser")
    _sub(identifier, LOM, "entry", info.ids.manifest)
    _string(_sub(general, LOM, "title"), info.title, info.lang)
    _sub(general, LOM, "language", info.lang)
    if info.description:
        _string(_sub(general, LOM, "description"), info.description, info.lang)
    lifecycle = _sub(lom, LOM, "lifeCycle")
    _string(_sub(lifecycle, LOM, "version"), info.version, "x-none")
    for author in info.authors:
        contribute = _sub(lifecycle, LOM, "contribute")
        _vocabulary(_sub(contribute, LOM, "role"), "author")
        _sub(contribute, LOM, "entity", _vcard(author))
        if info.date:
            _sub(_sub(contribute, LOM, "date"), LOM, "dateTime", info.date)
    metametadata = _sub(lom, LOM, "metaMetadata")
    _sub(metametadata, LOM, "metadataSchema", "LOMv1.0")
    _sub(metametadata, LOM, "metadataSchema", "SCORM_CAM_v1.3")
    technical = _sub(lom, LOM, "technical")
    _sub(technical, LOM, "format", "text/html")
    rights = _sub(lom, LOM, "rights")
    _vocabulary(_sub(rights, LOM, "copyrightAndOtherRestrictions"), "yes")
    _string(_sub(rights, LOM, "description"), info.license, "x-none")
    return lom


def _string(parent: etree._Element, text: str, lang: str) -> None:
    _sub(parent, LOM, "string", text, language=lang)


def _vocabulary(parent: etree._Element, value: str) -> None:
    _sub(parent, LOM, "source", "LOMv1.0")
    _sub(parent, LOM, "value", value)


def _vcard(name: str) -> str:
    escaped = name.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return f"BEGIN:VCARD\nVERSION:3.0\nN:;;;;\nFN:{escaped}\nEND:VCARD"


# --- helpers ---------------------------------------------------------------------------


def _sub(parent: etree._Element, namespace: str, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{namespace}}}{tag}", **attributes)
    if text is not None:
        element.text = text
    return element


def _scaled(percent: int) -> str:
    """0-100 -> a decimal Moodle's 2004 parser accepts (a leading digit, no exponent)."""
    value = (Decimal(percent) / 100).normalize()
    return format(value, "f")


def _serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
