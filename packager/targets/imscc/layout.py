"""Where everything sits inside a cartridge, and what it is called in the manifest.

One place decides paths and identifiers so the manifest, the pages that link to each other
and the descriptors can never disagree. Layout (all ASCII, all relative)::

    imsmanifest.xml
    index.html                          course home page
    <section>/index.html                section introduction (when the section has text)
    <section>/<item>/page.html          page and label items
    <section>/<item>/weblink.xml        url items (imswl)
    <section>/<item>/basiclti.xml       the screener (Basic LTI link)
    <section>/<item>/assessment.xml     quizzes (QTI 1.2.1)
    web_resources/<content path>        assets: images, PDFs, downloadable files

Every learning-application descriptor sits alone in its item's folder, as the CC profile
expects, and slugs never contain "_" or ".", so none of these paths can collide.
Identifiers are XML IDs (NCName): a letter, then slugs joined with "_".
"""

from __future__ import annotations

import hashlib

from ...links import portable_path

MANIFEST = "imsmanifest.xml"
ASSETS = "web_resources"
HOME_PAGE = "index.html"

PAGE_FILE = "page.html"
WEBLINK_FILE = "weblink.xml"
LTI_FILE = "basiclti.xml"
QTI_FILE = "assessment.xml"

def section_page(section: str) -> str:
    return f"{section}/index.html"


def item_file(item_id: str, name: str) -> str:
    return f"{item_id}/{name}"


def asset_path(content_path: str) -> str:
    """Archive path of an asset: its portable content path under ``web_resources/``."""
    return f"{ASSETS}/{portable_path(content_path)}"


# --- identifiers ------------------------------------------------------------------------


def _id_part(slug_path: str) -> str:
    return slug_path.replace("/", "_")


def manifest_id(shortname: str, lang: str) -> str:
    return f"M_{shortname}_{lang}"


ORGANIZATION_ID = "ORG"
ROOT_ITEM_ID = "ROOT"
HOME_GROUP_ID = "HOME"
HOME_ITEM_ID = "HOME_PAGE"
HOME_RESOURCE_ID = "R_HOME"


def section_item_id(section: str) -> str:
    """Organisation item grouping a section's items."""
    return f"S_{section}"


def section_page_item_id(section: str) -> str:
    return f"I_{section}"


def section_resource_id(section: str) -> str:
    return f"R_{section}"


def item_id(item: str) -> str:
    return f"I_{_id_part(item)}"


def resource_id(item: str) -> str:
    return f"R_{_id_part(item)}"


def asset_resource_id(content_path: str) -> str:
    """Assets are named by a hash of their path: paths may hold characters IDs cannot."""
    return "A_" + hashlib.sha1(content_path.encode("utf-8")).hexdigest()[:16]
