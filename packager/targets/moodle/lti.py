"""The screener as an External tool (``mod_lti``) activity bound to the qser tool by URL.

A backup never carries a site-level tool (``backup_lti_stepslib::retrieve_lti_type`` blanks
it), and restore drops the type id anyway (``restore_lti_stepslib::process_lti`` sets it to
0). So the activity is written the way Moodle writes a tool link with no preconfigured
type: ``typeid`` 0 and ``toolurl`` = the tool's launch URL. At launch Moodle picks the site
tool whose URL and domain match (``lti_get_instance_type``), which is the tool the admin
registered through Dynamic Registration. The AGS line item couples the grade item to the
link as REF101's ``lti_6`` does; restore finds its tool type by the same base URL.
"""

from __future__ import annotations

from ... import lti_contract
from .build import ActivityBody, Build
from .grades import GradeItem
from .plan import COURSE_ID, Module
from .resources import description
from .xml import leaves, node

LAUNCH_DEFAULT = 1  # LTI_LAUNCH_CONTAINER_DEFAULT: the site tool's own setting decides
SOURCE_TYPE_ID = 1  # any non-null id: restore then looks the real type up by base URL


def custom_parameters(item_id: str, lang: str, screener=None) -> str:
    """Moodle's ``name=value`` lines for the qser custom parameters."""
    params = lti_contract.custom_parameters(item_id, lang or None, screener)
    return "\n".join(f"{name}={value}" for name, value in params.items())


def lti(build: Build, module: Module) -> ActivityBody:
    parts, area, intro = description(build, module, "mod_lti")
    screener = parts[0].screener.model
    launch_url = lti_contract.tool_url(build.tool_base, lti_contract.LAUNCH_PATH)
    name = build.name(parts)
    lineitem = node(
        "lineitem",
        leaves(
            {
                "gradeitemid": module.grade_item,
                "courseid": COURSE_ID,
                "toolproxyid": None,
                "typeid": SOURCE_TYPE_ID,
                "baseurl": launch_url,
                "ltilinkid": module.instance,
                "resourceid": None,
                "tag": None,
                "vendorcode": None,
                "guid": None,
                "subreviewurl": None,
                "subreviewparams": None,
            }
        ),
        id=module.instance,
    )
    element = node(
        "lti",
        leaves(
            {
                "name": name,
                "intro": intro,
                "introformat": 1,
                "timecreated": build.timestamp,
                "timemodified": build.timestamp,
                "typeid": 0,
                "toolurl": launch_url,
                "securetoolurl": "",
                "launchcontainer": LAUNCH_DEFAULT,
                "instructorchoicesendname": 1,
                "instructorchoicesendemailaddr": 0,
                "instructorchoiceacceptgrades": 1,
                "instructorchoiceallowroster": None,
                "instructorchoiceallowsetting": None,
                "grade": screener.max_score,
                "instructorcustomparameters": custom_parameters(module.item.id, build.languages.course_lang, screener),
                "debuglaunch": 0,
                "showtitlelaunch": 0,
                "showdescriptionlaunch": 0,
                "icon": None,
                "secureicon": None,
                "resourcekey": None,
                "password": None,
            }
        ),
        node("ltisubmissions"),
        node("subplugin_ltiservice_gradebookservices_lti", node("lineitems", lineitem)),
        id=module.instance,
    )
    grade = GradeItem(
        id=module.grade_item,
        name=name,
        module="lti",
        instance=module.instance,
        grademax=screener.max_score,
        gradepass=screener.threshold,
        sortorder=module.grade_item,
        idnumber=module.item.id,
    )
    return ActivityBody(name, element, (area,), grade=grade)
