"""The two SCORM dialects: names, limits and schema files that differ between them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Version:
    target: str  # target name and file-name suffix
    label: str  # for messages
    runtime: str  # tells the runtime script which API to look for
    schemaversion: str  # exact text Moodle matches (no surrounding whitespace)
    suspend_data_limit: int  # characters of cmi.suspend_data every LMS must store
    location_limit: int  # characters of the bookmark element
    identifier_limit: int  # characters of objective and interaction identifiers
    schema_files: tuple[str, ...]  # controlling documents shipped at the package root


SCORM12 = Version(
    target="scorm12",
    label="SCORM 1.2",
    runtime="1.2",
    schemaversion="1.2",
    suspend_data_limit=4096,  # CMIString4096
    location_limit=255,  # cmi.core.lesson_location is CMIString255
    identifier_limit=255,  # CMIIdentifier
    schema_files=("adlcp_rootv1p2.xsd", "ims_xml.xsd", "imscp_rootv1p1p2.xsd", "imsmd_rootv1p2p1.xsd"),
)

SCORM2004 = Version(
    target="scorm2004",
    label="SCORM 2004",
    runtime="2004",
    schemaversion="2004 4th Edition",
    suspend_data_limit=64000,  # 4th edition SPM
    location_limit=1000,
    identifier_limit=4000,  # long_identifier_type
    schema_files=(
        "XMLSchema.dtd",
        "adlcp_v1p3.xsd",
        "adlnav_v1p3.xsd",
        "adlseq_v1p3.xsd",
        "common/anyElement.xsd",
        "common/dataTypes.xsd",
        "common/elementNames.xsd",
        "common/elementTypes.xsd",
        "common/rootElement.xsd",
        "common/vocabTypes.xsd",
        "common/vocabValues.xsd",
        "datatypes.dtd",
        "extend/custom.xsd",
        "extend/strict.xsd",
        "imscp_v1p1.xsd",
        "imsss_v1p0.xsd",
        "imsss_v1p0auxresource.xsd",
        "imsss_v1p0control.xsd",
        "imsss_v1p0delivery.xsd",
        "imsss_v1p0limit.xsd",
        "imsss_v1p0objective.xsd",
        "imsss_v1p0random.xsd",
        "imsss_v1p0rollup.xsd",
        "imsss_v1p0seqrule.xsd",
        "imsss_v1p0util.xsd",
        "lom.xsd",
        "lomCustom.xsd",
        "lomLoose.xsd",
        "lomStrict.xsd",
        "unique/loose.xsd",
        "unique/strict.xsd",
        "vocab/adlmd_vocabv1p0.xsd",
        "vocab/custom.xsd",
        "vocab/loose.xsd",
        "vocab/strict.xsd",
        "xml.xsd",
    ),
)

VERSIONS = {v.target: v for v in (SCORM12, SCORM2004)}
