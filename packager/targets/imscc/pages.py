"""The cartridge's web content: one self-contained, accessible HTML file per page.

Importers keep only a page's ``<body>`` (Moodle) or show the file as it is (Canvas file
view, a learner opening the cartridge), so each page carries its own ``lang``, title and a
small inline stylesheet rather than depending on the LMS theme or on a shared CSS file.
"""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from ...i18n import translator
from ...render.compiled import CompiledTemplates
from .addresses import Addresses

_ENV = Environment(  # qser's own template, read once per process: not stated again for every page
    loader=PackageLoader("packager", "templates/imscc"),
    autoescape=select_autoescape(["html"], default=True),
    keep_trailing_newline=True,
    auto_reload=False,
    bytecode_cache=CompiledTemplates(),  # nor compiled again by every build
)


@dataclass(frozen=True)
class Facts:
    """Shown at the foot of the home page: what LMS course settings cannot carry."""

    version: str
    license: str
    authors: tuple[str, ...]


def page(path: str, lang: str, title: str, fragment: str, content_lang: str, addresses: Addresses,
         facts: Facts | None = None) -> tuple[bytes, set[str]]:
    """The HTML file stored at ``path``, and the content paths of the assets it shows."""
    used: set[str] = set()
    body = Markup(addresses.rewrite(fragment, addresses.in_page(path, used)))
    html = _ENV.get_template("page.html").render(
        lang=lang, t=translator(lang), title=title, html=body, content_lang=content_lang, facts=facts
    )
    return html.encode("utf-8"), used
