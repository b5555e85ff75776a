"""The ungraded modules: Page, Label, URL and File (``mod_resource``).

Field lists and order follow each module's ``backup_<mod>_stepslib.php``; display settings
are Moodle's defaults for a new activity, in Moodle's PHP-serialised form.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from .build import ActivityBody, Build
from .common import php_array
from .plan import Module
from .xml import leaves, node

DISPLAY_AUTO = 0  # RESOURCELIB_DISPLAY_AUTO
DISPLAY_OPEN = 5  # RESOURCELIB_DISPLAY_OPEN


def page(build: Build, module: Module) -> ActivityBody:
    """Page: the body is the page; the summary is its description on the course page."""
    parts = build.items(module.item.id)
    name = build.name(parts)
    intro_area = build.pool.area(module.contextid, "mod_page", "intro")
    content_area = build.pool.area(module.contextid, "mod_page", "content")
    intro = build.summary(parts, intro_area)
    element = node(
        "page",
        leaves(
            {
                "name": name,
                "intro": intro,
                "introformat": 1,
                "content": build.content.block(content_area, build.versions(parts, lambda p: p.html)),
                "contentformat": 1,
                "legacyfiles": 0,
                "legacyfileslast": None,
                "display": DISPLAY_OPEN,
                "displayoptions": php_array({"printintro": 0, "printlastmodified": 1}),
                "revision": 1,
                "timemodified": build.timestamp,
            }
        ),
        id=module.instance,
    )
    return ActivityBody(name, element, (intro_area, content_area), show_description=bool(intro))


def label(build: Build, module: Module) -> ActivityBody:
    """Label: text shown on the course page itself; its title only names it in reports."""
    parts = build.items(module.item.id)
    name = build.name(parts)
    area = build.pool.area(module.contextid, "mod_label", "intro")
    element = node(
        "label",
        leaves(
            {
                "name": name,
                "intro": build.content.block(area, build.versions(parts, lambda p: p.html)),
                "introformat": 1,
                "timemodified": build.timestamp,
            }
        ),
        id=module.instance,
    )
    return ActivityBody(name, element, (area,), show_description=True)


def description(build: Build, module: Module, component: str):
    """Intro of a link, file, screener or quiz: the summary, then the body text."""
    parts = build.items(module.item.id)
    area = build.pool.area(module.contextid, component, "intro")
    intro = build.content.block(area, build.versions(parts, lambda p: build.paragraph(p.text.summary) + p.html))
    return parts, area, intro


def url(build: Build, module: Module) -> ActivityBody:
    parts, area, intro = description(build, module, "mod_url")
    name = build.name(parts)
    element = node(
        "url",
        leaves(
            {
                "name": name,
                "intro": intro,
                "introformat": 1,
                "externalurl": module.item.url,
                "display": DISPLAY_AUTO,
                "displayoptions": php_array({"printintro": 1}),
                "parameters": php_array({}),
                "timemodified": build.timestamp,
            }
        ),
        id=module.instance,
    )
    # A URL opens the address directly, so its description is only ever seen on the course page.
    return ActivityBody(name, element, (area,), show_description=bool(intro))


def resource(build: Build, module: Module) -> ActivityBody:
    """File: the asset is the main (``sortorder`` 1) file of the ``content`` area."""
    parts, area, intro = description(build, module, "mod_resource")
    name = build.name(parts)
    content = build.pool.area(module.contextid, "mod_resource", "content")
    asset = build.course.assets[module.item.file]
    content.add(PurePosixPath(asset.path).name, build.content.asset_bytes(asset.path), asset.media_type, sortorder=1, source=asset.path)
    element = node(
        "resource",
        leaves(
            {
                "name": name,
                "intro": intro,
                "introformat": 1,
                "tobemigrated": 0,
                "legacyfiles": 0,
                "legacyfileslast": None,
                "display": DISPLAY_AUTO,
                "displayoptions": php_array({"printintro": 1, "showsize": 1, "showtype": 1}),
                "filterfiles": 0,
                "revision": 1,
                "timemodified": build.timestamp,
            }
        ),
        id=module.instance,
    )
    return ActivityBody(name, element, (area, content), show_description=bool(intro))
