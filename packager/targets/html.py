"""The static HTML site, ``html/<lang>/...``: the pages :mod:`packager.render.site` builds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import Target, register

if TYPE_CHECKING:
    from ..archive import Stage
    from ..render import RenderedCourse


def write(rendered: RenderedCourse, stage: Stage, _options) -> list[str]:
    """The whole site under ``html/``; with a build cache, pages the last build wrote as they are
    now are kept (hard-linked), not written again."""
    from ..render.site import SiteBuilder  # imported when writing: registering the target stays light

    stage.write_tree("html", SiteBuilder(rendered).files(), rendered.cache)
    return ["html"]


register(Target("html", "static HTML site in html/<lang>/", write))
