"""One SCORM package: the site for one language, the launch page, the manifest, the zip.

Layout of the zip::

    imsmanifest.xml           first entry, as some LMSs sniff for it
    index.html                the SCO's launch page: finds the LMS API, keeps the session,
                              shows the course pages in a frame (static/qser-scorm.js)
    <lang>/...                the HTML site's pages for this language
    assets/...  static/...    images and files; stylesheets and scripts
    *.xsd ...                 the schema files imsmanifest.xml names
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from jinja2 import Environment, PackageLoader, select_autoescape

from ... import links
from ...archive import LMS_LEVEL, entry_date, ordered, zip_bytes
from ...i18n import translator
from ...render import RenderedCourse
from ...render.compiled import CompiledTemplates
from ...render.site import SiteBuilder, SiteOptions, site_paths
from . import manifest, widgets
from .plan import Plan, tracking_plan
from .state import fingerprint
from .versions import Version

LAUNCH = "index.html"
MANIFEST = "imsmanifest.xml"
PAGE_SCRIPTS = ("qser-widgets.js",)
PAGE_STYLES = ("qser-widgets.css",)
STATIC = ("qser-player.css", "qser-scorm.js", "qser-widgets.css", "qser-widgets.js")


@dataclass(frozen=True)
class Package:
    name: str  # file name in the build folder
    data: bytes
    info: manifest.PackageInfo  # what the manifest says (for writers that embed the package)
    entries: Mapping[str, bytes]  # every file in the zip, in its order, so an embedding writer need not unzip it


def file_name(shortname: str, lang: str, version: Version) -> str:
    return f"{shortname}-{lang}-{version.target}.zip"


def build(rendered: RenderedCourse, lang: str, version: Version, plan: Plan | None = None) -> Package:
    course = rendered.course
    plan = plan or tracking_plan(course)
    files = {**site_files(rendered, lang), LAUNCH: launch_page(rendered, lang, version, plan)}
    text = rendered.language(lang).text
    info = manifest.PackageInfo(
        ids=manifest.Identifiers.for_course(course.shortname, lang),
        title=text.title,
        lang=lang,
        description=text.summary or course.text(course.default_language).summary,
        version=course.version,
        authors=course.authors,
        date=course.date,
        license=course.license,
        launch=LAUNCH,
        mastery=plan.mastery,
        files=tuple(sorted(files)),
    )
    write_manifest = manifest.scorm12 if version.runtime == "1.2" else manifest.scorm2004
    entries = {**files, **{name: _read("schemas", version.target, name) for name in version.schema_files}}
    entries[MANIFEST] = write_manifest(info)
    entries = {name: entries[name] for name in ordered(entries, (MANIFEST, LAUNCH))}
    data = zip_bytes(entries, first=(MANIFEST, LAUNCH), level=LMS_LEVEL, date=entry_date(course.date), cache=rendered.cache,
                     compressed=rendered.shared(("scorm-deflated", lang), dict))
    return Package(file_name(course.shortname, lang, version), data, info, entries)


def site_files(rendered: RenderedCourse, lang: str) -> dict[str, bytes]:
    """The package's course pages, written once per build and language for both SCORM versions.

    The pages do not depend on the version (the launch page does), so the second SCORM target
    of a build reuses the first one's, kept with the rendered course.
    """
    return rendered.shared(("scorm-site", lang), lambda: _site_files(rendered, lang))


def _site_files(rendered: RenderedCourse, lang: str) -> dict[str, bytes]:
    site = SiteBuilder(
        rendered,
        SiteOptions(
            scripts=PAGE_SCRIPTS,
            stylesheets=PAGE_STYLES,
            language_switch=False,
            language_chooser=False,
            static_files={name: _read("static", name) for name in STATIC},
            page_data=widgets.page_data_for(lang),
        ),
    )
    return dict(site.files((lang,)))


def launch_page(rendered: RenderedCourse, lang: str, version: Version, plan: Plan) -> bytes:
    paths = site_paths(lang)
    rl = rendered.language(lang)
    tracked = {item.id for item in plan.items}
    keys = [links.HOME]
    for section in rl.sections:
        keys.append(section.key)
        keys.extend(item.key for item in section.items if item.item.id in tracked)
    config = {
        "version": version.runtime,
        "lang": lang,
        "home": links.HOME,
        "pages": {key: paths(key) for key in keys},
        "plan": plan.as_json(),
        "fingerprint": fingerprint(plan),
        "limits": {"suspend_data": version.suspend_data_limit, "location": version.location_limit},
    }
    template = _templates().get_template("launch.html")
    html = template.render(lang=lang, title=rl.text.title, home=paths(links.HOME), t=translator(lang), config=config)
    return html.encode("utf-8")


@lru_cache(maxsize=1)
def _templates() -> Environment:
    """One environment per process: a new one compiled the launch page again for each SCORM version
    (and the code compiled by an earlier build is loaded, :mod:`packager.render.compiled`)."""
    return Environment(loader=PackageLoader("packager", "targets/scorm/templates"), autoescape=select_autoescape(["html"], default=True),
                       bytecode_cache=CompiledTemplates())


def _read(*parts: str) -> bytes:
    return resources.files("packager").joinpath("targets", "scorm", *parts).read_bytes()
