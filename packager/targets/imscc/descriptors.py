"""The small learning-application descriptors: web links and the screener's LTI link."""

from __future__ import annotations

from lxml.builder import ElementMaker

from ... import lti_contract
from ...render.markdown import plain_text
from ...model import LtiSettings
from ...render import RenderedItem
from .xml import XSI, document

WL_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imswl_v1p1"
WL_SCHEMA_LOCATION = f"{WL_NS} http://www.imsglobal.org/profile/cc/ccv1p1/ccv1p1_imswl_v1p1.xsd"

LTICC_NS = "http://www.imsglobal.org/xsd/imslticc_v1p0"
BLTI_NS = "http://www.imsglobal.org/xsd/imsbasiclti_v1p0"
LTICM_NS = "http://www.imsglobal.org/xsd/imslticm_v1p0"
LTICP_NS = "http://www.imsglobal.org/xsd/imslticp_v1p0"
LTI_SCHEMA_LOCATION = " ".join(
    (
        LTICC_NS, "http://www.imsglobal.org/xsd/lti/ltiv1p0/imslticc_v1p0.xsd",
        BLTI_NS, "http://www.imsglobal.org/xsd/lti/ltiv1p0/imsbasiclti_v1p0p1.xsd",
        LTICM_NS, "http://www.imsglobal.org/xsd/lti/ltiv1p0/imslticm_v1p0.xsd",
        LTICP_NS, "http://www.imsglobal.org/xsd/lti/ltiv1p0/imslticp_v1p0.xsd",
    )
)
VENDOR_CODE = "qser"

_LTI_NSMAP = {None: LTICC_NS, "blti": BLTI_NS, "lticm": LTICM_NS, "lticp": LTICP_NS, "xsi": XSI}
WL = ElementMaker(namespace=WL_NS, nsmap={None: WL_NS, "xsi": XSI})
CC = ElementMaker(namespace=LTICC_NS, nsmap=_LTI_NSMAP)
BLTI = ElementMaker(namespace=BLTI_NS, nsmap=_LTI_NSMAP)
LTICM = ElementMaker(namespace=LTICM_NS, nsmap=_LTI_NSMAP)
LTICP = ElementMaker(namespace=LTICP_NS, nsmap=_LTI_NSMAP)


def web_link(item: RenderedItem) -> bytes:
    """A ``url`` item; ``_blank`` because most sites refuse to be framed inside an LMS."""
    root = WL.webLink(WL.title(item.text.title), WL.url(href=item.item.url, target="_blank"))
    root.set(f"{{{XSI}}}schemaLocation", WL_SCHEMA_LOCATION)
    return document(root)


def lti_link(item: RenderedItem, lang: str, lti: LtiSettings) -> bytes:
    """The screener as a Basic LTI link to the qser tool's launch URL.

    The screener is named in custom parameters (``qser_screener``, ``qser_lang``, ``qser_rules``) as the
    LTI contract says. Moodle's CC importer keeps only title, description and launch URL
    (``backup/cc/entity11.lti.class.php``); Canvas and others keep the custom parameters.
    The description is plain text: LTI descriptors have no file base for links or images.
    """
    launch = lti_contract.tool_url(lti.url, lti_contract.LAUNCH_PATH)
    params = lti_contract.custom_parameters(item.item.id, lang, item.screener.model if item.screener else None)
    children = [BLTI.title(item.text.title)]
    description = plain_text(item.html) or item.text.summary
    if description:
        children.append(BLTI.description(description))
    children.append(BLTI.custom(*(LTICM.property(value, name=name) for name, value in params.items())))
    children.append(BLTI.launch_url(launch))
    if launch.startswith("https://"):
        children.append(BLTI.secure_launch_url(launch))
    children.append(
        BLTI.vendor(LTICP.code(VENDOR_CODE), LTICP.name(lti.name), LTICP.url(lti_contract.tool_url(lti.url, "")))
    )
    root = CC.cartridge_basiclti_link(*children)
    root.set(f"{{{XSI}}}schemaLocation", LTI_SCHEMA_LOCATION)
    return document(root)
